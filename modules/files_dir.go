package modules

import (
	"context"
	"fmt"
	"path"

	"github.com/playbook/play/engine/conn"
)

// ensureDir makes p a directory, creating missing parents like mkdir -p
// and reporting each created component as its own state diff, so a review
// shows exactly which directories appear. With attrsOnParents the wanted
// mode/owner/group are applied to every created component (Ansible's file
// module does this); otherwise only to p. It returns whether p was missing.
func ensureDir(ctx context.Context, t *Task, res *Result, p string, want fileAttrs, attrsOnParents bool) (bool, error) {
	p = path.Clean(p)
	if err := validMode(want.Mode); err != nil {
		return false, err
	}
	// Walk up to the first existing component.
	var missing []string
	cur := p
	var top *conn.FileInfo
	for {
		fi, err := statRemote(ctx, t, cur)
		if err != nil {
			return false, err
		}
		if fi.Exists {
			top = fi
			break
		}
		missing = append(missing, cur)
		parent := path.Dir(cur)
		if parent == cur {
			break
		}
		cur = parent
	}
	if top != nil && !top.IsDir {
		if top.IsLink {
			// A link to a directory is fine as a parent or as p itself
			// (Ansible's follow=yes default).
			real, err := realPath(ctx, t, cur)
			if err != nil {
				return false, err
			}
			fi, err := statRemote(ctx, t, real)
			if err != nil {
				return false, err
			}
			if !fi.IsDir {
				return false, fmt.Errorf("%s exists and is not a directory", cur)
			}
			if len(missing) == 0 {
				return false, convergeAttrs(ctx, t, res, real, fi, want)
			}
		} else {
			return false, fmt.Errorf("%s already exists as a %s, not a directory", cur, fileState(top))
		}
	}
	if len(missing) == 0 {
		return false, convergeAttrs(ctx, t, res, p, top, want)
	}
	// Create from the top down.
	for i := len(missing) - 1; i >= 0; i-- {
		d := missing[i]
		w := fileAttrs{}
		if attrsOnParents || d == p {
			w = want
		}
		if err := newDirDiff(res, d, w); err != nil {
			return false, err
		}
		if t.Check {
			if err := checkIDs(ctx, t, w); err != nil {
				return false, err
			}
			continue
		}
		if done, err := mkdirDirect(ctx, t, d); !done {
			if _, err := runRemoteOK(ctx, t, "mkdir -- "+shq(d)); err != nil {
				return false, err
			}
		} else if err != nil {
			return false, err
		}
		if w.any() {
			fi, err := statRemote(ctx, t, d)
			if err != nil {
				return false, err
			}
			pl, err := planAttrs(d, fi, w)
			if err != nil {
				return false, err
			}
			if err := pl.apply(ctx, t); err != nil {
				return false, err
			}
		}
	}
	return true, nil
}

// newDirDiff records the creation of directory d with attributes w.
func newDirDiff(res *Result, d string, w fileAttrs) error {
	after, err := predictNew(d, 0o755, true, w)
	if err != nil {
		return err
	}
	after["state"] = "directory"
	res.Changed = true
	res.Diffs = append(res.Diffs, stateDiff(d, map[string]any{"state": "absent"}, after))
	return nil
}
