package pyre

import (
	"strings"
	"testing"
)

// The expected values are what CPython 3.11's re module gives for the same
// pattern, text and template (re.sub / re.search(...).expand).
func TestExpandLikePython(t *testing.T) {
	cases := []struct {
		pattern, text, tmpl, want string
	}{
		{`(\w+)=(\w+)`, "a=b", `\2=\1`, "b=a"},
		{`(?P<k>\w+)=(?P<v>\w+)`, "a=b", `\g<v>:\g<k>`, "b:a"},
		{`(\w)`, "x", `\g<1>0`, "x0"},         // \g<1> keeps the following digit literal
		{`(a)|(b)`, "b", `[\1][\2]`, "[][b]"}, // an unmatched group is "" (Python 3.5+)
		{`(x)`, "x", `\1\n\t\\$`, "x\n\t\\$"},
		{`x`, "x", `$1 ${1}`, "$1 ${1}"}, // Go's $ syntax means nothing to Python
	}
	for _, c := range cases {
		re, err := Compile(c.pattern, "")
		if err != nil {
			t.Fatal(err)
		}
		m := re.FindStringSubmatchIndex(c.text)
		got, err := Expand(nil, c.tmpl, re, c.text, m)
		if err != nil || string(got) != c.want {
			t.Errorf("Expand(%q on %q, %q) = %q, %v; want %q", c.pattern, c.text, c.tmpl, got, err, c.want)
		}
	}
}

func TestExpandRejectsMissingGroups(t *testing.T) {
	re, _ := Compile(`(a)`, "")
	m := re.FindStringSubmatchIndex("a")
	for tmpl, want := range map[string]string{
		`\2`:       "invalid group reference 2",
		`\g<name>`: "unknown group name 'name'",
		`\g<1`:     "missing >",
	} {
		if _, err := Expand(nil, tmpl, re, "a", m); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Expand(%q) error = %v, want %q", tmpl, err, want)
		}
	}
}

func TestCompileExplainsWhatRE2Lacks(t *testing.T) {
	for pattern, want := range map[string]string{
		`(?=x)`:  "lookahead/lookbehind are not supported",
		`(?<=x)`: "lookahead/lookbehind are not supported",
		`(a)\1`:  "backreferences",
		`(`:      `regexp "(":`,
	} {
		if _, err := Compile(pattern, ""); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Compile(%q) error = %v, want %q", pattern, err, want)
		}
	}
	re, err := Compile(`ABC\Z`, "i")
	if err != nil || !re.MatchString("xabc") || re.MatchString("abc\n") {
		t.Errorf(`Compile("ABC\Z", i): %v; \Z must be the very end and the flag applied`, err)
	}
}

// Ansible matches a line with its newline: "$" also matches before it,
// "\Z" only at the very end, so "\Z" never matches a line that has one.
func TestLineEndsLikeAnsible(t *testing.T) {
	dollar, _ := CompileLine(`b$`)
	endZ, _ := CompileLine(`b\Z`)
	for _, c := range []struct {
		l        *Line
		line     string
		wantHits bool
	}{
		{dollar, "ab\n", true}, {dollar, "ab", true},
		{endZ, "ab\n", false}, {endZ, "ab", true},
	} {
		if got := c.l.Matches(c.line); got != c.wantHits {
			t.Errorf("%v.Matches(%q) = %v, want %v", c.l.Regexp(), c.line, got, c.wantHits)
		}
	}
	m, text := dollar.Find("xab\n")
	if text != "xab" || m == nil || text[m[0]:m[1]] != "b" {
		t.Errorf("Find = %v %q, want the match indexed in the line without its newline", m, text)
	}
}
