package playbook_test

import (
	"strings"
	"testing"

	"github.com/playbook/play/engine/playbook"
	"github.com/playbook/play/engine/template"
	_ "github.com/playbook/play/modules"
)

func load(t *testing.T, path string) (*playbook.Playbook, []string) {
	t.Helper()
	l := playbook.NewLoader(nil)
	pb := l.LoadPlaybook(path)
	ds := append(l.Diags, playbook.Validate(pb, template.New())...)
	ds.Sort()
	var out []string
	for _, d := range ds {
		out = append(out, d.Error())
	}
	return pb, out
}

func TestGoodPlaybookLoads(t *testing.T) {
	pb, errs := load(t, "testdata/good/site.yml")
	if len(errs) > 0 {
		t.Fatalf("unexpected errors:\n%s", strings.Join(errs, "\n"))
	}
	p := pb.Plays[0]
	if len(p.Roles) != 1 || p.Roles[0].Role == nil || p.Roles[0].Params["app_port"] != 9000 {
		t.Fatalf("role params not loaded: %+v", p.Roles[0])
	}
	if got := p.Roles[0].Role.Defaults["app_port"]; got != 80 {
		t.Errorf("role default app_port = %v, want 80", got)
	}
	cmd := p.Tasks[0]
	if cmd.Action != "command" || cmd.Args["_raw_params"] != "echo {{ greeting }}" || cmd.Args["creates"] != "/tmp/nothing" {
		t.Errorf("free-form command parsed as %q %#v", cmd.Action, cmd.Args)
	}
	kv := p.Tasks[1]
	if kv.Args["path"] != "/tmp/play-kv" || kv.Args["state"] != "directory" || kv.Args["mode"] != "0755" {
		t.Errorf("k=v args parsed as %#v", kv.Args)
	}
	if p.Tasks[2].Action != "debug" {
		t.Errorf("FQCN ansible.builtin.debug resolved to %q", p.Tasks[2].Action)
	}
	blk := p.Tasks[3]
	if !blk.IsBlock || len(blk.Block) != 1 || len(blk.Rescue) != 1 || len(blk.Always) != 1 {
		t.Fatalf("block not loaded: %+v", blk)
	}
	imp := blk.Block[0]
	if imp.Include != "import_tasks" || len(imp.Block) != 1 || imp.Block[0].Name != "imported" {
		t.Errorf("import_tasks not expanded: %+v", imp)
	}
	if imp.Block[0].Pos.Line != 1 || !strings.HasSuffix(imp.Block[0].Pos.File, "extra.yml") {
		t.Errorf("imported task position = %v, want extra.yml:1", imp.Block[0].Pos)
	}
	if hs := p.AllHandlers(); len(hs) != 1 || hs[0].DisplayName() != "app : restart app" {
		t.Errorf("role handler not visible to the play: %v", hs)
	}
}

func TestEveryErrorClassReportedAtOnce(t *testing.T) {
	_, errs := load(t, "testdata/bad/errors.yml")
	want := []string{
		"errors.yml:3:3: unknown play keyword 'gather_fact'; did you mean 'gather_facts'?",
		"errors.yml:8:9: unknown parameter 'stat' for module file; did you mean 'state'?",
		"errors.yml:10:7: unknown module or task keyword 'cpy'; did you mean 'copy'?",
		"errors.yml:16:9: module file: parameter 'state': value 'directori' is not one of",
		"missing required parameter 'dest'",
		"errors.yml:23:17: expression error",
		"errors.yml:26:9: template error",
		"errors.yml:29:9: template: src nope.j2 not found",
		"errors.yml:33:15: notify: no handler named or listening to 'restart everything'",
		"errors.yml:34:22: include_tasks: task file missing.yml not found",
		"errors.yml:38:9: module file: parameter 'recurse': expected a boolean",
	}
	all := strings.Join(errs, "\n")
	for _, w := range want {
		if !strings.Contains(all, w) {
			t.Errorf("missing diagnostic %q in:\n%s", w, all)
		}
	}
}

func TestYAMLSyntaxErrorHasLine(t *testing.T) {
	_, errs := load(t, "testdata/bad/yaml.yml")
	if len(errs) != 1 || !strings.Contains(errs[0], "yaml.yml:") || !strings.Contains(errs[0], "YAML syntax error") {
		t.Fatalf("got %v", errs)
	}
}

func TestYAMLMergeKeysInTasks(t *testing.T) {
	pb, errs := load(t, "testdata/good/site.yml")
	if len(errs) > 0 {
		t.Fatalf("unexpected errors: %v", errs)
	}
	m := pb.Plays[1].Tasks[1]
	if m.Name != "merged" || m.Action != "debug" || len(m.Tags) != 1 || m.Tags[0] != "t1" {
		t.Errorf("merge key not applied: %+v", m)
	}
}

// A literal include_vars file is checked before any host is touched: it
// must exist and parse as a mapping; its parameters are validated too.
func TestIncludeVarsValidated(t *testing.T) {
	_, errs := load(t, "testdata/bad/incvars/play.yml")
	all := strings.Join(errs, "\n")
	want := []string{
		"play.yml:4:21: include_vars: missing.yml not found in vars/ of the role or next to the task file",
		"broken.yml:2: YAML syntax error",
		"list.yml:1:1: a vars file must be a mapping",
		"play.yml:8:7: module include_vars: parameters file, dir are mutually exclusive",
		"play.yml:9:9: include_vars: a.yml not found",
		"play.yml:11:7: module include_vars: one of file, dir is required",
	}
	for _, w := range want {
		if !strings.Contains(all, w) {
			t.Errorf("missing diagnostic %q in:\n%s", w, all)
		}
	}
	if len(errs) != len(want) {
		t.Errorf("%d diagnostics, want %d (a templated file name is checked at run time):\n%s", len(errs), len(want), all)
	}
}

func TestAsyncAndTimeoutValidated(t *testing.T) {
	_, errs := load(t, "testdata/bad/deadline.yml")
	all := strings.Join(errs, "\n")
	for _, w := range []string{
		"deadline.yml:6:13: async with poll: 0 (fire and forget) is not supported",
		"deadline.yml:7:7: timeout on a block is not supported",
		"deadline.yml:11:16: timeout: expected a number of seconds ≥ 0, got -1",
	} {
		if !strings.Contains(all, w) {
			t.Errorf("missing diagnostic %q in:\n%s", w, all)
		}
	}
	if len(errs) != 3 {
		t.Errorf("%d diagnostics, want 3:\n%s", len(errs), all)
	}
}
