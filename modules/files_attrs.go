package modules

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/playbook/play/engine/conn"
)

// fileAttrs are the mode/owner/group parameters every file-writing module
// takes. Empty fields are "leave as is".
type fileAttrs struct {
	Mode, Owner, Group string
}

func attrsFromArgs(args map[string]any) fileAttrs {
	return fileAttrs{Mode: Str(args, "mode"), Owner: Str(args, "owner"), Group: Str(args, "group")}
}

func (a fileAttrs) any() bool { return a.Mode != "" || a.Owner != "" || a.Group != "" }

// attrParams are the Spec entries for mode/owner/group, shared so every
// module documents them the same way.
func attrParams() []Param {
	return []Param{
		{Name: "mode", Type: TypeMode, Help: "permissions: octal ('0644') or symbolic ('u=rw,g=r,o=', 'u+x')"},
		{Name: "owner", Help: "user name or uid that should own the file"},
		{Name: "group", Help: "group name or gid that should own the file"},
	}
}

// attrPlan is what attribute convergence would do to one path.
type attrPlan struct {
	path          string
	before, after map[string]any
	cmds          []string
	// chmodOnly: the plan is a mode change alone (mode holds it), which
	// a PathOps connection applies without a command.
	chmodOnly bool
	mode      uint32
}

func (p *attrPlan) changed() bool { return len(p.cmds) > 0 }

// planAttrs compares a path's current attributes with want. Symlinks get
// no chmod (Linux cannot change a link's mode) and chown -h.
func planAttrs(path string, fi *conn.FileInfo, want fileAttrs) (*attrPlan, error) {
	p := &attrPlan{path: path, before: map[string]any{}, after: map[string]any{}}
	if want.Mode != "" && want.Mode != "preserve" && !fi.IsLink {
		cur := permBits(fi.Mode)
		nm, err := resolveMode(want.Mode, cur, fi.IsDir)
		if err != nil {
			return nil, err
		}
		if nm != cur {
			p.before["mode"], p.after["mode"] = octal(cur), octal(nm)
			p.cmds = append(p.cmds, "chmod "+octal(nm)+" -- "+shq(path))
			p.chmodOnly, p.mode = true, nm
		}
	}
	h := ""
	if fi.IsLink {
		h = "-h "
	}
	if want.Owner != "" && !idMatches(want.Owner, fi.Owner, fi.UID) {
		p.chmodOnly = false
		p.before["owner"], p.after["owner"] = nameOr(fi.Owner, fi.UID), want.Owner
		p.cmds = append(p.cmds, "chown "+h+shq(want.Owner)+" -- "+shq(path))
	}
	if want.Group != "" && !idMatches(want.Group, fi.Group, fi.GID) {
		p.chmodOnly = false
		p.before["group"], p.after["group"] = nameOr(fi.Group, fi.GID), want.Group
		p.cmds = append(p.cmds, "chgrp "+h+shq(want.Group)+" -- "+shq(path))
	}
	return p, nil
}

// idMatches compares a wanted owner (name or numeric id) with the current.
func idMatches(want, name string, id int) bool {
	if n, err := strconv.Atoi(want); err == nil {
		return n == id
	}
	return want == name
}

func nameOr(name string, id int) string {
	if name != "" {
		return name
	}
	return strconv.Itoa(id)
}

// apply runs the plan's commands on the host.
func (p *attrPlan) apply(ctx context.Context, t *Task) error {
	if !p.changed() {
		return nil
	}
	if p.chmodOnly {
		if done, err := chmodDirect(ctx, t, p.path, p.mode); done {
			return err
		}
	}
	_, err := runRemoteOK(ctx, t, strings.Join(p.cmds, " && "))
	return err
}

// checkIDs makes check mode fail like apply would when the wanted owner or
// group does not exist on the host, so a review never shows a change that
// cannot happen.
func checkIDs(ctx context.Context, t *Task, want fileAttrs) error {
	for _, q := range []struct{ db, name string }{{"passwd", want.Owner}, {"group", want.Group}} {
		if q.name == "" {
			continue
		}
		if _, err := strconv.Atoi(q.name); err == nil {
			continue
		}
		r, err := runRemote(ctx, t, "getent "+q.db+" "+shq(q.name))
		if err != nil {
			return err
		}
		if r.ExitCode != 0 {
			kind := "user"
			if q.db == "group" {
				kind = "group"
			}
			return fmt.Errorf("%s '%s' does not exist on the host", kind, q.name)
		}
	}
	return nil
}

// convergeAttrs is the one implementation of mode/owner/group convergence:
// it records a state diff, sets Changed and, outside check mode, applies.
// fi is the path's current (existing) state.
func convergeAttrs(ctx context.Context, t *Task, res *Result, path string, fi *conn.FileInfo, want fileAttrs) error {
	if !want.any() {
		return nil
	}
	p, err := planAttrs(path, fi, want)
	if err != nil {
		return err
	}
	if !p.changed() {
		return nil
	}
	res.Changed = true
	res.Diffs = append(res.Diffs, stateDiff(path, p.before, p.after))
	if t.Check {
		return checkIDs(ctx, t, want)
	}
	return p.apply(ctx, t)
}

// predictNew is the state a path created with default mode def would have
// after convergence to want; used for check-mode results and for the
// attribute part of a creation diff.
func predictNew(path string, def uint32, isDir bool, want fileAttrs) (map[string]any, error) {
	after := map[string]any{}
	if want.Mode != "" && want.Mode != "preserve" {
		m, err := resolveMode(want.Mode, def, isDir)
		if err != nil {
			return nil, err
		}
		after["mode"] = octal(m)
	}
	if want.Owner != "" {
		after["owner"] = want.Owner
	}
	if want.Group != "" {
		after["group"] = want.Group
	}
	return after, nil
}
