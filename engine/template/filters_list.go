package template

import (
	"sort"
	"strings"

	"github.com/nikolalohinski/gonja/v2/exec"
)

// The list filters are rewritten rather than taken from gonja because
// gonja's versions swallow errors raised per item (an undefined attribute
// would silently vanish) and do not know Ansible's `extract`.

// map(filter, *args) | map(attribute='a.b', default=x)
func filterMap(e *exec.Evaluator, in *exec.Value, p *exec.VarArgs) *exec.Value {
	items, errv := listIn(in, "map")
	if errv != nil {
		return errv
	}
	out := make([]any, 0, len(items))
	if len(p.Args) == 0 {
		attr, hasAttr := p.KwArgs["attribute"]
		if !hasAttr {
			return fail("map requires a filter name or attribute=")
		}
		def, hasDef := p.KwArgs["default"]
		for _, item := range items {
			v, found := attrPath(item, attr.String())
			if !found {
				if !hasDef {
					return exec.AsValue(&UndefinedError{Name: "item." + attr.String(), Attr: attr.String()})
				}
				g, err := toGo(def)
				if err != nil {
					return exec.AsValue(err)
				}
				v = g
			}
			out = append(out, v)
		}
		return exec.AsValue(out)
	}
	name := p.Args[0].String()
	rest := &exec.VarArgs{Args: p.Args[1:], KwArgs: p.KwArgs}
	if !e.Environment.Filters.Exists(name) {
		return exec.AsValue(&UnknownNameError{Kind: "filter", Name: name})
	}
	for _, item := range items {
		// Each call gets its own VarArgs: gonja's Take deletes kwargs it consumed.
		args := &exec.VarArgs{Args: rest.Args, KwArgs: copyKw(rest.KwArgs)}
		v := e.ExecuteFilterByName(name, exec.AsValue(item), args)
		g, err := toGo(v)
		if err != nil {
			return exec.AsValue(err)
		}
		out = append(out, g)
	}
	return exec.AsValue(out)
}

func copyKw(m map[string]*exec.Value) map[string]*exec.Value {
	out := make(map[string]*exec.Value, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// runTest applies test name (or plain truthiness when name is "") to v.
func runTest(e *exec.Evaluator, name string, v *exec.Value, args []*exec.Value, kw map[string]*exec.Value) (bool, error) {
	if name == "" {
		return v.IsTrue(), nil
	}
	r := e.ExecuteTestByName(name, v, &exec.VarArgs{Args: args, KwArgs: copyKw(kw)})
	if r.IsError() {
		return false, r.Interface().(error)
	}
	return r.IsTrue(), nil
}

func selectFilter(want bool) filterFunc {
	return func(e *exec.Evaluator, in *exec.Value, p *exec.VarArgs) *exec.Value {
		items, errv := listIn(in, "select/reject")
		if errv != nil {
			return errv
		}
		return selectItems(e, items, p.Args, p.KwArgs, want, func(item any) *exec.Value { return exec.AsValue(item) })
	}
}

// selectattr/rejectattr(attr, test, *args). A missing attribute is passed
// to the test as undefined, so 'defined'/'undefined' work on it.
func selectAttrFilter(want bool) filterFunc {
	return func(e *exec.Evaluator, in *exec.Value, p *exec.VarArgs) *exec.Value {
		items, errv := listIn(in, "selectattr/rejectattr")
		if errv != nil {
			return errv
		}
		if len(p.Args) == 0 {
			return fail("selectattr/rejectattr require an attribute name")
		}
		attr := p.Args[0].String()
		return selectItems(e, items, p.Args[1:], p.KwArgs, want, func(item any) *exec.Value {
			if v, found := attrPath(item, attr); found {
				return exec.AsValue(v)
			}
			return exec.AsValue(&UndefinedError{Name: "item." + attr, Attr: attr})
		})
	}
}

// selectItems keeps the items for which the test named by args[0] (with
// the rest of args as its arguments; none means truthiness) gives want on
// the value probe picks from the item.
func selectItems(e *exec.Evaluator, items []any, args []*exec.Value, kwargs map[string]*exec.Value, want bool, probe func(any) *exec.Value) *exec.Value {
	name := ""
	var targs []*exec.Value
	if len(args) > 0 {
		name, targs = args[0].String(), args[1:]
	}
	out := make([]any, 0, len(items))
	for _, item := range items {
		ok, err := runTest(e, name, probe(item), targs, kwargs)
		if err != nil {
			return exec.AsValue(err)
		}
		if ok == want {
			out = append(out, item)
		}
	}
	return exec.AsValue(out)
}

// unique keeps the first occurrence of each value, in order.
func filterUnique(_ *exec.Evaluator, in *exec.Value, p *exec.VarArgs) *exec.Value {
	items, errv := listIn(in, "unique")
	if errv != nil {
		return errv
	}
	attr := argString(p, -1, "attribute", "")
	out := make([]any, 0, len(items))
	var seen []any
	for _, item := range items {
		key := item
		if attr != "" {
			key, _ = attrPath(item, attr)
		}
		dup := false
		for _, s := range seen {
			if equal(s, key) {
				dup = true
				break
			}
		}
		if !dup {
			seen = append(seen, key)
			out = append(out, item)
		}
	}
	return exec.AsValue(out)
}

// sort(reverse=false, case_sensitive=false, attribute=None); stable.
func filterSort(_ *exec.Evaluator, in *exec.Value, p *exec.VarArgs) *exec.Value {
	items, errv := listIn(in, "sort")
	if errv != nil {
		return errv
	}
	reverse := argBool(p, 0, "reverse", false)
	cs := argBool(p, 1, "case_sensitive", false)
	attrs := argString(p, 2, "attribute", "")
	out := append([]any{}, items...)
	keyOf := func(v any) any {
		if attrs == "" {
			return v
		}
		// attribute may list several comma-separated keys.
		var ks []any
		for _, a := range strings.Split(attrs, ",") {
			k, _ := attrPath(v, strings.TrimSpace(a))
			ks = append(ks, k)
		}
		if len(ks) == 1 {
			return ks[0]
		}
		return ks
	}
	var bad bool
	sort.SliceStable(out, func(i, j int) bool {
		c, ok := compare(keyOf(out[i]), keyOf(out[j]), cs)
		if !ok {
			bad = true
		}
		if reverse {
			return c > 0
		}
		return c < 0
	})
	if bad {
		return fail("sort: cannot compare values of different types")
	}
	return exec.AsValue(out)
}

func minMaxFilter(wantMax bool) filterFunc {
	return func(_ *exec.Evaluator, in *exec.Value, p *exec.VarArgs) *exec.Value {
		x, errv := in2go(in)
		if errv != nil {
			return errv
		}
		items, ok := asList(x)
		if !ok || len(items) == 0 {
			return fail("min/max need a non-empty list")
		}
		attr := argString(p, -1, "attribute", "")
		cs := argBool(p, -1, "case_sensitive", false)
		key := func(v any) any {
			if attr == "" {
				return v
			}
			k, _ := attrPath(v, attr)
			return k
		}
		best := items[0]
		for _, item := range items[1:] {
			c, ok := compare(key(item), key(best), cs)
			if !ok {
				return fail("min/max: cannot compare values of different types")
			}
			if (wantMax && c > 0) || (!wantMax && c < 0) {
				best = item
			}
		}
		return exec.AsValue(best)
	}
}

// flatten(levels=None, skip_nulls=True)
func filterFlatten(_ *exec.Evaluator, in *exec.Value, p *exec.VarArgs) *exec.Value {
	x, errv := in2go(in)
	if errv != nil {
		return errv
	}
	l, ok := x.([]any)
	if !ok {
		return fail("flatten requires a list, got %s", typeName(x))
	}
	levels := argInt(p, 0, "levels", -1)
	skipNulls := argBool(p, 1, "skip_nulls", true)
	return exec.AsValue(flatten(l, levels, skipNulls))
}

func flatten(l []any, levels int, skipNulls bool) []any {
	out := make([]any, 0, len(l))
	for _, item := range l {
		if item == nil && skipNulls {
			continue
		}
		if sub, ok := item.([]any); ok && levels != 0 {
			out = append(out, flatten(sub, levels-1, skipNulls)...)
			continue
		}
		out = append(out, item)
	}
	return out
}

// zip(*lists) pairs items up to the shortest list; zip_longest pads with
// fillvalue.
func zipFilter(longest bool) filterFunc {
	return func(_ *exec.Evaluator, in *exec.Value, p *exec.VarArgs) *exec.Value {
		x, errv := in2go(in)
		if errv != nil {
			return errv
		}
		first, ok := asList(x)
		if !ok {
			return fail("zip requires lists, got %s", typeName(x))
		}
		lists := [][]any{first}
		for _, a := range p.Args {
			g, err := toGo(a)
			if err != nil {
				return exec.AsValue(err)
			}
			l, ok := asList(g)
			if !ok {
				return fail("zip requires lists, got %s", typeName(g))
			}
			lists = append(lists, l)
		}
		n := len(first)
		for _, l := range lists {
			if longest {
				n = max(n, len(l))
			} else {
				n = min(n, len(l))
			}
		}
		fill := argGo(p, -1, "fillvalue", nil)
		out := make([]any, n)
		for i := range n {
			row := make([]any, len(lists))
			for j, l := range lists {
				if i < len(l) {
					row[j] = l[i]
				} else {
					row[j] = fill
				}
			}
			out[i] = row
		}
		return exec.AsValue(out)
	}
}

// Set-like filters (union, intersect, difference, symmetric_difference)
// keep the order of first appearance, as Ansible does for unhashable items.
func setFilter(op string) filterFunc {
	return func(_ *exec.Evaluator, in *exec.Value, p *exec.VarArgs) *exec.Value {
		x, errv := in2go(in)
		if errv != nil {
			return errv
		}
		a, ok := asList(x)
		if !ok {
			return fail("%s requires lists", op)
		}
		b, ok := asList(argGo(p, 0, "", nil))
		if !ok {
			return fail("%s requires a list argument", op)
		}
		contains := func(l []any, v any) bool {
			for _, w := range l {
				if equal(v, w) {
					return true
				}
			}
			return false
		}
		var out []any
		add := func(v any) {
			if !contains(out, v) {
				out = append(out, v)
			}
		}
		switch op {
		case "union":
			for _, v := range append(append([]any{}, a...), b...) {
				add(v)
			}
		case "intersect":
			for _, v := range a {
				if contains(b, v) {
					add(v)
				}
			}
		case "difference":
			for _, v := range a {
				if !contains(b, v) {
					add(v)
				}
			}
		case "symmetric_difference":
			for _, v := range a {
				if !contains(b, v) {
					add(v)
				}
			}
			for _, v := range b {
				if !contains(a, v) {
					add(v)
				}
			}
		}
		if out == nil {
			out = []any{}
		}
		return exec.AsValue(out)
	}
}

func filterFirst(_ *exec.Evaluator, in *exec.Value, _ *exec.VarArgs) *exec.Value {
	return firstLast(in, true)
}

func filterLast(_ *exec.Evaluator, in *exec.Value, _ *exec.VarArgs) *exec.Value {
	return firstLast(in, false)
}

// first/last of an empty sequence is undefined in Jinja, hence an error.
func firstLast(in *exec.Value, first bool) *exec.Value {
	l, errv := listIn(in, "first/last")
	if errv != nil {
		return errv
	}
	if len(l) == 0 {
		return exec.AsValue(&UndefinedError{Name: "first/last of an empty sequence"})
	}
	if first {
		return exec.AsValue(l[0])
	}
	return exec.AsValue(l[len(l)-1])
}

func filterList(_ *exec.Evaluator, in *exec.Value, _ *exec.VarArgs) *exec.Value {
	l, errv := listIn(in, "list")
	if errv != nil {
		return errv
	}
	return exec.AsValue(append([]any{}, l...))
}

func filterLength(_ *exec.Evaluator, in *exec.Value, _ *exec.VarArgs) *exec.Value {
	x, errv := in2go(in)
	if errv != nil {
		return errv
	}
	switch t := x.(type) {
	case string:
		return exec.AsValue(len([]rune(t)))
	case []any:
		return exec.AsValue(len(t))
	case map[string]any:
		return exec.AsValue(len(t))
	}
	return fail("object of type '%s' has no len()", typeName(x))
}

// join(d=”, attribute=None)
func filterJoin(_ *exec.Evaluator, in *exec.Value, p *exec.VarArgs) *exec.Value {
	l, errv := listIn(in, "join")
	if errv != nil {
		return errv
	}
	sep := argString(p, 0, "d", "")
	attr := argString(p, 1, "attribute", "")
	parts := make([]string, len(l))
	for i, item := range l {
		if attr != "" {
			item, _ = attrPath(item, attr)
		}
		parts[i] = str(item)
	}
	return exec.AsValue(strings.Join(parts, sep))
}

// subelements(subkey, skip_missing=False): pairs of (item, sub) for each
// element of item[subkey].
func filterSubelements(_ *exec.Evaluator, in *exec.Value, p *exec.VarArgs) *exec.Value {
	x, errv := in2go(in)
	if errv != nil {
		return errv
	}
	l, ok := asList(x)
	if !ok {
		return fail("subelements requires a list")
	}
	key := argString(p, 0, "subelements", "")
	skip := false
	if a := argGo(p, 1, "skip_missing", nil); a != nil {
		if m, ok := a.(map[string]any); ok {
			skip = toBool(m["skip_missing"])
		} else {
			skip = toBool(a)
		}
	}
	var out []any
	for _, item := range l {
		sub, found := attrPath(item, key)
		if !found {
			if skip {
				continue
			}
			return exec.AsValue(&UndefinedError{Name: "item." + key, Attr: key})
		}
		subs, ok := sub.([]any)
		if !ok {
			return fail("subelements: '%s' of an item is not a list", key)
		}
		for _, s := range subs {
			out = append(out, []any{item, s})
		}
	}
	if out == nil {
		out = []any{}
	}
	return exec.AsValue(out)
}

// reverse returns a reversed copy of a list, or a reversed string.
func filterReverse(_ *exec.Evaluator, in *exec.Value, _ *exec.VarArgs) *exec.Value {
	x, errv := in2go(in)
	if errv != nil {
		return errv
	}
	if s, ok := x.(string); ok {
		r := []rune(s)
		for i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {
			r[i], r[j] = r[j], r[i]
		}
		return exec.AsValue(string(r))
	}
	l, ok := asList(x)
	if !ok {
		return fail("reverse: cannot iterate over %s", typeName(x))
	}
	out := make([]any, len(l))
	for i, v := range l {
		out[len(l)-1-i] = v
	}
	return exec.AsValue(out)
}

// listIn is a list filter's input as Go values; anything that is not a
// list is the filter's error, named after it.
func listIn(in *exec.Value, filter string) ([]any, *exec.Value) {
	x, errv := in2go(in)
	if errv != nil {
		return nil, errv
	}
	items, ok := asList(x)
	if !ok {
		return nil, fail("%s: cannot iterate over %s", filter, typeName(x))
	}
	return items, nil
}
