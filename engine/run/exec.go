package run

import (
	"context"
	"fmt"
	"sync"

	"github.com/playbook/play/engine/playbook"
	"github.com/playbook/play/engine/report"
	"github.com/playbook/play/engine/template"
)

// runList runs tasks in order on hosts (those still active).
func (pr *playRun) runList(ctx context.Context, tasks []*playbook.Task, sc *scope, hosts []*hostState) {
	for _, t := range tasks {
		if ctx.Err() != nil || pr.ended() {
			return
		}
		if len(pr.active(hosts)) == 0 {
			return
		}
		switch {
		case t.Meta != "":
			pr.meta(ctx, t, sc, hosts)
		case t.IsBlock:
			pr.runBlock(ctx, t, sc, hosts)
		case t.Include == "import_tasks":
			pr.runList(ctx, t.Block, sc.withTask(t), hosts)
		case t.Include == "import_role":
			pr.runIncludedRole(ctx, t, sc.withTask(t), hosts)
		case t.Include == "include_tasks" || t.Include == "include_role":
			pr.runInclude(ctx, t, sc, hosts)
		default:
			pr.runTask(ctx, t, sc, hosts)
		}
	}
}

// runBlock runs block, then rescue on the hosts that failed in it, then
// always on every host that entered the block and is still reachable.
func (pr *playRun) runBlock(ctx context.Context, t *playbook.Task, sc *scope, hosts []*hostState) {
	bsc := sc.withTask(t)
	entered := pr.active(hosts)
	pr.runList(ctx, t.Block, bsc, entered)
	var failedHere []*hostState
	for _, h := range entered {
		if h.failed && !h.unreachable {
			failedHere = append(failedHere, h)
		}
	}
	if len(t.Rescue) > 0 && len(failedHere) > 0 {
		for _, h := range failedHere {
			h.failed = false
			h.setFacts = mergeMaps(h.setFacts, map[string]any{
				"ansible_failed_task":   map[string]any{"name": h.lastFailedTask},
				"ansible_failed_result": h.lastFailedResult,
			})
		}
		pr.runList(ctx, t.Rescue, bsc, failedHere)
		for _, h := range failedHere {
			if !h.failed {
				pr.r.count(h.name, func(s *report.Stats) {
					s.Rescued++
					// The failure was handled: the recap counts it as rescued.
					s.Failed--
				})
			}
		}
		failedHere = failedHere[:0]
		for _, h := range entered {
			if h.failed && !h.unreachable {
				failedHere = append(failedHere, h)
			}
		}
	}
	if len(t.Always) > 0 {
		for _, h := range failedHere {
			h.failed = false
		}
		pr.runList(ctx, t.Always, bsc, entered)
		for _, h := range failedHere {
			h.failed = true
		}
	}
}

// runInclude evaluates when and loop once per host for a dynamic include,
// then runs the included tasks for each loop item in lockstep.
func (pr *playRun) runInclude(ctx context.Context, t *playbook.Task, sc *scope, hosts []*hostState) {
	if !pr.r.selected(append(append([]string(nil), sc.tags...), t.Tags...)) {
		// Ansible applies tags on an include to the include itself: when it
		// is not selected, nothing inside runs.
		return
	}
	type hostItems struct {
		h     *hostState
		items []any
	}
	var plan []hostItems
	maxItems := 0
	for _, h := range pr.active(hosts) {
		vars := pr.vars(h, sc, t)
		ok, err := pr.evalWhen(sc.when, t.When, vars)
		if err != nil {
			pr.hostFailed(t, h, err)
			continue
		}
		if !ok {
			continue
		}
		items := []any{nil}
		if t.Loop != nil {
			items, err = pr.loopItems(t, vars)
			if err != nil {
				pr.hostFailed(t, h, err)
				continue
			}
		}
		plan = append(plan, hostItems{h, items})
		maxItems = max(maxItems, len(items))
	}
	for i := 0; i < maxItems; i++ {
		var hs []*hostState
		for _, p := range plan {
			if i < len(p.items) {
				hs = append(hs, p.h)
			}
		}
		isc := sc.withTask(t)
		isc.when = sc.when // evaluated once above, not per included task
		if t.Loop != nil {
			// Items differ per host; a per-host override carries them.
			isc.loopVars = map[string]any{}
			for _, p := range plan {
				if i < len(p.items) {
					isc.loopVars[p.h.name] = p.items[i]
				}
			}
		}
		tasks := t.Block
		if tasks == nil && t.IncludeFile != "" && t.Include == "include_tasks" {
			var err error
			tasks, err = pr.loadDynamicInclude(t, hs[0], sc)
			if err != nil {
				for _, h := range hs {
					pr.hostFailed(t, h, err)
				}
				continue
			}
		}
		if t.Include == "include_role" {
			pr.runIncludedRole(ctx, t, isc, hs)
			continue
		}
		pr.runList(ctx, tasks, isc, hs)
	}
}

func (pr *playRun) runIncludedRole(ctx context.Context, t *playbook.Task, sc *scope, hosts []*hostState) {
	ref := t.RoleRef
	if ref == nil || ref.Role == nil {
		return
	}
	rsc := sc.child()
	rsc.role = ref.Role
	if len(ref.Params) > 0 {
		rsc.roleParams = mergeMaps(sc.roleParams, ref.Params)
	}
	for _, dep := range ref.Role.Deps {
		pr.runRole(ctx, dep, rsc, hosts, map[*playbook.Role]bool{ref.Role: true})
	}
	pr.addRole(ref.Role, rsc.roleParams)
	pr.runList(ctx, t.Block, rsc, hosts)
}

// loadDynamicInclude loads an include_tasks whose file name is templated.
func (pr *playRun) loadDynamicInclude(t *playbook.Task, h *hostState, sc *scope) ([]*playbook.Task, error) {
	vars := pr.vars(h, sc, t)
	name, err := pr.r.tmpl.RenderString(t.IncludeFile, vars)
	if err != nil {
		return nil, fmt.Errorf("%s: include_tasks: %v", t.Pos, err)
	}
	l := playbook.NewLoader(nil)
	tasks := l.LoadTaskFileFor(t, name)
	if err := l.Diags.Err(); err != nil {
		return nil, err
	}
	if ds := playbook.ValidateTasks(tasks, pr.r.tmpl); len(ds) > 0 {
		return nil, ds
	}
	return tasks, nil
}

func (pr *playRun) meta(ctx context.Context, t *playbook.Task, sc *scope, hosts []*hostState) {
	switch t.Meta {
	case "flush_handlers":
		pr.flushHandlers(ctx, hosts)
	case "end_play":
		pr.setEnded()
	case "end_host", "end_batch":
		for _, h := range pr.active(hosts) {
			vars := pr.vars(h, sc, t)
			ok, err := pr.evalWhen(sc.when, t.When, vars)
			if err != nil {
				pr.hostFailed(t, h, err)
				continue
			}
			if ok {
				h.ended = true
			}
		}
	case "refresh_inventory":
		if err := pr.refreshInventory(); err != nil {
			pr.r.rep.Warn("refresh_inventory: " + err.Error())
		}
	case "clear_facts":
		for _, h := range pr.active(hosts) {
			h.facts = map[string]any{}
		}
	}
}

// runTask runs one module task on every active host, forks at a time,
// then reports results in inventory order so output is deterministic.
func (pr *playRun) runTask(ctx context.Context, t *playbook.Task, sc *scope, hosts []*hostState) {
	tags := append(append([]string(nil), sc.tags...), t.Tags...)
	if !sc.handler && !pr.r.selected(tags) {
		return
	}
	active := pr.active(hosts)
	if len(active) == 0 {
		return
	}
	pr.r.rep.TaskStart(t, sc.handler)
	pr.invalidateHostvars()
	runOnce := t.RunOnce || sc.runOnce
	if runOnce {
		active = active[:1]
	}
	results := make([]*outcome, len(active))
	pr.forEachHost(ctx, active, func(i int, h *hostState) {
		results[i] = pr.runHostTask(ctx, t, sc, h)
	})
	anyFailed := false
	for i, h := range active {
		oc := results[i]
		if oc == nil {
			continue
		}
		res := oc.res
		pr.record(t, h, oc)
		if runOnce {
			// run_once: the result stands for every host of the batch.
			for _, other := range pr.active(hosts)[1:] {
				if res.Check {
					other.shareCheckResult(t, oc)
				}
				if len(oc.setFacts) > 0 {
					other.setFacts = mergeMaps(other.setFacts, oc.setFacts)
				}
				if res.Status == report.StatusChanged {
					pr.notify(t, other)
				}
			}
		}
		if res.Status == report.StatusFailed && !res.Ignored {
			anyFailed = true
		}
	}
	if anyFailed && (t.AnyErrorsFatal || pr.play.AnyErrorsFatal) {
		for _, h := range pr.active(hosts) {
			h.failed = true
		}
	}
	pr.checkMaxFail()
}

func (pr *playRun) checkMaxFail() {
	if pr.play.MaxFailPercentage == nil {
		return
	}
	failed := 0
	for _, h := range pr.hosts {
		if h.failed || h.unreachable {
			failed++
		}
	}
	if float64(failed)*100/float64(len(pr.hosts)) > *pr.play.MaxFailPercentage {
		pr.setEnded()
		pr.r.rep.Warn(fmt.Sprintf("max_fail_percentage %.0f%% exceeded: %d of %d hosts failed", *pr.play.MaxFailPercentage, failed, len(pr.hosts)))
	}
}

// forEachHost runs fn for each host with at most Forks at once.
func (pr *playRun) forEachHost(ctx context.Context, hosts []*hostState, fn func(i int, h *hostState)) {
	if len(hosts) == 1 {
		fn(0, hosts[0])
		return
	}
	sem := make(chan struct{}, pr.r.opts.Forks)
	var wg sync.WaitGroup
	for i, h := range hosts {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			fn(i, h)
		}()
	}
	wg.Wait()
}

// record updates counters, host state and notifications for a result and
// reports it.
func (pr *playRun) record(t *playbook.Task, h *hostState, oc *outcome) {
	res := oc.res
	// hvMu: under the free strategy other hosts build hostvars from this
	// host's maps while it runs.
	pr.hvMu.Lock()
	if len(oc.facts) > 0 {
		h.facts = mergeMaps(h.facts, oc.facts)
	}
	if len(oc.setFacts) > 0 {
		h.setFacts = mergeMaps(h.setFacts, oc.setFacts)
	}
	pr.hvMu.Unlock()
	if res.Check {
		h.noteCheckResult(t, oc)
	}
	pr.r.count(h.name, func(s *report.Stats) {
		switch res.Status {
		case report.StatusOK:
			s.OK++
		case report.StatusChanged:
			s.OK++
			s.Changed++
		case report.StatusSkipped:
			s.Skipped++
		case report.StatusUnreachable:
			s.Unreachable++
		case report.StatusWouldRunAfter:
			s.WouldRunAfter++
			if res.Pending {
				s.Pending++
			}
		case report.StatusFailed:
			if res.Ignored {
				s.Ignored++
			} else {
				s.Failed++
			}
		}
	})
	switch {
	case res.Status == report.StatusUnreachable && !t.IgnoreUnreachable:
		h.unreachable = true
	case res.Status == report.StatusFailed && !res.Ignored:
		h.failed = true
		h.lastFailedTask = t.Name
		h.lastFailedResult = res.Data
	case res.Status == report.StatusChanged:
		pr.notify(t, h)
	}
	pr.r.rep.HostResult(res)
}

func (pr *playRun) hostFailed(t *playbook.Task, h *hostState, err error) {
	pr.r.rep.TaskStart(t, false)
	pr.record(t, h, &outcome{res: &report.HostResult{Host: h.name, Task: t.DisplayName(), Pos: t.Pos,
		Status: report.StatusFailed, Msg: err.Error()}})
}

// notify queues the handlers a changed task names.
func (pr *playRun) notify(t *playbook.Task, h *hostState) {
	for _, name := range t.Notify {
		for _, hd := range pr.handlers {
			if !handlerMatches(hd, name) {
				continue
			}
			pr.mu.Lock()
			if pr.notified[hd] == nil {
				pr.notified[hd] = map[string]bool{}
			}
			pr.notified[hd][h.name] = true
			pr.mu.Unlock()
		}
	}
}

func handlerMatches(hd *playbook.Task, name string) bool {
	if hd.Name == name || hd.DisplayName() == name {
		return true
	}
	for _, l := range hd.Listen {
		if l == name {
			return true
		}
	}
	return false
}

// flushHandlers runs the handlers notified for hosts once each, in
// definition order. Only those hosts' notifications are consumed: under
// the free strategy each host flushes on its own.
func (pr *playRun) flushHandlers(ctx context.Context, hosts []*hostState) {
	for _, hd := range pr.handlers {
		var hs []*hostState
		pr.mu.Lock()
		for _, h := range hosts {
			if pr.notified[hd][h.name] {
				delete(pr.notified[hd], h.name)
				if h.active() {
					hs = append(hs, h)
				}
			}
		}
		params := pr.roleParams[hd.Role]
		pr.mu.Unlock()
		if len(hs) == 0 {
			continue
		}
		sc := &scope{handler: true, role: hd.Role, roleParams: params, become: pr.play.Become,
			becomeUser: pr.play.BecomeUser, environment: pr.play.Environment, tags: pr.play.Tags}
		pr.runTask(ctx, hd, sc, hs)
	}
}

func (pr *playRun) gatherFacts(ctx context.Context, sc *scope) {
	t := &playbook.Task{Name: "Gathering Facts", Action: "setup", Args: map[string]any{}, Pos: pr.play.Pos, Dir: pr.play.Dir}
	fsc := sc.child()
	fsc.handler = true // not subject to tag selection, as Ansible
	fsc.when = nil
	pr.runTaskAs(ctx, t, fsc, pr.hosts, false)
}

// runTaskAs runs a synthetic task (fact gathering) with the handler flag
// only used to bypass tag selection.
func (pr *playRun) runTaskAs(ctx context.Context, t *playbook.Task, sc *scope, hosts []*hostState, handler bool) {
	active := pr.active(hosts)
	if len(active) == 0 {
		return
	}
	pr.r.rep.TaskStart(t, handler)
	pr.invalidateHostvars()
	results := make([]*outcome, len(active))
	pr.forEachHost(ctx, active, func(i int, h *hostState) {
		results[i] = pr.runHostTask(ctx, t, sc, h)
	})
	for i, h := range active {
		if results[i] != nil {
			pr.record(t, h, results[i])
		}
	}
}

var _ = template.Omit
