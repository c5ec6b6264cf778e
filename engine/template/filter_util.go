package template

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/nikolalohinski/gonja/v2/exec"
)

// Filter and test helpers. Our filters work on plain Go values (see toGo):
// that keeps each one short and makes their results the same types the rest
// of the engine consumes.

type filterFunc = exec.FilterFunction

// fail returns a gonja error value whose message survives gonja's wrapping
// (see simplify).
func fail(format string, args ...any) *exec.Value {
	return exec.AsValue(failf(format, args...))
}

// in2go converts a filter input; a non-nil *exec.Value result is the error
// to return as is (an undefined input stays an undefined error).
func in2go(in *exec.Value) (any, *exec.Value) {
	if in.IsError() {
		return nil, in
	}
	g, err := toGo(in)
	if err != nil {
		return nil, exec.AsValue(err)
	}
	return g, nil
}

// arg returns positional argument i or keyword name, or nil when absent.
func arg(p *exec.VarArgs, i int, name string) *exec.Value {
	if name != "" {
		if v, ok := p.KwArgs[name]; ok {
			return v
		}
	}
	if i >= 0 && i < len(p.Args) {
		return p.Args[i]
	}
	return nil
}

func argGo(p *exec.VarArgs, i int, name string, def any) any {
	v := arg(p, i, name)
	if v == nil {
		return def
	}
	g, err := toGo(v)
	if err != nil {
		return def
	}
	return g
}

func argString(p *exec.VarArgs, i int, name, def string) string {
	v := arg(p, i, name)
	if v == nil || v.IsNil() {
		return def
	}
	return v.String()
}

func argBool(p *exec.VarArgs, i int, name string, def bool) bool {
	v := arg(p, i, name)
	if v == nil {
		return def
	}
	return Truthy(argGo(p, i, name, def))
}

func argInt(p *exec.VarArgs, i int, name string, def int) int {
	v := arg(p, i, name)
	if v == nil || v.IsNil() {
		return def
	}
	return v.Integer()
}

// asList accepts a list, or a map (its keys, as Python iterates dicts), or
// a string (its characters).
func asList(x any) ([]any, bool) {
	switch t := x.(type) {
	case []any:
		return t, true
	case map[string]any:
		out := make([]any, 0, len(t))
		for _, k := range sortedKeys(t) {
			out = append(out, k)
		}
		return out, true
	case string:
		out := make([]any, 0, len(t))
		for _, r := range t {
			out = append(out, string(r))
		}
		return out, true
	case nil:
		return nil, false
	}
	return nil, false
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// typeName names a value's type as Python would, for error messages.
func typeName(x any) string {
	switch x.(type) {
	case nil:
		return "NoneType"
	case bool:
		return "bool"
	case int:
		return "int"
	case float64:
		return "float"
	case string:
		return "str"
	case []any:
		return "list"
	case map[string]any:
		return "dict"
	}
	return fmt.Sprintf("%T", x)
}

// str formats a value the way Jinja prints it (True, None, ['a', 1]).
func str(x any) string {
	switch t := x.(type) {
	case nil:
		return "None"
	case string:
		return t
	case bool:
		if t {
			return "True"
		}
		return "False"
	case int:
		return strconv.Itoa(t)
	case float64:
		return pyFloat(t)
	}
	return repr(x)
}

// repr is Python's repr() for the plain types.
func repr(x any) string {
	switch t := x.(type) {
	case string:
		return "'" + strings.ReplaceAll(strings.ReplaceAll(t, `\`, `\\`), "'", `\'`) + "'"
	case []any:
		parts := make([]string, len(t))
		for i, item := range t {
			parts[i] = repr(item)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case map[string]any:
		keys := sortedKeys(t)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = repr(k) + ": " + repr(t[k])
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	return str(x)
}

func pyFloat(f float64) string {
	s := strconv.FormatFloat(f, 'g', -1, 64)
	if !strings.ContainsAny(s, ".eEnN") {
		s += ".0"
	}
	return s
}

// equal compares plain values with Python semantics (1 == 1.0).
func equal(a, b any) bool {
	if fa, ok := number(a); ok {
		if fb, ok := number(b); ok {
			return fa == fb
		}
		return false
	}
	switch ta := a.(type) {
	case []any:
		tb, ok := b.([]any)
		if !ok || len(ta) != len(tb) {
			return false
		}
		for i := range ta {
			if !equal(ta[i], tb[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		tb, ok := b.(map[string]any)
		if !ok || len(ta) != len(tb) {
			return false
		}
		for k, v := range ta {
			w, ok := tb[k]
			if !ok || !equal(v, w) {
				return false
			}
		}
		return true
	}
	return a == b
}

// number returns ints and floats (not bools) as float64.
func number(x any) (float64, bool) {
	switch t := x.(type) {
	case int:
		return float64(t), true
	case float64:
		return t, true
	}
	return 0, false
}

// compare orders two plain values; ok is false when Python would refuse.
func compare(a, b any, caseSensitive bool) (int, bool) {
	if fa, ok := number(a); ok {
		if fb, ok := number(b); ok {
			switch {
			case fa < fb:
				return -1, true
			case fa > fb:
				return 1, true
			}
			return 0, true
		}
	}
	if ba, ok := a.(bool); ok {
		if bb, ok := b.(bool); ok {
			return boolInt(ba) - boolInt(bb), true
		}
	}
	sa, oka := a.(string)
	sb, okb := b.(string)
	if oka && okb {
		if !caseSensitive {
			sa, sb = strings.ToLower(sa), strings.ToLower(sb)
		}
		return strings.Compare(sa, sb), true
	}
	la, oka := a.([]any)
	lb, okb := b.([]any)
	if oka && okb {
		for i := 0; i < len(la) && i < len(lb); i++ {
			if c, ok := compare(la[i], lb[i], caseSensitive); !ok || c != 0 {
				return c, ok
			}
		}
		return len(la) - len(lb), true
	}
	return 0, false
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// attrPath follows a dotted attribute path ("a.b.0") through maps and lists.
func attrPath(x any, path string) (any, bool) {
	cur := x
	for _, part := range strings.Split(path, ".") {
		switch t := cur.(type) {
		case map[string]any:
			v, ok := t[part]
			if !ok {
				return nil, false
			}
			cur = v
		case []any:
			i, err := strconv.Atoi(part)
			if err != nil || i < 0 || i >= len(t) {
				return nil, false
			}
			cur = t[i]
		default:
			return nil, false
		}
	}
	return cur, true
}
