package template

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/nikolalohinski/gonja/v2/parser"

	"github.com/playbook/play/engine/diag"
)

// UndefinedError reports a variable or attribute that has no value. Name is
// the full dotted path the template used ("foo" or "foo.bar"); Attr is the
// missing attribute when the base object existed.
type UndefinedError struct {
	Name string
	Attr string
	Line int // line within the template text, 0 when unknown
}

func (e *UndefinedError) Error() string {
	msg := fmt.Sprintf("undefined variable '%s'", e.Name)
	if e.Attr != "" {
		msg += fmt.Sprintf(": object has no attribute '%s'", e.Attr)
	}
	return msg + lineSuffix(e.Line)
}

// lineSuffix names the line only for multi-line templates; "line 1" of a
// one-line task argument tells the user nothing.
func lineSuffix(line int) string {
	if line > 1 {
		return fmt.Sprintf(" (template line %d)", line)
	}
	return ""
}

// RenderError is any other failure while rendering: a filter given the
// wrong kind of value, an unknown method, bad arguments.
type RenderError struct {
	Msg  string
	Line int
}

func (e *RenderError) Error() string { return "template error: " + e.Msg + lineSuffix(e.Line) }

// SyntaxError is a template that does not parse. Line and Col are 1-based and
// relative to the template text (or the bare expression) itself, so callers
// can add the offset of the YAML scalar that held it.
type SyntaxError struct {
	Line, Col int
	Msg       string
}

func (e *SyntaxError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("template syntax error at line %d col %d: %s", e.Line, e.Col, e.Msg)
	}
	return "template syntax error: " + e.Msg
}

// UnknownNameError is a filter or test the engine does not provide.
type UnknownNameError struct {
	Kind      string // "filter" or "test"
	Name      string
	Line, Col int
	Hint      string
}

func (e *UnknownNameError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "no %s named '%s'", e.Kind, e.Name)
	if e.Line > 0 {
		fmt.Fprintf(&b, " (line %d col %d)", e.Line, e.Col)
	}
	if e.Hint != "" {
		b.WriteString("; ")
		b.WriteString(e.Hint)
	}
	return b.String()
}

// gonja (with StrictUndefined) reports undefined names and attributes only
// as message text, wrapped by several layers that do not all keep the
// error chain. These patterns recover the facts from the text; the tests
// pin them so a gonja upgrade that rewords them fails loudly.
var (
	reUndefName  = regexp.MustCompile(`Unable to evaluate name "([^"]+)"`)
	reOurUndef   = regexp.MustCompile(`undefined variable '([^']*)'(?:: object has no attribute '([^']*)')?`)
	reMissingKey = regexp.MustCompile(`: (?:attribute|item) '(.*?)' not found`)
	reOnNone     = regexp.MustCompile(`: Can't use (?:getattr|Getitem) on None`)
	reFilterGone = regexp.MustCompile(`filter '([^']+)' not found`)
	reTestGone   = regexp.MustCompile(`test '([^']+)' not found`)
	reTargetPfx  = regexp.MustCompile(`(?i)unable to evaluate (?:target )?`)
	reAtLine     = regexp.MustCompile(`at line (\d+)`)
)

// undefinedFrom returns the UndefinedError described by a gonja error
// message, or nil when the message is about something else.
func undefinedFrom(msg string) *UndefinedError {
	if m := reOurUndef.FindStringSubmatch(msg); m != nil {
		return &UndefinedError{Name: m[1], Attr: m[2]}
	}
	if m := reUndefName.FindStringSubmatch(msg); m != nil {
		return &UndefinedError{Name: m[1]}
	}
	if locs := reMissingKey.FindAllStringSubmatchIndex(msg, -1); locs != nil {
		l := locs[len(locs)-1]
		return &UndefinedError{Name: nodeBefore(msg, l[0]), Attr: strings.Trim(msg[l[2]:l[3]], "'")}
	}
	if locs := reOnNone.FindAllStringIndex(msg, -1); locs != nil {
		l := locs[len(locs)-1]
		name := nodeBefore(msg, l[0])
		attr := name
		if i := strings.LastIndexAny(name, ".["); i >= 0 {
			attr = strings.Trim(name[i:], ".[]'\"")
		}
		return &UndefinedError{Name: name, Attr: attr}
	}
	return nil
}

// nodeBefore extracts the expression text gonja printed between the last
// "unable to evaluate " and position end.
func nodeBefore(msg string, end int) string {
	head := msg[:end]
	locs := reTargetPfx.FindAllStringIndex(head, -1)
	if locs == nil {
		return ""
	}
	return head[locs[len(locs)-1][1]:]
}

// isUndefined reports whether a gonja error value stands for an undefined
// variable or attribute (which default() and "is defined" may absorb).
func isUndefined(msg string) bool { return undefinedFrom(msg) != nil }

// classify turns a gonja evaluation error into the engine's error types.
func (e *Engine) classify(err error) error {
	if err == nil {
		return nil
	}
	var u *UndefinedError
	var un *UnknownNameError
	var se *SyntaxError
	var re *RenderError
	if errors.As(err, &u) || errors.As(err, &un) || errors.As(err, &se) || errors.As(err, &re) {
		return err
	}
	msg := err.Error()
	line := 0
	if locs := reAtLine.FindAllStringSubmatch(msg, -1); locs != nil {
		line, _ = strconv.Atoi(locs[len(locs)-1][1])
	}
	if u := undefinedFrom(msg); u != nil {
		u.Line = line
		return u
	}
	if m := reFilterGone.FindStringSubmatch(msg); m != nil {
		return &UnknownNameError{Kind: "filter", Name: m[1], Hint: diag.DidYouMean(m[1], e.filterNames)}
	}
	if m := reTestGone.FindStringSubmatch(msg); m != nil {
		return &UnknownNameError{Kind: "test", Name: m[1], Hint: diag.DidYouMean(m[1], e.testNames)}
	}
	return &RenderError{Msg: simplify(msg), Line: line}
}

// userError is raised by our own filters; it carries a message meant for
// the user, which simplify digs out of gonja's wrapping.
type userError struct{ msg string }

func (u *userError) Error() string { return userMarker + u.msg + userMarker }

const userMarker = "\x00"

func failf(format string, args ...any) error {
	return &userError{msg: fmt.Sprintf(format, args...)}
}

// simplify keeps the innermost message of our own filters when present,
// dropping gonja's "unable to evaluate ..." prefixes.
func simplify(msg string) string {
	if i := strings.Index(msg, userMarker); i >= 0 {
		rest := msg[i+1:]
		if j := strings.Index(rest, userMarker); j >= 0 {
			return rest[:j]
		}
	}
	return msg
}

// syntaxError converts a gonja parse error, shifting the column on the first
// line by colShift (used when a bare expression was wrapped in "{{ ").
func syntaxError(err error, colShift int) error {
	var pe *parser.SyntaxError
	if errors.As(err, &pe) {
		col := pe.Column
		if pe.Line == 1 {
			col -= colShift
			if col < 1 {
				col = 1
			}
		}
		msg := pe.Message
		if pe.Raw != "" {
			msg = fmt.Sprintf("%s near %q", msg, pe.Raw)
		}
		return &SyntaxError{Line: pe.Line, Col: col, Msg: msg}
	}
	msg := err.Error()
	msg = strings.TrimPrefix(msg, "failed to parse template ")
	return &SyntaxError{Msg: msg}
}
