// Package libvirt is play's `libvirt` dynamic inventory source: the domains
// of a libvirt hypervisor become hosts, with ansible_host resolved from the
// hypervisor's DHCP leases, the guest agent or its ARP table.
//
// Importing the package registers the source:
//
//	import _ "github.com/playbook/play/inventory/libvirt"
package libvirt

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/playbook/play/engine/diag"
	"github.com/playbook/play/inventory"
	"github.com/playbook/play/modules/libvirtx"
)

func init() { inventory.RegisterSource("libvirt", newSource) }

// DefaultNamePattern turns galera1, galera-2 and web_03 into galera and
// web: the name without its trailing number (and the -/_ before it).
const DefaultNamePattern = `^(.*[^0-9_-])[-_]?[0-9]+$`

// config is a `plugin: libvirt` file.
type config struct {
	path        string
	uri         string
	nameFilter  *regexp.Regexp
	states      map[string]bool
	nameGroups  *regexp.Regexp // nil: no groups from names
	probePort   int            // 0: never probe
	strict      bool
	compose     []kv
	groups      []kv
	keyedGroups []keyedGroup
}

type kv struct{ name, expr string }

// keyedGroup is one keyed_groups entry, as Ansible's constructed reads it.
type keyedGroup struct {
	key, prefix, separator, parent, defaultValue string
	hasDefault, leadingSep, trailingSep          bool
}

var knownKeys = []string{"plugin", "uri", "name_filter", "states", "name_groups", "name_group_pattern",
	"probe_port", "strict", "compose", "groups", "keyed_groups"}

var stateNames = libvirtx.StateNames

func newSource(path string, raw map[string]any) (inventory.Source, error) {
	c, err := parseConfig(path, raw)
	if err != nil {
		return nil, err
	}
	return &source{cfg: c}, nil
}

func parseConfig(path string, raw map[string]any) (*config, error) {
	c := &config{path: path, uri: libvirtx.DefaultURI, probePort: 22}
	var errs []string
	bad := func(f string, a ...any) { errs = append(errs, fmt.Sprintf(f, a...)) }
	for _, k := range sortedKeys(raw) {
		if !contains(knownKeys, k) {
			msg := fmt.Sprintf("unknown key '%s' in a libvirt inventory", k)
			if h := diag.DidYouMean(k, knownKeys); h != "" {
				msg += "; " + h
			}
			errs = append(errs, msg)
		}
	}
	if v, ok := raw["uri"]; ok {
		c.uri = fmt.Sprint(v)
	}
	if v, ok := raw["name_filter"]; ok {
		re, err := regexp.Compile(fmt.Sprint(v))
		if err != nil {
			bad("name_filter: %v", err)
		}
		c.nameFilter = re
	}
	if v, ok := raw["states"]; ok {
		c.states = map[string]bool{}
		for _, s := range asStrings(v) {
			if !contains(stateNames, s) {
				msg := fmt.Sprintf("states: unknown domain state '%s' (one of %s)", s, strings.Join(stateNames, ", "))
				if h := diag.DidYouMean(s, stateNames); h != "" {
					msg += "; " + h
				}
				errs = append(errs, msg)
			}
			c.states[s] = true
		}
	}
	pattern := DefaultNamePattern
	if v, ok := raw["name_group_pattern"]; ok {
		pattern = fmt.Sprint(v)
	}
	if on, ok := raw["name_groups"].(bool); !ok || on {
		re, err := regexp.Compile(pattern)
		switch {
		case err != nil:
			bad("name_group_pattern: %v", err)
		case re.NumSubexp() < 1:
			bad("name_group_pattern %q needs a capture group: the group name is what it captures", pattern)
		default:
			c.nameGroups = re
		}
	}
	if v, ok := raw["probe_port"]; ok {
		n, ok := v.(int)
		if !ok || n < 0 || n > 65535 {
			bad("probe_port must be a port number (0 disables the probe), found %v", v)
		}
		c.probePort = n
	}
	if v, ok := raw["strict"]; ok {
		b, ok := v.(bool)
		if !ok {
			bad("strict must be true or false, found %v", v)
		}
		c.strict = b
	}
	for _, sect := range []struct {
		key string
		dst *[]kv
	}{{"compose", &c.compose}, {"groups", &c.groups}} {
		v, ok := raw[sect.key]
		if !ok || v == nil {
			continue
		}
		m, ok := v.(map[string]any)
		if !ok {
			bad("%s must be a mapping of name: expression", sect.key)
			continue
		}
		for _, k := range sortedKeys(m) {
			*sect.dst = append(*sect.dst, kv{k, fmt.Sprint(m[k])})
		}
	}
	if v, ok := raw["keyed_groups"]; ok && v != nil {
		list, ok := v.([]any)
		if !ok {
			bad("keyed_groups must be a list of {key, prefix, separator, ...}")
		}
		for i, it := range list {
			kg, err := parseKeyed(it)
			if err != nil {
				bad("keyed_groups[%d]: %v", i, err)
				continue
			}
			c.keyedGroups = append(c.keyedGroups, kg)
		}
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("%s", strings.Join(errs, "; "))
	}
	return c, nil
}

func parseKeyed(it any) (keyedGroup, error) {
	m, ok := it.(map[string]any)
	if !ok {
		return keyedGroup{}, fmt.Errorf("expected a mapping")
	}
	kg := keyedGroup{separator: "_", leadingSep: true, trailingSep: true}
	known := []string{"key", "prefix", "separator", "parent_group", "default_value", "leading_separator", "trailing_separator"}
	for _, k := range sortedKeys(m) {
		v := m[k]
		switch k {
		case "key":
			kg.key = fmt.Sprint(v)
		case "prefix":
			kg.prefix = fmt.Sprint(v)
		case "separator":
			kg.separator = fmt.Sprint(v)
		case "parent_group":
			kg.parent = fmt.Sprint(v)
		case "default_value":
			kg.defaultValue, kg.hasDefault = fmt.Sprint(v), true
		case "leading_separator":
			kg.leadingSep, _ = v.(bool)
		case "trailing_separator":
			kg.trailingSep, _ = v.(bool)
		default:
			msg := fmt.Sprintf("unknown key '%s'", k)
			if h := diag.DidYouMean(k, known); h != "" {
				msg += "; " + h
			}
			return kg, fmt.Errorf("%s", msg)
		}
	}
	if kg.key == "" {
		return kg, fmt.Errorf("key is required (an expression over the host's variables)")
	}
	return kg, nil
}

func asStrings(v any) []string {
	switch x := v.(type) {
	case []any:
		var out []string
		for _, e := range x {
			out = append(out, fmt.Sprint(e))
		}
		return out
	case string:
		var out []string
		for _, s := range strings.Split(x, ",") {
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, s)
			}
		}
		return out
	}
	return []string{fmt.Sprint(v)}
}

func contains(l []string, s string) bool {
	for _, e := range l {
		if e == s {
			return true
		}
	}
	return false
}

func sortedKeys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
