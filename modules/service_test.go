package modules

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// sysvFixture makes a temp init root with a real init script that runs a
// sleep daemon with a pidfile, and points the SysV backend at it.
func sysvFixture(t *testing.T) (root, pidfile string) {
	t.Helper()
	root = t.TempDir()
	pidfile = filepath.Join(root, "testd.pid")
	script := fmt.Sprintf(`#!/bin/sh
PIDFILE=%s
running() { [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; }
case "$1" in
start) running && exit 0; sleep 600 & echo $! > "$PIDFILE"; echo started ;; # the daemon keeps stdout, as sloppy scripts do
stop) running && kill "$(cat "$PIDFILE")"; rm -f "$PIDFILE" ;;
restart|reload) "$0" stop; "$0" start ;;
status) running && exit 0; exit 3 ;;
*) exit 2 ;;
esac
`, pidfile)
	if err := os.MkdirAll(filepath.Join(root, "init.d"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "init.d", "testd"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	old := sysvRoot
	sysvRoot = root
	t.Cleanup(func() {
		exec.Command(filepath.Join(root, "init.d", "testd"), "stop").Run()
		sysvRoot = old
	})
	return root, pidfile
}

func TestServiceSysV(t *testing.T) {
	root, pidfile := sysvFixture(t)
	vars := map[string]any{"ansible_facts": map[string]any{"service_mgr": "sysvinit"}}
	c := sysLocal(t)
	run := func(args map[string]any, check bool) *Result {
		t.Helper()
		res := sysRunModuleOn(t, c, "service", args, check, vars)
		if res.Failed {
			t.Fatalf("service %v: %s", args, res.Msg)
		}
		return res
	}
	start := map[string]any{"name": "testd", "state": "started", "enabled": true}

	res := run(start, true)
	if !res.Changed || len(res.Diffs) != 1 {
		t.Fatalf("check: changed=%v diffs=%v", res.Changed, res.Diffs)
	}
	d := res.Diffs[0]
	if d.BeforeState["state"] != "stopped" || d.AfterState["state"] != "started" || d.BeforeState["enabled"] != false || d.AfterState["enabled"] != true {
		t.Errorf("diff: %v -> %v", d.BeforeState, d.AfterState)
	}
	if _, err := os.Stat(pidfile); err == nil {
		t.Fatal("check mode started the service")
	}

	if res := run(start, false); !res.Changed {
		t.Error("start reported no change")
	}
	if _, err := os.Stat(pidfile); err != nil {
		t.Fatal("service not running after start")
	}
	if links, _ := filepath.Glob(filepath.Join(root, "rc3.d", "S??testd")); len(links) != 1 {
		t.Errorf("not enabled: rc3.d links %v", links)
	}
	if res := run(start, false); res.Changed {
		t.Errorf("second run changed: %v", res.Diffs)
	}
	if res := run(map[string]any{"name": "testd", "state": "restarted"}, false); !res.Changed {
		t.Error("restart reported no change")
	}
	res = run(map[string]any{"name": "testd", "state": "stopped", "enabled": false}, false)
	if !res.Changed || res.Data["state"] != "stopped" {
		t.Errorf("stop: changed=%v data=%v", res.Changed, res.Data)
	}
	if _, err := os.Stat(pidfile); err == nil {
		t.Error("service still running after stop")
	}
	if links, _ := filepath.Glob(filepath.Join(root, "rc3.d", "S??testd")); len(links) != 0 {
		t.Errorf("still enabled: %v", links)
	}

	res = sysRunModuleOn(t, c, "service", map[string]any{"name": "no-such-svc", "state": "started"}, false, vars)
	if !res.Failed || !strings.Contains(res.Msg, "Could not find") {
		t.Errorf("missing service: failed=%v msg=%q", res.Failed, res.Msg)
	}
}

func TestServiceMissingInCheckMode(t *testing.T) {
	sysvFixture(t)
	vars := map[string]any{"ansible_facts": map[string]any{"service_mgr": "sysvinit"}}
	res := sysRunModuleOn(t, sysLocal(t), "service", map[string]any{"name": "not-installed-yet", "state": "started"}, true, vars)
	if res.Failed || !res.Changed || len(res.Warnings) == 0 {
		t.Errorf("check mode on a service an earlier task would install: %+v", res)
	}
}
