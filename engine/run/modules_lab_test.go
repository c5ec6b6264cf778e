package run_test

import (
	"strings"
	"testing"

	"github.com/playbook/play/engine/run"
)

func snapshot(t *testing.T, rec *recorder) map[string]string {
	out := map[string]string{}
	for _, r := range rec.results {
		if r.Task == "snapshot" {
			out[r.Host], _ = r.Data["stdout"].(string)
		}
	}
	return out
}

func totals(out *run.Outcome) (changed, failed, pending int) {
	for _, s := range out.Stats {
		changed += s.Changed
		failed += s.Failed + s.Unreachable
		pending += s.WouldRunAfter
	}
	return
}

// TestCoreModulesOnLab runs every core module against real systemd hosts
// over SSH: check mode on fresh hosts predicts changes and leaves them
// byte-for-byte unchanged; apply changes them; a second apply and a
// second check report nothing to do.
func TestCoreModulesOnLab(t *testing.T) {
	inv := labInventory(t)
	reset := func() { runPlaybook(t, inv, "testdata/modules/reset.yml", run.Options{}) }
	snap := func() map[string]string {
		rec, _ := runPlaybook(t, inv, "testdata/modules/snapshot.yml", run.Options{})
		return snapshot(t, rec)
	}
	reset()
	defer reset()
	fresh := snap()

	rec, out := runPlaybook(t, inv, "testdata/modules/core.yml", run.Options{Check: true})
	if c, f, _ := totals(out); c == 0 || f != 0 {
		t.Errorf("check on fresh hosts: changed=%d failed=%d; want changes and no failures:\n%s", c, f, strings.Join(failures(rec), "\n"))
	}
	if after := snap(); !equalMaps(fresh, after) {
		t.Fatalf("check mode changed the hosts:\nbefore %v\nafter %v", fresh, after)
	}

	rec, out = runPlaybook(t, inv, "testdata/modules/core.yml", run.Options{})
	if c, f, _ := totals(out); c == 0 || f != 0 {
		t.Fatalf("apply: changed=%d failed=%d:\n%s", c, f, strings.Join(failures(rec), "\n"))
	}
	applied := snap()
	for h, s := range applied {
		for _, want := range []string{"/srv/play-mod/app.conf", "playmod:x:4242:4242", "active\nenabled", "/etc/cron.d/play-mod"} {
			if !strings.Contains(s, want) {
				t.Errorf("%s after apply lacks %q:\n%s", h, want, s)
			}
		}
	}

	rec, out = runPlaybook(t, inv, "testdata/modules/core.yml", run.Options{})
	if c, f, _ := totals(out); c != 0 || f != 0 {
		var changed []string
		for _, r := range rec.results {
			if r.Status == "changed" {
				changed = append(changed, r.Host+": "+r.Task)
			}
		}
		t.Errorf("second apply: changed=%d failed=%d, want 0/0: %v", c, f, changed)
	}
	_, out = runPlaybook(t, inv, "testdata/modules/core.yml", run.Options{Check: true})
	if c, f, p := totals(out); c != 0 || f != 0 || p != 0 {
		t.Errorf("check on converged hosts: changed=%d failed=%d would_run_after=%d, want 0", c, f, p)
	}
	if after := snap(); !equalMaps(applied, after) {
		t.Errorf("re-runs changed the converged hosts")
	}
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}
