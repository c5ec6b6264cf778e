package playbook

import (
	"fmt"
	"strconv"
	"strings"
)

// splitArgs splits a free-form argument string into words the way Ansible
// does for `module: k=v k2="quoted value"`: whitespace separates words
// except inside quotes or Jinja2 {{ }} / {% %} blocks.
func splitArgs(s string) ([]string, error) {
	words, _, err := splitArgSpans(s)
	return words, err
}

// splitArgSpans is splitArgs that also returns each word's [start, end)
// rune offsets in s, so free-form text can be kept verbatim.
func splitArgSpans(s string) ([]string, [][2]int, error) {
	var words []string
	var spans [][2]int
	var cur strings.Builder
	var quote rune
	depth := 0
	inWord := false
	start := 0
	rs := []rune(s)
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		if !inWord && quote == 0 && depth == 0 && !(r == ' ' || r == '\t' || r == '\n') {
			start = i
		}
		switch {
		case quote != 0:
			cur.WriteRune(r)
			if r == '\\' && i+1 < len(rs) {
				i++
				cur.WriteRune(rs[i])
			} else if r == quote {
				quote = 0
			}
		case r == '{' && i+1 < len(rs) && (rs[i+1] == '{' || rs[i+1] == '%'):
			depth++
			cur.WriteRune(r)
			cur.WriteRune(rs[i+1])
			i++
			inWord = true
		case depth > 0 && (r == '}' || r == '%') && i+1 < len(rs) && rs[i+1] == '}':
			depth--
			cur.WriteRune(r)
			cur.WriteRune(rs[i+1])
			i++
		case depth == 0 && (r == ' ' || r == '\t' || r == '\n'):
			if inWord {
				words = append(words, cur.String())
				spans = append(spans, [2]int{start, i})
				cur.Reset()
				inWord = false
			}
		case r == '"' || r == '\'':
			quote = r
			cur.WriteRune(r)
			inWord = true
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	if quote != 0 {
		return nil, nil, fmt.Errorf("unbalanced %c quote in %q", quote, s)
	}
	if inWord {
		words = append(words, cur.String())
		spans = append(spans, [2]int{start, len(rs)})
	}
	return words, spans, nil
}

func unquote(s string) string {
	if len(s) >= 2 && (s[0] == '"' || s[0] == '\'') && s[len(s)-1] == s[0] {
		if s[0] == '"' {
			if u, err := strconv.Unquote(s); err == nil {
				return u
			}
		}
		return s[1 : len(s)-1]
	}
	return s
}

// parseKV parses "k=v k2='v 2' rest" into args. For free-form modules
// (command, shell) the k=v words naming a known parameter are taken out
// and the rest is kept verbatim — newlines, spacing and quotes included —
// as _raw_params, so a multi-line `shell: |` script runs as written.
func parseKV(s string, freeForm bool, isParam func(string) bool) (map[string]any, error) {
	words, spans, err := splitArgSpans(s)
	if err != nil {
		return nil, err
	}
	args := map[string]any{}
	var raw []string
	rs := []rune(s)
	var kept []rune
	last := 0
	for i, w := range words {
		k, v, ok := strings.Cut(w, "=")
		if ok && isIdent(k) && (!freeForm || isParam(k)) {
			args[k] = unquote(v)
			kept = append(kept, rs[last:spans[i][0]]...)
			last = spans[i][1]
			continue
		}
		raw = append(raw, w)
	}
	if len(raw) > 0 {
		if !freeForm {
			return nil, fmt.Errorf("expected key=value arguments, got %q", strings.Join(raw, " "))
		}
		kept = append(kept, rs[last:]...)
		args["_raw_params"] = strings.TrimSpace(string(kept))
	}
	return args, nil
}

func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}
