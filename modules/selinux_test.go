package modules

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const seStockConfig = `# This file controls the state of SELinux on the system.
# SELINUX= can take one of these three values:
SELINUX=enforcing
# SELINUXTYPE= can take one of these three values:
SELINUXTYPE=targeted
`

func TestSelinuxConfigEdit(t *testing.T) {
	got := seConfigSet(seStockConfig, "SELINUX", "permissive")
	if got != strings.Replace(seStockConfig, "SELINUX=enforcing", "SELINUX=permissive", 1) {
		t.Errorf("replace: %q", got)
	}
	if seConfigSet(seStockConfig, "SELINUXTYPE", "targeted") != seStockConfig {
		t.Error("unchanged value rewrote the file")
	}
	if got := seConfigSet("SELINUX=disabled\nSELINUX=enforcing\n", "SELINUX", "permissive"); got != "SELINUX=permissive\n" {
		t.Errorf("duplicates: %q", got)
	}
	if got := seConfigSet("# empty", "SELINUXTYPE", "mls"); got != "# empty\nSELINUXTYPE=mls\n" {
		t.Errorf("append: %q", got)
	}
	if got := seConfigGet("SELINUX=enforcing\n SELINUX = \"permissive\"\n", "SELINUX"); got != "permissive" {
		t.Errorf("get: %q", got)
	}
	// SELINUX= must not match SELINUXTYPE=.
	if got := seConfigGet("SELINUXTYPE=mls\n", "SELINUX"); got != "" {
		t.Errorf("SELINUX matched SELINUXTYPE: %q", got)
	}
}

func TestSelinuxDecide(t *testing.T) {
	enf := &seStatus{enabled: true, mode: "enforcing", policy: "targeted", tools: true}
	perm := &seStatus{enabled: true, mode: "permissive", policy: "targeted", tools: true}
	off := &seStatus{mode: "disabled", tools: true}
	none := &seStatus{mode: "disabled"}
	cases := []struct {
		name                string
		run                 *seStatus
		conf, state, policy string
		setenforce          string
		reboot, relabel     bool
		warn                string
	}{
		{"enforcing to permissive now", enf, "enforcing", "permissive", "targeted", "0", false, false, ""},
		{"permissive to enforcing now", perm, "permissive", "enforcing", "targeted", "1", false, false, ""},
		{"already there", enf, "enforcing", "enforcing", "targeted", "", false, false, ""},
		{"to disabled: permissive now, reboot", enf, "enforcing", "disabled", "", "0", true, false, "disabled after a reboot"},
		{"from disabled: reboot and relabel", off, "disabled", "enforcing", "targeted", "", true, true, "after a reboot"},
		{"no SELinux at all", none, "", "permissive", "targeted", "", true, true, "not available on this host"},
		{"policy change needs reboot", enf, "enforcing", "enforcing", "mls", "", true, false, "loaded policy is targeted"},
	}
	for _, c := range cases {
		p := selinuxDecide(c.run, c.conf, c.state, c.policy)
		if p.setenforce != c.setenforce || p.rebootRequired != c.reboot || p.relabel != c.relabel ||
			(c.warn == "") != (len(p.warnings) == 0) || c.warn != "" && !strings.Contains(strings.Join(p.warnings, ";"), c.warn) {
			t.Errorf("%s: %+v", c.name, p)
		}
	}
}

func TestSelinuxParsers(t *testing.T) {
	s := seParse(map[string]string{"tools": "", "enforce": "1\n", "sestatus": "SELinux status:                 enabled\nLoaded policy name:             targeted\nCurrent mode:                   enforcing\n"})
	if !s.enabled || s.mode != "enforcing" || s.policy != "targeted" {
		t.Errorf("seParse: %+v", s)
	}
	if s := seParse(map[string]string{"tools": "", "sestatus": "SELinux status:                 disabled\n"}); s.enabled || s.mode != "disabled" {
		t.Errorf("seParse disabled: %+v", s)
	}
	if v, ok := seboolParseGet("httpd_can_network_connect --> on\n"); !v || !ok {
		t.Error("getsebool on")
	}
	out := "httpd_can_network_connect      (on   ,  off)  Allow httpd to can network connect\nhttpd_enable_cgi (off , on) Allow cgi\n"
	if v, ok := seboolParseSemanage(out, "httpd_can_network_connect"); v || !ok {
		t.Error("semanage persistent value: want off")
	}
	if v, ok := seboolParseSemanage(out, "httpd_enable_cgi"); !v || !ok {
		t.Error("semanage persistent value: want on")
	}
	rules := seParseFcontexts("/var/www/repos(/.*)?                               all files          system_u:object_r:httpd_sys_content_t:s0\n/srv/x   directory   <<None>>\n")
	if len(rules) != 2 || rules[0].ftype != "a" || rules[0].setype != "httpd_sys_content_t" || rules[0].selevel != "s0" || rules[1].ftype != "d" {
		t.Errorf("fcontexts: %+v", rules)
	}
}

func TestSelinuxRejectsBadArgs(t *testing.T) {
	for name, args := range map[string]map[string]any{
		"selinux":    {"state": "enforced"},
		"seboolean":  {"name": "httpd_can_network_connect", "state": "maybe"},
		"sefcontext": {"target": "/srv(/.*)?", "setype": "httpd_sys_content_t", "ftype": "x"},
	} {
		m, _ := Get(name)
		if _, errs := Normalize(m.Spec(), args, false); len(errs) == 0 {
			t.Errorf("%s accepted %v", name, args)
		}
	}
	m, _ := Get("sefcontext")
	if _, errs := Normalize(m.Spec(), map[string]any{"target": "/srv"}, false); len(errs) == 0 {
		t.Error("sefcontext without setype accepted")
	}
}

// seNeedDisabled skips unless this machine runs without SELinux, which is
// what the tests below exercise (Debian's kernel here has it off).
func seNeedDisabled(t *testing.T) {
	if _, err := os.Stat("/sys/fs/selinux/enforce"); err == nil {
		t.Skip("SELinux is running here; these tests cover hosts without it")
	}
}

// The config file is managed on a host without SELinux, with a warning
// and reboot_required, and the second run changes nothing.
func TestSelinuxConfigOnHostWithoutSELinux(t *testing.T) {
	seNeedDisabled(t)
	file := filepath.Join(t.TempDir(), "config")
	os.WriteFile(file, []byte(strings.Replace(seStockConfig, "SELINUX=enforcing", "SELINUX=disabled", 1)), 0o644)
	args := map[string]any{"state": "permissive", "configfile": file}
	res := sysRunModule(t, "selinux", args, true)
	if !res.Changed || res.Failed || len(res.Diffs) != 1 || !strings.Contains(res.Diffs[0].After, "SELINUX=permissive\n") ||
		res.Data["reboot_required"] != true || len(res.Warnings) == 0 {
		t.Fatalf("check: %+v", res)
	}
	if b, _ := os.ReadFile(file); !strings.Contains(string(b), "SELINUX=disabled") {
		t.Fatalf("check mode wrote the file: %s", b)
	}
	res = sysRunModule(t, "selinux", args, false)
	if !res.Changed || res.Failed || res.Data["policy"] != "targeted" {
		t.Fatalf("apply: %+v", res)
	}
	if b, _ := os.ReadFile(file); !strings.Contains(string(b), "SELINUX=permissive\n") || !strings.Contains(string(b), "SELINUXTYPE=targeted") {
		t.Errorf("file after apply: %s", b)
	}
	res = sysRunModule(t, "selinux", args, false)
	if res.Changed || res.Failed || res.Data["reboot_required"] != true {
		t.Errorf("re-apply: %+v", res)
	}
	// No policy anywhere: a clear failure instead of a broken config.
	empty := filepath.Join(t.TempDir(), "config")
	os.WriteFile(empty, []byte("SELINUX=disabled\n"), 0o644)
	if res := sysRunModule(t, "selinux", map[string]any{"state": "enforcing", "configfile": empty}, false); !res.Failed || !strings.Contains(res.Msg, "policy is required") {
		t.Errorf("no policy: %+v", res)
	}
	if res := sysRunModule(t, "selinux", map[string]any{"state": "disabled", "configfile": empty}, false); res.Changed || res.Failed {
		t.Errorf("disabled on disabled: %+v", res)
	}
}

// seboolean and sefcontext report, without failing, that there is
// nothing to manage where SELinux is disabled.
func TestSelinuxBooleanAndFcontextWhereDisabled(t *testing.T) {
	seNeedDisabled(t)
	res := sysRunModule(t, "seboolean", map[string]any{"name": "httpd_can_network_connect", "state": true, "persistent": true}, false)
	if res.Failed || res.Changed || !res.Skipped || !strings.Contains(res.Msg, "SELinux is disabled") {
		t.Errorf("seboolean: %+v", res)
	}
	res = sysRunModule(t, "sefcontext", map[string]any{"target": "/var/www/repos(/.*)?", "setype": "httpd_sys_content_t"}, true)
	if res.Failed || res.Changed || !res.Skipped || !strings.Contains(res.Msg, "file context /var/www/repos(/.*)?") {
		t.Errorf("sefcontext: %+v", res)
	}
}
