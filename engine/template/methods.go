package template

import (
	"strings"

	"github.com/nikolalohinski/gonja/v2/builtins/methods"
	"github.com/nikolalohinski/gonja/v2/exec"
)

var gonjaStrMethods = []string{"capitalize", "capwords", "casefold", "center", "count", "encode", "endswith",
	"expandtabs", "find", "format", "format_map", "isalnum", "isalpha", "isascii", "isdecimal", "isdigit",
	"islower", "isnumeric", "isprintable", "isspace", "istitle", "isupper", "join", "ljust", "lower",
	"partition", "removeprefix", "removesuffix", "rfind", "rjust", "rpartition", "splitlines",
	"startswith", "swapcase", "title", "upper", "zfill"}

// buildMethods starts from gonja's Python-style methods and replaces or
// adds the ones Ansible templates lean on: gonja's split()/strip() fail
// when called without arguments and its replace() insists on a count.
func buildMethods() exec.Methods {
	m := methods.All

	str := map[string]exec.Method[string]{}
	for _, name := range gonjaStrMethods {
		if f, ok := methods.All.Str.Get(name); ok {
			str[name] = f
		}
	}
	str["split"] = func(self string, _ *exec.Value, p *exec.VarArgs) (any, error) {
		return pySplit(self, arg(p, 0, "sep"), argInt(p, 1, "maxsplit", -1)), nil
	}
	str["rsplit"] = func(self string, _ *exec.Value, p *exec.VarArgs) (any, error) {
		return pyRSplit(self, arg(p, 0, "sep"), argInt(p, 1, "maxsplit", -1)), nil
	}
	strip := func(f func(string, string) string, ws func(string) string) exec.Method[string] {
		return func(self string, _ *exec.Value, p *exec.VarArgs) (any, error) {
			if chars := arg(p, 0, "chars"); chars != nil && !chars.IsNil() {
				return f(self, chars.String()), nil
			}
			return ws(self), nil
		}
	}
	str["strip"] = strip(strings.Trim, strings.TrimSpace)
	str["lstrip"] = strip(strings.TrimLeft, func(s string) string { return strings.TrimLeft(s, " \t\n\r\v\f") })
	str["rstrip"] = strip(strings.TrimRight, func(s string) string { return strings.TrimRight(s, " \t\n\r\v\f") })
	str["replace"] = func(self string, _ *exec.Value, p *exec.VarArgs) (any, error) {
		return strings.Replace(self, argString(p, 0, "old", ""), argString(p, 1, "new", ""), argInt(p, 2, "count", -1)), nil
	}
	m.Str = exec.NewMethodSet(str)

	list := map[string]exec.Method[[]any]{
		"index": func(self []any, _ *exec.Value, p *exec.VarArgs) (any, error) {
			x := argGo(p, 0, "", nil)
			for i, v := range self {
				if equal(v, x) {
					return i, nil
				}
			}
			return nil, failf("%s is not in list", repr(x))
		},
		"count": func(self []any, _ *exec.Value, p *exec.VarArgs) (any, error) {
			x := argGo(p, 0, "", nil)
			n := 0
			for _, v := range self {
				if equal(v, x) {
					n++
				}
			}
			return n, nil
		},
	}
	for _, name := range []string{"append", "reverse", "copy"} {
		if f, ok := methods.All.List.Get(name); ok {
			list[name] = f
		}
	}
	m.List = exec.NewMethodSet(list)
	return m
}

// pySplit is Python's str.split: no separator splits on runs of whitespace.
func pySplit(s string, sep *exec.Value, maxsplit int) []any {
	var parts []string
	if sep == nil || sep.IsNil() {
		fields := strings.Fields(s)
		if maxsplit < 0 || len(fields) <= maxsplit+1 {
			parts = fields
		} else {
			rest := strings.TrimLeft(s, " \t\n\r\v\f")
			for range maxsplit {
				i := strings.IndexAny(rest, " \t\n\r\v\f")
				parts = append(parts, rest[:i])
				rest = strings.TrimLeft(rest[i:], " \t\n\r\v\f")
			}
			parts = append(parts, rest)
		}
	} else {
		n := -1
		if maxsplit >= 0 {
			n = maxsplit + 1
		}
		parts = strings.SplitN(s, sep.String(), n)
	}
	out := make([]any, len(parts))
	for i, p := range parts {
		out[i] = p
	}
	return out
}

// pyRSplit is Python's str.rsplit with an explicit separator (whitespace
// otherwise); maxsplit counts from the right.
func pyRSplit(s string, sep *exec.Value, maxsplit int) []any {
	if maxsplit < 0 || sep == nil || sep.IsNil() {
		return pySplit(s, sep, maxsplit)
	}
	d := sep.String()
	var parts []any
	for range maxsplit {
		i := strings.LastIndex(s, d)
		if i < 0 {
			break
		}
		parts = append([]any{s[i+len(d):]}, parts...)
		s = s[:i]
	}
	return append([]any{s}, parts...)
}
