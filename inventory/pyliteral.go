package inventory

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// iniValue converts an INI value as Ansible does: it tries Python's
// ast.literal_eval and keeps the raw text when that fails. So 1 → int,
// 1.5 → float, True/False → bool (but true stays the string "true"),
// None → nil, "x" → x, [1,2] and 1,2 → list, {'a': 1} → map, and
// 0022 or 10.0.0.1 → string. A '#' comment after a complete literal is
// ignored, as Python's tokenizer does.
func iniValue(s string) any {
	p := &pyParser{s: s}
	p.space()
	if p.eof() {
		return s
	}
	v, err := p.exprList(true)
	if err != nil {
		return s
	}
	p.space()
	if !p.eof() {
		return s
	}
	return v
}

var errNotLiteral = errors.New("not a Python literal")

type pyParser struct {
	s string
	i int
}

func (p *pyParser) eof() bool { return p.i >= len(p.s) }

// space skips blanks and a trailing comment.
func (p *pyParser) space() {
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case ' ', '\t':
			p.i++
		case '#':
			p.i = len(p.s)
		default:
			return
		}
	}
}

func (p *pyParser) peek() byte {
	if p.eof() {
		return 0
	}
	return p.s[p.i]
}

// exprList parses "a, b, c" (a tuple without parentheses) or one value.
func (p *pyParser) exprList(top bool) (any, error) {
	first, err := p.value()
	if err != nil {
		return nil, err
	}
	p.space()
	if p.peek() != ',' {
		return first, nil
	}
	items := []any{first}
	for p.peek() == ',' {
		p.i++
		p.space()
		if p.eof() || (!top && p.peek() == ')') {
			break
		}
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		items = append(items, v)
		p.space()
	}
	return items, nil
}

func (p *pyParser) value() (any, error) {
	p.space()
	c := p.peek()
	switch {
	case c == '[':
		p.i++
		return p.seq(']')
	case c == '(':
		p.i++
		p.space()
		if p.peek() == ')' {
			p.i++
			return []any{}, nil
		}
		v, err := p.exprList(false)
		if err != nil {
			return nil, err
		}
		p.space()
		if p.peek() != ')' {
			return nil, errNotLiteral
		}
		p.i++
		return v, nil
	case c == '{':
		p.i++
		return p.dict()
	case c == '-' || c == '+':
		p.i++
		p.space()
		n, err := p.number()
		if err != nil {
			return nil, err
		}
		if c == '-' {
			switch x := n.(type) {
			case int:
				return -x, nil
			case float64:
				return -x, nil
			}
		}
		return n, nil
	case c >= '0' && c <= '9' || c == '.':
		return p.number()
	}
	if v, ok, err := p.str(); ok || err != nil {
		return v, err
	}
	for _, kw := range []struct {
		word string
		v    any
	}{{"True", true}, {"False", false}, {"None", nil}} {
		if strings.HasPrefix(p.s[p.i:], kw.word) && !isIdent(p.s, p.i+len(kw.word)) {
			p.i += len(kw.word)
			return kw.v, nil
		}
	}
	return nil, errNotLiteral
}

func isIdent(s string, i int) bool {
	if i >= len(s) {
		return false
	}
	c := s[i]
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
}

func (p *pyParser) seq(closer byte) (any, error) {
	items := []any{}
	for {
		p.space()
		if p.peek() == closer {
			p.i++
			return items, nil
		}
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		items = append(items, v)
		p.space()
		switch p.peek() {
		case ',':
			p.i++
		case closer:
		default:
			return nil, errNotLiteral
		}
	}
}

// dict parses {k: v, ...}; a {a, b} set becomes a list.
func (p *pyParser) dict() (any, error) {
	m := map[string]any{}
	var set []any
	for {
		p.space()
		if p.peek() == '}' {
			p.i++
			if set != nil {
				return set, nil
			}
			return m, nil
		}
		k, err := p.value()
		if err != nil {
			return nil, err
		}
		p.space()
		if p.peek() == ':' && set == nil {
			p.i++
			v, err := p.value()
			if err != nil {
				return nil, err
			}
			switch k.(type) {
			case map[string]any, []any:
				return nil, errNotLiteral // unhashable key
			}
			m[fmtKey(k)] = v
		} else if len(m) == 0 {
			set = append(set, k)
		} else {
			return nil, errNotLiteral
		}
		p.space()
		switch p.peek() {
		case ',':
			p.i++
		case '}':
		default:
			return nil, errNotLiteral
		}
	}
}

// number parses Python int and float literals (underscores, 0x/0o/0b).
// Leading zeros on a decimal int are a Python syntax error, so "0022"
// stays a string as in Ansible.
func (p *pyParser) number() (any, error) {
	start := p.i
	for p.i < len(p.s) && (isIdent(p.s, p.i) || p.s[p.i] == '.' ||
		((p.s[p.i] == '-' || p.s[p.i] == '+') && p.i > start && (p.s[p.i-1] == 'e' || p.s[p.i-1] == 'E'))) {
		p.i++
	}
	lit := p.s[start:p.i]
	if lit == "" || strings.HasSuffix(lit, "_") || strings.Contains(lit, "__") {
		return nil, errNotLiteral
	}
	clean := strings.ReplaceAll(lit, "_", "")
	if len(clean) > 1 && clean[0] == '0' && (clean[1]|0x20 == 'x' || clean[1]|0x20 == 'o' || clean[1]|0x20 == 'b') {
		n, err := strconv.ParseInt(clean[2:], map[byte]int{'x': 16, 'o': 8, 'b': 2}[clean[1]|0x20], 64)
		if err != nil || n > math.MaxInt {
			return nil, errNotLiteral
		}
		return int(n), nil
	}
	if strings.ContainsAny(clean, ".eE") {
		if strings.ContainsAny(clean, "xXpP") {
			return nil, errNotLiteral
		}
		f, err := strconv.ParseFloat(clean, 64)
		if err != nil {
			return nil, errNotLiteral
		}
		return f, nil
	}
	if len(clean) > 1 && clean[0] == '0' && strings.Trim(clean, "0") != "" {
		return nil, errNotLiteral
	}
	n, err := strconv.ParseInt(clean, 10, 64)
	if err != nil {
		return nil, errNotLiteral
	}
	return int(n), nil
}

// str parses one or more adjacent Python string literals ("a" 'b' → "ab"),
// with optional r/b/u prefixes and triple quotes.
func (p *pyParser) str() (any, bool, error) {
	var out strings.Builder
	found := false
	for {
		save := p.i
		p.space()
		j := p.i
		raw := false
		for j < len(p.s) && j-p.i < 2 && strings.IndexByte("rRbBuU", p.s[j]) >= 0 {
			if p.s[j]|0x20 == 'r' {
				raw = true
			}
			j++
		}
		if j >= len(p.s) || (p.s[j] != '\'' && p.s[j] != '"') {
			p.i = save
			if !found {
				return nil, false, nil
			}
			return out.String(), true, nil
		}
		q := p.s[j : j+1]
		if strings.HasPrefix(p.s[j:], q+q+q) {
			q = q + q + q
		}
		j += len(q)
		end := -1
		for k := j; k < len(p.s); k++ {
			if p.s[k] == '\\' {
				k++
				continue
			}
			if strings.HasPrefix(p.s[k:], q) {
				end = k
				break
			}
		}
		if end < 0 {
			return nil, true, errNotLiteral
		}
		body := p.s[j:end]
		if raw {
			out.WriteString(body)
		} else {
			out.WriteString(pyUnescape(body))
		}
		p.i = end + len(q)
		found = true
	}
}

func pyUnescape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' || i+1 >= len(s) {
			b.WriteByte(s[i])
			continue
		}
		i++
		switch c := s[i]; c {
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case 'r':
			b.WriteByte('\r')
		case '0', '1', '2', '3', '4', '5', '6', '7':
			j := i
			for j < len(s) && j < i+3 && s[j] >= '0' && s[j] <= '7' {
				j++
			}
			n, _ := strconv.ParseUint(s[i:j], 8, 32)
			b.WriteRune(rune(n))
			i = j - 1
		case 'x', 'u', 'U':
			width := map[byte]int{'x': 2, 'u': 4, 'U': 8}[c]
			if i+width < len(s)+0 && i+1+width <= len(s) {
				if n, err := strconv.ParseUint(s[i+1:i+1+width], 16, 32); err == nil && utf8.ValidRune(rune(n)) {
					b.WriteRune(rune(n))
					i += width
					continue
				}
			}
			b.WriteByte('\\')
			b.WriteByte(c)
		case '\n':
		case '\\', '\'', '"':
			b.WriteByte(c)
		case 'a':
			b.WriteByte('\a')
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'v':
			b.WriteByte('\v')
		default:
			b.WriteByte('\\')
			b.WriteByte(c)
		}
	}
	return b.String()
}
func fmtKey(v any) string { return fmt.Sprint(v) }
