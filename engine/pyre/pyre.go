// Package pyre reads the Python regular expressions and re.sub templates
// Ansible users write, on top of Go's RE2.
//
// The common subset is identical (classes, groups, (?P<name>...), anchors,
// inline flags), so only the few spellings that differ are translated, and
// what RE2 cannot do (lookaround, backreferences inside the pattern) fails
// with a message that says so instead of Go's terse one. The template
// filters (regex_replace, regex_search, the match/search tests) and the line
// modules (lineinfile, blockinfile markers) share this one reading, so a
// pattern means the same thing in a template and in a task.
package pyre

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Compile translates a Python pattern and compiles it; flags are Python's
// re.I / re.M / re.S spelled as Go inline flags ("i", "m", "s").
func Compile(expr, flags string) (*regexp.Regexp, error) {
	return compile(expr, flags, `\z`)
}

// compile rewrites the spellings that differ and compiles; endZ is what
// Python's \Z (the very end of the text) becomes.
func compile(expr, flags, endZ string) (*regexp.Regexp, error) {
	var b strings.Builder
	if flags != "" {
		b.WriteString("(?" + flags + ")")
	}
	for i := 0; i < len(expr); i++ {
		c := expr[i]
		if c == '\\' && i+1 < len(expr) {
			n := expr[i+1]
			switch {
			case n == 'Z':
				b.WriteString(endZ)
			case n >= '1' && n <= '9':
				return nil, fmt.Errorf("regexp %q: backreferences (\\%c) are not supported (Go RE2 syntax)", expr, n)
			default:
				b.WriteByte(c)
				b.WriteByte(n)
			}
			i++
			continue
		}
		b.WriteByte(c)
	}
	re, err := regexp.Compile(b.String())
	if err != nil {
		msg := err.Error()
		if strings.Contains(msg, "(?=") || strings.Contains(msg, "(?!") || strings.Contains(msg, "(?<") {
			return nil, fmt.Errorf("regexp %q: lookahead/lookbehind are not supported (Go RE2 syntax)", expr)
		}
		return nil, fmt.Errorf("regexp %q: %v", expr, err)
	}
	return re, nil
}

// Line is a pattern applied to one line of a file the way Ansible applies
// it: to the line with its "\n". Go matches the line without the newline,
// which keeps Python's "$" (end, or before a final newline) exact; Python's
// "\Z" (the very end) cannot match on a line that had a newline, so such
// lines get a second program where \Z never matches.
type Line struct {
	re   *regexp.Regexp // lines without a trailing newline (\Z = \z)
	reNL *regexp.Regexp // lines that had a trailing newline
}

// CompileLine compiles a pattern for line-by-line matching.
func CompileLine(expr string) (*Line, error) {
	re, err := compile(expr, "", `\z`)
	if err != nil {
		return nil, err
	}
	reNL, err := compile(expr, "", `[^\x00-\x{10FFFF}]`)
	if err != nil {
		return nil, err
	}
	return &Line{re: re, reNL: reNL}, nil
}

// Find returns the submatch indexes of the first match in line, and the
// text they index (line without its newline).
func (l *Line) Find(line string) ([]int, string) {
	s, had := strings.CutSuffix(line, "\n")
	if had {
		return l.reNL.FindStringSubmatchIndex(s), s
	}
	return l.re.FindStringSubmatchIndex(s), s
}

// Matches reports whether the pattern matches somewhere in line.
func (l *Line) Matches(line string) bool {
	m, _ := l.Find(line)
	return m != nil
}

// Regexp is the compiled program, for group names and Expand.
func (l *Line) Regexp() *regexp.Regexp { return l.re }

// Expand appends to dst the Python re template tmpl (a re.sub replacement,
// or lineinfile's line with backrefs=yes) filled from match m of re in s:
// \1..\99, \g<1>, \g<name>, and the escapes \n \t \\. Groups that did not
// take part in the match expand to "" as in Python 3; a group the pattern
// does not have is an error, as Python raises one.
func Expand(dst []byte, tmpl string, re *regexp.Regexp, s string, m []int) ([]byte, error) {
	group := func(i int) (string, error) {
		if i < 0 || 2*i+1 >= len(m) {
			return "", fmt.Errorf("invalid group reference %d", i)
		}
		if m[2*i] < 0 {
			return "", nil
		}
		return s[m[2*i]:m[2*i+1]], nil
	}
	for i := 0; i < len(tmpl); i++ {
		c := tmpl[i]
		if c != '\\' || i+1 == len(tmpl) {
			dst = append(dst, c)
			continue
		}
		n := tmpl[i+1]
		switch {
		case n >= '0' && n <= '9':
			j := i + 2
			if j < len(tmpl) && tmpl[j] >= '0' && tmpl[j] <= '9' {
				j++
			}
			num, _ := strconv.Atoi(tmpl[i+1 : j])
			g, err := group(num)
			if err != nil {
				return nil, err
			}
			dst = append(dst, g...)
			i = j - 1
		case n == 'g' && i+2 < len(tmpl) && tmpl[i+2] == '<':
			end := strings.IndexByte(tmpl[i+3:], '>')
			if end < 0 {
				return nil, fmt.Errorf("missing > in \\g< reference")
			}
			name := tmpl[i+3 : i+3+end]
			num, err := strconv.Atoi(name)
			if err != nil {
				if num = re.SubexpIndex(name); num < 0 {
					return nil, fmt.Errorf("unknown group name '%s'", name)
				}
			}
			g, err := group(num)
			if err != nil {
				return nil, err
			}
			dst = append(dst, g...)
			i += 3 + end
		case n == 'n':
			dst = append(dst, '\n')
			i++
		case n == 't':
			dst = append(dst, '\t')
			i++
		case n == '\\':
			dst = append(dst, '\\')
			i++
		default:
			dst = append(dst, c)
		}
	}
	return dst, nil
}
