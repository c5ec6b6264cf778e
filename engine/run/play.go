package run

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"

	"github.com/playbook/play/engine/playbook"
)

// hostState is what the run remembers about a host across tasks and plays.
type hostState struct {
	name     string
	facts    map[string]any // ansible_facts
	setFacts map[string]any // set_fact and register results
	// Per play: the host left the play (failed or unreachable), or ended
	// it with meta: end_host.
	failed      bool
	unreachable bool
	ended       bool
	// The last failure, for ansible_failed_task/result in rescue.
	lastFailedTask   string
	lastFailedResult map[string]any
	// check is the host's dry-run bookkeeping (check mode only).
	check *checkState
}

func (h *hostState) active() bool { return !h.failed && !h.unreachable && !h.ended }

// playRun is the state of one play over one serial batch.
type playRun struct {
	r         *Runner
	pb        *playbook.Playbook
	play      *playbook.Play
	hosts     []*hostState
	playHosts []string // ansible_play_hosts_all
	varsFiles map[string]any
	// roles seen in this play, in order, for role defaults and vars that
	// stay visible after the role ran (Ansible's public roles).
	roles    []*playbook.Role
	handlers []*playbook.Task
	// roleParams remembers each role's parameters so its handlers see
	// them too, as in Ansible.
	roleParams map[*playbook.Role]map[string]any
	notified   map[*playbook.Task]map[string]bool
	endPlay    bool
	check      bool
	diff       bool
	// mu guards notified, roles, roleParams and endPlay, which hosts
	// share under the free strategy.
	mu      sync.Mutex
	hvMu    sync.Mutex
	hvCache map[string]any
}

func (r *Runner) runPlay(ctx context.Context, pb *playbook.Playbook, p *playbook.Play) error {
	inv := r.opts.Inventory
	pattern, err := r.tmpl.RenderString(p.Hosts, r.opts.ExtraVars)
	if err != nil {
		return fmt.Errorf("%s: hosts: %v", p.Pos, err)
	}
	selected, err := inv.Select(pattern)
	if err != nil {
		return fmt.Errorf("%s: hosts: %v", p.Pos, err)
	}
	names := make([]string, 0, len(selected))
	for _, h := range selected {
		names = append(names, h.Name)
	}
	r.rep.PlayStart(p.Name, names)
	if len(names) == 0 {
		r.rep.Warn("no hosts matched '" + pattern + "'; skipping play")
		return nil
	}
	bs, err := batches(names, p.Serial)
	if err != nil {
		return fmt.Errorf("%s: %v", p.Pos, err)
	}
	for _, batch := range bs {
		pr := &playRun{r: r, pb: pb, play: p, playHosts: names, notified: map[*playbook.Task]map[string]bool{},
			check: r.opts.Check, diff: r.opts.Diff}
		if p.CheckMode != nil {
			pr.check = *p.CheckMode
		}
		if p.Diff != nil {
			pr.diff = *p.Diff
		}
		for _, n := range batch {
			r.join(n)
			h := r.host(n)
			h.failed, h.unreachable, h.ended = false, false, false
			pr.hosts = append(pr.hosts, h)
		}
		if err := pr.loadVarsFiles(); err != nil {
			return err
		}
		pr.handlers = p.AllHandlers()
		pr.run(ctx)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		// Ansible stops the play when every host of a batch failed.
		anyLeft := false
		for _, h := range pr.hosts {
			anyLeft = anyLeft || (!h.failed && !h.unreachable)
		}
		if !anyLeft {
			break
		}
	}
	return nil
}

func (pr *playRun) loadVarsFiles() error {
	pr.varsFiles = map[string]any{}
	for i, f := range pr.play.VarsFiles {
		path, err := pr.r.tmpl.RenderString(f, pr.r.opts.ExtraVars)
		if err != nil {
			return fmt.Errorf("%s: vars_files: %v", pr.play.VarsFilesPos[i], err)
		}
		if !filepath.IsAbs(path) {
			path = filepath.Join(pr.play.Dir, path)
		}
		vars, d := playbook.LoadVarsFile(path)
		if d != nil {
			return d
		}
		for k, v := range vars {
			pr.varsFiles[k] = v
		}
	}
	return nil
}

func (pr *playRun) run(ctx context.Context) {
	p := pr.play
	sc := &scope{tags: p.Tags, become: p.Become, becomeUser: p.BecomeUser, environment: p.Environment}
	if p.IgnoreErrors {
		sc.ignoreErrors = true
	}
	if p.GatherFacts == nil || *p.GatherFacts {
		pr.gatherFacts(ctx, sc)
	}
	if p.Strategy == "free" {
		// Each host runs the play at its own pace: a slow host does not
		// hold the others at every task, as with Ansible's free strategy.
		pr.forEachHost(ctx, pr.hosts, func(_ int, h *hostState) {
			pr.runSections(ctx, sc, []*hostState{h})
		})
		return
	}
	pr.runSections(ctx, sc, pr.hosts)
}

// runSections runs pre_tasks, roles, tasks and post_tasks, flushing
// handlers after each section as Ansible does.
func (pr *playRun) runSections(ctx context.Context, sc *scope, hosts []*hostState) {
	p := pr.play
	pr.runList(ctx, p.PreTasks, sc, hosts)
	pr.flushHandlers(ctx, hosts)
	for _, ref := range p.Roles {
		pr.runRole(ctx, ref, sc, hosts, map[*playbook.Role]bool{})
	}
	pr.runList(ctx, p.Tasks, sc, hosts)
	pr.flushHandlers(ctx, hosts)
	pr.runList(ctx, p.PostTasks, sc, hosts)
	pr.flushHandlers(ctx, hosts)
}

func (pr *playRun) ended() bool {
	pr.mu.Lock()
	defer pr.mu.Unlock()
	return pr.endPlay
}

func (pr *playRun) setEnded() {
	pr.mu.Lock()
	pr.endPlay = true
	pr.mu.Unlock()
}

// playRoles returns the roles used so far in the play (a copy: under the
// free strategy other hosts may add roles meanwhile).
func (pr *playRun) playRoles() []*playbook.Role {
	pr.mu.Lock()
	defer pr.mu.Unlock()
	return append([]*playbook.Role(nil), pr.roles...)
}

// runRole runs a role's dependencies, then its tasks, in a scope that
// carries the role (for defaults, vars, files) and its parameters.
func (pr *playRun) runRole(ctx context.Context, ref *playbook.RoleRef, parent *scope, hosts []*hostState, seen map[*playbook.Role]bool) {
	role := ref.Role
	if role == nil || seen[role] {
		return
	}
	seen[role] = true
	sc := parent.child()
	sc.role = role
	sc.tags = append(sc.tags, ref.Tags...)
	sc.when = append(sc.when, ref.When...)
	if len(ref.Params) > 0 {
		sc.roleParams = mergeMaps(parent.roleParams, ref.Params)
	}
	for _, dep := range role.Deps {
		pr.runRole(ctx, dep, sc, hosts, seen)
	}
	pr.addRole(role, sc.roleParams)
	pr.runList(ctx, role.Tasks, sc, hosts)
}

func (pr *playRun) addRole(role *playbook.Role, params map[string]any) {
	pr.mu.Lock()
	defer pr.mu.Unlock()
	if pr.roleParams == nil {
		pr.roleParams = map[*playbook.Role]map[string]any{}
	}
	pr.roleParams[role] = params
	for _, r := range pr.roles {
		if r == role {
			return
		}
	}
	pr.roles = append(pr.roles, role)
}

func (pr *playRun) active(hosts []*hostState) []*hostState {
	var out []*hostState
	for _, h := range hosts {
		if h.active() {
			out = append(out, h)
		}
	}
	return out
}

// refreshInventory re-reads the inventory sources (meta: refresh_inventory).
func (pr *playRun) refreshInventory() error {
	if pr.r.opts.ReloadInventory == nil {
		return nil
	}
	inv, err := pr.r.opts.ReloadInventory()
	if err != nil {
		return err
	}
	pr.r.mu.Lock()
	pr.r.opts.Inventory = inv
	pr.r.invVars = nil
	pr.r.mu.Unlock()
	return nil
}

// loadVarsFile reads a variables file for include_vars, with vars_files'
// parser and positioned errors.
func loadVarsFile(path string) (map[string]any, error) {
	vars, d := playbook.LoadVarsFile(path)
	if d != nil {
		return nil, d
	}
	return vars, nil
}
