package modules

import (
	"context"
	"fmt"
	"regexp"
)

func init() { Register(&setFactModule{}) }

// setFactModule sets host variables from its arguments.
type setFactModule struct{}

func (*setFactModule) Spec() *Spec {
	return &Spec{
		Name:            "set_fact",
		RunOnController: true,
		AnyParams:       true,
		Doc:             "Set host variables (every key given becomes a variable)",
		Params: []Param{
			{Name: "cacheable", Type: TypeBool, Help: "accepted for compatibility; play has no fact cache"},
		},
	}
}

// varName is a valid variable name for the variables modules set
// (set_fact keys, include_vars name).
var varName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

func (*setFactModule) Run(ctx context.Context, t *Task) (*Result, error) {
	vars := map[string]any{}
	for k, v := range t.Args {
		if k == "cacheable" {
			continue
		}
		if !varName.MatchString(k) {
			return &Result{Failed: true, Msg: fmt.Sprintf("the variable name '%s' is not valid: use letters, digits and underscores, not starting with a digit", k)}, nil
		}
		vars[k] = v
	}
	if len(vars) == 0 {
		return &Result{Failed: true, Msg: "set_fact needs at least one variable (key: value)"}, nil
	}
	return &Result{Vars: vars, Data: map[string]any{"ansible_facts": vars}}, nil
}
