package conn

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
)

func requireSudo(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("sudo"); err != nil {
		t.Skip("sudo not installed (apt-get install sudo)")
	}
}

// sharedDir is a directory every user can write, for become tests.
func sharedDir(t *testing.T) string {
	dir, err := os.MkdirTemp("/tmp", "play-conn-become-")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

func becomeNoPassword(t *testing.T, c Conn) {
	nobody := Become{Enabled: true, User: "nobody"}
	res := mustRun(t, c, Cmd{Command: "id -un; echo $HOME", Become: nobody})
	if res.ExitCode != 0 || !strings.HasPrefix(string(res.Stdout), "nobody\n") || len(res.Stderr) != 0 {
		t.Errorf("become nobody: %d %q %q", res.ExitCode, res.Stdout, res.Stderr)
	}
	res = mustRun(t, c, Cmd{Command: "cat; echo err >&2; exit 4", Stdin: strings.NewReader("through sudo\n"), Become: nobody, Env: map[string]string{"X": "1"}})
	if string(res.Stdout) != "through sudo\n" || string(res.Stderr) != "err\n" || res.ExitCode != 4 {
		t.Errorf("stdin/stderr/exit through sudo: %d %q %q", res.ExitCode, res.Stdout, res.Stderr)
	}
	res = mustRun(t, c, Cmd{Command: "id -un", Become: Become{Enabled: true}})
	if string(res.Stdout) != "root\n" {
		t.Errorf("become root as root: %q", res.Stdout)
	}
	dir := sharedDir(t)
	fileBasicsAs(t, c, dir, nobody)
}

// fileBasicsAs runs the file checks that make sense for an unprivileged
// become user: files it creates are its own.
func fileBasicsAs(t *testing.T, c Conn, dir string, b Become) {
	ctx := context.Background()
	p := dir + "/mine"
	if err := c.WriteFile(ctx, p, []byte("secret\n"), WriteOpts{Mode: 0o600, Become: b}); err != nil {
		t.Fatal(err)
	}
	fi, err := c.Stat(ctx, p, b)
	if err != nil || fi.Owner != b.User || fi.Mode.Perm() != 0o600 {
		t.Errorf("file written as %s: %+v, %v", b.User, fi, err)
	}
	got, err := c.ReadFile(ctx, p, b)
	if err != nil || string(got) != "secret\n" {
		t.Errorf("read back as %s: %q, %v", b.User, got, err)
	}
	if _, err := c.ReadFile(ctx, "/etc/shadow", b); err == nil {
		t.Errorf("%s must not read /etc/shadow", b.User)
	}
}

func TestSSHBecomeNoPassword(t *testing.T) {
	d := startSSHD(t)
	requireSudo(t)
	becomeNoPassword(t, d.dial(t, "root"))
}

func TestSSHBecomePassword(t *testing.T) {
	d := startSSHD(t)
	requireSudo(t)
	const user, pw = "playconntest", "S3cret-become-pw"
	testUser(t, user, pw, true)
	c := d.dial(t, user)
	ctx := context.Background()
	root := Become{Enabled: true, Password: pw}

	res := mustRun(t, c, Cmd{Command: "id -un; cat", Stdin: strings.NewReader("input after password\n"), Become: root})
	if string(res.Stdout) != "root\ninput after password\n" || len(res.Stderr) != 0 {
		t.Errorf("become with password: %d %q %q", res.ExitCode, res.Stdout, res.Stderr)
	}
	if strings.Contains(string(res.Stdout)+string(res.Stderr), pw) {
		t.Error("password leaked into output")
	}

	_, err := c.Run(ctx, Cmd{Command: "id -un", Become: Become{Enabled: true, Password: "wrong-" + pw}})
	if err == nil || !strings.Contains(err.Error(), "become password incorrect for user root on host testhost") {
		t.Errorf("wrong password: %v", err)
	} else if strings.Contains(err.Error(), pw) {
		t.Errorf("error shows the password: %v", err)
	}

	_, err = c.Run(ctx, Cmd{Command: "id -un", Become: Become{Enabled: true}})
	if err == nil || !strings.Contains(err.Error(), "needs a password") {
		t.Errorf("no password: %v", err)
	}

	// Files as root through sudo while SFTP would run as the test user.
	dir := sharedDir(t)
	if err := os.Chmod(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	t.Run("files", func(t *testing.T) { fileBasics(t, c, dir, root) })

	// Become the login user itself needs no sudo (and no password).
	res = mustRun(t, c, Cmd{Command: "id -un", Become: Become{Enabled: true, User: user}})
	if string(res.Stdout) != user+"\n" {
		t.Errorf("become self: %q", res.Stdout)
	}
}
