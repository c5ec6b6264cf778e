package modules

import (
	"bytes"
	"context"
	"fmt"
	"path"
	"strconv"

	"github.com/playbook/play/engine/conn"
)

// putSpec describes one whole-file write: the single pipeline copy,
// template, lineinfile and blockinfile share (compare, diff, backup,
// validate, atomic write, attribute convergence).
type putSpec struct {
	Path     string
	Data     []byte
	Attrs    fileAttrs
	Backup   bool
	Validate string
	// Before is the current content when the caller already read it
	// (BeforeKnown; lineinfile, blockinfile), so it is not read twice.
	Before      []byte
	BeforeKnown bool
	// BeforeMissing is accepted from callers that track it (sysctl,
	// selinux, my_cnf); putFile's own stat of Path is what decides.
	BeforeMissing bool
	// Info is the current stat when the caller has it.
	Info *conn.FileInfo
	// ParentPlanned says the parent directory is created earlier in the
	// same task (check mode cannot see it yet).
	ParentPlanned bool
}

// putResult is what the pipeline learned, for the module's Data.
type putResult struct {
	Path       string // the path written (symlinks resolved)
	BackupFile string
	Final      *conn.FileInfo // after apply; predicted in check mode
}

// putFile converges one regular file's content and attributes. It records
// diffs and Changed on res, and writes only when !t.Check.
func putFile(ctx context.Context, t *Task, res *Result, s putSpec) (*putResult, error) {
	if err := validMode(s.Attrs.Mode); err != nil {
		return nil, err
	}
	p := s.Path
	fi := s.Info
	var err error
	if fi == nil {
		if fi, err = statRemote(ctx, t, p); err != nil {
			return nil, err
		}
	}
	if fi.IsLink {
		// Write through the link to its target, keeping the link.
		if p, err = realPath(ctx, t, p); err != nil {
			return nil, err
		}
		if fi, err = statRemote(ctx, t, p); err != nil {
			return nil, err
		}
	}
	if fi.Exists && fi.IsDir {
		return nil, fmt.Errorf("%s is a directory", p)
	}
	before, exists := s.Before, fi.Exists
	if exists && !s.BeforeKnown {
		if before, exists, err = readRemote(ctx, t, p); err != nil {
			return nil, err
		}
	}
	out := &putResult{Path: p}
	contentChanged := !exists || !bytes.Equal(before, s.Data)
	if contentChanged {
		res.Changed = true
		res.Diffs = append(res.Diffs, fileDiff(p, before, !exists, s.Data, false))
	}
	if !exists && s.Attrs.any() {
		after, err := predictNew(p, 0o644, false, s.Attrs)
		if err != nil {
			return nil, err
		}
		after["state"] = "file"
		res.Diffs = append(res.Diffs, stateDiff(p, map[string]any{"state": "absent"}, after))
	}
	if !exists && !s.ParentPlanned {
		if err := requireParentDir(ctx, t, p); err != nil {
			return nil, err
		}
	}
	// Attribute changes of an existing file are planned against its state
	// before the write, so check and apply report the same diffs even
	// though the write itself may already set mode/owner.
	if exists && s.Attrs.any() {
		pl, err := planAttrs(p, fi, s.Attrs)
		if err != nil {
			return nil, err
		}
		if pl.changed() {
			res.Changed = true
			res.Diffs = append(res.Diffs, stateDiff(p, pl.before, pl.after))
		}
	}

	if t.Check {
		if err := checkIDs(ctx, t, s.Attrs); err != nil {
			return nil, err
		}
		out.Final = predictFinal(p, fi, s.Data, s.Attrs)
		return out, nil
	}

	if contentChanged {
		if exists && s.Backup {
			if out.BackupFile, err = backupRemote(ctx, t, p); err != nil {
				return nil, err
			}
		}
		if s.Validate != "" {
			if err := validateRemote(ctx, t, p, s.Data, s.Validate); err != nil {
				return nil, err
			}
		}
		opts := conn.WriteOpts{Owner: s.Attrs.Owner, Group: s.Attrs.Group, Become: t.Become}
		if m := s.Attrs.Mode; m != "" && m[0] >= '0' && m[0] <= '9' {
			n, _ := strconv.ParseUint(m, 8, 32)
			opts.Mode = goMode(uint32(n))
		}
		if err := t.Conn.WriteFile(ctx, p, s.Data, opts); err != nil {
			return nil, fmt.Errorf("write %s: %w", p, err)
		}
		if fi, err = statRemote(ctx, t, p); err != nil {
			return nil, err
		}
	}
	// Whatever the write did not already set (a symbolic mode, an
	// unchanged file's attributes) is applied now; the diffs above
	// already describe it.
	out.Final = fi
	if s.Attrs.any() {
		pl, err := planAttrs(p, fi, s.Attrs)
		if err != nil {
			return nil, err
		}
		if pl.changed() {
			if err := pl.apply(ctx, t); err != nil {
				return nil, err
			}
			if out.Final, err = statRemote(ctx, t, p); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// requireParentDir fails like Ansible when the destination's directory is
// missing, instead of letting the write fail with a transport error.
func requireParentDir(ctx context.Context, t *Task, p string) error {
	dir := path.Dir(p)
	fi, err := statRemote(ctx, t, dir)
	if err != nil {
		return err
	}
	if !fi.Exists {
		return fmt.Errorf("destination directory %s does not exist", dir)
	}
	return nil
}

// predictFinal is the check-mode view of the file after the write.
func predictFinal(p string, fi *conn.FileInfo, data []byte, want fileAttrs) *conn.FileInfo {
	f := *fi
	f.Path, f.Exists, f.Size = p, true, int64(len(data))
	if !fi.Exists {
		f.Mode = 0o644
	}
	if want.Mode != "" && want.Mode != "preserve" {
		if m, err := resolveMode(want.Mode, permBits(f.Mode), false); err == nil {
			f.Mode = goMode(m)
		}
	}
	if want.Owner != "" {
		if n, err := strconv.Atoi(want.Owner); err == nil {
			f.UID, f.Owner = n, ""
		} else {
			f.Owner = want.Owner
		}
	}
	if want.Group != "" {
		if n, err := strconv.Atoi(want.Group); err == nil {
			f.GID, f.Group = n, ""
		} else {
			f.Group = want.Group
		}
	}
	return &f
}

// writeData is the registered result of a content module.
func writeData(dest string, pr *putResult, data []byte) map[string]any {
	d := statData(pr.Final)
	d["dest"] = dest
	d["path"] = pr.Path
	d["checksum"] = sha1Hex(data)
	d["size"] = len(data)
	if pr.BackupFile != "" {
		d["backup_file"] = pr.BackupFile
	}
	return d
}
