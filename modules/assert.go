package modules

import (
	"context"
	"fmt"
	"strings"
)

func init() { Register(&assertModule{}) }

// assertModule fails the host when any expression is false.
type assertModule struct{}

func (*assertModule) Spec() *Spec {
	return &Spec{
		Name:            "assert",
		RunOnController: true,
		Doc:             "Fail unless every given expression is true",
		Params: []Param{
			// raw, not list: a string like "x in [1,2]" must not be split on commas.
			{Name: "that", Type: TypeRaw, Required: true, Help: "an expression or a list of expressions"},
			{Name: "fail_msg", Type: TypeRaw, Aliases: []string{"msg"}, Help: "message when an assertion fails"},
			{Name: "success_msg", Type: TypeRaw, Help: "message when all assertions pass"},
			{Name: "quiet", Type: TypeBool, Default: false, Help: "print less on success"},
		},
	}
}

func (*assertModule) Run(ctx context.Context, t *Task) (*Result, error) {
	var exprs []any
	switch x := t.Args["that"].(type) {
	case []any:
		exprs = x
	default:
		exprs = []any{x}
	}
	for _, e := range exprs {
		ok, err := assertEval(t, e)
		expr := fmt.Sprint(e)
		if err != nil {
			return &Result{Failed: true, Msg: fmt.Sprintf("assertion '%s' could not be evaluated: %v", expr, err),
				Data: map[string]any{"assertion": expr}}, nil
		}
		if !ok {
			msg := "assertion failed: " + expr
			if m, set := t.Args["fail_msg"]; set && m != nil {
				msg = fmt.Sprint(m)
			}
			return &Result{Failed: true, Msg: msg,
				Data: map[string]any{"assertion": expr, "evaluated_to": false, "msg": msg}}, nil
		}
	}
	msg := "All assertions passed"
	if m, set := t.Args["success_msg"]; set && m != nil {
		msg = fmt.Sprint(m)
	}
	return &Result{Msg: msg, Data: map[string]any{"msg": msg}}, nil
}

// assertEval evaluates one condition; literal booleans need no template.
func assertEval(t *Task, e any) (bool, error) {
	switch x := e.(type) {
	case bool:
		return x, nil
	case nil:
		return false, nil
	case string:
		expr := strings.TrimSpace(x)
		// Ansible accepts (with a warning) a condition wrapped in {{ }}.
		if strings.HasPrefix(expr, "{{") && strings.HasSuffix(expr, "}}") {
			expr = strings.TrimSpace(expr[2 : len(expr)-2])
		}
		if t.Eval == nil {
			return false, fmt.Errorf("no expression evaluator")
		}
		v, err := t.Eval(expr)
		if err != nil {
			return false, err
		}
		return truthy(v), nil
	}
	return truthy(e), nil
}

// truthy is Jinja2's truthiness, plus Ansible's reading of the strings
// "true"/"false" that templated booleans turn into.
func truthy(v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case bool:
		return x
	case string:
		switch strings.ToLower(strings.TrimSpace(x)) {
		case "", "false", "no", "off", "none":
			return false
		}
		return true
	case int:
		return x != 0
	case int64:
		return x != 0
	case float64:
		return x != 0
	case []any:
		return len(x) > 0
	case map[string]any:
		return len(x) > 0
	}
	return true
}
