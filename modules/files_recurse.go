package modules

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/playbook/play/engine/conn"
)

// recurseAttrs applies mode/owner/group to everything below dir (file
// state=directory recurse=yes). The tree is listed once with find, each
// entry is planned with the same planAttrs as single files, and the fix is
// one chmod -R / chown -R / chgrp -R per attribute that differs somewhere.
func recurseAttrs(ctx context.Context, t *Task, res *Result, dir string, want fileAttrs) error {
	r, err := runRemote(ctx, t, "find "+shq(dir)+` -mindepth 1 -printf '%y\t%m\t%U\t%G\t%u\t%g\t%p\n'`)
	if err != nil {
		return err
	}
	if r.ExitCode != 0 {
		if t.Check && strings.Contains(string(r.Stderr), "No such file") {
			return nil // the directory is only created by this task
		}
		return fmt.Errorf("find: %s", strings.TrimSpace(string(r.Stderr)))
	}
	differ := map[string]int{}
	var examples []string
	for _, line := range strings.Split(string(r.Stdout), "\n") {
		f := strings.SplitN(line, "\t", 7)
		if len(f) != 7 {
			continue
		}
		mode, _ := strconv.ParseUint(f[1], 8, 32)
		uid, _ := strconv.Atoi(f[2])
		gid, _ := strconv.Atoi(f[3])
		fi := &conn.FileInfo{Path: f[6], Exists: true, Mode: goMode(uint32(mode)), UID: uid, GID: gid,
			Owner: f[4], Group: f[5], IsDir: f[0] == "d", IsLink: f[0] == "l"}
		if fi.IsLink {
			continue // chmod/chown -R leave links alone too
		}
		pl, err := planAttrs(f[6], fi, want)
		if err != nil {
			return err
		}
		for k := range pl.after {
			differ[k]++
		}
		if pl.changed() && len(examples) < 5 {
			examples = append(examples, f[6])
		}
	}
	if len(differ) == 0 {
		return nil
	}
	before, after := map[string]any{}, map[string]any{}
	var cmds []string
	add := func(attr, value, cmd string) {
		if differ[attr] > 0 {
			before[attr] = fmt.Sprintf("(%d entries differ, e.g. %s)", differ[attr], strings.Join(examples, ", "))
			after[attr] = value
			cmds = append(cmds, cmd+" "+shq(value)+" -- "+shq(dir))
		}
	}
	add("mode", want.Mode, "chmod -R")
	add("owner", want.Owner, "chown -R")
	add("group", want.Group, "chgrp -R")
	res.Changed = true
	res.Diffs = append(res.Diffs, stateDiff(dir+"/**", before, after))
	if t.Check {
		return nil
	}
	_, err = runRemoteOK(ctx, t, strings.Join(cmds, " && "))
	return err
}
