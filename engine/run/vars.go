package run

import (
	"regexp"
	"strings"
	"sync"

	"github.com/playbook/play/engine/playbook"
	"github.com/playbook/play/engine/template"
)

// vars builds the variables a task sees on a host, lowest precedence
// first (docs/variables.md has the table; it follows Ansible's order):
//
//	role defaults < inventory (group, then host) < facts < play vars <
//	vars_files < role vars < block vars < task vars < set_fact/register <
//	role params < extra vars
//
// Magic variables are set last and cannot be overridden, except
// ansible_* connection variables which come from the layers above.
func (pr *playRun) vars(h *hostState, sc *scope, t *playbook.Task) map[string]any {
	r := pr.r
	v := make(map[string]any, 64)
	put := func(m map[string]any) {
		for k, val := range m {
			v[k] = val
		}
	}
	roles := pr.playRoles()
	for _, role := range roles {
		put(role.Defaults)
	}
	if sc.role != nil {
		put(sc.role.Defaults)
	}
	put(r.inventoryVars(h.name))
	pr.putFacts(v, h)
	put(pr.play.Vars)
	put(pr.varsFiles)
	for _, role := range roles {
		put(role.Vars)
	}
	if sc.role != nil {
		put(sc.role.Vars)
	}
	for _, bv := range sc.vars {
		put(bv)
	}
	if t != nil {
		put(t.Vars)
	}
	put(h.setFacts)
	if len(h.setFacts) > 0 {
		unsafe := make(map[string]bool, len(h.setFacts))
		for k := range h.setFacts {
			unsafe[k] = true
		}
		v[template.UnsafeVarsKey] = unsafe
	}
	put(sc.roleParams)
	if item, ok := sc.loopVars[h.name]; ok {
		v["item"] = item
	}
	put(r.opts.ExtraVars)

	// Magic variables.
	inv := r.opts.Inventory
	v["inventory_hostname"] = h.name
	short, _, _ := strings.Cut(h.name, ".")
	v["inventory_hostname_short"] = short
	v["groups"] = groupsValue(inv.GroupsMap())
	v["group_names"] = stringsToAny(inv.GroupNames(h.name))
	v["ansible_play_hosts_all"] = stringsToAny(pr.playHosts)
	v["ansible_play_hosts"] = pr.activeNames()
	v["play_hosts"] = v["ansible_play_hosts"]
	v["ansible_play_batch"] = pr.batchNames()
	v["ansible_check_mode"] = pr.check
	v["ansible_diff_mode"] = pr.diff
	v["ansible_verbosity"] = r.opts.Verbosity
	v["playbook_dir"] = pr.pb.Dir
	v["ansible_play_name"] = pr.play.Name
	v["omit"] = template.Omit
	if sc.role != nil {
		v["role_path"] = sc.role.Path
		v["role_name"] = sc.role.Name
	}
	if _, ok := v["ansible_host"]; !ok {
		v["ansible_host"] = h.name
	}
	v["hostvars"] = pr.hostvarsSnapshot()
	pr.maskSecretVars(v)
	return v
}

// secretVarName matches variables whose names say they hold a secret:
// db_password, sst_pass, api_token, vault_secret, ssh_passphrase. Their
// values are masked wherever they would be shown, like the parameters a
// module declares secret, so `debug: var=db_password`, a command line or
// a rendered config file never prints them. Only the last word counts:
// password_file is a path, not a secret.
var secretVarName = regexp.MustCompile(`(?i)(^|_)(password|passwd|pass|pwd|secret|token|passphrase)$`)

// secretNames caches secretVarName's answer per name: vars() runs for
// every task on every host, over the same few hundred names.
var secretNames sync.Map // name -> bool

func isSecretVarName(k string) bool {
	if v, ok := secretNames.Load(k); ok {
		return v.(bool)
	}
	b := secretVarName.MatchString(k)
	secretNames.Store(k, b)
	return b
}

// maskSecretVars hands the values of secret-named variables to the
// masker, rendered when they are templates (a vault_ indirection).
func (pr *playRun) maskSecretVars(v map[string]any) {
	for k, val := range v {
		s, ok := val.(string)
		if !ok || s == "" || !isSecretVarName(k) {
			continue
		}
		if strings.Contains(s, "{{") || strings.Contains(s, "{%") {
			r, err := pr.r.tmpl.RenderString(s, v)
			if err != nil {
				continue
			}
			s = r
		}
		pr.r.mask.Add(s)
	}
}

// putFacts exposes facts as ansible_facts.X and as the ansible_X aliases
// roles use.
func (pr *playRun) putFacts(v map[string]any, h *hostState) {
	if len(h.facts) == 0 {
		v["ansible_facts"] = map[string]any{}
		return
	}
	v["ansible_facts"] = h.facts
	for k, val := range h.facts {
		v["ansible_"+k] = val
	}
}

func (pr *playRun) activeNames() []any {
	var out []any
	for _, h := range pr.hosts {
		if !h.failed && !h.unreachable {
			out = append(out, h.name)
		}
	}
	return out
}

func (pr *playRun) batchNames() []any {
	out := make([]any, len(pr.hosts))
	for i, h := range pr.hosts {
		out[i] = h.name
	}
	return out
}

func stringsToAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

func groupsValue(g map[string][]string) map[string]any {
	out := make(map[string]any, len(g))
	for k, v := range g {
		out[k] = stringsToAny(v)
	}
	return out
}

// hostvarsSnapshot is `hostvars`: every host's variables (inventory,
// facts, play vars, set_fact) without per-task layers. It is built once per
// task and shared by all hosts running it, so a task on N hosts costs N
// merges, not N².
func (pr *playRun) hostvarsSnapshot() map[string]any {
	pr.hvMu.Lock()
	defer pr.hvMu.Unlock()
	if pr.hvCache != nil {
		return pr.hvCache
	}
	out := map[string]any{}
	for _, ih := range pr.r.opts.Inventory.Hosts() {
		out[ih.Name] = pr.hostVarsOf(pr.r.host(ih.Name))
	}
	pr.hvCache = out
	return out
}

// invalidateHostvars drops the snapshot; called before each task, since
// facts and set_fact values change between tasks.
func (pr *playRun) invalidateHostvars() {
	pr.hvMu.Lock()
	pr.hvCache = nil
	pr.hvMu.Unlock()
}

func (pr *playRun) hostVarsOf(h *hostState) map[string]any {
	v := map[string]any{}
	for k, val := range pr.r.inventoryVars(h.name) {
		v[k] = val
	}
	pr.putFacts(v, h)
	for k, val := range pr.play.Vars {
		v[k] = val
	}
	for k, val := range h.setFacts {
		v[k] = val
	}
	v["inventory_hostname"] = h.name
	if _, ok := v["ansible_host"]; !ok {
		v["ansible_host"] = h.name
	}
	return v
}
