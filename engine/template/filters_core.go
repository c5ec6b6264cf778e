package template

import (
	"math"
	"strconv"
	"strings"

	"github.com/nikolalohinski/gonja/v2/exec"
)

// default(value=”, boolean=false): only an *undefined* input is replaced
// (None stays None, as in Jinja); with boolean=true any falsy input is.
// Other errors still propagate.
func filterDefault(_ *exec.Evaluator, in *exec.Value, p *exec.VarArgs) *exec.Value {
	def := arg(p, 0, "default_value")
	if def == nil {
		def = exec.AsValue("")
	}
	if in.IsError() {
		if isUndefined(in.Error()) {
			return def
		}
		return in
	}
	if argBool(p, 1, "boolean", false) && !in.IsTrue() {
		return def
	}
	return in
}

// mandatory(msg) turns an undefined input into a clear error.
func filterMandatory(_ *exec.Evaluator, in *exec.Value, p *exec.VarArgs) *exec.Value {
	if in.IsError() {
		if u := undefinedFrom(in.Error()); u != nil {
			if msg := argString(p, 0, "msg", ""); msg != "" {
				return fail("%s", msg)
			}
			return fail("mandatory variable '%s' not defined", u.Name)
		}
	}
	return in
}

// toBool is Ansible's bool filter: yes/on/1/true (any case) and 1 are true,
// everything else false.
func toBool(x any) bool {
	switch t := x.(type) {
	case bool:
		return t
	case int:
		return t == 1
	case float64:
		return t == 1
	case string:
		switch strings.ToLower(strings.TrimSpace(t)) {
		case "yes", "on", "1", "true", "y", "1.0":
			return true
		}
	}
	return false
}

func filterBool(_ *exec.Evaluator, in *exec.Value, _ *exec.VarArgs) *exec.Value {
	x, errv := in2go(in)
	if errv != nil {
		return errv
	}
	return exec.AsValue(toBool(x))
}

// int(default=0, base=10), Jinja semantics: strings parse as ints, then as
// floats (truncated); "0x" prefixes need base=16 or 0.
func filterInt(_ *exec.Evaluator, in *exec.Value, p *exec.VarArgs) *exec.Value {
	x, errv := in2go(in)
	if errv != nil {
		return errv
	}
	def := argGo(p, 0, "default", 0)
	base := argInt(p, 1, "base", 10)
	switch t := x.(type) {
	case int:
		return exec.AsValue(t)
	case float64:
		return exec.AsValue(int(t))
	case bool:
		return exec.AsValue(boolInt(t))
	case string:
		s := strings.TrimSpace(strings.ReplaceAll(t, "_", ""))
		if base != 10 {
			if (base == 16 || base == 0) && (strings.HasPrefix(s, "0x") || strings.HasPrefix(s, "0X")) {
				s = s[2:]
				if base == 0 {
					base = 16
				}
			}
		}
		if n, err := strconv.ParseInt(s, base, 64); err == nil {
			return exec.AsValue(int(n))
		}
		if f, err := strconv.ParseFloat(s, 64); err == nil && base == 10 && !math.IsInf(f, 0) && !math.IsNaN(f) {
			return exec.AsValue(int(f))
		}
	}
	return exec.AsValue(def)
}

func filterFloat(_ *exec.Evaluator, in *exec.Value, p *exec.VarArgs) *exec.Value {
	x, errv := in2go(in)
	if errv != nil {
		return errv
	}
	switch t := x.(type) {
	case int:
		return exec.AsValue(float64(t))
	case float64:
		return exec.AsValue(t)
	case bool:
		return exec.AsValue(float64(boolInt(t)))
	case string:
		if f, err := strconv.ParseFloat(strings.TrimSpace(t), 64); err == nil {
			return exec.AsValue(f)
		}
	}
	return exec.AsValue(argGo(p, 0, "default", 0.0))
}

// string prints a value as Jinja does (None, True, ['a']).
func filterString(_ *exec.Evaluator, in *exec.Value, _ *exec.VarArgs) *exec.Value {
	x, errv := in2go(in)
	if errv != nil {
		return errv
	}
	return exec.AsValue(str(x))
}

// ternary(true_val, false_val, none_val=None).
func filterTernary(_ *exec.Evaluator, in *exec.Value, p *exec.VarArgs) *exec.Value {
	x, errv := in2go(in)
	if errv != nil {
		return errv
	}
	if x == nil {
		if nv := arg(p, 2, "none_val"); nv != nil {
			return nv
		}
	}
	if in.IsTrue() {
		if v := arg(p, 0, "true_val"); v != nil {
			return v
		}
		return exec.AsValue(nil)
	}
	if v := arg(p, 1, "false_val"); v != nil {
		return v
	}
	return exec.AsValue(nil)
}

// combine(*dicts, recursive=false, list_merge='replace').
func filterCombine(_ *exec.Evaluator, in *exec.Value, p *exec.VarArgs) *exec.Value {
	x, errv := in2go(in)
	if errv != nil {
		return errv
	}
	recursive := argBool(p, -1, "recursive", false)
	listMerge := argString(p, -1, "list_merge", "replace")
	sources := []any{x}
	for _, a := range p.Args {
		g, err := toGo(a)
		if err != nil {
			return exec.AsValue(err)
		}
		// combine also accepts a list of dicts.
		if l, ok := g.([]any); ok {
			sources = append(sources, l...)
		} else {
			sources = append(sources, g)
		}
	}
	out := map[string]any{}
	for _, s := range sources {
		m, ok := s.(map[string]any)
		if !ok {
			return fail("combine: expected dictionaries, got %s", typeName(s))
		}
		out = merge(out, m, recursive, listMerge)
	}
	return exec.AsValue(out)
}

func merge(a, b map[string]any, recursive bool, listMerge string) map[string]any {
	out := make(map[string]any, len(a)+len(b))
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		old, exists := out[k]
		if !exists {
			out[k] = v
			continue
		}
		om, ok1 := old.(map[string]any)
		nm, ok2 := v.(map[string]any)
		if recursive && ok1 && ok2 {
			out[k] = merge(om, nm, recursive, listMerge)
			continue
		}
		ol, ok1 := old.([]any)
		nl, ok2 := v.([]any)
		if ok1 && ok2 {
			switch listMerge {
			case "keep":
				continue
			case "append", "append_rp":
				out[k] = append(append([]any{}, ol...), nl...)
				continue
			case "prepend", "prepend_rp":
				out[k] = append(append([]any{}, nl...), ol...)
				continue
			}
		}
		out[k] = v
	}
	return out
}

// dict2items(key_name='key', value_name='value'); keys come out sorted
// because Go maps have no insertion order.
func filterDict2Items(_ *exec.Evaluator, in *exec.Value, p *exec.VarArgs) *exec.Value {
	x, errv := in2go(in)
	if errv != nil {
		return errv
	}
	m, ok := x.(map[string]any)
	if !ok {
		return fail("dict2items requires a dictionary, got %s", typeName(x))
	}
	kn, vn := argString(p, 0, "key_name", "key"), argString(p, 1, "value_name", "value")
	out := make([]any, 0, len(m))
	for _, k := range sortedKeys(m) {
		out = append(out, map[string]any{kn: k, vn: m[k]})
	}
	return exec.AsValue(out)
}

func filterItems2Dict(_ *exec.Evaluator, in *exec.Value, p *exec.VarArgs) *exec.Value {
	x, errv := in2go(in)
	if errv != nil {
		return errv
	}
	l, ok := x.([]any)
	if !ok {
		return fail("items2dict requires a list, got %s", typeName(x))
	}
	kn, vn := argString(p, 0, "key_name", "key"), argString(p, 1, "value_name", "value")
	out := make(map[string]any, len(l))
	for _, item := range l {
		m, ok := item.(map[string]any)
		if !ok {
			return fail("items2dict requires a list of dictionaries, got %s", typeName(item))
		}
		k, ok := m[kn]
		if !ok {
			return fail("items2dict: item has no key '%s'", kn)
		}
		out[str(k)] = m[vn]
	}
	return exec.AsValue(out)
}

func filterTypeDebug(_ *exec.Evaluator, in *exec.Value, _ *exec.VarArgs) *exec.Value {
	x, errv := in2go(in)
	if errv != nil {
		return errv
	}
	return exec.AsValue(typeName(x))
}

// extract(container, morekeys=None): container[item][morekeys...]. An
// absent key is an undefined error naming it, as in Ansible. The container
// (usually hostvars, which can be large) is indexed in place, never
// converted as a whole.
func filterExtract(_ *exec.Evaluator, in *exec.Value, p *exec.VarArgs) *exec.Value {
	key, errv := in2go(in)
	if errv != nil {
		return errv
	}
	cur := arg(p, 0, "container")
	if cur == nil {
		return fail("extract requires a container argument")
	}
	if cur.IsError() {
		return cur
	}
	keys := []any{key}
	if more := argGo(p, 1, "morekeys", nil); more != nil {
		if l, ok := more.([]any); ok {
			keys = append(keys, l...)
		} else {
			keys = append(keys, more)
		}
	}
	var path []string
	for _, k := range keys {
		path = append(path, str(k))
		var next *exec.Value
		found := false
		switch k.(type) {
		case string, int:
			next, found = cur.GetItem(k)
		}
		if !found || next.IsError() {
			return exec.AsValue(&UndefinedError{Name: strings.Join(path, "."), Attr: str(k)})
		}
		cur = next
	}
	return cur
}
