package playbook

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/playbook/play/engine/diag"
	"github.com/playbook/play/engine/template"
	"github.com/playbook/play/modules"
)

// TemplateChecker parses templates and expressions without rendering.
type TemplateChecker interface {
	CheckTemplate(s string) error
	CheckExpr(expr string) error
}

// Validate checks a loaded playbook statically: modules and parameters,
// expressions and templates, handlers that notify targets, files that
// must exist. Everything is reported at once.
func Validate(pb *Playbook, tc TemplateChecker) diag.List {
	var ds diag.List
	v := &validator{tc: tc, ds: &ds}
	for _, p := range pb.Plays {
		v.play(p)
	}
	ds.Sort()
	return ds
}

type validator struct {
	tc TemplateChecker
	ds *diag.List
}

func (v *validator) play(p *Play) {
	v.template(p.Pos, p.Hosts)
	v.values(p.Pos, p.Vars)
	handlers := p.AllHandlers()
	names := map[string]bool{}
	var nameList []string
	for _, h := range handlers {
		for _, n := range append([]string{h.Name, h.DisplayName()}, h.Listen...) {
			if n != "" && !names[n] {
				names[n] = true
				nameList = append(nameList, n)
			}
		}
	}
	sort.Strings(nameList)
	p.Walk(func(t *Task) {
		v.task(t)
		for _, n := range t.Notify {
			if !names[n] && !strings.Contains(n, "{{") {
				d := v.ds.Addf(t.NotifyPos, "notify: no handler named or listening to '%s'", n)
				d.Hint = diag.DidYouMean(n, nameList)
			}
		}
	})
}

func (v *validator) task(t *Task) {
	for _, c := range t.When {
		v.expr(c)
	}
	for _, c := range t.ChangedWhen {
		v.expr(c)
	}
	for _, c := range t.FailedWhen {
		v.expr(c)
	}
	if t.Until != nil {
		v.expr(*t.Until)
	}
	if s, ok := t.Loop.(string); ok {
		if !strings.Contains(s, "{{") {
			v.ds.Addf(t.LoopPos, "%s: expected a list or a template that gives one, got the string %q", t.LoopKind, s)
		}
		v.template(t.LoopPos, s)
	}
	v.values(t.Pos, t.Vars)
	v.values(t.Pos, t.Environment)
	if t.Action == "" {
		return
	}
	mod, _ := modules.Get(t.Action)
	spec := mod.Spec()
	_, errs := modules.Normalize(spec, t.Args, true)
	for _, e := range errs {
		at, ok := t.ArgPos[e.Param]
		if !ok {
			at = t.ActionPos
		}
		v.ds.Add(&diag.Diagnostic{Pos: at, Msg: e.Msg, Hint: e.Hint})
	}
	for k, a := range t.Args {
		at, ok := t.ArgPos[k]
		if !ok {
			at = t.ActionPos
		}
		v.value(at, a)
	}
	// Files the task reads on the controller must exist now, not halfway
	// through a run.
	if src, ok := t.Args["src"].(string); ok && !strings.Contains(src, "{{") {
		kind := ""
		switch t.Action {
		case "template":
			kind = "templates"
		case "copy":
			if rs, _ := modules.ToBool(t.Args["remote_src"]); !rs {
				kind = "files"
			}
		}
		if kind != "" {
			if _, err := t.FindFile(kind, src); err != nil {
				v.ds.Addf(t.ArgPos["src"], "%s: src %s not found in %s/ of the role or next to the task file", t.Action, src, kind)
			}
		}
	}
	if t.Action == "include_vars" {
		v.includeVars(t)
	}
}

// includeVars checks a literal include_vars file now: it must exist and
// parse, or the run would stop at it halfway.
func (v *validator) includeVars(t *Task) {
	key := "file"
	file, _ := t.Args["file"].(string)
	if file == "" {
		key = "_raw_params"
		file, _ = t.Args["_raw_params"].(string)
	}
	file = strings.TrimSpace(file)
	if file == "" || strings.Contains(file, "{{") {
		return
	}
	at, ok := t.ArgPos[key]
	if !ok {
		at = t.ActionPos
	}
	path, err := t.FindFile("vars", file)
	if err != nil {
		v.ds.Addf(at, "include_vars: %s not found in vars/ of the role or next to the task file", file)
		return
	}
	if _, d := LoadVarsFile(path); d != nil {
		v.ds.Add(d)
	}
}

func (v *validator) values(at diag.Pos, m map[string]any) {
	for _, val := range m {
		v.value(at, val)
	}
}

func (v *validator) value(at diag.Pos, val any) {
	switch x := val.(type) {
	case string:
		v.template(at, x)
	case []any:
		for _, it := range x {
			v.value(at, it)
		}
	case map[string]any:
		v.values(at, x)
	}
}

func (v *validator) template(at diag.Pos, s string) {
	if !strings.Contains(s, "{{") && !strings.Contains(s, "{%") {
		return
	}
	if err := v.tc.CheckTemplate(s); err != nil {
		v.ds.Add(&diag.Diagnostic{Pos: at, Msg: fmt.Sprintf("template error in %q: %v", shorten(s), err)})
	}
}

func (v *validator) expr(c Cond) {
	if err := v.tc.CheckExpr(CondExpr(c.Expr)); err != nil {
		at := c.Pos
		// Point at the offending column when the expression is one line.
		var se *template.SyntaxError
		if errors.As(err, &se) && se.Line <= 1 && se.Col > 0 && at.Col > 0 {
			at.Col += se.Col - 1
		}
		v.ds.Add(&diag.Diagnostic{Pos: at, Msg: fmt.Sprintf("expression error in %q: %v", shorten(c.Expr), err)})
	}
}

// CondExpr strips the {{ }} that some playbooks put around a when:
// expression (Ansible warns about it but accepts it).
func CondExpr(s string) string {
	t := strings.TrimSpace(s)
	if strings.HasPrefix(t, "{{") && strings.HasSuffix(t, "}}") && strings.Count(t, "{{") == 1 {
		return strings.TrimSpace(t[2 : len(t)-2])
	}
	return s
}

func shorten(s string) string {
	if len(s) > 60 {
		return s[:57] + "..."
	}
	return s
}

// ValidateTasks validates a task list loaded at run time (dynamic
// includes), with the same checks as Validate.
func ValidateTasks(tasks []*Task, tc TemplateChecker) diag.List {
	var ds diag.List
	v := &validator{tc: tc, ds: &ds}
	p := &Play{Tasks: tasks}
	p.Walk(v.task)
	ds.Sort()
	return ds
}
