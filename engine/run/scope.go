package run

import (
	"maps"

	"github.com/playbook/play/engine/playbook"
)

// scope is what enclosing blocks, includes, roles and the play pass down
// to a task: conditions and tags that also apply, variables, become and
// environment. Children copy it, so siblings never see each other's.
type scope struct {
	when         []playbook.Cond
	tags         []string
	vars         []map[string]any // block and include vars, outermost first
	role         *playbook.Role
	roleParams   map[string]any
	become       *bool
	becomeUser   string
	environment  map[string]any
	ignoreErrors any
	checkMode    *bool
	diff         *bool
	noLog        bool
	handler      bool
	runOnce      bool           // run_once on an enclosing block or include
	loopVars     map[string]any // include_tasks loop item
}

func (s *scope) child() *scope {
	c := *s
	c.when = append([]playbook.Cond(nil), s.when...)
	c.tags = append([]string(nil), s.tags...)
	c.vars = append([]map[string]any(nil), s.vars...)
	return &c
}

// withTask returns the scope a block or include passes to its children.
func (s *scope) withTask(t *playbook.Task) *scope {
	c := s.child()
	c.when = append(c.when, t.When...)
	c.tags = append(c.tags, t.Tags...)
	if t.Vars != nil {
		c.vars = append(c.vars, t.Vars)
	}
	if t.Become != nil {
		c.become = t.Become
	}
	if t.BecomeUser != "" {
		c.becomeUser = t.BecomeUser
	}
	if t.Environment != nil {
		c.environment = mergeMaps(c.environment, t.Environment)
	}
	if t.IgnoreErrors != nil && t.IgnoreErrors != false {
		c.ignoreErrors = t.IgnoreErrors
	}
	if t.CheckMode != nil {
		c.checkMode = t.CheckMode
	}
	if t.Diff != nil {
		c.diff = t.Diff
	}
	c.noLog = c.noLog || t.NoLog
	c.runOnce = c.runOnce || t.RunOnce
	return c
}

func mergeMaps(a, b map[string]any) map[string]any {
	out := make(map[string]any, len(a)+len(b))
	maps.Copy(out, a)
	maps.Copy(out, b)
	return out
}

// selected applies --tags / --skip-tags to a task's effective tags, with
// Ansible's special tags: always runs unless skipped by name, never runs
// only when asked for by name, "all", "tagged" and "untagged".
func (r *Runner) selected(tags []string) bool {
	has := func(name string) bool {
		for _, t := range tags {
			if t == name {
				return true
			}
		}
		return false
	}
	for _, s := range r.opts.SkipTags {
		if has(s) || (s == "tagged" && len(tags) > 0) || (s == "untagged" && len(tags) == 0) || s == "all" {
			return false
		}
	}
	if len(r.opts.Tags) == 0 {
		return !has("never")
	}
	if has("always") {
		return true
	}
	for _, want := range r.opts.Tags {
		switch {
		case want == "all" && !has("never"):
			return true
		case want == "tagged" && len(tags) > 0:
			return true
		case want == "untagged" && len(tags) == 0:
			return true
		case has(want):
			return true
		}
	}
	return false
}
