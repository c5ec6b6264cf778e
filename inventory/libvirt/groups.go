package libvirt

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/playbook/play/engine/template"
)

type hostGroups struct {
	names   []string
	parents [][2]string // parent_group links of keyed groups
}

// groupsFor sets the compose vars on vars and returns the host's groups:
// the one its name gives, then the conditional groups, then the keyed
// groups (Ansible's constructed order, so groups see composed vars).
func (s *source) groupsFor(tmpl *template.Engine, name string, vars map[string]any) (hostGroups, error) {
	var out hostGroups
	env := func() map[string]any {
		m := make(map[string]any, len(vars)+1)
		for k, v := range vars {
			m[k] = v
		}
		m["inventory_hostname"] = name
		return m
	}
	for _, c := range s.cfg.compose {
		v, err := tmpl.Eval(c.expr, env())
		if err != nil {
			if s.cfg.strict {
				return out, fmt.Errorf("host %s: compose %s: %v", name, c.name, err)
			}
			continue
		}
		vars[c.name] = v
	}
	add := func(g string) {
		if g != "" && !contains(out.names, g) {
			out.names = append(out.names, g)
		}
	}
	add(NameGroup(s.cfg.nameGroups, name))
	for _, g := range s.cfg.groups {
		ok, err := tmpl.EvalBool(g.expr, env())
		if err != nil {
			if s.cfg.strict {
				return out, fmt.Errorf("host %s: groups %s: %v", name, g.name, err)
			}
			continue
		}
		if ok {
			add(sanitize(g.name))
		}
	}
	for _, kg := range s.cfg.keyedGroups {
		v, err := tmpl.Eval(kg.key, env())
		if err != nil {
			if s.cfg.strict {
				return out, fmt.Errorf("host %s: keyed_groups key %s: %v", name, kg.key, err)
			}
			continue
		}
		for _, g := range kg.names(v) {
			add(g)
			if kg.parent != "" {
				out.parents = append(out.parents, [2]string{sanitize(kg.parent), g})
			}
		}
	}
	return out, nil
}

// NameGroup is the group a domain name implies: the pattern's first
// capture (galera1 -> galera), or "" when the name does not match or the
// grouping is off (re nil).
func NameGroup(re *regexp.Regexp, name string) string {
	if re == nil {
		return ""
	}
	m := re.FindStringSubmatch(name)
	if m == nil || m[1] == "" || m[1] == name {
		return ""
	}
	return sanitize(m[1])
}

// names applies Ansible's keyed_groups rules to a key's value: a string
// is one group, a list one per item, a dict one per key/value pair.
func (kg keyedGroup) names(v any) []string {
	var raw []string
	switch x := v.(type) {
	case nil:
	case []any:
		for _, e := range x {
			raw = append(raw, fmt.Sprint(e))
		}
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			val := fmt.Sprint(x[k])
			if x[k] == nil || val == "" {
				if !kg.hasDefault {
					if kg.trailingSep {
						raw = append(raw, k+kg.separator)
					} else {
						raw = append(raw, k)
					}
					continue
				}
				val = kg.defaultValue
			}
			raw = append(raw, k+kg.separator+val)
		}
	default:
		s := fmt.Sprint(x)
		if s == "" {
			if !kg.hasDefault {
				return nil
			}
			s = kg.defaultValue
		}
		raw = append(raw, s)
	}
	var out []string
	for _, r := range raw {
		sep := kg.separator
		if kg.prefix == "" && !kg.leadingSep {
			sep = ""
		}
		out = append(out, sanitize(kg.prefix+sep+r))
	}
	return out
}

var badGroupChars = regexp.MustCompile(`[^A-Za-z0-9_]`)

// sanitize makes a valid group name as Ansible's default
// TRANSFORM_INVALID_GROUP_CHARS does for constructed groups.
func sanitize(s string) string {
	return badGroupChars.ReplaceAllString(strings.TrimSpace(s), "_")
}
