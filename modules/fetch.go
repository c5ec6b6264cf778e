package modules

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"
)

func init() { Register(&fetchModule{}) }

// fetchModule copies a file from the host to the controller, by default
// into dest/<inventory_hostname>/<src path> so hosts never overwrite each
// other's copies.
type fetchModule struct{}

func (fetchModule) Spec() *Spec {
	return &Spec{
		Name: "fetch",
		Doc:  "Fetch a file from the host to the controller",
		Params: []Param{
			{Name: "src", Type: TypePath, Required: true, Help: "file on the host"},
			{Name: "dest", Type: TypePath, Required: true, Help: "directory on the controller (or, with flat=yes, the file; a trailing / means dest/<basename>)"},
			{Name: "flat", Type: TypeBool, Default: false, Help: "do not add <host>/<src path> under dest"},
			{Name: "fail_on_missing", Type: TypeBool, Default: true, Help: "fail when src does not exist"},
			{Name: "validate_checksum", Type: TypeBool, Default: true, Aliases: []string{"validate_md5"}, Help: "compare the host's sha1sum with what arrived"},
		},
	}
}

// fetchDest computes the controller path Ansible would use.
func fetchDest(dest, src, host string, flat bool) string {
	if strings.HasPrefix(dest, "~/") {
		if home, err := os.UserHomeDir(); err == nil {
			dest = filepath.Join(home, dest[2:])
		}
	}
	if flat {
		if strings.HasSuffix(dest, "/") {
			return filepath.Join(dest, path.Base(src))
		}
		return dest
	}
	return filepath.Join(dest, host, filepath.FromSlash(path.Clean("/"+src)))
}

func (fetchModule) Run(ctx context.Context, t *Task) (*Result, error) {
	t, err := withHostPaths(ctx, t, "src")
	if err != nil {
		return failf("%v", err), nil
	}
	src := Str(t.Args, "src")
	dest := fetchDest(Str(t.Args, "dest"), src, t.Host, Bool(t.Args, "flat"))
	res := &Result{Data: map[string]any{"dest": dest, "file": src}}
	fi, err := statRemote(ctx, t, src)
	if err != nil {
		return nil, err
	}
	if fi.IsDir {
		return failf("remote file is a directory, fetch cannot work on directories"), nil
	}
	if !fi.Exists {
		msg := "the remote file does not exist, not transferring, ignored"
		if Bool(t.Args, "fail_on_missing") {
			return failf("%s", msg), nil
		}
		res.Msg = msg
		return res, nil
	}
	data, _, err := readRemote(ctx, t, src)
	if err != nil {
		return nil, err
	}
	sum := sha1Hex(data)
	if Bool(t.Args, "validate_checksum") {
		out, err := runRemoteOK(ctx, t, "sha1sum < "+shq(src))
		if err != nil {
			return nil, err
		}
		if remote := strings.Fields(out); len(remote) == 0 || remote[0] != sum {
			return failf("checksum mismatch: %s changed while it was fetched (or the transfer was corrupted)", src), nil
		}
	}
	m := md5.Sum(data)
	res.Data["checksum"] = sum
	res.Data["remote_checksum"] = sum
	res.Data["md5sum"] = hex.EncodeToString(m[:])
	res.Data["remote_md5sum"] = nil

	local, err := os.ReadFile(dest)
	exists := err == nil
	if err != nil && !os.IsNotExist(err) {
		return failf("read %s: %v", dest, err), nil
	}
	if exists && sha1Hex(local) == sum {
		return res, nil
	}
	res.Changed = true
	// The file is on the controller: the label says so, and keeps the
	// engine from mistaking it for a host path in check-mode predictions.
	res.Diffs = append(res.Diffs, fileDiff("controller:"+dest, local, !exists, data, false))
	if t.Check {
		return res, nil
	}
	if err := writeLocalAtomic(dest, data); err != nil {
		return failf("%v", err), nil
	}
	return res, nil
}

// writeLocalAtomic writes a controller file so readers never see half of
// it: temp file in the same directory, fsync, rename.
func writeLocalAtomic(dest string, data []byte) error {
	dir := filepath.Dir(dest)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(dest)+".play-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp) // no-op after a successful rename
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", dest, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Chmod(0o644); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, dest)
}
