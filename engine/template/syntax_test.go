package template

import (
	"errors"
	"strings"
	"testing"
)

func TestSyntaxErrorsCarryPositions(t *testing.T) {
	e := New()
	tests := []struct {
		tmpl      string
		line, col int
	}{
		{"{{ foo", 1, 7},
		{"{{ x | }}", 1, 8},
		{"line one\n{{ foo.| x }}", 2, 8},
		{"{% if x %}", 1, 11},
		{"a\nb\n{{ (x }}", 3, 4},
	}
	for _, tt := range tests {
		err := e.CheckTemplate(tt.tmpl)
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("CheckTemplate(%q) = %v, want a SyntaxError", tt.tmpl, err)
			continue
		}
		if se.Line != tt.line || se.Col != tt.col {
			t.Errorf("CheckTemplate(%q) at %d:%d, want %d:%d (%v)", tt.tmpl, se.Line, se.Col, tt.line, tt.col, err)
		}
		// Render reports the same error without executing anything.
		if _, rerr := e.Render(tt.tmpl, nil); rerr == nil || rerr.Error() != err.Error() {
			t.Errorf("Render(%q) = %v, want %v", tt.tmpl, rerr, err)
		}
	}
	// Malformed templates without a usable position still fail.
	for _, s := range []string{"{{ 'abc }}", "{{ foo }"} {
		var se *SyntaxError
		if err := e.CheckTemplate(s); !errors.As(err, &se) {
			t.Errorf("CheckTemplate(%q) = %v, want a SyntaxError", s, err)
		}
	}
}

func TestCheckExprPositionsAreWithinTheExpression(t *testing.T) {
	e := New()
	tests := []struct {
		expr string
		col  int
	}{
		{"x >", 4},
		{"(x", 1},
		{"a and (b or", 12},
	}
	for _, tt := range tests {
		err := e.CheckExpr(tt.expr)
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("CheckExpr(%q) = %v, want SyntaxError", tt.expr, err)
			continue
		}
		if se.Line != 1 || se.Col != tt.col {
			t.Errorf("CheckExpr(%q) at %d:%d, want 1:%d", tt.expr, se.Line, se.Col, tt.col)
		}
	}
	// An expression cannot smuggle in more template text.
	if err := e.CheckExpr("x }}{{ y"); err == nil {
		t.Error("CheckExpr accepted two expressions")
	}
	for _, ok := range []string{"'a' if x else 'b'", "x > 1", "foo is defined and foo.bar | bool", "a in b", "x | default(1) | int"} {
		if err := e.CheckExpr(ok); err != nil {
			t.Errorf("CheckExpr(%q) = %v", ok, err)
		}
	}
}

func TestUnknownFilterAndTestNames(t *testing.T) {
	e := New()
	tests := []struct {
		src, kind, name, hint string
		line, col             int
		expr                  bool
	}{
		{src: "{{ data | to_jsn }}", kind: "filter", name: "to_jsn", hint: "did you mean 'to_json'?", line: 1, col: 11},
		{src: "x\n{{ a | defualt(1) }}", kind: "filter", name: "defualt", hint: "did you mean 'default'?", line: 2, col: 8},
		{src: "{% if x is defind %}{% endif %}", kind: "test", name: "defind", hint: "did you mean 'defined'?", line: 1, col: 12},
		{src: "x is not succeded", kind: "test", name: "succeded", hint: "did you mean 'succeeded'?", line: 1, col: 10, expr: true},
		{src: "x | regex_replce('a')", kind: "filter", name: "regex_replce", hint: "did you mean 'regex_replace'?", line: 1, col: 5, expr: true},
		{src: "{{ x | zzzzzz }}", kind: "filter", name: "zzzzzz", line: 1, col: 8},
	}
	for _, tt := range tests {
		var err error
		if tt.expr {
			err = e.CheckExpr(tt.src)
		} else {
			err = e.CheckTemplate(tt.src)
		}
		var un *UnknownNameError
		if !errors.As(err, &un) {
			t.Errorf("%q: got %v, want UnknownNameError", tt.src, err)
			continue
		}
		if un.Kind != tt.kind || un.Name != tt.name || un.Line != tt.line || un.Col != tt.col {
			t.Errorf("%q: got %+v", tt.src, un)
		}
		if tt.hint != "" && !strings.Contains(err.Error(), tt.hint) {
			t.Errorf("%q: message %q lacks hint %q", tt.src, err.Error(), tt.hint)
		}
		if tt.hint == "" && strings.Contains(err.Error(), "did you mean") {
			t.Errorf("%q: unexpected hint in %q", tt.src, err.Error())
		}
	}
}
