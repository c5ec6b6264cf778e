package run

import (
	"context"
	"errors"
	"io/fs"
	"net"
	"regexp"
	"strconv"
	"strings"

	"github.com/playbook/play/engine/conn"
	"github.com/playbook/play/engine/playbook"
	"github.com/playbook/play/engine/report"
	"github.com/playbook/play/modules"
)

// Check mode that does not lie. Two things make a dry run trustworthy:
//
//  1. A task whose input depends on a change that was only predicted is
//     reported as "would run after: <task>" instead of failing, being
//     skipped silently or guessing. The engine knows three kinds of such
//     dependencies: a registered result of a task that could not run in
//     check mode (a command), a failure on a host where earlier tasks have
//     pending changes (a service whose package would be installed), and a
//     module that cannot check on such a host (a database query before
//     the server that would be started is up).
//  2. Files an earlier task would write are visible, with their predicted
//     content, to later tasks of the same host: a lineinfile after a
//     template edits the template's output, not the old file.

// checkState is a host's dry-run bookkeeping.
type checkState struct {
	pending   []string                 // tasks with predicted changes, in order
	changed   []string                 // of those, the ones that reported "changed" themselves
	unknown   map[string]unknownResult // register name -> the task that could not run
	predicted map[string]modules.Diff
	dirs      map[string]bool // directories a task would create
	attrs     map[string]map[string]any
}

// unknownResult is a registered result check mode could not produce.
type unknownResult struct {
	task string
	// pending: the result is unknown because of a predicted change (the
	// task would have run after it), not merely because the task cannot
	// run in check mode on an otherwise converged host (a benchmark).
	pending bool
}

var identRe = regexp.MustCompile(`[A-Za-z_][A-Za-z0-9_]*`)

// bareExprArgs are arguments that are Jinja expressions without braces,
// as `when` is: they read variables by bare name.
var bareExprArgs = map[string][]string{"assert": {"that"}, "debug": {"var"}}

// dependsOnUnknown returns the task whose unknown result t reads, if any,
// and whether t then counts as a pending change: it does when the
// unknown result itself stems from a predicted change, or when t's module
// could change the host. A debug or assert that reads the result of a
// benchmark that cannot run in check mode changes nothing, so a converged
// host stays converged (exit 0 with --detailed-exitcode).
func dependsOnUnknown(t *playbook.Task, cs *checkState) (task string, pending bool) {
	if cs == nil || len(cs.unknown) == 0 {
		return "", false
	}
	var texts []string
	for _, c := range t.When {
		texts = append(texts, c.Expr)
	}
	if s, ok := t.Loop.(string); ok {
		texts = append(texts, s)
	}
	collectStrings(t.Args, &texts, false)
	collectStrings(t.Vars, &texts, false)
	for _, k := range bareExprArgs[t.Action] {
		collectStrings(t.Args[k], &texts, true)
	}
	for _, s := range texts {
		for _, id := range identRe.FindAllString(s, -1) {
			if u, ok := cs.unknown[id]; ok {
				return u.task, u.pending || !controllerOnly(t)
			}
		}
	}
	return "", false
}

// controllerOnly: the task's module never touches the host (debug,
// assert, set_fact), so it cannot be a pending change by itself.
func controllerOnly(t *playbook.Task) bool {
	m, ok := modules.Get(t.Action)
	return ok && m.Spec().RunOnController
}

// collectStrings gathers templated strings (all strings when bare: the
// value is an expression).
func collectStrings(v any, out *[]string, bare bool) {
	switch x := v.(type) {
	case string:
		if bare || strings.Contains(x, "{{") || strings.Contains(x, "{%") {
			*out = append(*out, x)
		}
	case []any:
		for _, it := range x {
			collectStrings(it, out, bare)
		}
	case map[string]any:
		for _, it := range x {
			collectStrings(it, out, bare)
		}
	}
}

// noteCheckResult updates the host's dry-run bookkeeping after a task.
func (h *hostState) noteCheckResult(t *playbook.Task, oc *outcome) {
	cs := h.checkState()
	res := oc.res
	name := t.DisplayName()
	switch {
	case res.Status == "changed":
		cs.pending = append(cs.pending, name)
		cs.changed = append(cs.changed, name)
	case res.Status == report.StatusWouldRunAfter, oc.checkUnknown:
		if t.Register != "" {
			cs.unknown[t.Register] = unknownResult{task: name, pending: res.Pending}
		}
		if res.Status == report.StatusWouldRunAfter && res.Pending {
			cs.pending = append(cs.pending, name)
		}
	}
	h.predict(res.Diffs)
	for _, it := range res.Items {
		h.predict(it.Diffs)
	}
}

// shareCheckResult records a run_once task's check-mode outcome on
// another host of the batch: the result stands for every host, so a
// bootstrap that would start the cluster is a pending change for all of
// them, and its unknown registered result is unknown on all of them.
// Predicted files stay with the host the task ran on.
func (h *hostState) shareCheckResult(t *playbook.Task, oc *outcome) {
	cs := h.checkState()
	res := oc.res
	name := t.DisplayName()
	if res.Status == report.StatusChanged || res.Status == report.StatusWouldRunAfter && res.Pending {
		cs.pending = append(cs.pending, name)
	}
	if res.Status == report.StatusChanged {
		cs.changed = append(cs.changed, name)
	}
	if t.Register != "" && (res.Status == report.StatusWouldRunAfter || oc.checkUnknown) {
		cs.unknown[t.Register] = unknownResult{task: name, pending: res.Pending}
	}
}

func (h *hostState) checkState() *checkState {
	if h.check == nil {
		h.check = &checkState{unknown: map[string]unknownResult{}, predicted: map[string]modules.Diff{},
			dirs: map[string]bool{}, attrs: map[string]map[string]any{}}
	}
	return h.check
}

// predict records what diffs say files and directories will look like.
func (h *hostState) predict(ds []modules.Diff) {
	cs := h.checkState()
	for _, d := range ds {
		if !strings.HasPrefix(d.Path, "/") {
			continue
		}
		switch {
		case d.AfterState != nil:
			if d.AfterState["state"] == "directory" {
				cs.dirs[d.Path] = true
			}
			// Remember predicted owner/group/mode so later tasks
			// compare against them, not against "unknown".
			a := cs.attrs[d.Path]
			if a == nil {
				a = map[string]any{}
				cs.attrs[d.Path] = a
			}
			for _, k := range []string{"owner", "group", "mode"} {
				if v, ok := d.AfterState[k]; ok && v != nil && v != "" {
					a[k] = v
				}
			}
		case d.BeforeState == nil && !strings.HasPrefix(d.After, "(binary content not shown"):
			cs.predicted[d.Path] = d
		}
	}
}

// predictConn shows files as earlier check-mode tasks would have left
// them. Commands still run against the real host.
type predictConn struct {
	conn.Conn
	files map[string]modules.Diff
	dirs  map[string]bool
	attrs map[string]map[string]any
}

func (p *predictConn) ReadFile(ctx context.Context, path string, b conn.Become) ([]byte, error) {
	if d, ok := p.files[path]; ok {
		if d.AfterMissing {
			return nil, fs.ErrNotExist
		}
		return []byte(d.After), nil
	}
	return p.Conn.ReadFile(ctx, path, b)
}

func (p *predictConn) Stat(ctx context.Context, path string, b conn.Become) (*conn.FileInfo, error) {
	d, ok := p.files[path]
	if !ok {
		fi, err := p.Conn.Stat(ctx, path, b)
		if err == nil && !fi.Exists && p.dirs[path] {
			fi = &conn.FileInfo{Path: path, Exists: true, IsDir: true, Mode: fs.ModeDir | 0o755}
			p.applyAttrs(fi)
		}
		return fi, err
	}
	if d.AfterMissing {
		return &conn.FileInfo{Path: path}, nil
	}
	fi, err := p.Conn.Stat(ctx, path, b)
	if err != nil {
		return nil, err
	}
	if !fi.Exists {
		fi = &conn.FileInfo{Path: path, Exists: true, Mode: 0o644}
		p.applyAttrs(fi)
	}
	fi.Size = int64(len(d.After))
	return fi, nil
}

// applyAttrs gives a file that only exists in the prediction the owner,
// group and mode the creating task would have set.
func (p *predictConn) applyAttrs(fi *conn.FileInfo) {
	a := p.attrs[fi.Path]
	if s, ok := a["owner"].(string); ok {
		fi.Owner = s
	}
	if s, ok := a["group"].(string); ok {
		fi.Group = s
	}
	if s, ok := a["mode"].(string); ok {
		if m, err := strconv.ParseUint(s, 8, 32); err == nil {
			fi.Mode = fi.Mode&fs.ModeType | fs.FileMode(m)
		}
	}
}

// DialContext keeps the tunnel of the wrapped connection available.
func (p *predictConn) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	if d, ok := p.Conn.(conn.Dialer); ok {
		return d.DialContext(ctx, network, addr)
	}
	return nil, errors.New("this connection cannot open tunnels")
}

// checkFailure turns a check-mode failure on a host with pending changes
// into "would run after" the latest of them: the failure may well be
// caused by what those changes would have done (a package not installed
// yet, a directory not created yet). A module that skipped because it
// cannot check here (a query to a server an earlier task would start) is
// treated the same way: a silent "skipping" would hide that the task runs.
// The latest task that itself predicted a change is named, not one that
// merely waits for it: the reader wants the root (the bootstrap), not the
// previous link of a chain of dependent tasks.
func checkFailure(h *hostState, ir *itemResult) string {
	if h.check == nil || len(h.check.pending) == 0 {
		return ""
	}
	if ir.status != report.StatusFailed && !(ir.status == report.StatusSkipped && ir.checkSkip) {
		return ""
	}
	dep := h.check.pending[len(h.check.pending)-1]
	if n := len(h.check.changed); n > 0 {
		dep = h.check.changed[n-1]
	}
	ir.status = report.StatusWouldRunAfter
	ir.msg = "would run after: " + dep + " (in check mode: " + ir.msg + ")"
	return dep
}
