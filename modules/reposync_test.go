package modules

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestReposyncPlan(t *testing.T) {
	urls := []string{
		"http://mirror/9/BaseOS/x86_64/os/repodata/abc-primary.xml.gz",
		"http://mirror/9/BaseOS/x86_64/os/Packages/a-1.rpm",
		"http://mirror/9/BaseOS/x86_64/os/Packages/b-2.rpm",
	}
	have := map[string]string{"Packages/a-1.rpm": "10", "Packages/old-0.rpm": "5", "repodata/repomd.xml": "x"}
	fetch, remove := reposyncPlan(urls, have, true, true)
	if strings.Join(fetch, " ") != "Packages/b-2.rpm repodata/abc-primary.xml.gz" || strings.Join(remove, " ") != "Packages/old-0.rpm" {
		t.Errorf("fetch %v remove %v", fetch, remove)
	}
	fetch, remove = reposyncPlan(urls, have, false, false)
	if strings.Join(fetch, " ") != "Packages/b-2.rpm" || len(remove) != 0 {
		t.Errorf("without metadata/delete: fetch %v remove %v", fetch, remove)
	}
	a, c, r := reposyncCompare(map[string]string{"x": "1", "y": "2"}, map[string]string{"y": "3", "z": "1"})
	if strings.Join(a, ",") != "z" || strings.Join(c, ",") != "y" || strings.Join(r, ",") != "x" {
		t.Errorf("compare: %v %v %v", a, c, r)
	}
}

func TestReposyncRejectsBadArgs(t *testing.T) {
	m, _ := Get("reposync")
	for _, args := range []map[string]any{
		{"repoid": "baseos"},
		{"download_path": "/srv"},
		{"repoid": "baseos", "download_path": "/srv", "newest_only": "latest"},
	} {
		if _, errs := Normalize(m.Spec(), args, false); len(errs) == 0 {
			t.Errorf("Normalize accepted %v", args)
		}
	}
	res := sysRunModule(t, "reposync", map[string]any{"repoid": []any{"a", "b"}, "download_path": t.TempDir(), "norepopath": true}, true)
	if !res.Failed || !strings.Contains(res.Msg, "exactly one") {
		t.Errorf("norepopath with two repos: %+v", res)
	}
}

func TestReposyncLocalRepository(t *testing.T) {
	l := newDnfLab(t)
	conf := filepath.Join(l.dir, "reposync.conf")
	// Cache, logs and history stay in the temp dir, not in /var.
	os.WriteFile(conf, []byte("[main]\ngpgcheck=0\nreposdir="+filepath.Join(l.dir, "no-repos.d")+
		"\ncachedir="+filepath.Join(l.dir, "cache")+"\nsystem_cachedir="+filepath.Join(l.dir, "cache")+"\nlogdir="+filepath.Join(l.dir, "log")+"\npersistdir="+filepath.Join(l.dir, "persist")+"\n\n"+
		"[playsrc]\nname=play source\nbaseurl=file://"+filepath.Join(l.dir, "base")+"\nmetadata_expire=0\n"), 0o644)
	if out, err := exec.Command("dnf", "-c", conf, "--disableplugin=local", "reposync", "--help").CombinedOutput(); err != nil {
		t.Skipf("dnf reposync unavailable (dnf-plugins-core): %v %s", err, out)
	}
	// Debian's dnf keeps repository metadata in /var/cache/dnf whatever
	// the config file says; the test's repository id is its own.
	t.Cleanup(func() {
		old, _ := filepath.Glob("/var/cache/dnf/playsrc*")
		for _, p := range old {
			os.RemoveAll(p)
		}
	})
	mirror := filepath.Join(l.dir, "mirror")
	args := func(extra map[string]any) map[string]any {
		a := map[string]any{"repoid": "playsrc", "download_path": mirror, "conf_file": conf, "releasever": "9", "disable_plugin": "local"}
		for k, v := range extra {
			a[k] = v
		}
		return a
	}
	rpms := func() string {
		m, _ := filepath.Glob(filepath.Join(mirror, "playsrc", "*.rpm"))
		var names []string
		for _, p := range m {
			names = append(names, filepath.Base(p))
		}
		return strings.Join(sortedCopy(names), " ")
	}

	res := sysRunModule(t, "reposync", args(nil), true)
	if !res.Changed || res.Failed || res.Diffs[0].AfterState["download"] != 9 {
		t.Fatalf("check: %+v", res)
	}
	if _, err := os.Stat(mirror); err == nil {
		t.Fatal("check mode created the mirror")
	}
	res = sysRunModule(t, "reposync", args(nil), false)
	if !res.Changed || res.Failed {
		t.Fatalf("sync: %+v", res)
	}
	if got := rpms(); got != "playdep-1.0-1.noarch.rpm playextra-1.0-1.noarch.rpm playhello-1.0-1.noarch.rpm" {
		t.Errorf("mirror: %s", got)
	}
	if _, err := os.Stat(filepath.Join(mirror, "playsrc", "repodata", "repomd.xml")); err != nil {
		t.Errorf("no metadata: %v", err)
	}
	if res := sysRunModule(t, "reposync", args(nil), true); res.Changed || res.Failed {
		t.Errorf("check after sync: %+v", res)
	}
	if res := sysRunModule(t, "reposync", args(nil), false); res.Changed || res.Failed {
		t.Errorf("re-sync: %+v", res)
	}

	// A new version upstream: one package (and the new metadata) to fetch;
	// then newest_only + delete drops the old one.
	exec.Command("cp", filepath.Join(l.dir, "updates", "playhello-1.1-1.noarch.rpm"), filepath.Join(l.dir, "base")).Run()
	if out, err := exec.Command("createrepo_c", "-q", "--update", filepath.Join(l.dir, "base")).CombinedOutput(); err != nil {
		t.Fatalf("createrepo_c: %v %s", err, out)
	}
	res = sysRunModule(t, "reposync", args(nil), true)
	repo := res.Data["repos"].([]any)[0].(map[string]any)
	if !res.Changed || !strings.Contains(strings.Join(toStrings(repo["download"].([]any)), " "), "playhello-1.1-1.noarch.rpm") {
		t.Fatalf("check with a new package: %+v", res)
	}
	res = sysRunModule(t, "reposync", args(nil), false)
	if !res.Changed || !strings.Contains(rpms(), "playhello-1.1-1") {
		t.Fatalf("sync new package: %+v / %s", res, rpms())
	}
	prune := args(map[string]any{"newest_only": true, "delete": true})
	res = sysRunModule(t, "reposync", prune, true)
	repo = res.Data["repos"].([]any)[0].(map[string]any)
	if !res.Changed || strings.Join(toStrings(repo["delete"].([]any)), " ") != "playhello-1.0-1.noarch.rpm" {
		t.Fatalf("check prune: %+v", res)
	}
	if res := sysRunModule(t, "reposync", prune, false); !res.Changed || strings.Contains(rpms(), "playhello-1.0-1") {
		t.Errorf("prune: %+v / %s", res, rpms())
	}
	if res := sysRunModule(t, "reposync", prune, false); res.Changed {
		t.Errorf("prune again: %+v", res)
	}
}
