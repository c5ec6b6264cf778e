package modules

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/playbook/play/engine/conn"
)

// File modules pass the task's become to every operation: as root,
// becoming "nobody" must create files owned by nobody, and reading a file
// only root can read must fail.
func TestFileModulesUseBecome(t *testing.T) {
	ftNeedRoot(t)
	if _, err := exec.LookPath("sudo"); err != nil {
		t.Skip("needs sudo for become")
	}
	e := newFTEnv(t)
	// t.TempDir's parent is private to root; nobody needs to traverse.
	base, err := os.MkdirTemp("", "play-become-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(base) })
	os.Chmod(base, 0o755)
	dir := filepath.Join(base, "nobody")
	os.Mkdir(dir, 0o755)
	if err := exec.Command("chown", "nobody", dir).Run(); err != nil {
		t.Skip("cannot chown to nobody:", err)
	}
	m, _ := Get("copy")
	args, _ := Normalize(m.Spec(), map[string]any{"content": "x\n", "dest": filepath.Join(dir, "f")}, false)
	task := &Task{Host: "local", Conn: e.c, Args: args, Become: conn.Become{Enabled: true, User: "nobody", Method: "sudo"}}
	r, err := m.Run(context.Background(), task)
	if err != nil || r.Failed {
		t.Fatalf("copy as nobody: %v %v", err, r)
	}
	if r.Data["owner"] != "nobody" {
		t.Errorf("file written as %v, want nobody", r.Data["owner"])
	}
	secret := filepath.Join(base, "secret")
	os.WriteFile(secret, []byte("s"), 0o600)
	m, _ = Get("slurp")
	args, _ = Normalize(m.Spec(), map[string]any{"src": secret}, false)
	task.Args = args
	r, err = m.Run(context.Background(), task)
	if err == nil && !r.Failed {
		t.Errorf("nobody could read a root-only file: %v", r.Data)
	}
}
