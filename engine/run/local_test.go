package run_test

import (
	"strings"
	"testing"

	"github.com/playbook/play/engine/report"
	"github.com/playbook/play/engine/run"
	"github.com/playbook/play/inventory"
)

// These tests run real playbooks through the engine against hosts with
// ansible_connection=local: real commands on this machine, no lab needed.

func localInventory(t *testing.T) *inventory.Inventory {
	t.Helper()
	inv, err := inventory.Load("testdata/local/inventory.ini")
	if err != nil {
		t.Fatal(err)
	}
	return inv
}

func failures(rec *recorder) []string {
	var out []string
	for _, r := range rec.results {
		if r.Status == report.StatusFailed || r.Status == report.StatusUnreachable {
			out = append(out, r.Host+": "+r.Task+": "+r.Msg)
		}
	}
	return out
}

func TestVariablePrecedence(t *testing.T) {
	rec, out := runPlaybook(t, localInventory(t), "testdata/local/precedence.yml",
		run.Options{ExtraVars: map[string]any{"extra_level": "extra"}})
	if f := failures(rec); len(f) > 0 || out.Failed {
		t.Fatalf("precedence assertions failed:\n%s", strings.Join(f, "\n"))
	}
	if n := len(rec.byHost("h1")); n != 7 {
		t.Errorf("h1 ran %d tasks, want 7: %v", n, rec.byHost("h1"))
	}
}

// Handlers run once, in definition order (not notification order), only
// on hosts whose notifying task changed, and a listen topic reaches them.
func TestHandlerOrdering(t *testing.T) {
	rec, _ := runPlaybook(t, localInventory(t), "testdata/local/handlers.yml", run.Options{})
	got := map[string][]string{}
	for _, r := range rec.results {
		if r.Module == "debug" {
			got[r.Host] = append(got[r.Host], r.Task)
		}
	}
	if strings.Join(got["h1"], ",") != "first,second,listener" {
		t.Errorf("h1 handlers ran %v, want first,second,listener", got["h1"])
	}
	if strings.Join(got["h2"], ",") != "first,second" {
		t.Errorf("h2 handlers ran %v, want first,second", got["h2"])
	}
}

func TestLoopsUntilFailedWhenIncludes(t *testing.T) {
	rec, out := runPlaybook(t, localInventory(t), "testdata/local/behaviours.yml", run.Options{})
	if f := failures(rec); len(f) > 0 || out.Failed {
		t.Fatalf("failures:\n%s", strings.Join(f, "\n"))
	}
	var included []string
	for _, r := range rec.results {
		if r.Task == "included with item" {
			included = append(included, r.Host+":"+r.Data["msg"].(string))
		}
	}
	if strings.Join(included, ",") != "h1:item x,h1:item y,h2:item x,h2:item y" {
		t.Errorf("include_tasks loop ran %v", included)
	}
}

// An undefined variable fails the task with the variable's name and the
// task's position, never renders as an empty string.
func TestUndefinedVariableNamesVariableAndPosition(t *testing.T) {
	rec, out := runPlaybook(t, localInventory(t), "testdata/local/undefined.yml", run.Options{})
	if !out.Failed {
		t.Fatal("run with an undefined variable did not fail")
	}
	f := failures(rec)
	if len(f) != 2 {
		t.Fatalf("want both hosts failed, got %v", f)
	}
	for _, msg := range f {
		if !strings.Contains(msg, "not_defined_anywhere") || !strings.Contains(msg, "undefined.yml:4") {
			t.Errorf("message %q should name the variable and undefined.yml:4", msg)
		}
	}
}

// Under the free strategy a slow host does not hold the others back:
// h2 finishes every task, handler included, before h1's first task ends.
func TestFreeStrategy(t *testing.T) {
	rec, out := runPlaybook(t, localInventory(t), "testdata/local/free.yml", run.Options{})
	if f := failures(rec); len(f) > 0 || out.Failed {
		t.Fatalf("failures:\n%s", strings.Join(f, "\n"))
	}
	var order []string
	for _, r := range rec.results {
		order = append(order, r.Host+":"+r.Task)
	}
	if len(order) != 8 || order[0] != "h2:h1 is slow" || order[3] != "h2:done" || order[4] != "h1:h1 is slow" {
		t.Errorf("free strategy order: %v", order)
	}
}

// run_once on a block reaches the tasks inside it; the result is shared.
func TestRunOnceBlock(t *testing.T) {
	rec, out := runPlaybook(t, localInventory(t), "testdata/local/runonce.yml", run.Options{})
	if f := failures(rec); len(f) > 0 || out.Failed {
		t.Fatalf("failures:\n%s", strings.Join(f, "\n"))
	}
	n := 0
	for _, r := range rec.results {
		if r.Task == "inside a run_once block" {
			n++
		}
	}
	if n != 1 {
		t.Errorf("the task inside the run_once block ran %d times, want 1", n)
	}
}

// include_vars loads a file (play's vars/ beside the playbook, a role's
// vars/), a directory under one name in sorted order, a templated name;
// the values win over play vars as Ansible's do.
func TestIncludeVars(t *testing.T) {
	rec, out := runPlaybook(t, localInventory(t), "testdata/local/include_vars/play.yml", run.Options{})
	if f := failures(rec); len(f) > 0 || out.Failed {
		t.Fatalf("include_vars assertions failed:\n%s", strings.Join(f, "\n"))
	}
	if n := len(rec.byHost("h1")); n != 8 {
		t.Errorf("h1 ran %d tasks, want 8: %v", n, rec.byHost("h1"))
	}
	// Check mode loads the variables too: later tasks depend on them.
	rec, out = runPlaybook(t, localInventory(t), "testdata/local/include_vars/play.yml", run.Options{Check: true})
	if f := failures(rec); len(f) > 0 || out.Failed {
		t.Fatalf("include_vars in check mode:\n%s", strings.Join(f, "\n"))
	}
}

// timeout: and async: with poll stop a task that runs too long (its
// command killed on the host) and fail it with the keyword's message.
func TestTaskTimeoutAndAsync(t *testing.T) {
	rec, out := runPlaybook(t, localInventory(t), "testdata/local/deadline.yml", run.Options{})
	var failed []string
	for _, r := range rec.results {
		if r.Status == report.StatusFailed {
			failed = append(failed, r.Task)
		}
	}
	if strings.Join(failed, ",") != "timeout stops a command that runs too long,async with poll bounds the task the same way" {
		t.Errorf("failed tasks: %v", failed)
	}
	if out.Failed {
		t.Errorf("the run failed beyond the two expected, ignored failures:\n%s", strings.Join(failures(rec), "\n"))
	}
	if n := len(rec.byHost("h1")); n != 5 {
		t.Errorf("h1 ran %d tasks, want 5: %v", n, rec.byHost("h1"))
	}
}
