package modules

import (
	"context"
	"strings"
)

func init() { Register(&debugModule{}) }

// debugModule prints a message or a variable's value.
type debugModule struct{}

func (*debugModule) Spec() *Spec {
	return &Spec{
		Name:            "debug",
		RunOnController: true,
		Doc:             "Print a message or the value of a variable",
		Params: []Param{
			{Name: "msg", Type: TypeRaw, Help: "the message (any value)"},
			{Name: "var", Help: "a variable name or expression to print"},
			{Name: "verbosity", Type: TypeInt, Default: 0, Help: "only print at this -v level or above"},
		},
		MutuallyExclusive: [][]string{{"msg", "var"}},
	}
}

// debugUndefined is what Ansible prints for a variable that is not defined.
const debugUndefined = "VARIABLE IS NOT DEFINED!"

func (*debugModule) Run(ctx context.Context, t *Task) (*Result, error) {
	level := 0
	if v, ok := t.Vars["ansible_verbosity"]; ok {
		level, _ = toInt(v)
	}
	if Int(t.Args, "verbosity") > level {
		return &Result{Skipped: true, Msg: "verbosity threshold not met"}, nil
	}
	if name := Str(t.Args, "var"); name != "" {
		var val any = debugUndefined
		if t.Eval != nil {
			v, err := t.Eval(strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(name), "{{"), "}}"))
			switch {
			case err != nil && strings.Contains(strings.ToLower(err.Error()), "undefined"):
			case err != nil:
				return &Result{Failed: true, Msg: "debug var " + name + ": " + err.Error()}, nil
			default:
				val = v
			}
		}
		return &Result{Data: map[string]any{name: val}}, nil
	}
	var msg any = "Hello world!"
	if Has(t.Args, "msg") {
		msg = t.Args["msg"]
	}
	res := &Result{Data: map[string]any{"msg": msg}}
	if s, ok := msg.(string); ok {
		res.Msg = s
	}
	return res, nil
}
