package conn

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestUnreachableNothingListening(t *testing.T) {
	isolate(t)
	port := freePort(t) // closed again: nothing listens there
	_, err := Dial(context.Background(), Options{Host: "ghost", Address: "127.0.0.1", Port: port, User: "root", Password: "x", HostKeyPolicy: "off", ConnectTimeout: 3 * time.Second})
	var ue *UnreachableError
	if !errors.Is(err, ErrUnreachable) || !errors.As(err, &ue) || ue.Host != "ghost" {
		t.Fatalf("err %v, want *UnreachableError for ghost", err)
	}
}

func TestUnreachableSilentServer(t *testing.T) {
	isolate(t)
	// Accepts TCP but never speaks SSH: only the connect timeout ends it.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	_, err = Dial(context.Background(), Options{Host: "mute", Address: "127.0.0.1", Port: l.Addr().(*net.TCPAddr).Port, User: "root", Password: "x", HostKeyPolicy: "off", ConnectTimeout: time.Second})
	if !errors.Is(err, ErrUnreachable) || !strings.Contains(err.Error(), "timed out") {
		t.Fatalf("err %v, want unreachable with a timeout", err)
	}
}

func TestHostKeyChanged(t *testing.T) {
	d := startSSHD(t)
	other := filepath.Join(t.TempDir(), "other")
	keygen(t, other, "")
	otherPub, _ := os.ReadFile(other + ".pub")
	f := strings.Fields(string(otherPub))
	kh := filepath.Join(t.TempDir(), "known_hosts")
	content := fmt.Sprintf("somewhere.example %s %s\n[127.0.0.1]:%d %s %s\n", f[0], f[1], d.port, f[0], f[1])
	if err := os.WriteFile(kh, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, policy := range []string{"strict", "accept-new"} {
		o := d.opts("root")
		o.HostKeyPolicy, o.KnownHostsFile = policy, kh
		_, err := Dial(context.Background(), o)
		if !errors.Is(err, ErrUnreachable) || !strings.Contains(err.Error(), kh+":2") || !strings.Contains(err.Error(), "CHANGED") {
			t.Errorf("%s: changed key: %v (want refusal naming %s:2)", policy, err, kh)
		}
	}
	if got, _ := os.ReadFile(kh); string(got) != content {
		t.Errorf("known_hosts modified after a changed key:\n%s", got)
	}
}

func TestHostKeyStrictUnknownAndKnown(t *testing.T) {
	d := startSSHD(t)
	kh := filepath.Join(t.TempDir(), "known_hosts")
	o := d.opts("root")
	o.HostKeyPolicy, o.KnownHostsFile = "", kh // "" means strict
	_, err := Dial(context.Background(), o)
	if !errors.Is(err, ErrUnreachable) || !strings.Contains(err.Error(), "accept-new") || !strings.Contains(err.Error(), "ssh-keyscan") {
		t.Fatalf("unknown host under strict: %v", err)
	}
	line := fmt.Sprintf("[127.0.0.1]:%d %s\n", d.port, d.hostPub)
	if err := os.WriteFile(kh, []byte(line), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Dial(context.Background(), o)
	if err != nil {
		t.Fatalf("known host under strict: %v", err)
	}
	c.Close()
}

func TestHostKeyAcceptNew(t *testing.T) {
	d := startSSHD(t)
	kh := filepath.Join(t.TempDir(), "sub", "known_hosts")
	o := d.opts("root")
	o.HostKeyPolicy, o.KnownHostsFile = "accept-new", kh
	// Several first connections at once must record the key once.
	var wg sync.WaitGroup
	errs := make([]error, 5)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := Dial(context.Background(), o)
			if err == nil {
				c.Close()
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatalf("accept-new: %v", err)
		}
	}
	got, err := os.ReadFile(kh)
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("[127.0.0.1]:%d %s\n", d.port, d.hostPub)
	if string(got) != want {
		t.Errorf("known_hosts:\n%s\nwant:\n%s", got, want)
	}
	o.HostKeyPolicy = "strict"
	c, err := Dial(context.Background(), o)
	if err != nil {
		t.Fatalf("strict after accept-new: %v", err)
	}
	c.Close()
}

func TestAuthPasswordAndEncryptedKey(t *testing.T) {
	d := startSSHD(t)
	const user, pw = "playconnpw", "Pw-login-test-1"
	testUser(t, user, pw, false)
	o := d.opts(user)
	o.PrivateKeyFile, o.Password = "", pw
	c, err := Dial(context.Background(), o)
	if err != nil {
		t.Fatalf("password login: %v", err)
	}
	res := mustRun(t, c, Cmd{Command: "id -un"})
	c.Close()
	if string(res.Stdout) != user+"\n" {
		t.Errorf("logged in as %q", res.Stdout)
	}

	o.Password = "wrong"
	if _, err := Dial(context.Background(), o); !errors.Is(err, ErrUnreachable) {
		t.Errorf("wrong login password: %v, want unreachable", err)
	}

	enc := filepath.Join(t.TempDir(), "id_encrypted")
	keygen(t, enc, "passphrase")
	o = d.opts("root")
	o.PrivateKeyFile = enc
	_, err = Dial(context.Background(), o)
	if !errors.Is(err, ErrUnreachable) || !strings.Contains(err.Error(), enc) || !strings.Contains(err.Error(), "passphrase") {
		t.Errorf("encrypted key without agent: %v", err)
	}
}

func TestSSHConfigAndProxyJump(t *testing.T) {
	d := startSSHD(t)
	cfg := filepath.Join(t.TempDir(), "config")
	body := fmt.Sprintf("Host labalias\n  HostName 127.0.0.1\n  Port %d\n  User root\n  IdentityFile %s\n", d.port, d.key)
	if err := os.WriteFile(cfg, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	sshConfigPath = func() string { return cfg }
	c, err := Dial(context.Background(), Options{Host: "labalias", HostKeyPolicy: "off"})
	if err != nil {
		t.Fatalf("dial through ~/.ssh/config: %v", err)
	}
	res := mustRun(t, c, Cmd{Command: "id -un"})
	c.Close()
	if string(res.Stdout) != "root\n" {
		t.Errorf("config user: %q", res.Stdout)
	}

	// The server is its own bastion: sshd forwards TCP by default.
	o := d.opts("root")
	o.ProxyJump = fmt.Sprintf("root@127.0.0.1:%d", d.port)
	jc, err := DialSSH(context.Background(), o)
	if err != nil {
		t.Fatalf("proxy jump: %v", err)
	}
	defer jc.Close()
	res = mustRun(t, jc, Cmd{Command: "echo $SSH_CLIENT"})
	if !strings.HasPrefix(string(res.Stdout), "127.0.0.1 ") || len(jc.clients[0].closers) != 1 {
		t.Errorf("proxied session: %q, jump clients %d", res.Stdout, len(jc.clients[0].closers))
	}
}

// gate blocks readers until it is opened, then gives each one line.
type gate struct{ open chan struct{} }

func (g *gate) reader() *gateReader { return &gateReader{g: g} }

type gateReader struct {
	g    *gate
	done bool
}

func (r *gateReader) Read(p []byte) (int, error) {
	<-r.g.open
	if r.done {
		return 0, errEOF
	}
	r.done = true
	return copy(p, "go\n"), nil
}

// concurrencyUser is a throwaway login with /bin/sh as shell: a heavy
// login shell (root's .bashrc) would make fifty sessions slow, not wrong.
func concurrencyUser(t *testing.T) string {
	const name = "playconnconc"
	testUser(t, name, "Unused-pw-1", false)
	return name
}

func concurrentRuns(t *testing.T, c *SSHConn, n int, g *gate) {
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cmd := Cmd{Command: fmt.Sprintf("read x; echo $x %d", i)}
			if g != nil {
				cmd.Stdin = g.reader()
			} else {
				cmd.Stdin = strings.NewReader("go\n")
			}
			res, err := c.Run(context.Background(), cmd)
			if err == nil && (res.ExitCode != 0 || string(res.Stdout) != fmt.Sprintf("go %d\n", i)) {
				err = fmt.Errorf("command %d: exit %d out %q err %q", i, res.ExitCode, res.Stdout, res.Stderr)
			}
			errs[i] = err
		}()
	}
	if g != nil {
		// Hold every session open until the third connection exists, so
		// the sessions cannot fit on fewer.
		deadline := time.Now().Add(60 * time.Second)
		for c.Connections() < 3 && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		if c.Connections() < 3 {
			t.Errorf("no third connection was opened (have %d)", c.Connections())
		}
		close(g.open)
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}

func TestFiftyConcurrentOneConnection(t *testing.T) {
	d := startSSHD(t)
	c := d.dial(t, concurrencyUser(t))
	// SFTP holds a channel too: it must count against MaxSessions.
	if _, err := c.ReadFile(context.Background(), "/etc/hostname", Become{}); err != nil {
		t.Fatal(err)
	}
	concurrentRuns(t, c, 50, nil)
	if n := c.Connections(); n != 1 {
		t.Errorf("used %d TCP connections, want 1 (sessions must queue)", n)
	}
	if _, err := c.ReadFile(context.Background(), "/etc/hostname", Become{}); err != nil {
		t.Errorf("SFTP after the burst: %v", err)
	}
}

func TestFiftyConcurrentExtraConnections(t *testing.T) {
	d := startSSHD(t)
	c := d.dial(t, concurrencyUser(t))
	c.SetMaxConnections(3)
	concurrentRuns(t, c, 50, &gate{open: make(chan struct{})})
	if n := c.Connections(); n != 3 {
		t.Errorf("used %d TCP connections, want 3", n)
	}
}

func TestPoolSharesOneDial(t *testing.T) {
	d := startSSHD(t)
	p := NewPool()
	defer p.CloseAll()
	var wg sync.WaitGroup
	conns := make([]Conn, 8)
	for i := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := p.Get(context.Background(), d.opts("root"))
			if err != nil {
				t.Error(err)
			}
			conns[i] = c
		}()
	}
	wg.Wait()
	for _, c := range conns[1:] {
		if c != conns[0] {
			t.Fatal("pool returned different connections for one host")
		}
	}
	if n := conns[0].(*SSHConn).Connections(); n != 1 {
		t.Errorf("pool opened %d connections for one host", n)
	}
	o := d.opts("root")
	o.Host, o.Port = "down", freePort(t)
	if _, err := p.Get(context.Background(), o); !errors.Is(err, ErrUnreachable) {
		t.Errorf("unreachable host through the pool: %v", err)
	}
	lc, err := p.Get(context.Background(), Options{Host: "localhost", Connection: "local"})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := lc.(*Local); !ok {
		t.Errorf("connection local gave %T", lc)
	}
}
