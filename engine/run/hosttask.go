package run

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/playbook/play/engine/conn"
	"github.com/playbook/play/engine/playbook"
	"github.com/playbook/play/engine/report"
	"github.com/playbook/play/engine/template"
	"github.com/playbook/play/modules"
)

// outcome is a host's result for a task plus the state changes it
// implies. Changes are applied by the coordinating goroutine after every
// host finished the task, so host goroutines never write shared state.
type outcome struct {
	res *report.HostResult
	// checkUnknown: in check mode the module could not run (a command), so
	// its registered result is a placeholder later tasks must not trust.
	checkUnknown bool
	facts        map[string]any
	setFacts     map[string]any
}

// itemResult is one module execution (one loop item, or the whole task).
type itemResult struct {
	status   string
	msg      string
	data     map[string]any
	diffs    []modules.Diff
	facts    map[string]any
	vars     map[string]any
	warnings []string
	// checkSkip: the module itself skipped in check mode (it cannot
	// predict), as opposed to a false `when`.
	checkSkip bool
}

func (pr *playRun) checkMode(t *playbook.Task, sc *scope) bool {
	check := pr.check
	if sc.checkMode != nil {
		check = *sc.checkMode
	}
	if t.CheckMode != nil {
		check = *t.CheckMode
	}
	return check
}

func (pr *playRun) runHostTask(ctx context.Context, t *playbook.Task, sc *scope, h *hostState) *outcome {
	vars := pr.vars(h, sc, t)
	check := pr.checkMode(t, sc)
	// dry: this is a dry run, even if this task runs for real
	// (check_mode: false); its outcome may depend on predicted changes.
	dry := pr.check || check
	res := &report.HostResult{Host: h.name, Task: t.DisplayName(), Module: t.Action, Pos: t.Pos, NoLog: t.NoLog || sc.noLog, Check: dry}
	out := &outcome{res: res, setFacts: map[string]any{}}
	if d := pr.delegate(t, vars); d != "" {
		res.Delegate = d
	}
	if dry {
		if dep, pending := dependsOnUnknown(t, h.check); dep != "" {
			res.Status, res.After, res.Pending = report.StatusWouldRunAfter, dep, pending
			res.Msg = "would run after: " + dep
			return out
		}
	}
	finish := func(ir *itemResult, data map[string]any) *outcome {
		if dry && ir.status == report.StatusSkipped && ir.checkSkip {
			out.checkUnknown = true
		}
		if dry {
			if dep := checkFailure(h, ir); dep != "" {
				res.After, res.Pending = dep, true
			}
		}
		res.Status, res.Msg, res.Diffs, res.Warnings = ir.status, ir.msg, ir.diffs, ir.warnings
		res.Data = data
		if ir.status == report.StatusFailed {
			res.Ignored = pr.ignoreErrors(t, sc, vars)
		}
		out.facts = ir.facts
		for k, v := range ir.vars {
			out.setFacts[k] = v
		}
		if t.Register != "" {
			out.setFacts[t.Register] = data
		}
		return out
	}

	if t.Loop == nil {
		ok, err := pr.evalWhen(sc.when, t.When, vars)
		if err != nil {
			ir := &itemResult{status: report.StatusFailed, msg: err.Error()}
			return finish(ir, resultData(ir))
		}
		if !ok {
			ir := &itemResult{status: report.StatusSkipped}
			d := resultData(ir)
			d["skip_reason"] = "Conditional result was False"
			return finish(ir, d)
		}
		ir := pr.execute(ctx, t, sc, h, vars, check)
		return finish(ir, resultData(ir))
	}

	items, err := pr.loopItems(t, vars)
	if err != nil {
		ir := &itemResult{status: report.StatusFailed, msg: err.Error()}
		return finish(ir, resultData(ir))
	}
	loopVar := t.LoopControl.LoopVar
	if loopVar == "" {
		loopVar = "item"
	}
	agg := &itemResult{status: report.StatusSkipped}
	var results []any
	anyRan := false
	for i, item := range items {
		if ctx.Err() != nil {
			break
		}
		iv := make(map[string]any, len(vars)+3)
		for k, v := range vars {
			iv[k] = v
		}
		iv[loopVar] = item
		if t.LoopControl.IndexVar != "" {
			iv[t.LoopControl.IndexVar] = i
		}
		if t.LoopControl.Extended {
			iv["ansible_loop"] = map[string]any{"index": i + 1, "index0": i, "first": i == 0,
				"last": i == len(items)-1, "length": len(items)}
		}
		// set_fact results of earlier items are visible to later ones.
		for k, v := range agg.vars {
			iv[k] = v
		}
		label := pr.itemLabel(t, iv, item)
		sub := &report.HostResult{Host: h.name, Task: res.Task, Label: label, NoLog: res.NoLog, Check: dry}
		var ir *itemResult
		ok, err := pr.evalWhen(sc.when, t.When, iv)
		switch {
		case err != nil:
			ir = &itemResult{status: report.StatusFailed, msg: err.Error()}
		case !ok:
			ir = &itemResult{status: report.StatusSkipped}
		default:
			ir = pr.execute(ctx, t, sc, h, iv, check)
		}
		if dry {
			// Later items see the files earlier items would write.
			h.predict(ir.diffs)
			sub.After = checkFailure(h, ir)
			if sub.After != "" {
				res.After, res.Pending = sub.After, true
			}
		}
		d := resultData(ir)
		d[loopVar] = item
		d["ansible_loop_var"] = loopVar
		results = append(results, d)
		sub.Status, sub.Msg, sub.Diffs, sub.Data, sub.Warnings = ir.status, ir.msg, ir.diffs, d, ir.warnings
		res.Items = append(res.Items, sub)
		if ir.status != report.StatusSkipped {
			anyRan = true
		}
		agg.checkSkip = agg.checkSkip || ir.checkSkip
		switch ir.status {
		case report.StatusUnreachable:
			agg.status = report.StatusUnreachable
		case report.StatusFailed:
			if agg.status != report.StatusUnreachable {
				agg.status = report.StatusFailed
				agg.msg = "One or more items failed"
			}
		case report.StatusWouldRunAfter:
			if agg.status != report.StatusUnreachable && agg.status != report.StatusFailed {
				agg.status = report.StatusWouldRunAfter
			}
		case report.StatusChanged:
			if agg.status == report.StatusOK || agg.status == report.StatusSkipped {
				agg.status = report.StatusChanged
			}
		case report.StatusOK:
			if agg.status == report.StatusSkipped {
				agg.status = report.StatusOK
			}
		}
		if ir.facts != nil {
			agg.facts = mergeMaps(agg.facts, ir.facts)
		}
		if ir.vars != nil {
			agg.vars = mergeMaps(agg.vars, ir.vars)
		}
		if ir.status == report.StatusUnreachable {
			break
		}
		if t.LoopControl.Pause > 0 && i < len(items)-1 {
			sleepCtx(ctx, time.Duration(t.LoopControl.Pause*float64(time.Second)))
		}
	}
	if !anyRan && agg.status == report.StatusSkipped && len(items) == 0 {
		agg.msg = "No items in the list"
	}
	data := resultData(agg)
	if results == nil {
		results = []any{}
	}
	data["results"] = results
	data["msg"] = agg.msg
	if agg.msg == "" {
		data["msg"] = "All items completed"
	}
	return finish(agg, data)
}

// resultData is the registered form of a result: the module's data plus
// the changed/failed/skipped flags conditions and tests read.
func resultData(ir *itemResult) map[string]any {
	d := make(map[string]any, len(ir.data)+4)
	for k, v := range ir.data {
		d[k] = v
	}
	d["changed"] = ir.status == report.StatusChanged
	d["failed"] = ir.status == report.StatusFailed
	if ir.status == report.StatusSkipped {
		d["skipped"] = true
	}
	if ir.status == report.StatusUnreachable {
		d["unreachable"] = true
	}
	if ir.msg != "" {
		d["msg"] = ir.msg
	}
	return d
}

func sleepCtx(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}

func (pr *playRun) ignoreErrors(t *playbook.Task, sc *scope, vars map[string]any) bool {
	v := t.IgnoreErrors
	if v == nil || v == false {
		v = sc.ignoreErrors
	}
	switch x := v.(type) {
	case bool:
		return x
	case string:
		b, err := pr.r.tmpl.EvalBool(playbook.CondExpr(x), vars)
		return err == nil && b
	}
	return false
}

// evalWhen evaluates inherited and own conditions; all must hold.
func (pr *playRun) evalWhen(inherited, own []playbook.Cond, vars map[string]any) (bool, error) {
	for _, list := range [][]playbook.Cond{inherited, own} {
		for _, c := range list {
			ok, err := pr.r.tmpl.EvalBool(playbook.CondExpr(c.Expr), vars)
			if err != nil {
				return false, fmt.Errorf("%s: when: %q: %v", c.Pos, c.Expr, err)
			}
			if !ok {
				return false, nil
			}
		}
	}
	return true, nil
}

func (pr *playRun) itemLabel(t *playbook.Task, vars map[string]any, item any) string {
	if t.LoopControl.Label != "" {
		if s, err := pr.r.tmpl.RenderString(t.LoopControl.Label, vars); err == nil {
			return s
		}
	}
	switch x := item.(type) {
	case string:
		return x
	case int, bool, float64:
		return fmt.Sprint(x)
	}
	return compactJSON(item)
}

func (pr *playRun) delegate(t *playbook.Task, vars map[string]any) string {
	if t.DelegateTo == "" {
		return ""
	}
	d, err := pr.r.tmpl.RenderString(t.DelegateTo, vars)
	if err != nil {
		return t.DelegateTo
	}
	return d
}

// execute runs the task's module once with vars and applies
// changed_when, failed_when and until/retries.
func (pr *playRun) execute(ctx context.Context, t *playbook.Task, sc *scope, h *hostState, vars map[string]any, check bool) *itemResult {
	mod, ok := modules.Get(t.Action)
	if !ok {
		return &itemResult{status: report.StatusFailed, msg: fmt.Sprintf("%s: unknown module %s", t.ActionPos, t.Action)}
	}
	spec := mod.Spec()
	rendered, err := pr.r.tmpl.RenderValue(anyMap(t.Args), vars)
	if err != nil {
		return &itemResult{status: report.StatusFailed, msg: fmt.Sprintf("%s: %v", t.Pos, err)}
	}
	args := dropOmit(rendered.(map[string]any))
	nargs, errs := modules.Normalize(spec, args, false)
	if len(errs) > 0 {
		msgs := make([]string, len(errs))
		for i, e := range errs {
			at := t.ArgPos[e.Param]
			if at.File == "" {
				at = t.ActionPos
			}
			msgs[i] = at.String() + ": " + e.Error()
		}
		return &itemResult{status: report.StatusFailed, msg: strings.Join(msgs, "; ")}
	}
	for _, p := range spec.Params {
		if p.Secret {
			if s, ok := nargs[p.Name].(string); ok {
				pr.r.mask.Add(s)
			}
		}
	}
	mt := &modules.Task{
		Host:  h.name,
		Args:  nargs,
		Check: check,
		// Read-only here: the coordinator updates h.check between tasks.
		CheckPending: check && h.check != nil && len(h.check.pending) > 0,
		Diff:         true,
		Vars:         vars,
		FindFile:     t.FindFile,
		LoadVars:     loadVarsFile,
		Render:       func(text string) (string, error) { return pr.r.tmpl.RenderString(text, vars) },
		Eval:         func(expr string) (any, error) { return pr.r.tmpl.Eval(expr, vars) },
	}
	mt.Become = pr.become(t, sc, vars)
	mt.Env, err = pr.environment(t, sc, vars)
	if err != nil {
		return &itemResult{status: report.StatusFailed, msg: err.Error()}
	}
	if !spec.RunOnController {
		opts, err := pr.connOptions(pr.connVars(t, vars), vars)
		if err != nil {
			return &itemResult{status: report.StatusFailed, msg: err.Error()}
		}
		c, err := pr.r.pool.Get(ctx, opts)
		if err != nil {
			return &itemResult{status: report.StatusUnreachable, msg: err.Error()}
		}
		mt.Conn = c
		if check && h.check != nil && (len(h.check.predicted) > 0 || len(h.check.dirs) > 0) {
			mt.Conn = &predictConn{Conn: c, files: h.check.predicted, dirs: h.check.dirs, attrs: h.check.attrs}
		}
		// Multi-host modules (galera_bootstrap) reach the other hosts with
		// the settings a delegate_to to them would use.
		mt.ConnFor = func(host string) (conn.Conn, error) {
			o, err := pr.connOptions(pr.hostConnVars(host), vars)
			if err != nil {
				return nil, err
			}
			return pr.r.pool.Get(ctx, o)
		}
	}

	attempts := 1
	if t.Until != nil {
		attempts = t.Retries
		if attempts <= 0 {
			attempts = 3
		}
		attempts++ // Ansible: retries after the first attempt
	}
	delay := 5.0
	if t.Delay != nil {
		delay = *t.Delay
	}
	var ir *itemResult
	for attempt := 1; attempt <= attempts; attempt++ {
		ir = pr.runModule(ctx, mod, mt, t)
		if ir.status == report.StatusUnreachable {
			return ir
		}
		pr.applyConditions(t, vars, ir)
		if t.Until == nil {
			break
		}
		ir.data = mergeMaps(ir.data, map[string]any{"attempts": attempt})
		cv := withRegister(vars, t.Register, resultData(ir))
		done, err := pr.r.tmpl.EvalBool(playbook.CondExpr(t.Until.Expr), cv)
		if err != nil {
			ir.status, ir.msg = report.StatusFailed, fmt.Sprintf("%s: until: %v", t.Until.Pos, err)
			break
		}
		if done {
			break
		}
		if attempt == attempts {
			ir.status = report.StatusFailed
			if ir.msg == "" {
				ir.msg = fmt.Sprintf("until condition %q still false after %d attempts", t.Until.Expr, attempts)
			}
			break
		}
		sleepCtx(ctx, time.Duration(delay*float64(time.Second)))
		if ctx.Err() != nil {
			ir.status, ir.msg = report.StatusFailed, "interrupted"
			break
		}
	}
	return ir
}

func (pr *playRun) runModule(ctx context.Context, mod modules.Module, mt *modules.Task, t *playbook.Task) *itemResult {
	mctx := ctx
	if t.Timeout > 0 {
		var cancel context.CancelFunc
		mctx, cancel = context.WithTimeout(ctx, t.Timeout)
		defer cancel()
	}
	mr, err := mod.Run(mctx, mt)
	if t.Timeout > 0 && ctx.Err() == nil && errors.Is(mctx.Err(), context.DeadlineExceeded) {
		// Cancelling the context stopped the module and killed its remote
		// command; say why in the task's own terms.
		msg := fmt.Sprintf("the task did not finish within its timeout of %s and was stopped (timeout: %d)", t.Timeout, int(t.Timeout.Seconds()))
		if t.TimeoutKey == "async" {
			msg = fmt.Sprintf("async task did not complete within the requested time - %s (async: %d)", t.Timeout, int(t.Timeout.Seconds()))
		}
		return &itemResult{status: report.StatusFailed, msg: msg}
	}
	if err != nil {
		if errors.Is(err, conn.ErrUnreachable) {
			return &itemResult{status: report.StatusUnreachable, msg: err.Error()}
		}
		return &itemResult{status: report.StatusFailed, msg: err.Error()}
	}
	ir := &itemResult{status: report.StatusOK, msg: mr.Msg, data: mr.Data, diffs: mr.Diffs,
		facts: mr.Facts, vars: mr.Vars, warnings: mr.Warnings}
	switch {
	case mr.Failed:
		ir.status = report.StatusFailed
	case mr.Skipped:
		ir.status = report.StatusSkipped
		ir.checkSkip = mt.Check
	case mr.Changed:
		ir.status = report.StatusChanged
	}
	if ir.status == report.StatusFailed && ir.msg == "" {
		ir.msg = "module failed"
	}
	return ir
}

// applyConditions applies changed_when and failed_when, which see the
// task's own result under its register name, as in Ansible.
func (pr *playRun) applyConditions(t *playbook.Task, vars map[string]any, ir *itemResult) {
	if len(t.ChangedWhen) == 0 && len(t.FailedWhen) == 0 {
		return
	}
	if ir.status == report.StatusSkipped {
		return
	}
	cv := withRegister(vars, t.Register, resultData(ir))
	if len(t.ChangedWhen) > 0 && ir.status != report.StatusFailed {
		changed, err := pr.all(t.ChangedWhen, cv)
		if err != nil {
			ir.status, ir.msg = report.StatusFailed, "changed_when: "+err.Error()
			return
		}
		if changed {
			ir.status = report.StatusChanged
		} else {
			ir.status = report.StatusOK
		}
	}
	if len(t.FailedWhen) > 0 {
		cv = withRegister(vars, t.Register, resultData(ir))
		failed, err := pr.all(t.FailedWhen, cv)
		if err != nil {
			ir.status, ir.msg = report.StatusFailed, "failed_when: "+err.Error()
			return
		}
		if failed {
			ir.status = report.StatusFailed
			if ir.msg == "" {
				ir.msg = "failed_when condition was true"
			}
		} else if ir.status == report.StatusFailed {
			ir.status = report.StatusOK
			if ch, _ := ir.data["changed"].(bool); ch {
				ir.status = report.StatusChanged
			}
		}
	}
}

// all: a list of changed_when or failed_when conditions holds when every
// condition does, as in Ansible.
func (pr *playRun) all(cs []playbook.Cond, vars map[string]any) (bool, error) {
	for _, c := range cs {
		ok, err := pr.r.tmpl.EvalBool(playbook.CondExpr(c.Expr), vars)
		if err != nil {
			return false, fmt.Errorf("%s: %v", c.Pos, err)
		}
		if !ok {
			return false, nil
		}
	}
	return true, nil
}

// withRegister returns vars with the task's own result bound to its
// register name, which is how changed_when/failed_when/until read it.
func withRegister(vars map[string]any, name string, data map[string]any) map[string]any {
	if name == "" {
		return vars
	}
	cv := make(map[string]any, len(vars)+1)
	for k, v := range vars {
		cv[k] = v
	}
	cv[name] = data
	return cv
}

func anyMap(m map[string]any) any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

// dropOmit returns the args without those whose value is the `omit`
// placeholder (a copy: the rendered map may share the task's own).
func dropOmit(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		if s, ok := v.(string); ok && s == template.Omit {
			continue
		}
		out[k] = v
	}
	return out
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
