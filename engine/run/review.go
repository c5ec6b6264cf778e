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
//     skipped silently or guessing. The engine knows two kinds of such
//     dependencies: a registered result of a task that could not run in
//     check mode (a command), and a failure on a host where earlier tasks
//     have pending changes (a service whose package would be installed).
//  2. Files an earlier task would write are visible, with their predicted
//     content, to later tasks of the same host: a lineinfile after a
//     template edits the template's output, not the old file.

// checkState is a host's dry-run bookkeeping.
type checkState struct {
	pending   []string          // tasks with predicted changes, in order
	unknown   map[string]string // register name -> task that could not run
	predicted map[string]modules.Diff
	dirs      map[string]bool // directories a task would create
	attrs     map[string]map[string]any
}

var identRe = regexp.MustCompile(`[A-Za-z_][A-Za-z0-9_]*`)

// dependsOnUnknown returns the task whose unknown result t reads, if any.
func dependsOnUnknown(t *playbook.Task, cs *checkState) string {
	if cs == nil || len(cs.unknown) == 0 {
		return ""
	}
	var texts []string
	for _, c := range t.When {
		texts = append(texts, c.Expr)
	}
	if s, ok := t.Loop.(string); ok {
		texts = append(texts, s)
	}
	collectStrings(t.Args, &texts)
	collectStrings(t.Vars, &texts)
	for _, s := range texts {
		for _, id := range identRe.FindAllString(s, -1) {
			if task, ok := cs.unknown[id]; ok {
				return task
			}
		}
	}
	return ""
}

func collectStrings(v any, out *[]string) {
	switch x := v.(type) {
	case string:
		if strings.Contains(x, "{{") || strings.Contains(x, "{%") {
			*out = append(*out, x)
		}
	case []any:
		for _, it := range x {
			collectStrings(it, out)
		}
	case map[string]any:
		for _, it := range x {
			collectStrings(it, out)
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
	case res.Status == report.StatusWouldRunAfter, oc.checkUnknown:
		if t.Register != "" {
			cs.unknown[t.Register] = name
		}
		if res.Status == report.StatusWouldRunAfter {
			cs.pending = append(cs.pending, name)
		}
	}
	h.predict(res.Diffs)
	for _, it := range res.Items {
		h.predict(it.Diffs)
	}
}

func (h *hostState) checkState() *checkState {
	if h.check == nil {
		h.check = &checkState{unknown: map[string]string{}, predicted: map[string]modules.Diff{},
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
// yet, a directory not created yet).
func checkFailure(h *hostState, ir *itemResult) string {
	if ir.status != report.StatusFailed || h.check == nil || len(h.check.pending) == 0 {
		return ""
	}
	dep := h.check.pending[len(h.check.pending)-1]
	ir.status = report.StatusWouldRunAfter
	ir.msg = "would run after: " + dep + " (in check mode: " + ir.msg + ")"
	return dep
}
