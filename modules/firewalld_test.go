package modules

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/playbook/play/engine/conn"
)

func TestFirewalldRejectsBadArgs(t *testing.T) {
	m, _ := Get("firewalld")
	for _, args := range []map[string]any{
		{"service": "mysql"},                                         // state missing
		{"service": "mysql", "state": "on"},                          // bad choice
		{"service": "mysql", "port": "4567/tcp", "state": "enabled"}, // two items
		{"service": "mysql", "state": "enabled", "permanent": "sometimes"},
	} {
		if _, errs := Normalize(m.Spec(), args, false); len(errs) == 0 {
			t.Errorf("Normalize accepted %v", args)
		}
	}
	for _, c := range []struct {
		args map[string]any
		msg  string
	}{
		{map[string]any{"port": "4567", "state": "enabled"}, "PORT/PROTOCOL"},
		{map[string]any{"port": "4567/icmp", "state": "enabled"}, "PORT/PROTOCOL"},
		{map[string]any{"state": "enabled"}, "one of service"},
		{map[string]any{"state": "present"}, "needs zone"},
		{map[string]any{"service": "http", "state": "present", "zone": "x"}, "creates or deletes a zone"},
		{map[string]any{"masquerade": false, "state": "enabled"}, "masquerade: true"},
	} {
		norm, errs := Normalize(m.Spec(), c.args, false)
		if len(errs) > 0 {
			t.Fatalf("%v: %v", c.args, errs[0])
		}
		if _, err := fwTargetFromArgs(norm, Str(norm, "state")); err == nil || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%v: error %v, want %q", c.args, err, c.msg)
		}
	}
}

// fakeFirewalld answers firewall-cmd as a running daemon would, keeping a
// runtime and a permanent configuration, so the daemon paths (which scope
// is touched, when a reload happens) are tested without D-Bus.
type fakeFirewalld struct {
	conn.Conn
	cfg  map[string]map[string]bool // scope -> "zone|option=value"
	log  []string                   // commands that change something
	runs int
}

func newFakeFirewalld() *fakeFirewalld {
	f := &fakeFirewalld{cfg: map[string]map[string]bool{}}
	for _, sc := range []string{"runtime", "permanent"} {
		f.cfg[sc] = map[string]bool{"zone:public": true, "zone:drop": true, "public|service=ssh": true}
	}
	return f
}

func (f *fakeFirewalld) Host() string { return "fake" }

func (f *fakeFirewalld) Run(ctx context.Context, cmd conn.Cmd) (*conn.Result, error) {
	f.runs++
	ok := func(s string) (*conn.Result, error) { return &conn.Result{Stdout: []byte(s + "\n")}, nil }
	if strings.Contains(cmd.Command, "--state") {
		return ok("running\n\n@@offline-cmd")
	}
	w, err := splitShellWords(cmd.Command)
	if err != nil || w[0] != "firewall-cmd" {
		return &conn.Result{ExitCode: 127, Stderr: []byte("fake: unexpected " + cmd.Command)}, nil
	}
	scope, zone := "runtime", ""
	var op string
	for _, a := range w[1:] {
		switch {
		case a == "--permanent":
			scope = "permanent"
		case strings.HasPrefix(a, "--zone="):
			zone = strings.TrimPrefix(a, "--zone=")
		case strings.HasPrefix(a, "--timeout="):
		default:
			op = a
		}
	}
	c := f.cfg[scope]
	verb, arg, _ := strings.Cut(strings.TrimPrefix(op, "--"), "=")
	kind, _ := strings.CutPrefix(verb, "query-")
	switch verb {
	case "get-default-zone":
		if scope == "permanent" {
			return &conn.Result{ExitCode: 2, Stderr: []byte("Can't use stand-alone options with other options.")}, nil
		}
		return ok("public")
	case "get-services":
		return ok("http https mysql ssh")
	case "get-zones":
		var zs []string
		for k := range c {
			if z, ok := strings.CutPrefix(k, "zone:"); ok {
				zs = append(zs, z)
			}
		}
		sort.Strings(zs)
		return ok(strings.Join(zs, " "))
	case "reload":
		f.log = append(f.log, "reload")
		f.cfg["runtime"] = map[string]bool{}
		for k, v := range f.cfg["permanent"] {
			f.cfg["runtime"][k] = v
		}
		return ok("success")
	case "new-zone", "delete-zone":
		if scope != "permanent" {
			return &conn.Result{ExitCode: 1, Stderr: []byte("Error: zone operations need --permanent")}, nil
		}
		c["zone:"+arg] = verb == "new-zone"
		f.log = append(f.log, scope+" "+op)
		return ok("success")
	}
	key := zone + "|" + kind + "=" + arg
	if verb != kind { // a query
		if c[key] {
			return ok("yes")
		}
		return &conn.Result{ExitCode: 1, Stdout: []byte("no\n")}, nil
	}
	for _, p := range []string{"add-", "change-", "remove-"} {
		if k, found := strings.CutPrefix(verb, p); found {
			c[zone+"|"+k+"="+arg] = p != "remove-"
			f.log = append(f.log, scope+" "+op)
			return ok("success")
		}
	}
	return &conn.Result{ExitCode: 2, Stderr: []byte("fake: unknown option " + op)}, nil
}

func fwRunOn(t *testing.T, c conn.Conn, args map[string]any, check bool) *Result {
	t.Helper()
	return sysRunModuleOn(t, c, "firewalld", args, check, nil)
}

func TestFirewalldWithDaemon(t *testing.T) {
	f := newFakeFirewalld()
	mysql := map[string]any{"service": "mysql", "state": "enabled", "permanent": true, "immediate": true}
	res := fwRunOn(t, f, mysql, true)
	if !res.Changed || len(res.Diffs) != 1 || res.Diffs[0].Path != "firewalld zone public: service mysql" ||
		res.Diffs[0].BeforeState["runtime"] != "disabled" || res.Diffs[0].AfterState["permanent"] != "enabled" || len(f.log) != 0 {
		t.Fatalf("check: %+v, log %v", res, f.log)
	}
	if res := fwRunOn(t, f, mysql, false); !res.Changed || res.Failed {
		t.Fatalf("apply: %+v", res)
	}
	if strings.Join(f.log, ";") != "permanent --add-service=mysql;runtime --add-service=mysql" {
		t.Errorf("commands: %v (both scopes, no reload)", f.log)
	}
	if res := fwRunOn(t, f, mysql, false); res.Changed || res.Failed {
		t.Errorf("re-apply: %+v", res)
	}

	// permanent only leaves the running firewall alone, and the reverse.
	f.log = nil
	fwRunOn(t, f, map[string]any{"port": "4567/tcp", "state": "enabled", "permanent": true}, false)
	fwRunOn(t, f, map[string]any{"port": "4568/tcp", "state": "enabled", "timeout": 60}, false)
	if strings.Join(f.log, ";") != "permanent --add-port=4567/tcp;runtime --add-port=4568/tcp" {
		t.Errorf("scoped commands: %v", f.log)
	}

	// A new zone reaches the running firewall by a reload: the only reload.
	f.log = nil
	res = fwRunOn(t, f, map[string]any{"zone": "galera", "state": "present", "permanent": true, "immediate": true}, false)
	if !res.Changed || strings.Join(f.log, ";") != "permanent --new-zone=galera;reload" {
		t.Errorf("zone: %+v, log %v", res, f.log)
	}
	if res := fwRunOn(t, f, map[string]any{"zone": "galera", "state": "present", "permanent": true, "immediate": true}, false); res.Changed {
		t.Errorf("zone again: %+v", res)
	}

	res = fwRunOn(t, f, map[string]any{"service": "mysq", "state": "enabled", "permanent": true}, true)
	if !res.Failed || !strings.Contains(res.Msg, `no service "mysq"`) || !strings.Contains(res.Msg, "mysql") {
		t.Errorf("unknown service: %+v", res)
	}
}

// fwOfflineConn runs every command in a private mount namespace where a
// copy of /etc/firewalld is mounted over the real one: firewall-offline-cmd
// edits /etc/firewalld, and this machine's own must never change.
type fwOfflineConn struct {
	conn.Conn
	dir string
}

func (c *fwOfflineConn) Run(ctx context.Context, cmd conn.Cmd) (*conn.Result, error) {
	cmd.Command = "exec unshare --mount --propagation private sh -c " +
		shq("mount --bind "+shq(c.dir)+" /etc/firewalld && exec sh -c \"$0\"") + " " + shq(cmd.Command)
	return c.Conn.Run(ctx, cmd)
}

func fwOfflineSetup(t *testing.T) *fwOfflineConn {
	t.Helper()
	sysNeedRoot(t)
	if _, err := exec.LookPath("firewall-offline-cmd"); err != nil {
		t.Skip("needs firewall-offline-cmd (apt-get install firewalld)")
	}
	if _, err := exec.LookPath("unshare"); err != nil {
		t.Skip("needs unshare")
	}
	if out, err := exec.Command("pgrep", "-x", "firewalld").Output(); err == nil && len(out) > 0 {
		t.Skip("a firewalld daemon runs here; the offline test needs none")
	}
	dir := t.TempDir()
	if out, err := exec.Command("cp", "-a", "/etc/firewalld/.", dir).CombinedOutput(); err != nil {
		t.Skipf("copy /etc/firewalld: %v %s", err, out)
	}
	return &fwOfflineConn{Conn: sysLocal(t), dir: dir}
}

func TestFirewalldOffline(t *testing.T) {
	c := fwOfflineSetup(t)
	realBefore, _ := exec.Command("sh", "-c", "cd /etc/firewalld && find . -type f | sort | xargs sha1sum").Output()
	zoneFile := c.dir + "/zones/public.xml"
	read := func() string { b, _ := os.ReadFile(zoneFile); return string(b) }
	query := func(q string) bool {
		r, err := c.Run(context.Background(), conn.Cmd{Command: "firewall-offline-cmd --zone=public --query-" + q})
		return err == nil && r.ExitCode == 0
	}

	mysql := map[string]any{"service": "mysql", "state": "enabled", "permanent": true}
	before := read()
	res := fwRunOn(t, c, mysql, true)
	if !res.Changed || res.Failed || res.Diffs[0].AfterState["permanent"] != "enabled" || res.Data["daemon_running"] != false {
		t.Fatalf("check: %+v", res)
	}
	if read() != before || query("service=mysql") {
		t.Fatal("check mode changed the configuration")
	}
	if res := fwRunOn(t, c, mysql, false); !res.Changed || res.Failed {
		t.Fatalf("apply: %+v", res)
	}
	if !query("service=mysql") {
		t.Error("mysql not enabled after apply")
	}
	if res := fwRunOn(t, c, mysql, false); res.Changed || res.Failed {
		t.Errorf("re-apply: %+v", res)
	}

	// The other Galera ports, a source and a rich rule, then removal.
	items := []map[string]any{
		{"port": "4567/tcp"}, {"port": "4567/udp"}, {"port": "4568/tcp"}, {"port": "4444/tcp"},
		{"source": "10.77.0.0/24"},
		{"rich_rule": "rule family=ipv4 source address=10.77.0.0/24 service name=http accept"},
	}
	for _, it := range items {
		it["state"], it["permanent"] = "enabled", true
		if res := fwRunOn(t, c, it, false); !res.Changed || res.Failed {
			t.Errorf("apply %v: %+v", it, res)
		}
		if res := fwRunOn(t, c, it, false); res.Changed || res.Failed {
			t.Errorf("re-apply %v: %+v", it, res)
		}
	}
	if !query("port=4444/tcp") || !query("source=10.77.0.0/24") {
		t.Error("port/source not in the zone")
	}
	disable := map[string]any{"port": "4567/udp", "state": "disabled", "permanent": true}
	if res := fwRunOn(t, c, disable, false); !res.Changed || query("port=4567/udp") {
		t.Errorf("disable: %+v", res)
	}
	if res := fwRunOn(t, c, disable, false); res.Changed {
		t.Errorf("disable again: %+v", res)
	}

	zone := map[string]any{"zone": "playtest", "state": "present", "permanent": true}
	if res := fwRunOn(t, c, zone, false); !res.Changed || res.Failed {
		t.Errorf("new zone: %+v", res)
	}
	if _, err := os.Stat(c.dir + "/zones/playtest.xml"); err != nil {
		t.Errorf("zone file: %v", err)
	}
	if res := fwRunOn(t, c, zone, false); res.Changed {
		t.Errorf("new zone again: %+v", res)
	}
	zone["state"] = "absent"
	if res := fwRunOn(t, c, zone, false); !res.Changed || res.Failed {
		t.Errorf("delete zone: %+v", res)
	}

	// Without the daemon the running configuration cannot be changed.
	res = fwRunOn(t, c, map[string]any{"service": "http", "state": "enabled"}, true)
	if !res.Failed || !strings.Contains(res.Msg, "not running") {
		t.Errorf("runtime without daemon: %+v", res)
	}

	realAfter, _ := exec.Command("sh", "-c", "cd /etc/firewalld && find . -type f | sort | xargs sha1sum").Output()
	if string(realBefore) != string(realAfter) {
		t.Errorf("this machine's /etc/firewalld changed:\n%s\n%s", realBefore, realAfter)
	}
}

// fwDaemonConn runs commands in the mount and network namespaces of a
// firewalld daemon started for the test, so firewall-cmd reaches it over
// its private D-Bus.
type fwDaemonConn struct {
	conn.Conn
	pid int
}

func (c *fwDaemonConn) Run(ctx context.Context, cmd conn.Cmd) (*conn.Result, error) {
	cmd.Command = fmt.Sprintf("exec nsenter -t %d -m -n sh -c %s", c.pid, shq(cmd.Command))
	return c.Conn.Run(ctx, cmd)
}

// fwDaemon starts firewalld in a throwaway network namespace with a
// private /run (its own D-Bus system bus) and a copy of /etc/firewalld:
// nothing of this machine's firewall, bus or configuration is touched.
func fwDaemon(t *testing.T) *fwDaemonConn {
	t.Helper()
	sysNeedRoot(t)
	for _, tool := range []string{"firewalld", "firewall-cmd", "dbus-daemon", "nsenter", "unshare", "ip"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("needs %s", tool)
		}
	}
	dir := t.TempDir()
	if out, err := exec.Command("cp", "-a", "/etc/firewalld/.", dir).CombinedOutput(); err != nil {
		t.Skipf("copy /etc/firewalld: %v %s", err, out)
	}
	ns := fmt.Sprintf("play-fwd-%d", os.Getpid())
	if out, err := exec.Command("ip", "netns", "add", ns).CombinedOutput(); err != nil {
		t.Skipf("cannot create a network namespace: %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("ip", "netns", "del", ns).Run() })
	setup := "mount -t tmpfs tmpfs /run && mkdir -p /run/dbus /run/firewalld && mount --bind " + shq(dir) + " /etc/firewalld && " +
		"ip link set lo up && dbus-daemon --system --fork --nopidfile && exec firewalld --nofork --nopid --log-target=console"
	cmd := exec.Command("ip", "netns", "exec", ns, "unshare", "--mount", "--propagation", "private", "sh", "-c", setup)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		t.Skipf("start firewalld: %v", err)
	}
	pid := cmd.Process.Pid
	t.Cleanup(func() {
		// The bus daemon forked into the same mount namespace.
		if out, err := exec.Command("pgrep", "--ns", fmt.Sprint(pid), "--nslist", "mnt", "-x", "dbus-daemon").Output(); err == nil {
			for _, p := range strings.Fields(string(out)) {
				exec.Command("kill", p).Run()
			}
		}
		cmd.Process.Kill()
		cmd.Wait()
	})
	c := &fwDaemonConn{Conn: sysLocal(t), pid: pid}
	// Readiness, not timing: poll a bounded number of times.
	for i := 0; i < 60; i++ {
		if r, err := c.Run(context.Background(), conn.Cmd{Command: "firewall-cmd --state"}); err == nil && r.ExitCode == 0 {
			return c
		}
		time.Sleep(500 * time.Millisecond)
	}
	t.Skip("firewalld did not come up in its namespace")
	return nil
}

func TestFirewalldDaemon(t *testing.T) {
	c := fwDaemon(t)
	query := func(scope, q string) bool {
		r, err := c.Run(context.Background(), conn.Cmd{Command: "firewall-cmd " + scope + " --zone=public --query-" + q})
		return err == nil && r.ExitCode == 0
	}
	mysql := map[string]any{"service": "mysql", "state": "enabled", "permanent": true, "immediate": true}
	res := fwRunOn(t, c, mysql, true)
	if !res.Changed || res.Data["daemon_running"] != true || res.Diffs[0].AfterState["runtime"] != "enabled" || res.Diffs[0].AfterState["permanent"] != "enabled" {
		t.Fatalf("check: %+v", res)
	}
	if query("", "service=mysql") || query("--permanent", "service=mysql") {
		t.Fatal("check mode changed the firewall")
	}
	if res := fwRunOn(t, c, mysql, false); !res.Changed || res.Failed {
		t.Fatalf("apply: %+v", res)
	}
	if !query("", "service=mysql") || !query("--permanent", "service=mysql") {
		t.Error("mysql not enabled in both configurations")
	}
	if res := fwRunOn(t, c, mysql, false); res.Changed || res.Failed {
		t.Errorf("re-apply: %+v", res)
	}
	// Runtime only: the permanent configuration stays as it was.
	port := map[string]any{"port": "4444/tcp", "state": "enabled"}
	if res := fwRunOn(t, c, port, false); !res.Changed || res.Failed {
		t.Errorf("runtime port: %+v", res)
	}
	if !query("", "port=4444/tcp") || query("--permanent", "port=4444/tcp") {
		t.Error("runtime-only port leaked into the permanent configuration (or is missing)")
	}
	// A new zone reaches the running daemon through the reload, and the
	// reload keeps what was made permanent.
	zone := map[string]any{"zone": "playtest", "state": "present", "permanent": true, "immediate": true}
	if res := fwRunOn(t, c, zone, false); !res.Changed || res.Failed || !strings.Contains(res.Msg, "reloaded") {
		t.Errorf("zone: %+v", res)
	}
	r, _ := c.Run(context.Background(), conn.Cmd{Command: "firewall-cmd --get-zones"})
	if !strings.Contains(string(r.Stdout), "playtest") || !query("", "service=mysql") {
		t.Errorf("after reload: zones %q, mysql runtime %v", r.Stdout, query("", "service=mysql"))
	}
}
