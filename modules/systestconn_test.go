package modules

import (
	"context"
	"os"
	"testing"

	"github.com/playbook/play/engine/conn"
)

// sysLocal dials this machine with the engine's local connection; module
// tests run against real files and commands here.
func sysLocal(t *testing.T) conn.Conn {
	t.Helper()
	c, err := conn.Dial(context.Background(), conn.Options{Host: "local", Connection: "local"})
	if err != nil {
		t.Fatalf("local connection: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// sysRunModule normalizes args as the engine does and runs the module
// against this machine.
func sysRunModule(t *testing.T, name string, args map[string]any, check bool) *Result {
	t.Helper()
	return sysRunModuleOn(t, sysLocal(t), name, args, check, nil)
}

func sysRunModuleOn(t *testing.T, c conn.Conn, name string, args map[string]any, check bool, vars map[string]any) *Result {
	t.Helper()
	m, ok := Get(name)
	if !ok {
		t.Fatalf("module %s is not registered", name)
	}
	norm, errs := Normalize(m.Spec(), args, false)
	if len(errs) > 0 {
		t.Fatalf("%s: bad args: %v", name, errs[0])
	}
	task := &Task{Host: c.Host(), Conn: c, Args: norm, Check: check, Diff: true, Vars: vars}
	if m.Spec().RunOnController {
		task.Conn = nil
	}
	res, err := m.Run(context.Background(), task)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return res
}

// sysNeedRoot skips tests that change users, packages or services.
func sysNeedRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
}

// sysCountConn counts remote commands, to hold modules to their round trips.
type sysCountConn struct {
	conn.Conn
	runs int
}

func (c *sysCountConn) Run(ctx context.Context, cmd conn.Cmd) (*conn.Result, error) {
	c.runs++
	return c.Conn.Run(ctx, cmd)
}
