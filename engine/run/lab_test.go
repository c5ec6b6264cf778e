package run_test

import (
	"context"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/playbook/play/engine/diag"
	"github.com/playbook/play/engine/playbook"
	"github.com/playbook/play/engine/report"
	"github.com/playbook/play/engine/run"
	"github.com/playbook/play/engine/template"
	"github.com/playbook/play/inventory"
	_ "github.com/playbook/play/modules"
)

// recorder keeps every host result, for assertions.
type recorder struct {
	mu      sync.Mutex
	results []*report.HostResult
	stats   []*report.Stats
}

func (r *recorder) PlayStart(string, []string)       {}
func (r *recorder) TaskStart(string, diag.Pos, bool) {}
func (r *recorder) Warn(string)                      {}
func (r *recorder) Recap(s []*report.Stats)          { r.stats = s }
func (r *recorder) HostResult(hr *report.HostResult) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.results = append(r.results, hr)
}

func (r *recorder) byHost(host string) []string {
	var out []string
	for _, hr := range r.results {
		if hr.Host == host {
			out = append(out, hr.Task+": "+hr.Status)
		}
	}
	return out
}

func labInventory(t *testing.T) *inventory.Inventory {
	t.Helper()
	path := os.Getenv("PLAY_LAB_INVENTORY")
	if path == "" {
		t.Skip("PLAY_LAB_INVENTORY not set: lab tests run under `make test`")
	}
	inv, err := inventory.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := inv.Limit("galera"); err != nil {
		t.Fatal(err)
	}
	return inv
}

func runPlaybook(t *testing.T, inv *inventory.Inventory, path string, opts run.Options) (*recorder, *run.Outcome) {
	t.Helper()
	tmpl := template.New()
	l := playbook.NewLoader(nil)
	pb := l.LoadPlaybook(path)
	ds := append(l.Diags, playbook.Validate(pb, tmpl)...)
	if len(ds) > 0 {
		t.Fatalf("%s does not validate:\n%v", path, ds)
	}
	rec := &recorder{}
	if opts.Reporter != nil {
		opts.Reporter = report.Multi{rec, opts.Reporter}
	} else {
		opts.Reporter = rec
	}
	opts.Inventory, opts.Templates = inv, tmpl
	out, err := run.New(opts).Run(context.Background(), pb)
	if err != nil {
		t.Fatalf("run %s: %v", path, err)
	}
	return rec, out
}

func readExpectation(t *testing.T, path string) []string {
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, line := range strings.Split(string(data), "\n") {
		if line != "" && !strings.HasPrefix(line, "#") {
			out = append(out, line)
		}
	}
	return out
}

// TestSiteMatchesAnsible runs a playbook using roles (defaults, handlers,
// templates, dependencies), loops with loop_control, register + when,
// block/rescue/always, tags, serial: 1 and extra vars, and checks every
// host's results against what ansible-playbook printed for the same
// playbook, then that a second run changes nothing.
func TestSiteMatchesAnsible(t *testing.T) {
	inv := labInventory(t)
	extra := map[string]any{"extra_flag": "from-cli"}
	runPlaybook(t, inv, "testdata/site/cleanup.yml", run.Options{})

	rec, out := runPlaybook(t, inv, "testdata/site/site.yml", run.Options{ExtraVars: extra})
	want := readExpectation(t, "testdata/site/expected-first.txt")
	hosts, err := inv.Select("all")
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range hosts {
		got := rec.byHost(h.Name)
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("%s results differ from ansible-playbook's:\ngot:\n%s\nwant:\n%s", h.Name, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}
	for _, s := range out.Stats {
		if s.OK != 10 || s.Changed != 5 || s.Skipped != 1 || s.Rescued != 1 || s.Failed != 0 || s.Ignored != 0 {
			t.Errorf("recap %s: %+v, want ok=10 changed=5 skipped=1 rescued=1 failed=0 (ansible-playbook's)", s.Host, *s)
		}
	}
	// The handler saw the role parameter, not the role default.
	for _, hr := range rec.results {
		if hr.Task == "web : restart web" && !strings.Contains(hr.Diffs[0].After, "port 8081") {
			t.Errorf("%s: handler wrote %q, want the role parameter web_port=8081", hr.Host, hr.Diffs[0].After)
		}
	}

	_, out = runPlaybook(t, inv, "testdata/site/site.yml", run.Options{ExtraVars: extra})
	for _, s := range out.Stats {
		if s.Changed != 0 || s.OK != 9 || s.Rescued != 1 {
			t.Errorf("second run %s: %+v, want changed=0 ok=9 rescued=1", s.Host, *s)
		}
	}

	// Tags: only the tagged `never` task runs with -t special.
	rec, _ = runPlaybook(t, inv, "testdata/site/site.yml", run.Options{ExtraVars: extra, Tags: []string{"special"}})
	for _, h := range hosts {
		if got := rec.byHost(h.Name); strings.Join(got, ",") != "Tagged task only: ok" {
			t.Errorf("%s with -t special ran %v, want only the tagged task", h.Name, got)
		}
	}
}
