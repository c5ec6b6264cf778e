package modules

import (
	"context"
	"path"
	"strings"

	"github.com/playbook/play/engine/conn"
)

func init() { Register(&fileModule{}) }

// fileModule manages what is at a path: a file's attributes, directories,
// symlinks, hard links, removal and touch.
type fileModule struct{}

func (fileModule) Spec() *Spec {
	return &Spec{
		Name: "file",
		Doc:  "Manage files, directories, links and their attributes",
		Params: append([]Param{
			{Name: "path", Type: TypePath, Required: true, Aliases: []string{"dest", "name"}, Help: "path on the host"},
			{Name: "state", Choices: []string{"absent", "directory", "file", "hard", "link", "touch"},
				Help: "default: the current state if the path exists, else file (which fails on a missing path)"},
			{Name: "recurse", Type: TypeBool, Default: false, Help: "apply mode/owner/group to everything under a directory"},
			{Name: "src", Type: TypePath, Help: "target of a link or hard link (relative link targets are relative to path's directory)"},
			{Name: "force", Type: TypeBool, Default: false, Help: "replace an existing file or empty directory by a link; create links to missing targets"},
			{Name: "follow", Type: TypeBool, Default: true, Help: "act on a symlink's target rather than the link"},
			{Name: "modification_time", Help: "'now', 'preserve' or a time in modification_time_format"},
			{Name: "modification_time_format", Default: "%Y%m%d%H%M.%S"},
			{Name: "access_time", Help: "'now', 'preserve' or a time in access_time_format"},
			{Name: "access_time_format", Default: "%Y%m%d%H%M.%S"},
			{Name: "unsafe_writes", Type: TypeBool, Default: false, Help: "accepted for compatibility"},
		}, attrParams()...),
	}
}

func (m fileModule) Run(ctx context.Context, t *Task) (*Result, error) {
	t, err := withHostPaths(ctx, t, "path", "src")
	if err != nil {
		return failf("%v", err), nil
	}
	res := &Result{Data: map[string]any{}}
	p := path.Clean(Str(t.Args, "path"))
	attrs := attrsFromArgs(t.Args)
	if err := validMode(attrs.Mode); err != nil {
		return failf("%v", err), nil
	}
	fi, err := statRemote(ctx, t, p)
	if err != nil {
		return nil, err
	}
	prev := fileState(fi)
	state := Str(t.Args, "state")
	if state == "" {
		switch {
		case prev != "absent":
			state = prev
		case Bool(t.Args, "recurse"):
			state = "directory"
		default:
			state = "file"
		}
	}
	if Bool(t.Args, "recurse") && state != "directory" {
		return failf("recurse option requires state to be 'directory'"), nil
	}
	if Has(t.Args, "src") && state != "link" && state != "hard" {
		return failf("src option requires state to be 'link' or 'hard'"), nil
	}
	var r *Result
	switch state {
	case "absent":
		r, err = m.absent(ctx, t, res, p, fi)
	case "file":
		r, err = m.file(ctx, t, res, p, fi, attrs)
	case "directory":
		r, err = m.directory(ctx, t, res, p, attrs)
	case "link":
		r, err = m.link(ctx, t, res, p, fi, attrs)
	case "hard":
		r, err = m.hard(ctx, t, res, p, fi, attrs)
	case "touch":
		r, err = m.touch(ctx, t, res, p, fi, attrs)
	}
	if err != nil || r.Failed {
		return r, err
	}
	if state != "absent" && state != "touch" {
		if err := fileTimes(ctx, t, res, p, false); err != nil {
			return failf("%v", err), nil
		}
	}
	// Unchanged, the path is as the first stat saw it: no second look.
	known := fi
	if r.Changed {
		known = nil
	}
	return m.data(ctx, t, r, p, state, known)
}

// data fills the registered result with the path's final state (or, in
// check mode, the current one with the desired state). fi is that state
// when the caller knows it (nothing was changed), else it is read.
func (fileModule) data(ctx context.Context, t *Task, res *Result, p, state string, fi *conn.FileInfo) (*Result, error) {
	if fi == nil {
		var err error
		if fi, err = statRemote(ctx, t, p); err != nil {
			return nil, err
		}
	}
	d := statData(fi)
	for k, v := range res.Data {
		d[k] = v
	}
	d["path"] = p
	d["state"] = state
	res.Data = d
	return res, nil
}

func (fileModule) absent(ctx context.Context, t *Task, res *Result, p string, fi *conn.FileInfo) (*Result, error) {
	if !fi.Exists {
		return res, nil
	}
	res.Changed = true
	res.Diffs = append(res.Diffs, stateDiff(p, map[string]any{"state": fileState(fi)}, map[string]any{"state": "absent"}))
	if !t.Check {
		if _, err := runRemoteOK(ctx, t, "rm -rf -- "+shq(p)); err != nil {
			return failf("%v", err), nil
		}
	}
	return res, nil
}

func (fileModule) file(ctx context.Context, t *Task, res *Result, p string, fi *conn.FileInfo, attrs fileAttrs) (*Result, error) {
	if !fi.Exists {
		return failf("file (%s) is absent, cannot continue", p), nil
	}
	target, tfi, err := followLink(ctx, t, p, fi)
	if err != nil {
		return nil, err
	}
	if tfi.IsDir {
		return failf("file (%s) is directory, cannot continue", p), nil
	}
	if !tfi.Exists {
		return failf("file (%s) is a link to a missing target, cannot continue", p), nil
	}
	return res, convergeAttrs(ctx, t, res, target, tfi, attrs)
}

// followLink resolves p when it is a symlink and follow=yes.
func followLink(ctx context.Context, t *Task, p string, fi *conn.FileInfo) (string, *conn.FileInfo, error) {
	if !fi.IsLink || !Bool(t.Args, "follow") {
		return p, fi, nil
	}
	target, err := realPath(ctx, t, p)
	if err != nil {
		return "", nil, err
	}
	tfi, err := statRemote(ctx, t, target)
	return target, tfi, err
}

func (fileModule) directory(ctx context.Context, t *Task, res *Result, p string, attrs fileAttrs) (*Result, error) {
	if _, err := ensureDir(ctx, t, res, p, attrs, true); err != nil {
		return failf("%v", err), nil
	}
	if Bool(t.Args, "recurse") && attrs.any() {
		if err := recurseAttrs(ctx, t, res, p, attrs); err != nil {
			return failf("%v", err), nil
		}
	}
	return res, nil
}

func (fileModule) link(ctx context.Context, t *Task, res *Result, p string, fi *conn.FileInfo, attrs fileAttrs) (*Result, error) {
	src := Str(t.Args, "src")
	if src == "" {
		if !fi.IsLink {
			return failf("src is required for state=link"), nil
		}
		src = fi.LinkTarget
	}
	force := Bool(t.Args, "force")
	abs := src
	if !path.IsAbs(src) {
		abs = path.Join(path.Dir(p), src)
	}
	sfi, err := statRemote(ctx, t, abs)
	if err != nil {
		return nil, err
	}
	if !sfi.Exists && !force {
		return failf("src file does not exist, use \"force=yes\" if you really want to create the link: %s", abs), nil
	}
	if !sfi.Exists {
		res.Warnings = append(res.Warnings, "link target "+abs+" does not exist")
	}
	cmd := ""
	switch {
	case fi.IsLink && fi.LinkTarget == src:
	case fi.IsLink:
		cmd = "ln -sfn -- " + shq(src) + " " + shq(p)
	case !fi.Exists:
		cmd = "ln -s -- " + shq(src) + " " + shq(p)
	case !force:
		return failf("refusing to convert from %s to symlink for %s", fileState(fi), p), nil
	case fi.IsDir:
		// Only an empty directory may be replaced (rmdir fails otherwise).
		cmd = "rmdir -- " + shq(p) + " && ln -s -- " + shq(src) + " " + shq(p)
	default:
		cmd = "rm -f -- " + shq(p) + " && ln -s -- " + shq(src) + " " + shq(p)
	}
	if cmd != "" {
		if fi.IsDir && t.Check {
			if out, err := runRemoteOK(ctx, t, "ls -A -- "+shq(p)); err != nil {
				return nil, err
			} else if strings.TrimSpace(out) != "" {
				return failf("the directory %s is not empty, refusing to convert it", p), nil
			}
		}
		before := map[string]any{"state": fileState(fi)}
		if fi.IsLink {
			before["src"] = fi.LinkTarget
		}
		res.Changed = true
		res.Diffs = append(res.Diffs, stateDiff(p, before, map[string]any{"state": "link", "src": src}))
		if t.Check {
			return res, checkIDs(ctx, t, attrs)
		}
		done := false
		if !fi.Exists {
			// A new link is one request where the connection can.
			if done, err = symlinkDirect(ctx, t, src, p); done && err != nil {
				return failf("%v", err), nil
			}
		}
		if !done {
			if _, err := runRemoteOK(ctx, t, cmd); err != nil {
				return failf("%v", err), nil
			}
		}
		if fi, err = statRemote(ctx, t, p); err != nil {
			return nil, err
		}
	}
	// A link has no mode of its own on Linux; owner/group apply with -h.
	return res, convergeAttrs(ctx, t, res, p, fi, fileAttrs{Owner: attrs.Owner, Group: attrs.Group})
}

func (fileModule) hard(ctx context.Context, t *Task, res *Result, p string, fi *conn.FileInfo, attrs fileAttrs) (*Result, error) {
	src := Str(t.Args, "src")
	if src == "" {
		return failf("src is required for state=hard"), nil
	}
	if !path.IsAbs(src) {
		src = path.Join(path.Dir(p), src)
	}
	sfi, err := statRemote(ctx, t, src)
	if err != nil {
		return nil, err
	}
	if !sfi.Exists {
		return failf("src does not exist: %s", src), nil
	}
	same := false
	if fi.Exists {
		out, err := runRemoteOK(ctx, t, "stat -c %d:%i -- "+shq(src)+" "+shq(p))
		if err != nil {
			return nil, err
		}
		ids := strings.Fields(out)
		same = len(ids) == 2 && ids[0] == ids[1]
		if !same && fi.IsDir {
			return failf("%s is a directory, cannot make it a hard link", p), nil
		}
		if !same && !Bool(t.Args, "force") {
			return failf("Cannot link, %s exists at destination %s (use force=yes)", fileState(fi), p), nil
		}
	}
	if !same {
		res.Changed = true
		res.Diffs = append(res.Diffs, stateDiff(p, map[string]any{"state": fileState(fi)}, map[string]any{"state": "hard", "src": src}))
		if t.Check {
			return res, checkIDs(ctx, t, attrs)
		}
		if _, err := runRemoteOK(ctx, t, "ln -f -- "+shq(src)+" "+shq(p)); err != nil {
			return failf("%v", err), nil
		}
		if fi, err = statRemote(ctx, t, p); err != nil {
			return nil, err
		}
	}
	return res, convergeAttrs(ctx, t, res, p, fi, attrs)
}

// touch creates a missing file, or updates the timestamps of an existing
// one (always a change, as in Ansible, unless both times are 'preserve').
func (fileModule) touch(ctx context.Context, t *Task, res *Result, p string, fi *conn.FileInfo, attrs fileAttrs) (*Result, error) {
	if !fi.Exists {
		after, err := predictNew(p, 0o644, false, attrs)
		if err != nil {
			return failf("%v", err), nil
		}
		// A new empty file, shown like any created file (which also lets
		// later check-mode tasks see it).
		res.Changed = true
		res.Diffs = append(res.Diffs, fileDiff(p, nil, true, nil, false))
		if attrs.any() {
			after["state"] = "file"
			res.Diffs = append(res.Diffs, stateDiff(p, map[string]any{"state": "absent"}, after))
		}
		if t.Check {
			return res, checkIDs(ctx, t, attrs)
		}
		if _, err := runRemoteOK(ctx, t, "touch -- "+shq(p)); err != nil {
			return failf("%v", err), nil
		}
		nfi, err := statRemote(ctx, t, p)
		if err != nil {
			return nil, err
		}
		pl, err := planAttrs(p, nfi, attrs)
		if err != nil {
			return nil, err
		}
		if err := pl.apply(ctx, t); err != nil {
			return failf("%v", err), nil
		}
		return res, nil
	}
	target, tfi, err := followLink(ctx, t, p, fi)
	if err != nil {
		return nil, err
	}
	if err := fileTimes(ctx, t, res, target, true); err != nil {
		return failf("%v", err), nil
	}
	return res, convergeAttrs(ctx, t, res, target, tfi, attrs)
}
