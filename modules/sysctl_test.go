package modules

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/playbook/play/engine/conn"
)

func TestSysctlKeySpellings(t *testing.T) {
	cases := []struct{ in, dotted, proc string }{
		{"net.core.somaxconn", "net.core.somaxconn", "/proc/sys/net/core/somaxconn"},
		{"net/core/somaxconn", "net.core.somaxconn", "/proc/sys/net/core/somaxconn"},
		{"net/ipv4/conf/eth0.100/forwarding", "net.ipv4.conf.eth0/100.forwarding", "/proc/sys/net/ipv4/conf/eth0.100/forwarding"},
		{" vm.swappiness ", "vm.swappiness", "/proc/sys/vm/swappiness"},
	}
	for _, c := range cases {
		d, p := sysctlKey(c.in)
		if d != c.dotted || p != c.proc {
			t.Errorf("sysctlKey(%q) = %q, %q; want %q, %q", c.in, d, p, c.dotted, c.proc)
		}
	}
	for in, want := range map[string]string{"4096\t12582912   16777216\n": "4096 12582912 16777216", "yes": "1", "False": "0", " fq_codel ": "fq_codel"} {
		if got := sysctlValue(in); got != want {
			t.Errorf("sysctlValue(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSysctlEdit(t *testing.T) {
	cases := []struct {
		name, content, key, value string
		present                   bool
		want                      string
	}{
		{"append to empty", "", "vm.swappiness", "1", true, "vm.swappiness=1\n"},
		{"append adds newline", "# tuning", "vm.swappiness", "1", true, "# tuning\nvm.swappiness=1\n"},
		{"replace keeps others", "a.b=1\nvm.swappiness = 60\nc.d=2\n", "vm.swappiness", "1", true, "a.b=1\nvm.swappiness=1\nc.d=2\n"},
		{"blanks differ only: unchanged", "net.ipv4.tcp_rmem = 4096\t12582912  16777216\n", "net.ipv4.tcp_rmem", "4096 12582912 16777216", true,
			"net.ipv4.tcp_rmem = 4096\t12582912  16777216\n"},
		{"duplicates collapse to the first position", "fs.file-max=100\nx.y=1\nfs.file-max = 200\n", "fs.file-max", "300", true, "fs.file-max=300\nx.y=1\n"},
		{"duplicate whose last value is right keeps that line", "fs.file-max=100\nfs.file-max = 300\n", "fs.file-max", "300", true, "fs.file-max = 300\n"},
		{"slash spelling matches", "net/core/somaxconn=128\n", "net.core.somaxconn", "4096", true, "net.core.somaxconn=4096\n"},
		{"absent removes every assignment", "a=1\n-vm.swappiness=5\n#vm.swappiness=7\nvm.swappiness=6\n", "vm.swappiness", "", false, "a=1\n#vm.swappiness=7\n"},
		{"absent when missing", "a=1\n", "vm.swappiness", "", false, "a=1\n"},
	}
	for _, c := range cases {
		if got := sysctlEdit(c.content, c.key, c.key, c.value, c.present); got != c.want {
			t.Errorf("%s: got %q, want %q", c.name, got, c.want)
		}
	}
}

func TestSysctlBootOrderWarnings(t *testing.T) {
	confs := sysctlOrder([]sysctlConf{
		{path: "/etc/sysctl.d/99-sysctl.conf", real: "/etc/sysctl.conf"},
		{path: "/etc/sysctl.d/10-a.conf", real: "/etc/sysctl.d/10-a.conf", lines: []sysctlLine{{index: 0, key: "vm.swappiness", value: "60"}}},
		{path: "/usr/lib/sysctl.d/10-a.conf", real: "/usr/lib/sysctl.d/10-a.conf", lines: []sysctlLine{{index: 0, key: "vm.swappiness", value: "30"}}},
		{path: "/usr/lib/sysctl.d/99-zz.conf", real: "/usr/lib/sysctl.d/99-zz.conf", lines: []sysctlLine{{index: 4, key: "vm.swappiness", value: "10"}}},
		{path: "/etc/sysctl.conf", real: "/etc/sysctl.conf"},
	})
	var order []string
	for _, c := range confs {
		order = append(order, c.path)
	}
	// /usr/lib/sysctl.d/10-a.conf is masked by /etc's; sysctl.conf is read
	// through its link, not a second time.
	if got := strings.Join(order, " "); got != "/etc/sysctl.d/10-a.conf /etc/sysctl.d/99-sysctl.conf /usr/lib/sysctl.d/99-zz.conf" {
		t.Fatalf("order: %s", got)
	}
	h := &sysctlHost{real: "/etc/sysctl.conf", confs: confs}
	w := sysctlWarnings(h, "vm.swappiness", "/etc/sysctl.d/99-sysctl.conf", "1", true)
	if len(w) != 2 || !strings.Contains(w[0], "10-a.conf (line 1") || !strings.Contains(w[0], "99-sysctl.conf is read later and wins") ||
		!strings.Contains(w[1], "99-zz.conf (line 5") || !strings.Contains(w[1], "that value wins at boot") {
		t.Errorf("warnings: %q", w)
	}
}

func TestSysctlRejectsBadArgs(t *testing.T) {
	m, _ := Get("sysctl")
	for _, args := range []map[string]any{
		{"value": "1"},
		{"name": "vm.swappiness", "value": "1", "state": "presnet"},
		{"name": "vm.swappiness", "value": "1", "sysctl_set": "maybe"},
		{"name": "vm.swappiness", "vaule": "1"},
	} {
		if _, errs := Normalize(m.Spec(), args, false); len(errs) == 0 {
			t.Errorf("Normalize(%v) accepted bad args", args)
		}
	}
	res := sysRunModule(t, "sysctl", map[string]any{"name": "vm.swappiness"}, true)
	if !res.Failed || !strings.Contains(res.Msg, "value is required") {
		t.Errorf("missing value: %+v", res)
	}
}

// nsConn runs every command inside a network namespace, so net.* keys
// can be set for real without touching this machine's own values.
type nsConn struct {
	conn.Conn
	ns string
}

func (c *nsConn) Run(ctx context.Context, cmd conn.Cmd) (*conn.Result, error) {
	cmd.Command = "exec ip netns exec " + c.ns + " sh -c " + shq(cmd.Command)
	return c.Conn.Run(ctx, cmd)
}

// sysctlNetns makes a throwaway network namespace and a connection in it.
func sysctlNetns(t *testing.T) conn.Conn {
	t.Helper()
	sysNeedRoot(t)
	if _, err := exec.LookPath("ip"); err != nil {
		t.Skip("needs iproute2's ip")
	}
	ns := fmt.Sprintf("play-sysctl-%d", os.Getpid())
	if out, err := exec.Command("ip", "netns", "add", ns).CombinedOutput(); err != nil {
		t.Skipf("cannot create a network namespace: %v: %s", err, out)
	}
	t.Cleanup(func() { exec.Command("ip", "netns", "del", ns).Run() })
	return &nsConn{Conn: sysLocal(t), ns: ns}
}

func sysctlRuntime(t *testing.T, c conn.Conn, key string) string {
	t.Helper()
	_, p := sysctlKey(key)
	r, err := c.Run(context.Background(), conn.Cmd{Command: "cat " + p})
	if err != nil || r.ExitCode != 0 {
		t.Fatalf("read %s: %v %s", p, err, r.Stderr)
	}
	return sysctlValue(string(r.Stdout))
}

// sysctlScenario is apply / re-apply / check / absent for a net.* key on
// a connection whose network namespace the test owns.
func sysctlScenario(t *testing.T, c conn.Conn, file string) {
	run := func(args map[string]any, check bool) *Result {
		t.Helper()
		args["sysctl_file"] = file
		return sysRunModuleOn(t, c, "sysctl", args, check, nil)
	}
	read := func() string {
		b, err := c.ReadFile(context.Background(), file, conn.Become{})
		if err != nil {
			return "<missing>"
		}
		return string(b)
	}
	// Put the running values back: on a shared lab host they are not ours.
	for _, k := range []string{"net.core.somaxconn", "net.ipv4.tcp_rmem", "net.ipv4.tcp_fin_timeout"} {
		v := sysctlRuntime(t, c, k)
		t.Cleanup(func() { c.Run(context.Background(), conn.Cmd{Command: "sysctl -q -w " + shq(k+"="+v)}) })
	}
	orig := sysctlRuntime(t, c, "net.core.somaxconn")
	want := "12345"
	if orig == want {
		want = "12346"
	}

	// Check mode predicts the file and the runtime change, and does neither.
	res := run(map[string]any{"name": "net.core.somaxconn", "value": want, "sysctl_set": true}, true)
	if !res.Changed || res.Failed || len(res.Diffs) != 2 || !res.Diffs[0].BeforeMissing ||
		res.Diffs[0].After != "net.core.somaxconn="+want+"\n" || res.Diffs[1].BeforeState["value"] != orig || res.Diffs[1].AfterState["value"] != want {
		t.Fatalf("check: %+v", res)
	}
	if got := read(); got != "<missing>" {
		t.Fatalf("check mode wrote the file: %q", got)
	}
	if got := sysctlRuntime(t, c, "net.core.somaxconn"); got != orig {
		t.Fatalf("check mode changed the runtime value to %s", got)
	}

	res = run(map[string]any{"name": "net.core.somaxconn", "value": want, "sysctl_set": true}, false)
	if !res.Changed || res.Failed {
		t.Fatalf("apply: %+v", res)
	}
	if got := read(); got != "net.core.somaxconn="+want+"\n" {
		t.Errorf("file after apply: %q", got)
	}
	if got := sysctlRuntime(t, c, "net.core.somaxconn"); got != want {
		t.Errorf("runtime after apply: %s", got)
	}
	if res := run(map[string]any{"name": "net.core.somaxconn", "value": want, "sysctl_set": true}, false); res.Changed || res.Failed {
		t.Errorf("re-apply changed: %+v", res)
	}

	// A multi-field value written with tabs in the file and read back with
	// tabs from /proc is the same value: no change.
	res = run(map[string]any{"name": "net.ipv4.tcp_rmem", "value": "4096 12582912 16777216", "sysctl_set": true}, false)
	if !res.Changed || res.Failed {
		t.Fatalf("tcp_rmem apply: %+v", res)
	}
	if err := c.WriteFile(context.Background(), file, []byte(strings.Replace(read(), "4096 12582912 16777216", "4096\t12582912   16777216", 1)), conn.WriteOpts{}); err != nil {
		t.Fatal(err)
	}
	if res := run(map[string]any{"name": "net.ipv4.tcp_rmem", "value": "4096  12582912\t16777216", "sysctl_set": true}, false); res.Changed || res.Failed {
		t.Errorf("blank-only difference reported as a change: %+v", res)
	}

	// reload (the default) loads the changed file, so the runtime value
	// follows even without sysctl_set, and the prediction says so.
	res = run(map[string]any{"name": "net.ipv4.tcp_fin_timeout", "value": "31"}, true)
	if len(res.Diffs) != 2 || res.Diffs[1].AfterState["value"] != "31" {
		t.Errorf("reload prediction: %+v", res.Diffs)
	}
	if res := run(map[string]any{"name": "net.ipv4.tcp_fin_timeout", "value": "31"}, false); !res.Changed || res.Failed {
		t.Errorf("reload apply: %+v", res)
	}
	if got := sysctlRuntime(t, c, "net.ipv4.tcp_fin_timeout"); got != "31" {
		t.Errorf("tcp_fin_timeout after reload: %s", got)
	}

	res = run(map[string]any{"name": "net.core.somaxconn", "state": "absent"}, false)
	if !res.Changed || strings.Contains(read(), "somaxconn") {
		t.Errorf("absent: %+v, file %q", res, read())
	}
	if res := run(map[string]any{"name": "net.core.somaxconn", "state": "absent"}, false); res.Changed {
		t.Errorf("absent again changed: %+v", res)
	}

	res = run(map[string]any{"name": "net.core.somaxconnn", "value": "1"}, false)
	if !res.Failed || !strings.Contains(res.Msg, "no parameter net.core.somaxconnn") {
		t.Errorf("unknown key: %+v", res)
	}
	res = run(map[string]any{"name": "net.play.no-such-key", "value": "1", "ignoreerrors": true, "reload": false}, false)
	if res.Failed || !res.Changed || len(res.Warnings) == 0 {
		t.Errorf("ignoreerrors: %+v", res)
	}
}

func TestSysctlInNetworkNamespace(t *testing.T) {
	c := sysctlNetns(t)
	keys := []string{"net/core/somaxconn", "net/ipv4/tcp_rmem", "net/ipv4/tcp_fin_timeout"}
	before := map[string]string{}
	for _, k := range keys {
		b, _ := os.ReadFile("/proc/sys/" + k)
		before[k] = string(b)
	}
	sysctlScenario(t, c, filepath.Join(t.TempDir(), "90-play.conf"))
	// The values were set for real, in the namespace only.
	for _, k := range keys {
		if b, _ := os.ReadFile("/proc/sys/" + k); string(b) != before[k] {
			t.Errorf("this machine's %s changed: %q -> %q", k, before[k], b)
		}
	}
}

// sysLabHost picks a sys-* lab host (lab/lab.sh up 2 --prefix sys), or
// else the first host: tests then touch only files they own and put back
// the running values they change.
func sysLabHost(t *testing.T) conn.Conn {
	t.Helper()
	hosts := sysLabHosts(t)
	for _, h := range hosts {
		if strings.HasPrefix(h.Host(), "sys-") {
			return h
		}
	}
	return hosts[0]
}

// TestSysctlOnLab runs the scenario on a lab host (its own network
// namespace under systemd-nspawn) with a file in its real /etc/sysctl.d.
func TestSysctlOnLab(t *testing.T) {
	c := sysLabHost(t)
	file := "/etc/sysctl.d/90-play-modtest.conf"
	c.Run(context.Background(), conn.Cmd{Command: "rm -f " + file})
	t.Cleanup(func() { c.Run(context.Background(), conn.Cmd{Command: "rm -f " + file}) })
	if r, _ := c.Run(context.Background(), conn.Cmd{Command: "test -w /proc/sys/net/core/somaxconn"}); r != nil && r.ExitCode != 0 {
		// systemd-nspawn mounts /proc/sys read-only unless the container
		// has a private network of its own making.
		args := map[string]any{"name": "net.core.somaxconn", "value": "12345", "sysctl_file": file}
		res := sysRunModuleOn(t, c, "sysctl", args, true, nil)
		if !res.Failed || !strings.Contains(res.Msg, "read-only") {
			t.Errorf("read-only /proc/sys not reported: %+v", res)
		}
		if r, _ := c.Run(context.Background(), conn.Cmd{Command: "test -e " + file}); r.ExitCode == 0 {
			t.Errorf("failed task wrote %s", file)
		}
		args["reload"] = false
		if res := sysRunModuleOn(t, c, "sysctl", args, false, nil); !res.Changed || res.Failed {
			t.Errorf("file-only apply: %+v", res)
		}
		if res := sysRunModuleOn(t, c, "sysctl", args, false, nil); res.Changed || res.Failed {
			t.Errorf("file-only re-apply: %+v", res)
		}
		return
	}
	sysctlScenario(t, c, file)
}

// Global keys (fs.*, vm.*) are only ever written to a file here.
func TestSysctlGlobalKeysFileOnly(t *testing.T) {
	c := sysLocal(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "99-galera.conf")
	// The lab write-up's file set fs.file-max twice.
	os.WriteFile(file, []byte("fs.file-max = 100000\nvm.swappiness=1\nfs.file-max = 2097152\n"), 0o644)
	var origMax []byte
	origMax, _ = os.ReadFile("/proc/sys/fs/file-max")
	args := map[string]any{"name": "fs.file-max", "value": "2097152", "sysctl_file": file, "reload": false}
	res := sysRunModuleOn(t, c, "sysctl", args, true, nil)
	if !res.Changed || len(res.Diffs) != 1 || res.Diffs[0].After != "vm.swappiness=1\nfs.file-max = 2097152\n" {
		t.Fatalf("check: %+v", res)
	}
	if len(res.Warnings) == 0 || !strings.Contains(res.Warnings[0], "set 2 times") {
		t.Errorf("no duplicate warning: %q", res.Warnings)
	}
	if b, _ := os.ReadFile(file); !strings.HasPrefix(string(b), "fs.file-max = 100000") {
		t.Errorf("check mode wrote: %q", b)
	}
	// Check mode may predict the running value without touching it.
	live := map[string]any{"name": "fs.file-max", "value": "2097153", "sysctl_file": file, "sysctl_set": true}
	res = sysRunModuleOn(t, c, "sysctl", live, true, nil)
	if !res.Changed || res.Failed || len(res.Diffs) != 2 || res.Diffs[1].AfterState["value"] != "2097153" ||
		res.Diffs[1].BeforeState["value"] != strings.TrimSpace(string(origMax)) {
		t.Errorf("check with sysctl_set: %+v", res)
	}
	if res := sysRunModuleOn(t, c, "sysctl", args, false, nil); !res.Changed {
		t.Errorf("apply: %+v", res)
	}
	if res := sysRunModuleOn(t, c, "sysctl", args, false, nil); res.Changed || len(res.Warnings) != 0 && strings.Contains(res.Warnings[0], "times") {
		t.Errorf("re-apply: %+v", res)
	}
	if now, _ := os.ReadFile("/proc/sys/fs/file-max"); string(now) != string(origMax) {
		t.Errorf("fs.file-max changed on this machine: %s -> %s", origMax, now)
	}
}

// A key also set in another sysctl.d file is reported with the file that
// wins at boot.
func TestSysctlWarnsAboutOtherFiles(t *testing.T) {
	etc, lib := t.TempDir(), t.TempDir()
	old := sysctlDirs
	sysctlDirs = []string{etc, lib}
	t.Cleanup(func() { sysctlDirs = old })
	os.WriteFile(filepath.Join(lib, "50-default.conf"), []byte("vm.swappiness = 60\n"), 0o644)
	os.WriteFile(filepath.Join(etc, "99-zz-override.conf"), []byte("# late\nvm.swappiness=5\n"), 0o644)
	file := filepath.Join(etc, "90-tuning.conf")
	res := sysRunModule(t, "sysctl", map[string]any{"name": "vm.swappiness", "value": "1", "sysctl_file": file, "reload": false}, true)
	if len(res.Warnings) != 2 {
		t.Fatalf("warnings: %q", res.Warnings)
	}
	if !strings.Contains(res.Warnings[0], "50-default.conf (line 1: \"60\")") || !strings.Contains(res.Warnings[0], "read later and wins") {
		t.Errorf("earlier file: %s", res.Warnings[0])
	}
	if !strings.Contains(res.Warnings[1], "99-zz-override.conf (line 2: \"5\")") || !strings.Contains(res.Warnings[1], "that value wins at boot") {
		t.Errorf("later file: %s", res.Warnings[1])
	}
}
