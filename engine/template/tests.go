package template

import (
	"strconv"
	"strings"
	"unicode"

	"github.com/nikolalohinski/gonja/v2/exec"
)

// testFunc is a gonja test: func(*exec.Evaluator, *exec.Value, *exec.VarArgs) (bool, error).
type testFunc = func(*exec.Evaluator, *exec.Value, *exec.VarArgs) (bool, error)

// strict wraps a test so an undefined (or otherwise failed) input is an
// error, as with Ansible's StrictUndefined; only defined/undefined may look
// at undefined values.
func strict(f func(x any, p *exec.VarArgs) (bool, error)) testFunc {
	return func(_ *exec.Evaluator, in *exec.Value, p *exec.VarArgs) (bool, error) {
		x, errv := in2go(in)
		if errv != nil {
			return false, errv.Interface().(error)
		}
		return f(x, p)
	}
}

func testDefined(_ *exec.Evaluator, in *exec.Value, _ *exec.VarArgs) (bool, error) {
	if in.IsError() {
		if isUndefined(in.Error()) {
			return false, nil
		}
		return false, in.Interface().(error)
	}
	return true, nil
}

func testUndefined(e *exec.Evaluator, in *exec.Value, p *exec.VarArgs) (bool, error) {
	d, err := testDefined(e, in, p)
	return !d, err
}

// spreadArgs undoes a gonja parsing quirk: `x is version('1', '>=')` reaches
// the test as one tuple argument. Only tests whose first argument can never
// be a list use it.
func spreadArgs(p *exec.VarArgs) *exec.VarArgs {
	if len(p.Args) == 1 && p.Args[0].IsList() {
		l, err := toGo(p.Args[0])
		if err == nil {
			args := []*exec.Value{}
			for _, v := range l.([]any) {
				args = append(args, exec.AsValue(v))
			}
			return &exec.VarArgs{Args: args, KwArgs: p.KwArgs}
		}
	}
	return p
}

// regexTest implements match (anchored at the start), search and regex.
func regexTest(mode string) testFunc {
	return strict(func(x any, p *exec.VarArgs) (bool, error) {
		p = spreadArgs(p)
		pattern := argString(p, 0, "pattern", "")
		if mode == "match" {
			pattern = `\A(?:` + pattern + `)`
		}
		re, err := compileRegex(pattern, argBool(p, 1, "ignorecase", false), argBool(p, 2, "multiline", false))
		if err != nil {
			return false, err
		}
		return re.MatchString(str(x)), nil
	})
}

// Registered-result tests look at the keys modules report.
func resultTest(key string, want bool) testFunc {
	return strict(func(x any, _ *exec.VarArgs) (bool, error) {
		m, ok := x.(map[string]any)
		if !ok {
			return false, failf("the '%s' test expects a registered task result (a dictionary), got %s", key, typeName(x))
		}
		if key == "failed" {
			failed := toBool(m["failed"])
			if rc, ok := m["rc"].(int); ok && rc != 0 && m["failed"] == nil {
				failed = true
			}
			return failed == want, nil
		}
		return toBool(m[key]) == want, nil
	})
}

// compareTest backs the comparison tests and the operators gonja parses as
// tests (`a > b` is the test '>' applied to a): numbers compare as numbers,
// strings as strings, otherwise it is an error as in Python.
func compareTest(op string) testFunc {
	return strict(func(x any, p *exec.VarArgs) (bool, error) {
		y := argGo(p, 0, "", nil)
		if op == "==" || op == "!=" {
			return equal(x, y) == (op == "=="), nil
		}
		c, ok := compare(x, y, true)
		if !ok {
			return false, failf("'%s' not supported between %s and %s", op, typeName(x), typeName(y))
		}
		switch op {
		case "<":
			return c < 0, nil
		case "<=":
			return c <= 0, nil
		case ">":
			return c > 0, nil
		}
		return c >= 0, nil
	})
}

func testIn(_ *exec.Evaluator, in *exec.Value, p *exec.VarArgs) (bool, error) {
	x, errv := in2go(in)
	if errv != nil {
		return false, errv.Interface().(error)
	}
	seqv := arg(p, 0, "")
	if seqv == nil {
		return false, failf("'in' needs a container")
	}
	seq, errv := in2go(seqv)
	if errv != nil {
		return false, errv.Interface().(error)
	}
	return contains(seq, x)
}

// contains is Python's `x in seq`.
func contains(seq, x any) (bool, error) {
	switch s := seq.(type) {
	case string:
		sub, ok := x.(string)
		if !ok {
			return false, failf("'in <string>' requires string as left operand, not %s", typeName(x))
		}
		return strings.Contains(s, sub), nil
	case []any:
		for _, item := range s {
			if equal(item, x) {
				return true, nil
			}
		}
		return false, nil
	case map[string]any:
		k, ok := x.(string)
		if !ok {
			return false, nil
		}
		_, found := s[k]
		return found, nil
	}
	return false, failf("argument of type '%s' is not iterable", typeName(seq))
}

// version(other, op='eq', strict=False): loose version comparison, split
// into numeric and alphabetic parts like Python's LooseVersion.
func testVersion(_ *exec.Evaluator, in *exec.Value, p *exec.VarArgs) (bool, error) {
	x, errv := in2go(in)
	if errv != nil {
		return false, errv.Interface().(error)
	}
	p = spreadArgs(p)
	other := argString(p, 0, "version", "")
	op := argString(p, 1, "operator", "eq")
	c := compareVersions(str(x), other)
	switch op {
	case "<", "lt":
		return c < 0, nil
	case "<=", "le":
		return c <= 0, nil
	case ">", "gt":
		return c > 0, nil
	case ">=", "ge":
		return c >= 0, nil
	case "==", "=", "eq":
		return c == 0, nil
	case "!=", "<>", "ne":
		return c != 0, nil
	}
	return false, failf("version: unknown operator '%s'", op)
}

func versionParts(v string) []any {
	var parts []any
	var cur strings.Builder
	digits := false
	flush := func() {
		if cur.Len() == 0 {
			return
		}
		if digits {
			n, _ := strconv.Atoi(cur.String())
			parts = append(parts, n)
		} else {
			parts = append(parts, cur.String())
		}
		cur.Reset()
	}
	for _, r := range v {
		switch {
		case unicode.IsDigit(r):
			if !digits {
				flush()
			}
			digits = true
			cur.WriteRune(r)
		case unicode.IsLetter(r):
			if digits {
				flush()
			}
			digits = false
			cur.WriteRune(r)
		default:
			flush()
		}
	}
	flush()
	return parts
}

func compareVersions(a, b string) int {
	pa, pb := versionParts(a), versionParts(b)
	for i := 0; i < len(pa) && i < len(pb); i++ {
		x, y := pa[i], pb[i]
		xi, xnum := x.(int)
		yi, ynum := y.(int)
		switch {
		case xnum && ynum:
			if xi != yi {
				return xi - yi
			}
		case xnum != ynum:
			// Python 3's LooseVersion cannot order int against str; treat
			// numbers as newer, so "1.0" > "1.0rc1" style checks behave.
			if xnum {
				return 1
			}
			return -1
		default:
			if c := strings.Compare(x.(string), y.(string)); c != 0 {
				return c
			}
		}
	}
	return len(pa) - len(pb)
}

func typeTest(pred func(any) bool) testFunc {
	return strict(func(x any, _ *exec.VarArgs) (bool, error) { return pred(x), nil })
}

// subset/superset of lists.
func subsetTest(super bool) testFunc {
	return strict(func(x any, p *exec.VarArgs) (bool, error) {
		a, ok1 := x.([]any)
		b, ok2 := argGo(p, 0, "", nil).([]any)
		if !ok1 || !ok2 {
			return false, failf("subset/superset need lists")
		}
		if super {
			a, b = b, a
		}
		for _, v := range a {
			if found, _ := contains(b, v); !found {
				return false, nil
			}
		}
		return true, nil
	})
}
