package conn

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// useTestHolder points the holder at a private directory and lets dialHeld
// start it inside the test process; done is closed when it exits.
func useTestHolder(t *testing.T) (dir string, done <-chan error) {
	t.Helper()
	dir = t.TempDir()
	if err := os.Chmod(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	t.Setenv(HolderDirEnv, dir)
	ch := make(chan error, 1)
	old := StartHolder
	StartHolder = func(d string) error {
		go func() { ch <- RunHolder(d) }()
		return nil
	}
	t.Cleanup(func() {
		StartHolder = old
		if hc, ok, _ := ConnectHolder(); ok {
			hc.Stop()
			hc.Close()
		}
	})
	return dir, ch
}

// loginPID is the PID of the sshd process serving the connection a
// command runs on: the same PID means the same SSH connection.
func loginPID(t *testing.T, c Conn) string {
	t.Helper()
	res := mustRun(t, c, Cmd{Command: "echo $PPID"})
	return strings.TrimSpace(string(res.Stdout))
}

func dialPersist(t *testing.T, d *testSSHD, persist time.Duration) *SSHConn {
	t.Helper()
	o := d.opts("root")
	o.Persist = persist
	c, err := DialSSH(context.Background(), o)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func TestHeldConnectionOutlivesTheRun(t *testing.T) {
	d := startSSHD(t)
	useTestHolder(t)
	ctx := context.Background()

	first := dialPersist(t, d, time.Minute)
	pid := loginPID(t, first)
	if s := first.Stats(); s.Connections != 1 || s.Reused != 0 {
		t.Errorf("first run: %d connections, %d reused; want 1, 0", s.Connections, s.Reused)
	}
	first.Close()

	second := dialPersist(t, d, time.Minute)
	if got := loginPID(t, second); got != pid {
		t.Errorf("second run is served by sshd pid %s, the first by %s: the connection was not kept", got, pid)
	}
	if s := second.Stats(); s.Connections != 0 || s.Reused != 1 {
		t.Errorf("second run: %d connections, %d reused; want 0, 1", s.Connections, s.Reused)
	}

	// Everything a module relies on passes through unchanged.
	res, err := second.Run(ctx, Cmd{Command: "cat; printf err >&2; exit 3", Stdin: strings.NewReader("in")})
	if err != nil || res.ExitCode != 3 || string(res.Stdout) != "in" || string(res.Stderr) != "err" {
		t.Errorf("run through the holder: err %v, exit %d, out %q, stderr %q", err, res.ExitCode, res.Stdout, res.Stderr)
	}
	big := make([]byte, 3<<20)
	rand.Read(big)
	path := filepath.Join(d.dir, "big")
	if err := second.WriteFile(ctx, path, big, WriteOpts{Mode: 0o600}); err != nil {
		t.Fatalf("SFTP write through the holder: %v", err)
	}
	back, err := second.ReadFile(ctx, path, Become{})
	if err != nil || !bytes.Equal(back, big) {
		t.Errorf("SFTP read back %d bytes (err %v), want the %d written", len(back), err, len(big))
	}
	res, err = second.Run(ctx, Cmd{Command: "head -c 2000000 /dev/zero | wc -c"})
	if err != nil || strings.TrimSpace(string(res.Stdout)) != "2000000" {
		t.Errorf("large stdout: %q, %v", res.Stdout, err)
	}

	// Other credentials or a different host key policy never get this
	// connection.
	o := d.opts("root")
	o.Persist, o.HostKeyPolicy, o.KnownHostsFile = time.Minute, "accept-new", filepath.Join(t.TempDir(), "known_hosts")
	other, err := DialSSH(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if got := loginPID(t, other); got == pid {
		t.Error("a run with another host key policy was handed the held connection")
	}
	if s := other.Stats(); s.Connections != 1 {
		t.Errorf("other policy: %d connections, want 1", s.Connections)
	}

	hc, ok, err := ConnectHolder()
	if err != nil || !ok {
		t.Fatalf("ConnectHolder: ok=%v err=%v", ok, err)
	}
	defer hc.Close()
	held, err := hc.Status()
	if err != nil {
		t.Fatal(err)
	}
	if len(held) != 2 || held[0].Host != "testhost" || !strings.HasPrefix(held[0].Destination, "root@127.0.0.1:") {
		t.Errorf("status lists %+v, want two connections to root@127.0.0.1 for testhost", held)
	}
}

func TestHeldConnectionExpiresAndHolderExits(t *testing.T) {
	d := startSSHD(t)
	dir, done := useTestHolder(t)
	c := dialPersist(t, d, 300*time.Millisecond)
	pid := loginPID(t, c)
	c.Close()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("holder: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the holder still runs 10 s after its only connection's persist of 300 ms")
	}
	if _, err := os.Stat(filepath.Join(dir, holderSocket)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the holder left its socket behind: %v", err)
	}
	// The host's side of the connection is gone too.
	deadline := time.Now().Add(5 * time.Second)
	for {
		if _, err := os.Stat("/proc/" + pid); errors.Is(err, os.ErrNotExist) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("sshd process %s of the expired connection still runs", pid)
		}
		time.Sleep(50 * time.Millisecond)
	}
	again := dialPersist(t, d, time.Minute)
	if s := again.Stats(); s.Connections != 1 || s.Reused != 0 {
		t.Errorf("after expiry: %d connections, %d reused; want a new one", s.Connections, s.Reused)
	}
}

func TestHeldConnectionUnreachableAndConcurrent(t *testing.T) {
	d := startSSHD(t)
	useTestHolder(t)
	o := Options{Host: "nobody-home", Address: "127.0.0.1", Port: freePort(t), User: "root",
		PrivateKeyFile: d.key, HostKeyPolicy: "off", Persist: time.Minute}
	_, err := DialSSH(context.Background(), o)
	if !errors.Is(err, ErrUnreachable) || !strings.Contains(err.Error(), "connection refused") {
		t.Errorf("dial of a closed port through the holder: %v; want unreachable, connection refused", err)
	}

	// sshd's MaxSessions refusals reach the client through the holder, so
	// fifty commands queue on one held connection as they do on a direct one.
	o = d.opts(concurrencyUser(t))
	o.Persist = time.Minute
	c, err := DialSSH(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.ReadFile(context.Background(), "/etc/hostname", Become{}); err != nil {
		t.Fatal(err)
	}
	concurrentRuns(t, c, 50, nil)
	if s := c.Stats(); s.Connections != 1 {
		t.Errorf("used %d connections, want 1", s.Connections)
	}
}

func TestHolderRefusesAnOpenDirectory(t *testing.T) {
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv(HolderDirEnv, dir)
	_, err := HolderDir()
	if err == nil || !strings.Contains(err.Error(), "chmod 700") {
		t.Errorf("HolderDir on a 0755 directory: %v; want a refusal naming chmod 700", err)
	}
}

func TestHeldConnectionToASilentHostIsReplaced(t *testing.T) {
	d := startSSHD(t)
	useTestHolder(t)
	first := dialPersist(t, d, time.Minute)
	pid := loginPID(t, first)
	first.Close()
	// Freeze the host's side of the held connection: it stays open but
	// never answers again, like a host whose network vanished.
	if out, err := exec.Command("kill", "-STOP", pid).CombinedOutput(); err != nil {
		t.Fatalf("kill -STOP %s: %v %s", pid, err, out)
	}
	t.Cleanup(func() { exec.Command("kill", "-KILL", pid).Run() })
	second := dialPersist(t, d, time.Minute)
	if got := loginPID(t, second); got == pid {
		t.Fatal("the frozen connection was handed out again")
	}
	if s := second.Stats(); s.Connections != 1 || s.Reused != 0 {
		t.Errorf("after a silent host: %d connections, %d reused; want a new connection", s.Connections, s.Reused)
	}
}

// A run's keepalive through the holder must notice a host that stopped
// answering, as it would on a direct connection, and the run reconnects.
func TestHeldKeepaliveNoticesASilentHost(t *testing.T) {
	d := startSSHD(t)
	useTestHolder(t)
	c := dialPersist(t, d, time.Minute)
	pid := loginPID(t, c)
	if out, err := exec.Command("kill", "-STOP", pid).CombinedOutput(); err != nil {
		t.Fatalf("kill -STOP %s: %v %s", pid, err, out)
	}
	t.Cleanup(func() { exec.Command("kill", "-KILL", pid).Run() })
	c.mu.Lock()
	held := c.clients[0].client
	c.mu.Unlock()
	if alive(held) {
		t.Fatal("keepalive through the holder reports a frozen host alive")
	}
	if got := loginPID(t, c); got == pid {
		t.Error("the run kept using the frozen connection")
	}
	if s := c.Stats(); s.Connections != 2 {
		t.Errorf("%d connections, want 2 (the frozen one and its replacement)", s.Connections)
	}
}
