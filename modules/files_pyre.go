package modules

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Ansible users write Python regular expressions; Go has RE2. The common
// subset is identical (classes, groups, (?P<name>...), anchors, flags), so
// only the few spellings that differ are translated here, and what RE2
// cannot do (lookaround, backreferences in the pattern) fails with a
// message that says so instead of Go's terse one.

// pyRegex is a Python regular expression applied to one line the way
// Ansible applies it: to the line with its "\n". Go matches the line
// without the newline, which keeps Python's "$" (end, or before a final
// newline) exact; Python's "\Z" (the very end) cannot match on such a
// line, so it gets a second program where \Z never matches.
type pyRegex struct {
	re   *regexp.Regexp // lines without a trailing newline (\Z = \z)
	reNL *regexp.Regexp // lines that had a trailing newline
}

// find returns the submatch indexes of the first match in line, and the
// text they index (line without its newline).
func (p *pyRegex) find(line string) ([]int, string) {
	s, had := strings.CutSuffix(line, "\n")
	if had {
		return p.reNL.FindStringSubmatchIndex(s), s
	}
	return p.re.FindStringSubmatchIndex(s), s
}

func (p *pyRegex) matches(line string) bool {
	m, _ := p.find(line)
	return m != nil
}

// compilePyRegex compiles a Python-style regular expression.
func compilePyRegex(expr string) (*pyRegex, error) {
	re, err := compileTranslated(expr, `\z`)
	if err != nil {
		return nil, err
	}
	reNL, err := compileTranslated(expr, `[^\x00-\x{10FFFF}]`)
	if err != nil {
		return nil, err
	}
	return &pyRegex{re: re, reNL: reNL}, nil
}

// compileTranslated rewrites the spellings that differ and compiles;
// endZ is what Python's \Z becomes.
func compileTranslated(expr, endZ string) (*regexp.Regexp, error) {
	var b strings.Builder
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

// expandPy expands a Python re template (what lineinfile's line becomes
// with backrefs=yes): \1..\99, \g<1>, \g<name>, and the escapes \n \t \\.
// Groups that did not take part in the match expand to "" as in Python 3.
func expandPy(tmpl string, re *pyRegex, s string, m []int) (string, error) {
	group := func(i int) (string, error) {
		if i < 0 || 2*i+1 >= len(m) {
			return "", fmt.Errorf("invalid group reference %d in line", i)
		}
		if m[2*i] < 0 {
			return "", nil
		}
		return s[m[2*i]:m[2*i+1]], nil
	}
	var b strings.Builder
	for i := 0; i < len(tmpl); i++ {
		c := tmpl[i]
		if c != '\\' || i+1 == len(tmpl) {
			b.WriteByte(c)
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
				return "", err
			}
			b.WriteString(g)
			i = j - 1
		case n == 'g' && i+2 < len(tmpl) && tmpl[i+2] == '<':
			end := strings.IndexByte(tmpl[i+3:], '>')
			if end < 0 {
				return "", fmt.Errorf("missing > in \\g< reference")
			}
			name := tmpl[i+3 : i+3+end]
			num, err := strconv.Atoi(name)
			if err != nil {
				num = re.re.SubexpIndex(name)
				if num < 0 {
					return "", fmt.Errorf("unknown group name '%s' in line", name)
				}
			}
			g, err := group(num)
			if err != nil {
				return "", err
			}
			b.WriteString(g)
			i += 3 + end
		case n == 'n':
			b.WriteByte('\n')
			i++
		case n == 't':
			b.WriteByte('\t')
			i++
		case n == '\\':
			b.WriteByte('\\')
			i++
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), nil
}
