package template

import (
	"errors"
	"fmt"

	"github.com/nikolalohinski/gonja/v2/tokens"
)

// Ansible templates variables lazily: with role defaults
//
//	mysql_dir: /etc/mysql
//	mysql_conf: "{{ mysql_dir }}/my.cnf"
//
// `{{ mysql_conf }}` renders /etc/mysql/my.cnf. The engine does the same:
// before evaluating, every variable the template names whose value holds
// markup is rendered (recursively, against the same vars) into an overlay
// scope. The caller's map is never modified.

// maxVarDepth bounds variable-to-variable references; deeper chains are a
// loop such as `a: "{{ b }}"`, `b: "{{ a }}"`.
const maxVarDepth = 20

// lazySkip names magic variables that never hold templates but can be
// large, so scanning them on every render would be wasted work.
var lazySkip = map[string]bool{"hostvars": true, "groups": true, "ansible_facts": true, "omit": true}

// namesFromTokens lists the identifiers a template may read as variables.
// It over-approximates (loop variables are included; attribute, filter,
// test and keyword-argument names are not), which only costs a map lookup.
func namesFromTokens(s *tokens.Stream) []string {
	seen := map[string]bool{}
	var out []string
	var prev *tokens.Token
	for !s.End() {
		t := s.Current()
		if t.Type == tokens.Name && (prev == nil || (prev.Type != tokens.Dot && prev.Type != tokens.Pipe && prev.Type != tokens.Is && prev.Type != tokens.Not)) {
			if next := s.Peek(); next == nil || next.Type != tokens.Assign {
				if !seen[t.Val] {
					seen[t.Val] = true
					out = append(out, t.Val)
				}
			}
		}
		prev = t
		s.Next()
	}
	return out
}

// hasMarkup reports whether v holds a templated string anywhere.
func hasMarkup(v any) bool {
	switch t := v.(type) {
	case string:
		return IsTemplated(t)
	case []any:
		for _, item := range t {
			if hasMarkup(item) {
				return true
			}
		}
	case map[string]any:
		for _, item := range t {
			if hasMarkup(item) {
				return true
			}
		}
	case map[any]any:
		for _, item := range t {
			if hasMarkup(item) {
				return true
			}
		}
	}
	return false
}

// UnsafeVarsKey is the variable under which the engine passes the names of
// variables that came from hosts (registered results, set_fact values,
// already rendered once): like Ansible's "unsafe" values they are never
// templated again, so command output containing "{{" stays text.
const UnsafeVarsKey = "__play_unsafe_vars__"

// lazyOverlay renders the templated variables among names. A variable whose
// template fails to render is stored as its error, so using it fails with
// that error while `is defined` sees an undefined one as undefined.
func (e *Engine) lazyOverlay(names []string, vars map[string]any, depth int) map[string]any {
	var overlay map[string]any
	unsafe, _ := vars[UnsafeVarsKey].(map[string]bool)
	for _, n := range names {
		v, ok := vars[n]
		if !ok || lazySkip[n] || unsafe[n] || !hasMarkup(v) {
			continue
		}
		if overlay == nil {
			overlay = map[string]any{}
		}
		if depth >= maxVarDepth {
			overlay[n] = fmt.Errorf("recursive loop detected in template for variable '%s'", n)
			continue
		}
		r, err := e.renderValue(v, vars, depth+1)
		var se *SyntaxError
		switch {
		case errors.As(err, &se):
			// Not meant as a template (e.g. command output with braces):
			// keep the text as it is.
		case err != nil:
			overlay[n] = err
		default:
			overlay[n] = r
		}
	}
	return overlay
}
