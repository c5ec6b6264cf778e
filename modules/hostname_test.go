package modules

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/playbook/play/engine/conn"
)

// utsConn runs each command in a fresh UTS namespace, so `hostname NAME`
// really runs without renaming this machine.
type utsConn struct{ conn.Conn }

func (c *utsConn) Run(ctx context.Context, cmd conn.Cmd) (*conn.Result, error) {
	cmd.Command = "exec unshare --uts -- sh -c " + sysQuote(cmd.Command)
	return c.Conn.Run(ctx, cmd)
}

func TestHostname(t *testing.T) {
	sysNeedRoot(t)
	if exec.Command("unshare", "--uts", "true").Run() != nil {
		t.Skip("cannot create a UTS namespace here")
	}
	cur, _ := os.Hostname()
	file := filepath.Join(t.TempDir(), "hostname")
	os.WriteFile(file, []byte(cur+"\n"), 0o644)
	old := hostnameFile
	hostnameFile = file
	t.Cleanup(func() { hostnameFile = old })
	c := &utsConn{sysLocal(t)}

	if res := sysRunModuleOn(t, c, "hostname", map[string]any{"name": cur, "use": "file"}, false, nil); res.Changed || res.Failed {
		t.Errorf("same name changed: %+v", res)
	}
	res := sysRunModuleOn(t, c, "hostname", map[string]any{"name": "db-1.lab.example", "use": "file"}, true, nil)
	if !res.Changed || res.Diffs[0].BeforeState["hostname"] != cur || res.Facts["hostname"] != "db-1" {
		t.Errorf("check: %+v", res)
	}
	if b, _ := os.ReadFile(file); strings.TrimSpace(string(b)) != cur {
		t.Fatal("check mode wrote the hostname file")
	}
	res = sysRunModuleOn(t, c, "hostname", map[string]any{"name": "db-1.lab.example", "use": "file"}, false, nil)
	if !res.Changed || res.Failed {
		t.Fatalf("apply: %+v", res)
	}
	if b, _ := os.ReadFile(file); string(b) != "db-1.lab.example\n" {
		t.Errorf("file = %q", b)
	}
	if now, _ := os.Hostname(); now != cur {
		t.Fatalf("the machine's hostname changed to %s", now)
	}
}
