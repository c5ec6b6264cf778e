package inventory

import (
	"path/filepath"
	"sort"
)

// HostVars merges a host's inventory variables with Ansible's precedence
// (ansible-core 2.14, default VARIABLE_PRECEDENCE), lowest first:
//
//  1. inventory_file / inventory_dir of the source that defined the host
//  2. inline vars of group all ([all:vars], all: vars:)
//  3. inline vars of the host's other groups, sorted by depth, then
//     ansible_group_priority, then name (children override parents)
//  4. group_vars/all beside each inventory source, in source order
//  5. group_vars/all beside the playbook (AddVarsDirs)
//  6. group_vars/<group> beside each inventory source: for each source in
//     order, its files for the groups sorted as in 3
//  7. group_vars/<group> beside the playbook, same order
//  8. the host's inline vars
//  9. host_vars/<host> beside each inventory source, in source order
//  10. host_vars/<host> beside the playbook
//
// So every group_vars file beats every inline group var, and a host var
// of any kind beats every group var. Top-level keys replace (Ansible's
// default hash_behaviour). The result is a fresh deep copy; unknown hosts
// give nil. Magic variables (inventory_hostname, groups, group_names...)
// are the engine's to add.
func (inv *Inventory) HostVars(name string) map[string]any {
	inv.mu.RLock()
	defer inv.mu.RUnlock()
	h, ok := inv.lookupHost(name)
	if !ok {
		return nil
	}
	out := map[string]any{}
	if !h.Implicit && h.Pos.File != "" && h.Pos.Line > 0 {
		if abs, err := filepath.Abs(h.Pos.File); err == nil {
			out["inventory_file"] = abs
			out["inventory_dir"] = filepath.Dir(abs)
		}
	}
	groups := inv.sortedGroups(h)
	put := func(m map[string]any) {
		for k, v := range m {
			out[k] = v
		}
	}
	put(inv.groups["all"].inline)
	for _, g := range groups {
		put(inv.groups[g].inline)
	}
	for _, dirs := range [][]*varsDir{inv.invDirs, inv.playDirs} {
		for _, d := range dirs {
			put(d.vars(groupKind, "all"))
		}
	}
	for _, dirs := range [][]*varsDir{inv.invDirs, inv.playDirs} {
		for _, d := range dirs {
			for _, g := range groups {
				put(d.vars(groupKind, g))
			}
		}
	}
	put(h.inline)
	for _, dirs := range [][]*varsDir{inv.invDirs, inv.playDirs} {
		for _, d := range dirs {
			put(d.vars(hostKind, h.Name))
		}
	}
	return deepCopy(out).(map[string]any)
}

// memberOf returns every group a host is in, transitively, without all.
// A host in no explicit group is in ungrouped.
func (inv *Inventory) memberOf(h *Host) map[string]bool {
	set := map[string]bool{}
	if h.Implicit {
		return set
	}
	if len(h.Groups) == 0 {
		set["ungrouped"] = true
	}
	var walk func(string)
	walk = func(g string) {
		if g == "all" || set[g] {
			return
		}
		set[g] = true
		for _, p := range inv.groups[g].parents {
			walk(p)
		}
	}
	for _, g := range h.Groups {
		walk(g)
	}
	return set
}

// sortedGroups orders a host's groups (without all) as Ansible's
// sort_groups: depth, then priority, then name.
func (inv *Inventory) sortedGroups(h *Host) []string {
	depth := map[string]int{}
	names := sortedKeys(inv.memberOf(h))
	for _, g := range names {
		depth[g] = inv.depth(g, map[string]bool{})
	}
	sort.SliceStable(names, func(i, j int) bool {
		a, b := names[i], names[j]
		if depth[a] != depth[b] {
			return depth[a] < depth[b]
		}
		if pa, pb := inv.groups[a].priority, inv.groups[b].priority; pa != pb {
			return pa < pb
		}
		return a < b
	})
	return names
}

// depth is the longest path from all down to g (all is 0, its direct
// children 1), as Ansible's Group.depth.
func (inv *Inventory) depth(g string, seen map[string]bool) int {
	if g == "all" || seen[g] {
		return 0
	}
	seen[g] = true
	defer delete(seen, g)
	d := 1
	for _, p := range inv.groups[g].parents {
		d = max(d, inv.depth(p, seen)+1)
	}
	return d
}

// GroupNames is Ansible's group_names: every group the host is in,
// transitively, sorted, without all. As in ansible-core, a host in no
// group gets ["ungrouped"].
func (inv *Inventory) GroupNames(host string) []string {
	inv.mu.RLock()
	defer inv.mu.RUnlock()
	h, ok := inv.lookupHost(host)
	if !ok {
		return nil
	}
	return sortedKeys(inv.memberOf(h))
}

// GroupsMap is Ansible's groups magic variable: every group, all and
// ungrouped included, to the hosts in it (transitively), in inventory order.
// Groups without hosts map to an empty list.
func (inv *Inventory) GroupsMap() map[string][]string {
	inv.mu.RLock()
	defer inv.mu.RUnlock()
	out := make(map[string][]string, len(inv.groups))
	for _, g := range inv.gorder {
		out[g] = []string{}
	}
	for _, h := range inv.hosts {
		out["all"] = append(out["all"], h.Name)
		for g := range inv.memberOf(h) {
			out[g] = append(out[g], h.Name)
		}
	}
	return out
}

// deepCopy copies maps and lists so callers can't reach inventory state.
func deepCopy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = deepCopy(e)
		}
		return m
	case []any:
		l := make([]any, len(x))
		for i, e := range x {
			l[i] = deepCopy(e)
		}
		return l
	}
	return v
}
