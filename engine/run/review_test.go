package run_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/playbook/play/engine/report"
	"github.com/playbook/play/engine/run"
)

// treeSum lists every path under dir with its content, to prove check
// mode touched nothing.
func treeSum(t *testing.T, dir string) string {
	var b strings.Builder
	filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return nil
		}
		b.WriteString(p + " " + fi.Mode().String())
		if fi.Mode().IsRegular() {
			data, _ := os.ReadFile(p)
			b.Write(data)
		}
		b.WriteString("\n")
		return nil
	})
	return b.String()
}

// Check mode predicts later tasks from earlier predicted changes (the
// lineinfile edits what copy would write, in a directory file would
// create), marks the task that reads a command's result as "would run
// after" it, touches nothing, and the review report says all of it.
func TestCheckModeReview(t *testing.T) {
	dir := t.TempDir()
	before := treeSum(t, dir)
	md := filepath.Join(t.TempDir(), "review.md")
	js := filepath.Join(t.TempDir(), "review.json")
	extra := map[string]any{"review_dir": dir}

	mask := &report.Masker{}
	inv := localInventory(t)
	rec, out := runPlaybook(t, inv, "testdata/local/review.yml", run.Options{Check: true, ExtraVars: extra,
		Masker: mask, Reporter: report.Multi{
			&report.Review{Path: md, Title: "review.yml", Check: true, Mask: mask},
			&report.Review{Path: js, Title: "review.yml", Check: true, Mask: mask}}})
	if after := treeSum(t, dir); after != before {
		t.Fatalf("check mode changed the host:\nbefore:\n%s\nafter:\n%s", before, after)
	}
	status := map[string]*report.HostResult{}
	for _, r := range rec.results {
		status[r.Task] = r
	}
	for task, want := range map[string]string{
		"config directory": "changed", "base config": "changed", "tune config": "changed",
		"read it back": "would_run_after", "use what was read": "would_run_after",
	} {
		if got := status[task]; got == nil || got.Status != want {
			t.Errorf("task %q: got %+v, want %s", task, got, want)
		}
	}
	if r := status["tune config"]; r != nil && len(r.Diffs) == 1 {
		if r.Diffs[0].Before != "port=80\n" || r.Diffs[0].After != "port=80\nworkers=4\n" {
			t.Errorf("lineinfile did not predict from copy's pending content: before %q after %q", r.Diffs[0].Before, r.Diffs[0].After)
		}
	}
	if r := status["read it back"]; r != nil && r.After != "tune config" {
		t.Errorf("cat of a file that would be written: would run after %q, want 'tune config'", r.After)
	}
	if r := status["use what was read"]; r != nil && r.After != "read it back" {
		t.Errorf("would run after %q, want 'read it back'", r.After)
	}
	if s := out.Stats[0]; s.WouldRunAfter != 2 || s.Changed != 3 {
		t.Errorf("recap %+v", *s)
	}
	mdText, err := os.ReadFile(md)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"| h1 | 3 | 2 | 0 | 0 |", "### tune config — changed", "+workers=4",
		"Would run after: **read it back**", "<details>"} {
		if !strings.Contains(string(mdText), want) {
			t.Errorf("review.md lacks %q:\n%s", want, mdText)
		}
	}
	jsText, _ := os.ReadFile(js)
	if !strings.Contains(string(jsText), `"would_run_after": "read it back"`) {
		t.Errorf("review.json lacks the dependency:\n%s", jsText)
	}
	for _, f := range [][]byte{mdText, jsText} {
		if strings.Contains(string(f), "secret-hash-value") {
			t.Errorf("a secret parameter leaked into the report")
		}
	}

	// Apply, then a second dry run reports nothing pending.
	runPlaybook(t, inv, "testdata/local/review.yml", run.Options{ExtraVars: extra})
	_, out = runPlaybook(t, inv, "testdata/local/review.yml", run.Options{Check: true, ExtraVars: extra})
	if out.Changed || out.Pending {
		t.Errorf("converged host still reports changes: %+v", *out.Stats[0])
	}
}

// A module that skips in check mode because it cannot check is "would
// run after" the host's pending change (not a silent skip); on a
// converged host it stays skipped, and a debug that reads its result is
// "would run after" it but not a pending change (--detailed-exitcode 0).
func TestCheckModeSkipAfterPendingChange(t *testing.T) {
	dir := t.TempDir()
	extra := map[string]any{"review_dir": dir}
	inv := localInventory(t)
	rec, out := runPlaybook(t, inv, "testdata/local/review_skip.yml", run.Options{Check: true, ExtraVars: extra})
	got := map[string]*report.HostResult{}
	for _, r := range rec.results {
		got[r.Task] = r
	}
	if r := got["act on the marker"]; r == nil || r.Status != report.StatusWouldRunAfter || r.After != "write the marker" {
		t.Errorf("command after a pending copy: %+v, want would run after 'write the marker'", r)
	}
	if r := got["show what was done"]; r == nil || r.Status != report.StatusWouldRunAfter || r.After != "act on the marker" {
		t.Errorf("debug of the command's result: %+v, want would run after 'act on the marker'", r)
	}
	if !out.Pending {
		t.Errorf("fresh host: changes must be pending")
	}
	if _, err := os.Stat(filepath.Join(dir, "marker")); err == nil {
		t.Fatalf("check mode wrote the marker")
	}

	runPlaybook(t, inv, "testdata/local/review_skip.yml", run.Options{ExtraVars: extra})
	rec, out = runPlaybook(t, inv, "testdata/local/review_skip.yml", run.Options{Check: true, ExtraVars: extra})
	got = map[string]*report.HostResult{}
	for _, r := range rec.results {
		got[r.Task] = r
	}
	if r := got["act on the marker"]; r == nil || r.Status != report.StatusSkipped || r.Msg == "" {
		t.Errorf("command on a converged host: %+v, want skipped with the reason", r)
	}
	if r := got["show what was done"]; r == nil || r.Status != report.StatusWouldRunAfter {
		t.Errorf("debug of a result check mode could not produce: %+v, want would_run_after", r)
	}
	if out.Changed || out.Pending {
		t.Errorf("converged host reports pending changes: %+v", *out.Stats[0])
	}
}
