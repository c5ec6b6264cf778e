package inventory

import (
	"github.com/playbook/play/engine/diag"
	"github.com/playbook/play/engine/yamlx"
	"gopkg.in/yaml.v3"
)

var groupSections = []string{"vars", "children", "hosts"}

// parseYAMLInventory reads Ansible's YAML inventory format: top-level keys
// are groups (usually just all), each a mapping of hosts, vars and
// children. Like Ansible it only warns about keys it does not know.
func (inv *Inventory) parseYAMLInventory(path string, root *yaml.Node, errs *diag.List) {
	if yamlx.IsNull(root) {
		return
	}
	if root.Kind != yaml.MappingNode {
		errs.Addf(yamlx.Pos(path, root), "YAML inventory must be a mapping of groups, found %s", yamlx.KindName(root))
		return
	}
	for _, kv := range yamlx.Pairs(root) {
		inv.yamlGroup(path, kv[0], kv[1], errs)
	}
}

// yamlGroup parses one group; it reports false when the value was not a
// group definition at all.
func (inv *Inventory) yamlGroup(path string, key, val *yaml.Node, errs *diag.List) bool {
	name := key.Value
	if !yamlx.IsNull(val) && val.Kind != yaml.MappingNode {
		inv.warn(yamlx.Pos(path, val), "a group is a mapping with hosts, vars and children",
			"skipping '%s' as this is not a valid group definition (found %s)", name, yamlx.KindName(val))
		return false
	}
	inv.group(name, yamlx.Pos(path, key))
	if yamlx.IsNull(val) {
		return true
	}
	for _, kv := range yamlx.Pairs(val) {
		k, v := kv[0], kv[1]
		if !hasString(groupSections, k.Value) {
			inv.warn(yamlx.Pos(path, k), diag.DidYouMean(k.Value, groupSections),
				"skipping unexpected key (%s) in group (%s), only \"vars\", \"children\" and \"hosts\" are valid", k.Value, name)
			continue
		}
		if yamlx.IsNull(v) {
			continue
		}
		// A bare string is allowed and means a single entry with no value.
		entries := [][2]*yaml.Node{{v, nil}}
		switch v.Kind {
		case yaml.MappingNode:
			entries = yamlx.Pairs(v)
		case yaml.ScalarNode:
		default:
			errs.Addf(yamlx.Pos(path, v), "invalid \"%s\" entry for \"%s\" group, requires a dictionary, found %s instead", k.Value, name, yamlx.KindName(v))
			continue
		}
		switch k.Value {
		case "vars":
			g := inv.groups[name]
			for _, e := range entries {
				g.setVar(e[0].Value, yamlx.Value(e[1]))
			}
		case "children":
			for _, e := range entries {
				if inv.yamlGroup(path, e[0], e[1], errs) {
					if d := inv.addChild(name, e[0].Value, yamlx.Pos(path, e[0])); d != nil {
						errs.Add(d)
					}
				}
			}
		case "hosts":
			for _, e := range entries {
				inv.yamlHost(path, name, e[0], e[1], errs)
			}
		}
	}
	return true
}

func (inv *Inventory) yamlHost(path, group string, key, val *yaml.Node, errs *diag.List) {
	pos := yamlx.Pos(path, key)
	vars, d := yamlx.ToMap(path, val, "host '"+key.Value+"' vars")
	if d != nil {
		errs.Add(d)
		return
	}
	names, port, err := expandHostPattern(key.Value)
	if err != nil {
		errs.Add(diag.Errorf(pos, "%v", err))
		return
	}
	keys := sortedKeys(vars)
	for _, n := range names {
		h := inv.host(n, group, pos)
		if port != 0 {
			h.inline["ansible_port"] = port
		}
		for _, k := range keys {
			// Each host gets its own copy: hosts from one range must not share maps.
			h.inline[k] = deepCopy(vars[k])
		}
	}
}
