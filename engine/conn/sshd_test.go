package conn

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// testSSHD is a real OpenSSH server on 127.0.0.1, private to one test.
type testSSHD struct {
	dir      string
	port     int
	key      string // client private key accepted for every user
	hostPub  string // "ssh-ed25519 AAAA..." of the server
	stderr   *bytes.Buffer
	sshdConf string
}

func requireRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root (sshd, sudo, chown)")
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func keygen(t *testing.T, file, passphrase string) {
	t.Helper()
	out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", passphrase, "-f", file).CombinedOutput()
	if err != nil {
		t.Fatalf("ssh-keygen: %v: %s", err, out)
	}
}

// isolate keeps the developer's agent and ~/.ssh/config out of the tests.
func isolate(t *testing.T) {
	t.Setenv("SSH_AUTH_SOCK", "")
	old := sshConfigPath
	sshConfigPath = func() string { return "/nonexistent/ssh_config" }
	t.Cleanup(func() { sshConfigPath = old })
}

func startSSHD(t *testing.T) *testSSHD {
	t.Helper()
	if _, err := os.Stat("/usr/sbin/sshd"); err != nil {
		t.Skip("/usr/sbin/sshd not installed (apt-get install openssh-server)")
	}
	requireRoot(t)
	if _, err := exec.LookPath("ssh-keygen"); err != nil {
		t.Skip("ssh-keygen not installed")
	}
	isolate(t)
	// Not t.TempDir: sshd reads authorized_keys as the login user, so the
	// directory must be reachable by the throwaway users too.
	dir, err := os.MkdirTemp("/tmp", "play-conn-sshd-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	d := &testSSHD{dir: dir, port: freePort(t), stderr: &bytes.Buffer{}}
	// sshd refuses to start without its privilege separation directory.
	if err := os.MkdirAll("/run/sshd", 0o755); err != nil {
		t.Fatal(err)
	}
	keygen(t, filepath.Join(d.dir, "host_ed25519"), "")
	d.key = filepath.Join(d.dir, "id_ed25519")
	keygen(t, d.key, "")
	pub, err := os.ReadFile(d.key + ".pub")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(d.dir, "authorized_keys"), pub, 0o644); err != nil {
		t.Fatal(err)
	}
	hostPub, err := os.ReadFile(filepath.Join(d.dir, "host_ed25519.pub"))
	if err != nil {
		t.Fatal(err)
	}
	f := strings.Fields(string(hostPub))
	d.hostPub = f[0] + " " + f[1]
	d.sshdConf = filepath.Join(d.dir, "sshd_config")
	conf := fmt.Sprintf(`Port %d
ListenAddress 127.0.0.1
HostKey %s
PidFile %s
UsePAM no
PermitRootLogin yes
PasswordAuthentication yes
KbdInteractiveAuthentication no
AuthorizedKeysFile %s
Subsystem sftp internal-sftp
MaxSessions 10
StrictModes no
LogLevel ERROR
`, d.port, filepath.Join(d.dir, "host_ed25519"), filepath.Join(d.dir, "sshd.pid"), filepath.Join(d.dir, "authorized_keys"))
	if err := os.WriteFile(d.sshdConf, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("/usr/sbin/sshd", "-D", "-e", "-f", d.sshdConf)
	cmd.Stderr = d.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
		if t.Failed() {
			t.Logf("sshd log:\n%s", d.stderr)
		}
	})
	for {
		c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", d.port))
		if err == nil {
			c.Close()
			return d
		}
		select {
		case err := <-exited:
			t.Fatalf("sshd exited: %v\n%s", err, d.stderr)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// opts returns options for user on this server, host key checks off.
func (d *testSSHD) opts(user string) Options {
	return Options{Host: "testhost", Address: "127.0.0.1", Port: d.port, User: user, PrivateKeyFile: d.key, HostKeyPolicy: "off"}
}

func (d *testSSHD) dial(t *testing.T, user string) *SSHConn {
	t.Helper()
	c, err := DialSSH(context.Background(), d.opts(user))
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func mustRun(t *testing.T, c Conn, cmd Cmd) *Result {
	t.Helper()
	res, err := c.Run(context.Background(), cmd)
	if err != nil {
		t.Fatalf("run %q: %v", cmd.Command, err)
	}
	return res
}

// testUser creates a throwaway local user with a password (and optionally
// a sudo rule requiring that password); removed at cleanup.
func testUser(t *testing.T, name, password string, sudo bool) {
	t.Helper()
	if _, err := exec.LookPath("useradd"); err != nil {
		t.Skip("useradd not available")
	}
	_ = exec.Command("userdel", "-r", "-f", name).Run() // leftovers of an aborted run
	if out, err := exec.Command("useradd", "-m", "-s", "/bin/sh", name).CombinedOutput(); err != nil {
		t.Fatalf("useradd: %v: %s", err, out)
	}
	t.Cleanup(func() {
		// Sessions of the user may still be exiting after Close; userdel
		// refuses while they run, so retry briefly.
		for i := 0; i < 50; i++ {
			if exec.Command("userdel", "-r", "-f", name).Run() == nil {
				return
			}
			if exec.Command("id", "-u", name).Run() != nil {
				return // gone (userdel complains only about the mail spool)
			}
			time.Sleep(100 * time.Millisecond)
		}
		t.Errorf("could not remove test user %s", name)
	})
	chpw := exec.Command("chpasswd")
	chpw.Stdin = strings.NewReader(name + ":" + password + "\n")
	if out, err := chpw.CombinedOutput(); err != nil {
		t.Fatalf("chpasswd: %v: %s", err, out)
	}
	if sudo {
		if _, err := os.Stat("/usr/bin/sudo"); err != nil {
			t.Skip("sudo not installed")
		}
		rule := filepath.Join("/etc/sudoers.d", "play-conn-test-"+name)
		// timestamp_timeout=0: every command must present the password,
		// so one test cannot pass on another's cached credentials.
		body := fmt.Sprintf("Defaults:%s timestamp_timeout=0, !lecture\n%s ALL=(ALL:ALL) ALL\n", name, name)
		if err := os.WriteFile(rule, []byte(body), 0o440); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.Remove(rule) })
	}
}
