package modules

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestDnfParseTable(t *testing.T) {
	out := `Dependencies resolved.
================================================================================
 Package                     Architecture  Version         Repository     Size
================================================================================
Installing:
 playhello                   noarch        1.0-1           playtest      5.9 k
 a-package-name-that-is-far-too-long-for-its-column
                             x86_64        2:3.1-4.el9     appstream      12 M
Upgrading:
 playdep                     noarch        1.1-1           playnew       5.8 k
     replacing  playold.noarch 0.9-1
Installing dependencies:
 libfoo                      x86_64        1.2-3.el9       baseos         80 k
Installing group/module packages:
 gcc                         x86_64        11.4.1-2.el9    appstream      32 M
Installing Groups:
 Development Tools
Enabling module streams:
 nodejs                                    18
Skipping packages with conflicts:
 bad                         x86_64        1.0-1           baseos         10 k
Removing:
 gone                        noarch        1.0-1           @System        3

Transaction Summary
================================================================================
Install  3 Packages
`
	got := dnfParseTable(out)
	want := []dnfChange{
		{op: "install", name: "playhello", arch: "noarch", version: "1.0-1", repo: "playtest"},
		{op: "install", name: "a-package-name-that-is-far-too-long-for-its-column", arch: "x86_64", version: "2:3.1-4.el9", repo: "appstream"},
		{op: "upgrade", name: "playdep", arch: "noarch", version: "1.1-1", repo: "playnew"},
		{op: "install", name: "libfoo", arch: "x86_64", version: "1.2-3.el9", repo: "baseos"},
		{op: "install", name: "gcc", arch: "x86_64", version: "11.4.1-2.el9", repo: "appstream"},
		{op: "remove", name: "gone", arch: "noarch", version: "1.0-1", repo: "System"},
	}
	if len(got) != len(want) {
		t.Fatalf("got %+v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("line %d: got %+v, want %+v", i, got[i], want[i])
		}
	}
	if n := len(dnfParseTable("Package playhello-1.0-1.noarch is already installed.\nDependencies resolved.\nNothing to do.\nComplete!\n")); n != 0 {
		t.Errorf("nothing to do parsed as %d changes", n)
	}
}

func TestDnfRejectsBadArgs(t *testing.T) {
	m, _ := Get("dnf")
	for _, args := range []map[string]any{
		{"name": "x", "state": "newest"},
		{"name": "x", "disable_gpg_check": "perhaps"},
		{"state": "present"},
		{"name": "x", "enable_repo": "y"},
	} {
		if _, errs := Normalize(m.Spec(), args, false); len(errs) == 0 {
			t.Errorf("Normalize accepted %v", args)
		}
	}
}

// dnfLab is a throwaway RPM world: packages built with rpmbuild, two
// repositories made with createrepo_c, a dnf.conf naming them, and an
// empty installroot that dnf installs into.
type dnfLab struct {
	dir, root, conf string
}

func newDnfLab(t *testing.T) *dnfLab {
	t.Helper()
	sysNeedRoot(t)
	for _, tool := range []string{"dnf", "rpm", "rpmbuild", "createrepo_c"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("needs %s (apt-get install dnf rpm createrepo-c)", tool)
		}
	}
	tmpl, err := os.ReadFile("testdata/dnf/pkg.spec")
	if err != nil {
		t.Fatal(err)
	}
	l := &dnfLab{dir: t.TempDir()}
	l.root = filepath.Join(l.dir, "root")
	build := func(repo, name, version, requires string) {
		spec := strings.NewReplacer("@NAME@", name, "@VERSION@", version, "@REQUIRES@", requires).Replace(string(tmpl))
		sp := filepath.Join(l.dir, name+"-"+version+".spec")
		os.WriteFile(sp, []byte(spec), 0o644)
		out, err := exec.Command("rpmbuild", "--define", "_topdir "+filepath.Join(l.dir, "build"),
			"--define", "_build_id_links none", "-bb", sp).CombinedOutput()
		if err != nil {
			t.Fatalf("rpmbuild %s: %v\n%s", name, err, out)
		}
		os.MkdirAll(filepath.Join(l.dir, repo), 0o755)
		rpm := filepath.Join(l.dir, "build/RPMS/noarch", name+"-"+version+"-1.noarch.rpm")
		if out, err := exec.Command("cp", rpm, filepath.Join(l.dir, repo)).CombinedOutput(); err != nil {
			t.Fatalf("cp: %v %s", err, out)
		}
	}
	build("base", "playdep", "1.0", "")
	build("base", "playhello", "1.0", "Requires: playdep")
	build("base", "playextra", "1.0", "")
	build("updates", "playhello", "1.1", "Requires: playdep")
	for _, repo := range []string{"base", "updates"} {
		if out, err := exec.Command("createrepo_c", "-q", filepath.Join(l.dir, repo)).CombinedOutput(); err != nil {
			t.Fatalf("createrepo_c: %v %s", err, out)
		}
	}
	l.conf = filepath.Join(l.dir, "dnf.conf")
	// Cache and logs stay in the temp dir, not in this machine's /var.
	os.WriteFile(l.conf, []byte("[main]\ngpgcheck=0\nreposdir="+filepath.Join(l.dir, "no-repos.d")+
		"\ncachedir="+filepath.Join(l.dir, "cache")+"\nsystem_cachedir="+filepath.Join(l.dir, "cache")+"\nlogdir="+filepath.Join(l.dir, "log")+"\n\n"+
		"[playbase]\nname=play base\nbaseurl=file://"+filepath.Join(l.dir, "base")+"\n\n"+
		"[playupdates]\nname=play updates\nenabled=0\nbaseurl=file://"+filepath.Join(l.dir, "updates")+"\n"), 0o644)
	return l
}

func (l *dnfLab) args(extra map[string]any) map[string]any {
	a := map[string]any{"installroot": l.root, "releasever": "9", "conf_file": l.conf, "disable_plugin": "*"}
	for k, v := range extra {
		a[k] = v
	}
	return a
}

// installed lists name-version-release of the packages in the root.
func (l *dnfLab) installed(t *testing.T) string {
	out, _ := exec.Command("rpm", "--root", l.root, "-qa", "--qf", "%{NAME}-%{VERSION}-%{RELEASE}\n").Output()
	lines := strings.Fields(string(out))
	var ours []string
	for _, s := range lines {
		if strings.HasPrefix(s, "play") {
			ours = append(ours, s)
		}
	}
	return strings.Join(sortedCopy(ours), " ")
}

func sortedCopy(s []string) []string {
	c := append([]string(nil), s...)
	for i := range c {
		for j := i + 1; j < len(c); j++ {
			if c[j] < c[i] {
				c[i], c[j] = c[j], c[i]
			}
		}
	}
	return c
}

func diffPaths(res *Result) string {
	var p []string
	for _, d := range res.Diffs {
		p = append(p, d.Path+":"+str(d.BeforeState["version"])+">"+str(d.AfterState["version"]))
	}
	return strings.Join(p, " ")
}

func str(v any) string {
	if v == nil {
		return ""
	}
	s, _ := v.(string)
	return s
}

func TestDnfInstallroot(t *testing.T) {
	l := newDnfLab(t)
	hello := l.args(map[string]any{"name": "playhello"})

	res := sysRunModule(t, "dnf", hello, true)
	if !res.Changed || res.Failed || diffPaths(res) != "package playdep:>1.0-1 package playhello:>1.0-1" {
		t.Fatalf("check: %s %+v", diffPaths(res), res)
	}
	if got := l.installed(t); got != "" {
		t.Fatalf("check mode installed %s", got)
	}
	res = sysRunModule(t, "dnf", hello, false)
	if !res.Changed || res.Failed || len(res.Data["installed"].([]any)) != 2 {
		t.Fatalf("apply: %+v", res)
	}
	if got := l.installed(t); got != "playdep-1.0-1 playhello-1.0-1" {
		t.Errorf("installed after apply: %s", got)
	}
	if res := sysRunModule(t, "dnf", hello, false); res.Changed || res.Failed {
		t.Errorf("re-apply: %+v", res)
	}

	// latest with one package installed and one missing: one transaction
	// that upgrades the first and installs the second.
	latest := l.args(map[string]any{"name": []any{"playhello", "playextra"}, "state": "latest", "enablerepo": "playupdates"})
	res = sysRunModule(t, "dnf", latest, true)
	if !res.Changed || res.Failed || diffPaths(res) != "package playextra:>1.0-1 package playhello:1.0-1>1.1-1" {
		t.Fatalf("latest check: %s %+v", diffPaths(res), res)
	}
	if got := l.installed(t); got != "playdep-1.0-1 playhello-1.0-1" {
		t.Fatalf("latest check mode changed the root: %s", got)
	}
	res = sysRunModule(t, "dnf", latest, false)
	if !res.Changed || res.Failed {
		t.Fatalf("latest apply: %+v", res)
	}
	up := res.Data["upgraded"].([]any)
	if len(up) != 1 || up[0].(map[string]any)["from"] != "1.0-1" || up[0].(map[string]any)["version"] != "1.1-1" {
		t.Errorf("upgraded: %v", up)
	}
	if got := l.installed(t); got != "playdep-1.0-1 playextra-1.0-1 playhello-1.1-1" {
		t.Errorf("installed after latest: %s", got)
	}
	if res := sysRunModule(t, "dnf", latest, false); res.Changed || res.Failed {
		t.Errorf("latest re-apply: %+v", res)
	}

	absent := l.args(map[string]any{"name": []any{"playhello", "playextra"}, "state": "absent"})
	res = sysRunModule(t, "dnf", absent, true)
	if !res.Changed || diffPaths(res) != "package playextra:1.0-1> package playhello:1.1-1>" {
		t.Fatalf("absent check: %s", diffPaths(res))
	}
	if res := sysRunModule(t, "dnf", absent, false); !res.Changed || res.Failed || len(res.Data["removed"].([]any)) != 2 {
		t.Errorf("absent apply: %+v", res)
	}
	if got := l.installed(t); got != "playdep-1.0-1" {
		t.Errorf("after removal (playdep stays without autoremove): %s", got)
	}
	if res := sysRunModule(t, "dnf", absent, false); res.Changed || res.Failed {
		t.Errorf("absent re-apply: %+v", res)
	}

	res = sysRunModule(t, "dnf", l.args(map[string]any{"name": "playnosuch"}), true)
	if !res.Failed || !strings.Contains(res.Msg, "playnosuch") {
		t.Errorf("unknown package: %+v", res)
	}
	// The same through the install+upgrade (dnf shell) path.
	mixed := l.args(map[string]any{"name": []any{"playdep", "playnosuch"}, "state": "latest"})
	for _, check := range []bool{true, false} {
		res = sysRunModule(t, "dnf", mixed, check)
		if !res.Failed || !strings.Contains(res.Msg, "playnosuch") {
			t.Errorf("unknown package with latest (check %v): %+v", check, res)
		}
	}
}
