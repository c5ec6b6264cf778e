package modules

import (
	"context"
	"path"
)

// editFile is the shared flow of lineinfile and blockinfile: read the
// current content (through a symlink), let edit compute the new content,
// then hand the result to putFile. edit gets exists=false for a missing
// file that create=yes allows, and returns the new content and the
// result's message. state=absent on a missing file is a no-op.
func editFile(ctx context.Context, t *Task, p string, present, create bool,
	edit func(content string, exists bool) (string, string, error)) (*Result, error) {
	res := &Result{Data: map[string]any{}}
	fi, err := statRemote(ctx, t, p)
	if err != nil {
		return nil, err
	}
	if fi.IsLink {
		if p, err = realPath(ctx, t, p); err != nil {
			return nil, err
		}
		if fi, err = statRemote(ctx, t, p); err != nil {
			return nil, err
		}
	}
	if fi.IsDir {
		return failf("Path %s is a directory !", p), nil
	}
	if !fi.Exists && !present {
		res.Msg = "file not present"
		res.Data["path"] = p
		return res, nil
	}
	if !fi.Exists && !create {
		return failf("Destination %s does not exist !", p), nil
	}
	var before []byte
	if fi.Exists {
		if before, _, err = readRemote(ctx, t, p); err != nil {
			return nil, err
		}
	}
	after, msg, err := edit(string(before), fi.Exists)
	if err != nil {
		return failf("%v", err), nil
	}
	res.Msg = msg
	attrs := attrsFromArgs(t.Args)
	parentPlanned := false
	if !fi.Exists {
		// create=yes makes missing parent directories too, as Ansible does.
		if parentPlanned, err = ensureDir(ctx, t, res, path.Dir(p), fileAttrs{}, false); err != nil {
			return failf("%v", err), nil
		}
	}
	pr, err := putFile(ctx, t, res, putSpec{
		Path: p, Data: []byte(after), Attrs: attrs, Info: fi, ParentPlanned: parentPlanned,
		Before: before, BeforeKnown: true,
		Backup: Bool(t.Args, "backup"), Validate: Str(t.Args, "validate"),
	})
	if err != nil {
		return failf("%v", err), nil
	}
	d := writeData(p, pr, []byte(after))
	if pr.BackupFile != "" {
		d["backup"] = pr.BackupFile
	}
	d["msg"] = msg
	res.Data = d
	if msg == "" && res.Changed {
		res.Msg = "ownership, perms or SE linux context changed"
	}
	return res, nil
}
