// Package inventory reads Ansible-compatible inventories (INI, YAML,
// directories, "h1,h2," lists, dynamic sources), answers host patterns and
// merges inventory variables with Ansible's precedence. docs/inventory.md
// describes the formats and the exact precedence implemented.
package inventory

import (
	"sort"
	"sync"

	"github.com/playbook/play/engine/diag"
)

// Host is one inventory host.
type Host struct {
	Name string
	// Vars are the host's own vars: inline ones from inventory sources
	// merged with host_vars files beside the inventory (not the playbook's).
	Vars map[string]any
	// Groups the host is directly in, in the order it was added to them;
	// the implicit all and ungrouped are left out.
	Groups []string
	Pos    diag.Pos // where it was first defined
	// Implicit marks the localhost Ansible creates when a pattern names
	// localhost and the inventory does not: it is in no group and not in
	// Hosts(), and has ansible_connection=local.
	Implicit bool

	inline map[string]any
	order  int
}

// Group is one inventory group. Vars are inline group vars merged with the
// inventory's group_vars files; Hosts and Children are direct members, in
// definition order. For all, Hosts is every host and Children the top-level
// groups; ungrouped holds the hosts that are in no other group.
type Group struct {
	Name     string
	Vars     map[string]any
	Hosts    []string
	Children []string
	Pos      diag.Pos

	inline   map[string]any
	parents  []string
	priority int // ansible_group_priority: orders groups of equal depth
}

// Inventory is the merged result of all sources. It is safe for concurrent
// use; the *Host and *Group values it hands out must be treated as
// read-only.
type Inventory struct {
	mu       sync.RWMutex
	hosts    []*Host
	byName   map[string]*Host
	groups   map[string]*Group
	gorder   []string
	invDirs  []*varsDir // group_vars/host_vars beside inventory sources
	playDirs []*varsDir // group_vars/host_vars beside playbooks
	limit    []string   // --limit terms; nil when unrestricted
	implicit *Host
	warnings []*diag.Diagnostic
	sources  []string
}

// New returns an empty inventory holding just the all and ungrouped groups.
func New() *Inventory {
	inv := &Inventory{byName: map[string]*Host{}, groups: map[string]*Group{}}
	inv.group("all", diag.Pos{})
	inv.group("ungrouped", diag.Pos{})
	inv.reconcile()
	return inv
}

// group returns the named group, creating it (at pos) if needed.
func (inv *Inventory) group(name string, pos diag.Pos) *Group {
	if g, ok := inv.groups[name]; ok {
		return g
	}
	g := &Group{Name: name, Pos: pos, inline: map[string]any{}, Vars: map[string]any{}}
	inv.groups[name] = g
	inv.gorder = append(inv.gorder, name)
	return g
}

// host returns the named host, creating it (at pos) if needed, and adds it
// to group (all and ungrouped are implicit and not recorded).
func (inv *Inventory) host(name, group string, pos diag.Pos) *Host {
	h, ok := inv.byName[name]
	if !ok {
		h = &Host{Name: name, Pos: pos, inline: map[string]any{}, Vars: map[string]any{}, order: len(inv.hosts)}
		inv.byName[name] = h
		inv.hosts = append(inv.hosts, h)
	}
	if group == "" || group == "all" || group == "ungrouped" {
		return h
	}
	g := inv.group(group, pos)
	for _, have := range h.Groups {
		if have == group {
			return h
		}
	}
	h.Groups = append(h.Groups, group)
	g.Hosts = append(g.Hosts, name)
	return h
}

// setVar sets an inline group variable. ansible_group_priority is
// consumed as the group's priority, as Ansible does.
func (g *Group) setVar(k string, v any) {
	if k == "ansible_group_priority" {
		switch n := v.(type) {
		case int:
			g.priority = n
			return
		case float64:
			g.priority = int(n)
			return
		case string:
			if i, ok := atoiOK(n); ok {
				g.priority = i
				return
			}
		}
	}
	g.inline[k] = v
}

// addChild links child under parent. It refuses a link that would make a
// group its own ancestor.
func (inv *Inventory) addChild(parent, child string, pos diag.Pos) *diag.Diagnostic {
	p, c := inv.group(parent, pos), inv.group(child, pos)
	if parent == child || inv.isAncestor(child, parent) {
		return diag.Errorf(pos, "adding group '%s' as child to '%s' creates a recursive dependency loop", child, parent)
	}
	if hasString(c.parents, parent) {
		return nil
	}
	// all's Children are recomputed by reconcile.
	if parent != "all" {
		p.Children = append(p.Children, child)
	}
	c.parents = append(c.parents, parent)
	return nil
}

// isAncestor reports whether a is an explicit ancestor of g.
func (inv *Inventory) isAncestor(a, g string) bool {
	seen := map[string]bool{}
	var walk func(string) bool
	walk = func(n string) bool {
		if seen[n] {
			return false
		}
		seen[n] = true
		for _, p := range inv.groups[n].parents {
			if p == a || walk(p) {
				return true
			}
		}
		return false
	}
	return inv.groups[g] != nil && walk(g)
}

// reconcile recomputes what is derived: the implicit all/ungrouped
// membership and the merged Vars fields. Callers hold the write lock.
func (inv *Inventory) reconcile() {
	all, ung := inv.groups["all"], inv.groups["ungrouped"]
	all.Hosts, all.Children, ung.Hosts = []string{}, []string{}, []string{}
	for _, name := range inv.gorder {
		// Groups nobody adopted hang under all, as Ansible's reconcile does.
		ps := inv.groups[name].parents
		if name != "all" && (len(ps) == 0 || hasString(ps, "all")) {
			all.Children = append(all.Children, name)
		}
	}
	for _, h := range inv.hosts {
		all.Hosts = append(all.Hosts, h.Name)
		if len(h.Groups) == 0 {
			ung.Hosts = append(ung.Hosts, h.Name)
		}
		h.Vars = mergeMaps(h.inline, inv.dirVars(inv.invDirs, hostKind, h.Name))
	}
	for _, g := range inv.groups {
		g.Vars = mergeMaps(g.inline, inv.dirVars(inv.invDirs, groupKind, g.Name))
	}
}

// Host returns the named host. The implicit localhost is returned once a
// pattern has created it.
func (inv *Inventory) Host(name string) (*Host, bool) {
	inv.mu.RLock()
	defer inv.mu.RUnlock()
	h, ok := inv.lookupHost(name)
	return h, ok
}

func (inv *Inventory) lookupHost(name string) (*Host, bool) {
	if h, ok := inv.byName[name]; ok {
		return h, true
	}
	if inv.implicit != nil && inv.implicit.Name == name {
		return inv.implicit, true
	}
	return nil, false
}

// Hosts returns every host in definition order.
func (inv *Inventory) Hosts() []*Host {
	inv.mu.RLock()
	defer inv.mu.RUnlock()
	return append([]*Host(nil), inv.hosts...)
}

// Group returns the named group.
func (inv *Inventory) Group(name string) (*Group, bool) {
	inv.mu.RLock()
	defer inv.mu.RUnlock()
	g, ok := inv.groups[name]
	return g, ok
}

// Groups returns every group in definition order, all and ungrouped first.
func (inv *Inventory) Groups() []*Group {
	inv.mu.RLock()
	defer inv.mu.RUnlock()
	out := make([]*Group, 0, len(inv.gorder))
	for _, n := range inv.gorder {
		out = append(out, inv.groups[n])
	}
	return out
}

// Warnings returns what Ansible would only warn about (unknown keys in YAML
// groups, files skipped in inventory directories...), with positions.
func (inv *Inventory) Warnings() []*diag.Diagnostic {
	inv.mu.RLock()
	defer inv.mu.RUnlock()
	return append([]*diag.Diagnostic(nil), inv.warnings...)
}

// Sources returns the inventory sources loaded so far, in order.
func (inv *Inventory) Sources() []string {
	inv.mu.RLock()
	defer inv.mu.RUnlock()
	return append([]string(nil), inv.sources...)
}

func (inv *Inventory) warn(pos diag.Pos, hint, format string, args ...any) {
	d := diag.Errorf(pos, format, args...)
	d.Hint = hint
	for _, w := range inv.warnings {
		if w.Error() == d.Error() {
			return // the same directory given twice warns once
		}
	}
	inv.warnings = append(inv.warnings, d)
}

// AddHost adds a host (or updates an existing one) the way the add_host
// module and dynamic sources do: it joins each group (created as needed,
// under all) and its vars are set over the host's inline vars.
func (inv *Inventory) AddHost(name string, groups []string, vars map[string]any) {
	inv.AddHostAt(name, groups, vars, diag.Pos{})
}

// AddHostAt is AddHost recording where the host came from.
func (inv *Inventory) AddHostAt(name string, groups []string, vars map[string]any, pos diag.Pos) {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	h := inv.host(name, "", pos)
	for _, g := range groups {
		inv.host(name, g, pos)
	}
	for k, v := range vars {
		h.inline[k] = v
	}
	inv.reconcile()
}

// SetGroupVars sets inline vars on a group, creating it if needed; for
// dynamic sources.
func (inv *Inventory) SetGroupVars(group string, vars map[string]any) {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	g := inv.group(group, diag.Pos{})
	for k, v := range vars {
		g.setVar(k, v)
	}
	inv.reconcile()
}

// AddChild makes child a sub-group of parent, creating both if needed; for
// dynamic sources. It fails when the link would create a loop.
func (inv *Inventory) AddChild(parent, child string) error {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	defer inv.reconcile()
	if d := inv.addChild(parent, child, diag.Pos{}); d != nil {
		return d
	}
	return nil
}

func hasString(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
