package template

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/nikolalohinski/gonja/v2/builtins"
	"github.com/nikolalohinski/gonja/v2/exec"
)

// gonja filters kept as they are: Jinja2 built-ins whose gonja behaviour
// matches Jinja closely enough.
var keptFilters = []string{"abs", "attr", "batch", "capitalize", "center", "dictsort", "e", "escape",
	"filesizeformat", "forceescape", "groupby", "indent", "items", "pprint", "random",
	"round", "safe", "slice", "striptags", "sum", "title", "tojson", "truncate",
	"urlencode", "urlize", "wordcount", "wordwrap", "xmlattr"}

func ansibleFilters() map[string]filterFunc {
	return map[string]filterFunc{
		"default": filterDefault, "d": filterDefault, "mandatory": filterMandatory,
		"bool": filterBool, "int": filterInt, "float": filterFloat, "string": filterString,
		"ternary": filterTernary, "combine": filterCombine, "type_debug": filterTypeDebug,
		"dict2items": filterDict2Items, "items2dict": filterItems2Dict, "extract": filterExtract,

		"map": filterMap, "select": selectFilter(true), "reject": selectFilter(false),
		"selectattr": selectAttrFilter(true), "rejectattr": selectAttrFilter(false),
		"unique": filterUnique, "sort": filterSort, "min": minMaxFilter(false), "max": minMaxFilter(true),
		"flatten": filterFlatten, "zip": zipFilter(false), "zip_longest": zipFilter(true),
		"union": setFilter("union"), "intersect": setFilter("intersect"),
		"difference": setFilter("difference"), "symmetric_difference": setFilter("symmetric_difference"),
		"first": filterFirst, "reverse": filterReverse, "last": filterLast, "list": filterList,
		"length": filterLength, "count": filterLength, "join": filterJoin, "subelements": filterSubelements,

		"regex_replace": filterRegexReplace, "regex_search": filterRegexSearch,
		"regex_findall": filterRegexFindall, "regex_escape": stringFilter(regexp.QuoteMeta),
		"split": filterSplit, "trim": filterTrim, "replace": filterReplace,
		"lower": stringFilter(strings.ToLower), "upper": stringFilter(strings.ToUpper),
		"quote": stringFilter(shellQuote), "basename": stringFilter(basename), "dirname": stringFilter(dirname),
		"expanduser": stringFilter(expandUser), "realpath": stringFilter(realPath),
		"b64encode": stringFilter(func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }),
		"b64decode": filterB64Decode,
		"hash":      hashFilter(""), "md5": hashFilter("md5"), "sha1": hashFilter("sha1"), "checksum": hashFilter("sha1"),
		"password_hash": filterPasswordHash, "format": filterFormat,

		"ipaddr": ipFilter(0), "ipv4": ipFilter(4), "ipv6": ipFilter(6),

		"to_json": jsonFilter(0), "to_nice_json": jsonFilter(4), "from_json": filterFromJSON,
		"to_yaml": yamlFilter(2), "to_nice_yaml": yamlFilter(4), "from_yaml": filterFromYAML,
	}
}

func expandUser(s string) string {
	if s == "~" || strings.HasPrefix(s, "~/") {
		if home, err := os.UserHomeDir(); err == nil {
			return home + s[1:]
		}
	}
	return s
}

func realPath(s string) string {
	if r, err := filepath.EvalSymlinks(s); err == nil {
		s = r
	}
	if a, err := filepath.Abs(s); err == nil {
		return a
	}
	return s
}

func buildFilters() (*exec.FilterSet, []string) {
	all := map[string]exec.FilterFunction{}
	for _, name := range keptFilters {
		if f, ok := builtins.Filters.Get(name); ok {
			all[name] = f
		}
	}
	for name, f := range ansibleFilters() {
		all[name] = f
	}
	return exec.NewFilterSet(all), sortedNames(all)
}

var keptTests = []string{"callable", "divisibleby", "escaped", "even", "odd", "lower", "upper",
	"sameas", "true", "false", "filter", "test"}

func ansibleTests() map[string]testFunc {
	isList := func(x any) bool { _, ok := x.([]any); return ok }
	isMap := func(x any) bool { _, ok := x.(map[string]any); return ok }
	isString := func(x any) bool { _, ok := x.(string); return ok }
	isInt := func(x any) bool { _, ok := x.(int); return ok }
	isFloat := func(x any) bool { _, ok := x.(float64); return ok }
	isBool := func(x any) bool { _, ok := x.(bool); return ok }
	tests := map[string]testFunc{
		"defined": testDefined, "undefined": testUndefined,
		"none":  typeTest(func(x any) bool { return x == nil }),
		"match": regexTest("match"), "search": regexTest("search"), "regex": regexTest("search"),
		"version": testVersion, "version_compare": testVersion,
		"succeeded": resultTest("failed", false), "success": resultTest("failed", false),
		"failed": resultTest("failed", true), "failure": resultTest("failed", true),
		"changed": resultTest("changed", true), "change": resultTest("changed", true),
		"skipped": resultTest("skipped", true), "skip": resultTest("skipped", true),
		"in": testIn, "contains": strict(func(x any, p *exec.VarArgs) (bool, error) { return contains(x, argGo(p, 0, "", nil)) }),
		"string": typeTest(isString), "number": typeTest(func(x any) bool { return isInt(x) || isFloat(x) }),
		"integer": typeTest(isInt), "float": typeTest(isFloat), "boolean": typeTest(isBool),
		"mapping":  typeTest(isMap),
		"iterable": typeTest(func(x any) bool { return isList(x) || isMap(x) || isString(x) }),
		"sequence": typeTest(func(x any) bool { return isList(x) || isString(x) }),
		"truthy":   typeTest(Truthy), "falsy": typeTest(func(x any) bool { return !Truthy(x) }),
		"subset": subsetTest(false), "superset": subsetTest(true),
		"all": typeTest(func(x any) bool {
			l, _ := x.([]any)
			for _, v := range l {
				if !Truthy(v) {
					return false
				}
			}
			return true
		}),
		"any": typeTest(func(x any) bool {
			l, _ := x.([]any)
			for _, v := range l {
				if Truthy(v) {
					return true
				}
			}
			return false
		}),
	}
	for _, names := range [][]string{{"==", "eq", "equalto"}, {"!=", "ne"}, {"<", "lt", "lessthan"},
		{"<=", "le"}, {">", "gt", "greaterthan"}, {">=", "ge"}} {
		for _, n := range names {
			tests[n] = compareTest(names[0])
		}
	}
	return tests
}

func buildTests() (*exec.TestSet, []string) {
	all := map[string]exec.TestFunction{}
	for _, name := range keptTests {
		if t, ok := builtins.Tests.Get(name); ok {
			all[name] = t
		}
	}
	for name, t := range ansibleTests() {
		all[name] = t
	}
	var names []string
	for n := range all {
		if n[0] >= 'a' && n[0] <= 'z' {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	return exec.NewTestSet(all), names
}

func sortedNames[V any](m map[string]V) []string {
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func buildGlobals() map[string]any {
	g := map[string]any{
		"omit":   Omit,
		"range":  rangeFunction,
		"dict":   dictFunction,
		"lookup": lookupFunc(false),
		"query":  lookupFunc(true),
		"q":      lookupFunc(true),
		// Jinja accepts both spellings of the constants; gonja only one.
		"none": nil, "None": nil, "true": true, "True": true, "false": false, "False": false,
	}
	for _, name := range []string{"namespace", "cycler", "joiner"} {
		if f, ok := builtins.GlobalFunctions.Get(name); ok {
			g[name] = f
		}
	}
	return g
}

// range(stop) / range(start, stop[, step]) as a list, so it can be used
// natively and in every filter.
func rangeFunction(_ *exec.Evaluator, p *exec.VarArgs) *exec.Value {
	var start, stop, step = 0, 0, 1
	switch len(p.Args) {
	case 1:
		stop = p.Args[0].Integer()
	case 2, 3:
		start, stop = p.Args[0].Integer(), p.Args[1].Integer()
		if len(p.Args) == 3 {
			step = p.Args[2].Integer()
		}
	default:
		return fail("range expects 1 to 3 arguments")
	}
	if step == 0 {
		return fail("range() arg 3 must not be zero")
	}
	out := []any{}
	for i := start; (step > 0 && i < stop) || (step < 0 && i > stop); i += step {
		out = append(out, i)
	}
	return exec.AsValue(out)
}

// dict(mapping_or_pairs, **kwargs) like Python's dict().
func dictFunction(_ *exec.Evaluator, p *exec.VarArgs) *exec.Value {
	out := map[string]any{}
	if len(p.Args) > 0 {
		src, errv := in2go(p.Args[0])
		if errv != nil {
			return errv
		}
		switch t := src.(type) {
		case map[string]any:
			for k, v := range t {
				out[k] = v
			}
		case []any:
			for _, pair := range t {
				kv, ok := pair.([]any)
				if !ok || len(kv) != 2 {
					return fail("dict() needs a list of key/value pairs")
				}
				out[str(kv[0])] = kv[1]
			}
		case nil:
		default:
			return fail("dict() cannot convert %s", typeName(src))
		}
	}
	for k, v := range p.KwArgs {
		g, err := toGo(v)
		if err != nil {
			return exec.AsValue(err)
		}
		out[k] = g
	}
	return exec.AsValue(out)
}
