package modules

import (
	"os/exec"
	"strings"
	"testing"
)

// aptCandidate returns apt's candidate version of a package not yet
// installed, or skips.
func aptCandidate(t *testing.T, pkg string) string {
	t.Helper()
	if _, err := exec.LookPath("apt-get"); err != nil {
		t.Skip("no apt-get")
	}
	if aptIsInstalled(pkg) {
		t.Skipf("%s is already installed here", pkg)
	}
	out, _ := exec.Command("apt-cache", "policy", pkg).Output()
	for _, line := range strings.Split(string(out), "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "Candidate:"); ok && strings.TrimSpace(v) != "(none)" {
			return strings.TrimSpace(v)
		}
	}
	t.Skipf("the apt cache does not know %s", pkg)
	return ""
}

func aptIsInstalled(pkg string) bool {
	out, _ := exec.Command("dpkg-query", "-W", "-f=${db:Status-Abbrev}", pkg).Output()
	return strings.HasPrefix(string(out), "ii")
}

func TestAptCheckPredictsAndInstallRemove(t *testing.T) {
	sysNeedRoot(t)
	const pkg = "sl"
	cand := aptCandidate(t, pkg)
	vars := map[string]any{"ansible_facts": map[string]any{"pkg_mgr": "apt"}}
	c := sysLocal(t)

	res := sysRunModuleOn(t, c, "package", map[string]any{"name": pkg}, true, vars)
	if res.Failed || !res.Changed {
		t.Fatalf("check: failed=%v changed=%v msg=%s", res.Failed, res.Changed, res.Msg)
	}
	var found bool
	for _, d := range res.Diffs {
		if d.Path == "package "+pkg && d.BeforeState["state"] == "absent" && d.AfterState["version"] == cand {
			found = true
		}
	}
	if !found {
		t.Errorf("check mode did not predict %s %s: %+v", pkg, cand, res.Diffs)
	}
	if aptIsInstalled(pkg) {
		t.Fatal("check mode installed the package")
	}

	res = sysRunModuleOn(t, c, "apt", map[string]any{"name": []any{pkg}, "install_recommends": false}, false, vars)
	if res.Failed && (strings.Contains(res.Msg, "Failed to fetch") || strings.Contains(res.Msg, "Unable to fetch")) {
		t.Skipf("the mirror did not answer: %s", res.Msg)
	}
	t.Cleanup(func() { exec.Command("apt-get", "-y", "-q", "purge", pkg).Run() })
	if res.Failed || !res.Changed || !aptIsInstalled(pkg) {
		t.Fatalf("install: failed=%v changed=%v msg=%s", res.Failed, res.Changed, res.Msg)
	}
	if res := sysRunModuleOn(t, c, "apt", map[string]any{"name": pkg}, false, vars); res.Changed || res.Failed {
		t.Errorf("second install not idempotent: %+v", res)
	}
	if res := sysRunModuleOn(t, c, "apt", map[string]any{"name": pkg + "=" + cand}, false, vars); res.Changed {
		t.Errorf("pinned to the installed version but changed: %+v", res.Diffs)
	}
	res = sysRunModuleOn(t, c, "apt", map[string]any{"name": pkg, "state": "absent"}, true, vars)
	if !res.Changed || !aptIsInstalled(pkg) {
		t.Errorf("check remove: changed=%v, still installed=%v", res.Changed, aptIsInstalled(pkg))
	}
	res = sysRunModuleOn(t, c, "apt", map[string]any{"name": pkg, "state": "absent", "purge": true}, false, vars)
	if !res.Changed || aptIsInstalled(pkg) {
		t.Errorf("remove: changed=%v msg=%s", res.Changed, res.Msg)
	}
	if removed, _ := res.Data["removed"].([]any); len(removed) == 0 {
		t.Errorf("removed list empty: %v", res.Data)
	}
	if res := sysRunModuleOn(t, c, "apt", map[string]any{"name": pkg, "state": "absent"}, false, vars); res.Changed {
		t.Error("removing an absent package changed")
	}
}

func TestAptUnknownPackageAndDispatch(t *testing.T) {
	if _, err := exec.LookPath("apt-get"); err != nil {
		t.Skip("no apt-get")
	}
	res := sysRunModule(t, "apt", map[string]any{"name": "no-such-package-xyz"}, true)
	if !res.Failed || !strings.Contains(res.Msg, "no-such-package-xyz") {
		t.Errorf("unknown package: failed=%v msg=%q", res.Failed, res.Msg)
	}
	if _, ok := Get("dnf"); !ok {
		res = sysRunModuleOn(t, sysLocal(t), "package", map[string]any{"name": "x"}, true,
			map[string]any{"ansible_facts": map[string]any{"pkg_mgr": "dnf"}})
		if !res.Failed || res.Msg != "package manager dnf not supported yet" {
			t.Errorf("dnf dispatch: %q", res.Msg)
		}
	}
}

func TestAptParseSim(t *testing.T) {
	ch := aptParseSim("Inst libc6 [2.36-9] (2.36-9+deb12u4 Debian:12.11/stable [amd64])\nConf libc6 (2.36)\nRemv sl [5.02-1+b1]\n")
	if len(ch) != 2 || ch[0].old != "2.36-9" || ch[0].newVer != "2.36-9+deb12u4" || ch[1].op != "Remv" || ch[1].old != "5.02-1+b1" {
		t.Errorf("%+v", ch)
	}
}

func TestAptUpdateCacheCheckMode(t *testing.T) {
	if _, err := exec.LookPath("apt-get"); err != nil {
		t.Skip("no apt-get")
	}
	res := sysRunModule(t, "apt", map[string]any{"update_cache": true}, true)
	if !res.Changed || res.Data["cache_updated"] != true {
		t.Errorf("check mode cache update not predicted: %+v", res)
	}
	// A cache younger than ten years needs no update, in any mode.
	res = sysRunModule(t, "apt", map[string]any{"update_cache": true, "cache_valid_time": 315360000}, false)
	if res.Changed || res.Failed {
		t.Errorf("valid cache was refreshed: %+v", res)
	}
}
