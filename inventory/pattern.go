package inventory

import (
	"fmt"
	"github.com/playbook/play/engine/yamlx"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/playbook/play/engine/diag"
)

// localNames are the names Ansible answers with an implicit localhost when
// the inventory does not define them (C.LOCALHOST).
var localNames = []string{"localhost", "127.0.0.1", "::1"}

// splitPattern is Ansible's split_host_pattern: with a comma anywhere the
// pattern is a comma list; otherwise ':' separates terms except inside
// [...] and in IPv6 addresses.
func splitPattern(pattern string) []string {
	var parts []string
	switch {
	case strings.Contains(pattern, ","):
		parts = strings.Split(pattern, ",")
	case isIPv6(pattern):
		parts = []string{pattern}
	default:
		var cur strings.Builder
		depth := 0
		for _, c := range pattern {
			switch {
			case c == '[':
				depth++
			case c == ']' && depth > 0:
				depth--
			case depth == 0 && (c == ':' || c == ' ' || c == '\t'):
				parts = append(parts, cur.String())
				cur.Reset()
				continue
			}
			cur.WriteRune(c)
		}
		parts = append(parts, cur.String())
	}
	out := parts[:0]
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

var ipv6Re = regexp.MustCompile(`^[0-9A-Fa-f]*:[0-9A-Fa-f:]*:[0-9A-Fa-f.]*$`)

func isIPv6(s string) bool { return ipv6Re.MatchString(s) }

// orderTerms puts plain terms first, then &intersections, then !exclusions,
// so `!a:b` means "b without a" whatever the order, as in Ansible. With no
// plain term the base is all.
func orderTerms(terms []string) []string {
	var plain, and, not []string
	for _, t := range terms {
		switch t[0] {
		case '!':
			not = append(not, t)
		case '&':
			and = append(and, t)
		default:
			plain = append(plain, t)
		}
	}
	if len(plain) == 0 {
		plain = []string{"all"}
	}
	return append(append(plain, and...), not...)
}

// Select returns the hosts a pattern names, restricted by Limit, in
// inventory (definition) order. Patterns: all, *, a host, a group, globs
// (web*, *-1), regex (~^gal.*), unions (a:b, a,b), intersections (a:&b),
// exclusions (a:!b), subscripts (galera[0], galera[0:1], galera[-1]). A
// plain name that is neither a host nor a group is an error with a "did
// you mean"; a glob or regex that matches nothing just selects nothing.
func (inv *Inventory) Select(pattern string) ([]*Host, error) {
	inv.mu.Lock() // may create the implicit localhost
	defer inv.mu.Unlock()
	hosts, err := inv.evaluate(splitPattern(pattern))
	if err != nil {
		return nil, err
	}
	if inv.limit != nil {
		allowed, err := inv.evaluate(inv.limit)
		if err != nil {
			return nil, err
		}
		keep := map[*Host]bool{}
		for _, h := range allowed {
			keep[h] = true
		}
		out := hosts[:0]
		for _, h := range hosts {
			if keep[h] {
				out = append(out, h)
			}
		}
		hosts = out
	}
	return hosts, nil
}

// evaluate applies the terms: union of plain ones, then & and !.
func (inv *Inventory) evaluate(terms []string) ([]*Host, error) {
	set := map[*Host]bool{}
	var errs diag.List
	for _, t := range orderTerms(terms) {
		bare := strings.TrimLeft(t[:1], "&!") + t[1:]
		if bare == "" {
			continue
		}
		matched, err := inv.matchTerm(bare)
		if err != nil {
			errs.Add(asDiag(err))
			continue
		}
		switch t[0] {
		case '!':
			for _, h := range matched {
				delete(set, h)
			}
		case '&':
			in := map[*Host]bool{}
			for _, h := range matched {
				in[h] = true
			}
			for h := range set {
				if !in[h] {
					delete(set, h)
				}
			}
		default:
			for _, h := range matched {
				set[h] = true
			}
		}
	}
	if len(errs) > 0 {
		return nil, errs
	}
	out := make([]*Host, 0, len(set))
	for h := range set {
		out = append(out, h)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].order < out[j].order })
	return out, nil
}

// subscriptRe is Ansible's PATTERN_WITH_SUBSCRIPT: name[3], name[-1],
// name[1:3] (inclusive), name[1:] (to the end).
var subscriptRe = regexp.MustCompile(`^(.+)\[(?:(-?[0-9]+)|([0-9]+)([:-])([0-9]*))\]$`)

// matchTerm resolves one term (without its & or ! prefix).
func (inv *Inventory) matchTerm(term string) ([]*Host, error) {
	if h, ok := inv.byName[term]; ok {
		return []*Host{h}, nil
	}
	expr := term
	var sub []string
	if term[0] != '~' {
		if m := subscriptRe.FindStringSubmatch(term); m != nil {
			expr, sub = m[1], m[2:]
		}
	}
	hosts, err := inv.enumerate(expr)
	if err != nil {
		return nil, err
	}
	if sub != nil && len(hosts) > 0 {
		if sub[0] != "" {
			i, _ := strconv.Atoi(sub[0])
			if i < 0 {
				i += len(hosts)
			}
			if i < 0 || i >= len(hosts) {
				return nil, diag.Errorf(diag.Pos{}, "no hosts matched the subscripted pattern '%s' (%s has %d hosts)", term, expr, len(hosts))
			}
			return hosts[i : i+1], nil
		}
		start, _ := strconv.Atoi(sub[1])
		end := len(hosts) - 1
		if sub[3] != "" {
			end, _ = strconv.Atoi(sub[3])
		}
		if start >= len(hosts) || end < start {
			return []*Host{}, nil
		}
		return hosts[start:min(end+1, len(hosts))], nil
	}
	return hosts, nil
}

// enumerate is Ansible's _enumerate_matches: groups whose name matches,
// plus hosts whose name matches when no group did or the pattern is a
// regex or glob.
func (inv *Inventory) enumerate(expr string) ([]*Host, error) {
	re, err := compileTerm(expr)
	if err != nil {
		return nil, err
	}
	set := map[*Host]bool{}
	var groups []string
	for _, g := range inv.gorder {
		if re.MatchString(g) {
			groups = append(groups, g)
		}
	}
	if len(groups) > 0 {
		members := map[string]bool{}
		for _, g := range groups {
			members[g] = true
		}
		for _, h := range inv.hosts {
			if members["all"] {
				set[h] = true
				continue
			}
			for g := range inv.memberOf(h) {
				if members[g] {
					set[h] = true
					break
				}
			}
		}
	}
	special := expr[0] == '~' || strings.ContainsAny(expr, ".?*[")
	if len(groups) == 0 || special {
		for _, h := range inv.hosts {
			if re.MatchString(h.Name) {
				set[h] = true
			}
		}
	}
	if len(set) == 0 && len(groups) == 0 {
		if hasString(localNames, expr) {
			return []*Host{inv.implicitLocalhost(expr)}, nil
		}
		if expr[0] != '~' && !strings.ContainsAny(expr, "?*[") {
			d := diag.Errorf(diag.Pos{}, "no host or group named '%s' in the inventory", expr)
			d.Hint = diag.DidYouMean(expr, inv.names())
			return nil, d
		}
	}
	out := make([]*Host, 0, len(set))
	for h := range set {
		out = append(out, h)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].order < out[j].order })
	return out, nil
}

func (inv *Inventory) names() []string {
	out := append([]string(nil), inv.gorder...)
	for _, h := range inv.hosts {
		out = append(out, h.Name)
	}
	return out
}

// implicitLocalhost creates, once, the localhost Ansible provides when the
// inventory has none: ansible_connection=local, in no group.
func (inv *Inventory) implicitLocalhost(name string) *Host {
	if inv.implicit == nil {
		inv.implicit = &Host{Name: name, Implicit: true, order: -1,
			inline: map[string]any{"ansible_connection": "local"}}
		inv.implicit.Vars = map[string]any{"ansible_connection": "local"}
	}
	return inv.implicit
}

// compileTerm turns a term into an anchored regexp: ~regex is matched from
// the start (Python's re.match), anything else is a shell glob that must
// match the whole name (fnmatch: * ? [seq] [!seq]), case-sensitively.
func compileTerm(expr string) (*regexp.Regexp, error) {
	if expr[0] == '~' {
		re, err := regexp.Compile("^(?:" + expr[1:] + ")")
		if err != nil {
			return nil, diag.Errorf(diag.Pos{}, "invalid host list pattern '%s': %v", expr, err)
		}
		return re, nil
	}
	var b strings.Builder
	b.WriteString("^(?:")
	for i := 0; i < len(expr); i++ {
		switch c := expr[i]; c {
		case '*':
			b.WriteString(".*")
		case '?':
			b.WriteString(".")
		case '[':
			// As Python's fnmatch.translate: a leading '!' negates, a ']'
			// right after the opening (or the '!') is literal, and an
			// unclosed '[' matches itself.
			j := i + 1
			if j < len(expr) && expr[j] == '!' {
				j++
			}
			if j < len(expr) && expr[j] == ']' {
				j++
			}
			for j < len(expr) && expr[j] != ']' {
				j++
			}
			if j >= len(expr) {
				b.WriteString(`\[`)
				continue
			}
			set := strings.NewReplacer(`\`, `\\`, `[`, `\[`).Replace(expr[i+1 : j])
			switch {
			case strings.HasPrefix(set, "!"):
				set = "^" + set[1:]
			case strings.HasPrefix(set, "^"):
				set = `\` + set
			}
			b.WriteString("[" + set + "]")
			i = j
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	b.WriteString(")$")
	re, err := regexp.Compile(b.String())
	if err != nil {
		return nil, diag.Errorf(diag.Pos{}, "invalid host list pattern '%s': %v", expr, err)
	}
	return re, nil
}

// Limit restricts every later Select to the hosts this pattern names, as
// --limit does. "@file" terms read one host or pattern per line. An empty
// pattern removes the limit. Names that match nothing are errors.
func (inv *Inventory) Limit(pattern string) error {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	if strings.TrimSpace(pattern) == "" {
		inv.limit = nil
		return nil
	}
	var terms []string
	for _, t := range splitPattern(pattern) {
		file, ok := strings.CutPrefix(t, "@")
		if !ok {
			terms = append(terms, t)
			continue
		}
		data, err := os.ReadFile(file)
		if err != nil {
			return diag.Errorf(diag.Pos{File: file}, "cannot read limit file: %v", yamlx.UnwrapPathErr(err))
		}
		for _, line := range strings.Split(string(data), "\n") {
			if line = strings.TrimSpace(line); line != "" {
				terms = append(terms, line)
			}
		}
	}
	if len(terms) == 0 {
		return fmt.Errorf("limit %q names no hosts", pattern)
	}
	if _, err := inv.evaluate(terms); err != nil {
		return err
	}
	inv.limit = terms
	return nil
}
