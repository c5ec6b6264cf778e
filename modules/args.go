package modules

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/playbook/play/engine/diag"
)

// ArgError is one problem with a module call's arguments.
type ArgError struct {
	Param string // the parameter as the user wrote it ("" for the call as a whole)
	Msg   string
	Hint  string
}

func (e *ArgError) Error() string {
	s := e.Msg
	if e.Hint != "" {
		s += "; " + e.Hint
	}
	return s
}

// isTemplated reports whether a value still holds Jinja2 markers; such
// values are only type-checked after rendering, at run time.
func isTemplated(v any) bool {
	s, ok := v.(string)
	return ok && (strings.Contains(s, "{{") || strings.Contains(s, "{%"))
}

// Normalize checks args against spec and returns them keyed by canonical
// parameter names, with defaults applied and values coerced to their
// declared types (Ansible-style: "yes" is a bool, "8" an int, "a,b" a
// list). With static set, templated values are left as they are (they are
// checked again after rendering), and missing-required checks still apply.
func Normalize(spec *Spec, args map[string]any, static bool) (map[string]any, []*ArgError) {
	var errs []*ArgError
	out := make(map[string]any, len(spec.Params))
	invalid := map[string]bool{}
	keys := make([]string, 0, len(args))
	for k := range args {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := args[k]
		if k == "_raw_params" && spec.FreeForm {
			out[k] = v
			continue
		}
		p, ok := spec.Param(k)
		if !ok && spec.AnyParams {
			out[k] = v
			continue
		}
		if !ok {
			errs = append(errs, &ArgError{Param: k,
				Msg:  fmt.Sprintf("unknown parameter '%s' for module %s", k, spec.Name),
				Hint: diag.DidYouMean(k, spec.paramNames())})
			continue
		}
		if _, dup := out[p.Name]; dup {
			errs = append(errs, &ArgError{Param: k, Msg: fmt.Sprintf("parameter '%s' given twice (as '%s' and an alias)", p.Name, k)})
			continue
		}
		if static && isTemplated(v) {
			out[p.Name] = v
			continue
		}
		cv, err := coerce(p, v)
		if err != nil {
			errs = append(errs, &ArgError{Param: k, Msg: fmt.Sprintf("module %s: parameter '%s': %v", spec.Name, k, err)})
			// Given, just wrong: not "missing" as well below.
			invalid[p.Name] = true
			continue
		}
		out[p.Name] = cv
	}
	for i := range spec.Params {
		p := &spec.Params[i]
		if _, set := out[p.Name]; set || invalid[p.Name] {
			continue
		}
		if p.Required {
			if spec.FreeForm && out["_raw_params"] != nil && p.Name == "cmd" {
				continue
			}
			errs = append(errs, &ArgError{Param: p.Name, Msg: fmt.Sprintf("module %s: missing required parameter '%s'", spec.Name, p.Name)})
			continue
		}
		if p.Default != nil {
			out[p.Name] = p.Default
		}
	}
	for _, group := range spec.MutuallyExclusive {
		var set []string
		for _, n := range group {
			if _, ok := args[n]; ok {
				set = append(set, n)
			} else if p, ok := spec.Param(n); ok {
				for _, a := range p.Aliases {
					if _, ok := args[a]; ok {
						set = append(set, a)
					}
				}
			}
		}
		if len(set) > 1 {
			errs = append(errs, &ArgError{Msg: fmt.Sprintf("module %s: parameters %s are mutually exclusive", spec.Name, strings.Join(set, ", "))})
		}
	}
	for _, group := range spec.RequiredOneOf {
		// Only what the user wrote counts: a param that merely has a
		// default must not satisfy "one of these is required".
		found := false
		for _, n := range group {
			if p, ok := spec.Param(n); ok {
				for _, name := range append([]string{p.Name}, p.Aliases...) {
					if v, ok := args[name]; ok && v != nil {
						found = true
					}
				}
			}
		}
		if n := out["_raw_params"]; n != nil && spec.FreeForm {
			found = true
		}
		if !found {
			errs = append(errs, &ArgError{Msg: fmt.Sprintf("module %s: one of %s is required", spec.Name, strings.Join(group, ", "))})
		}
	}
	return out, errs
}

func (s *Spec) paramNames() []string {
	var names []string
	for _, p := range s.Params {
		names = append(names, p.Name)
		names = append(names, p.Aliases...)
	}
	return names
}

func coerce(p *Param, v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	var out any
	var err error
	switch p.Type {
	case "", TypeStr, TypePath:
		out, err = toStr(v)
	case TypeInt:
		out, err = toInt(v)
	case TypeFloat:
		out, err = toFloat(v)
	case TypeBool:
		out, err = ToBool(v)
	case TypeList:
		out, err = toList(v, p.Elem)
	case TypeDict:
		m, ok := v.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("expected a dict, got %s", typeName(v))
		}
		out = m
	case TypeMode:
		out, err = toMode(v)
	case TypeRaw:
		out = v
	default:
		return nil, fmt.Errorf("internal: unknown type %q", p.Type)
	}
	if err != nil {
		return nil, err
	}
	if len(p.Choices) > 0 {
		s := fmt.Sprint(out)
		for _, c := range p.Choices {
			if s == c {
				return out, nil
			}
		}
		msg := fmt.Errorf("value '%s' is not one of: %s", s, strings.Join(p.Choices, ", "))
		if h := diag.DidYouMean(s, p.Choices); h != "" {
			msg = fmt.Errorf("%v; %s", msg, h)
		}
		return nil, msg
	}
	return out, nil
}

func typeName(v any) string {
	switch v.(type) {
	case string:
		return "a string"
	case int, int64:
		return "an integer"
	case float64:
		return "a float"
	case bool:
		return "a boolean"
	case []any:
		return "a list"
	case map[string]any:
		return "a dict"
	}
	return fmt.Sprintf("%T", v)
}

func toStr(v any) (string, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case int, int64, float64, bool:
		return fmt.Sprint(x), nil
	}
	return "", fmt.Errorf("expected a string, got %s", typeName(v))
}

func toInt(v any) (int, error) {
	switch x := v.(type) {
	case int:
		return x, nil
	case int64:
		return int(x), nil
	case float64:
		if x == float64(int(x)) {
			return int(x), nil
		}
	case string:
		if n, err := strconv.Atoi(strings.TrimSpace(x)); err == nil {
			return n, nil
		}
		return 0, fmt.Errorf("expected an integer, got '%s'", x)
	}
	return 0, fmt.Errorf("expected an integer, got %s", typeName(v))
}

func toFloat(v any) (float64, error) {
	switch x := v.(type) {
	case int:
		return float64(x), nil
	case float64:
		return x, nil
	case string:
		if f, err := strconv.ParseFloat(strings.TrimSpace(x), 64); err == nil {
			return f, nil
		}
		return 0, fmt.Errorf("expected a number, got '%s'", x)
	}
	return 0, fmt.Errorf("expected a number, got %s", typeName(v))
}

// ToBool converts Ansible's boolean spellings.
func ToBool(v any) (bool, error) {
	switch x := v.(type) {
	case bool:
		return x, nil
	case int:
		if x == 0 || x == 1 {
			return x == 1, nil
		}
	case string:
		switch strings.ToLower(strings.TrimSpace(x)) {
		case "yes", "true", "on", "1", "y", "t":
			return true, nil
		case "no", "false", "off", "0", "n", "f", "":
			return false, nil
		}
		return false, fmt.Errorf("expected a boolean (yes/no, true/false), got '%s'", x)
	}
	return false, fmt.Errorf("expected a boolean, got %s", typeName(v))
}

func toList(v any, elem string) ([]any, error) {
	var items []any
	switch x := v.(type) {
	case []any:
		items = x
	case []string:
		for _, s := range x {
			items = append(items, s)
		}
	case string:
		if strings.TrimSpace(x) == "" {
			return []any{}, nil
		}
		for _, s := range strings.Split(x, ",") {
			items = append(items, strings.TrimSpace(s))
		}
	default:
		items = []any{v}
	}
	if elem == "" || elem == TypeRaw {
		return items, nil
	}
	out := make([]any, len(items))
	for i, it := range items {
		cv, err := coerce(&Param{Type: elem}, it)
		if err != nil {
			return nil, fmt.Errorf("item %d: %v", i+1, err)
		}
		out[i] = cv
	}
	return out, nil
}

// toMode keeps modes as strings: "0644" octal or "u=rw,g=r" symbolic.
// yaml.v3 reads an unquoted 0644 as the int 420 (YAML 1.1 octal), which is
// the mode the user meant, so ints are formatted back as octal. An unquoted
// 644 arrives as decimal 644 (= 01204, sticky bit set), which Ansible
// silently applies; nobody means that, so it is rejected with the fix.
func toMode(v any) (string, error) {
	switch x := v.(type) {
	case int:
		digits := strconv.Itoa(x)
		if _, err := strconv.ParseUint(digits, 8, 32); err == nil && x > 0o777 {
			return "", fmt.Errorf("mode %d is read as a decimal number (octal %04o); write mode: '0%s' (quoted) or 0%s", x, x, digits, digits)
		}
		if x < 0 || x > 0o7777 {
			return "", fmt.Errorf("mode %d is out of range", x)
		}
		return fmt.Sprintf("%04o", x), nil
	case string:
		x = strings.TrimSpace(x)
		if x == "" {
			return "", fmt.Errorf("empty mode")
		}
		if x[0] >= '0' && x[0] <= '9' {
			if _, err := strconv.ParseUint(x, 8, 32); err != nil {
				return "", fmt.Errorf("mode '%s' is not octal", x)
			}
			return x, nil
		}
		return x, nil // symbolic; the file module validates the grammar
	}
	return "", fmt.Errorf("expected a mode like '0644' or 'u=rw,g=r', got %s", typeName(v))
}

// Accessors for normalized args. They return zero values when a param is
// absent or nil, because Normalize already enforced types and requirements.

// Str returns a string arg.
func Str(args map[string]any, name string) string {
	s, _ := args[name].(string)
	return s
}

// Bool returns a bool arg.
func Bool(args map[string]any, name string) bool {
	b, _ := args[name].(bool)
	return b
}

// Int returns an int arg.
func Int(args map[string]any, name string) int {
	n, _ := args[name].(int)
	return n
}

// Has reports whether an arg was given (or defaulted) and is not nil.
func Has(args map[string]any, name string) bool {
	v, ok := args[name]
	return ok && v != nil
}

// List returns a list arg as strings.
func List(args map[string]any, name string) []string {
	items, _ := args[name].([]any)
	out := make([]string, 0, len(items))
	for _, it := range items {
		out = append(out, fmt.Sprint(it))
	}
	return out
}

// Dict returns a dict arg.
func Dict(args map[string]any, name string) map[string]any {
	m, _ := args[name].(map[string]any)
	return m
}
