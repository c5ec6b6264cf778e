package modules

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/playbook/play/engine/conn"
)

func init() { Register(&copyModule{}) }

// copyModule copies a controller file, a controller tree, literal content
// or (remote_src) a host file to a path on the host.
type copyModule struct{}

// writeParams are the params copy and template share with the write
// pipeline.
func writeParams() []Param {
	return append(attrParams(),
		Param{Name: "backup", Type: TypeBool, Default: false, Help: "keep a timestamped copy of the old file (dest.<pid>.<date>~)"},
		Param{Name: "force", Type: TypeBool, Default: true, Aliases: []string{"thirsty"}, Help: "replace a file whose content differs; no = only create missing files"},
		Param{Name: "validate", Help: "command run on the new content before it replaces dest; %s is the temp file (e.g. 'visudo -cf %s')"},
		Param{Name: "unsafe_writes", Type: TypeBool, Default: false, Help: "accepted for compatibility; writes are always atomic"},
	)
}

func (copyModule) Spec() *Spec {
	return &Spec{
		Name: "copy",
		Doc:  "Copy files, directory trees or literal content to the host",
		Params: append([]Param{
			{Name: "src", Type: TypePath, Help: "file or directory on the controller (searched in files/); a trailing / copies a directory's contents"},
			{Name: "content", Type: TypeRaw, Help: "literal content for dest (non-strings are written as JSON)"},
			{Name: "dest", Type: TypePath, Required: true, Help: "path on the host; an existing directory or a trailing / means dest/<basename of src>"},
			{Name: "remote_src", Type: TypeBool, Default: false, Help: "src is a file on the host, not the controller"},
			{Name: "directory_mode", Type: TypeMode, Help: "mode of directories created when copying a tree"},
			{Name: "follow", Type: TypeBool, Default: false, Help: "accepted for compatibility; symlinked destinations are always written through"},
			{Name: "local_follow", Type: TypeBool, Default: true, Help: "follow symlinks in a controller src"},
		}, writeParams()...),
		MutuallyExclusive: [][]string{{"src", "content"}},
		RequiredOneOf:     [][]string{{"src", "content"}},
	}
}

func (m copyModule) Run(ctx context.Context, t *Task) (*Result, error) {
	names := []string{"dest"}
	if Bool(t.Args, "remote_src") {
		names = append(names, "src") // otherwise src is a controller path
	}
	t, err := withHostPaths(ctx, t, names...)
	if err != nil {
		return failf("%v", err), nil
	}
	res := &Result{Data: map[string]any{}}
	dest := Str(t.Args, "dest")
	attrs := attrsFromArgs(t.Args)
	switch {
	case Has(t.Args, "content"):
		data, err := contentBytes(t.Args["content"])
		if err != nil {
			return nil, err
		}
		if strings.HasSuffix(dest, "/") {
			return failf("can not use content with a dir as dest"), nil
		}
		fi, err := statRemote(ctx, t, dest)
		if err != nil {
			return nil, err
		}
		if fi.IsDir {
			return failf("can not use content with a dir as dest"), nil
		}
		return copyOne(ctx, t, res, dest, fi, data, attrs, false, "")
	case Bool(t.Args, "remote_src"):
		return m.remote(ctx, t, res, dest, attrs)
	}
	src := Str(t.Args, "src")
	local, err := findFile(t, "files", src)
	if err != nil {
		return failf("could not find src=%s: %v", src, err), nil
	}
	st, err := os.Stat(local)
	if err != nil {
		return failf("could not find src=%s: %v", src, err), nil
	}
	if st.IsDir() {
		return copyTree(ctx, t, res, local, strings.HasSuffix(src, "/"), dest, attrs)
	}
	data, err := os.ReadFile(local)
	if err != nil {
		return nil, err
	}
	if attrs.Mode == "preserve" {
		attrs.Mode = octal(permBits(st.Mode()))
	}
	final, info, planned, err := fileDest(ctx, t, res, dest, path.Base(filepath.ToSlash(local)))
	if err != nil {
		return failf("%v", err), nil
	}
	return copyOne(ctx, t, res, final, info, data, attrs, planned, local)
}

// remote copies a file that is already on the host.
func (copyModule) remote(ctx context.Context, t *Task, res *Result, dest string, attrs fileAttrs) (*Result, error) {
	src := Str(t.Args, "src")
	fi, err := statRemote(ctx, t, src)
	if err != nil {
		return nil, err
	}
	if !fi.Exists {
		return failf("Source %s not found", src), nil
	}
	if fi.IsDir {
		return failf("remote_src with a directory src is not supported; use the command module with cp -a"), nil
	}
	data, _, err := readRemote(ctx, t, src)
	if err != nil {
		return nil, err
	}
	if attrs.Mode == "preserve" {
		attrs.Mode = octal(permBits(fi.Mode))
	}
	final, info, planned, err := fileDest(ctx, t, res, dest, path.Base(src))
	if err != nil {
		return failf("%v", err), nil
	}
	return copyOne(ctx, t, res, final, info, data, attrs, planned, src)
}

// fileDest applies Ansible's destination rules for a single source file:
// an existing directory or a trailing slash means dest/<base>, and a
// trailing-slash directory that is missing is created. When the final
// path is dest itself, its stat is returned too, so it is not asked again.
func fileDest(ctx context.Context, t *Task, res *Result, dest, base string) (string, *conn.FileInfo, bool, error) {
	if strings.HasSuffix(dest, "/") {
		created, err := ensureDir(ctx, t, res, dest, fileAttrs{Mode: Str(t.Args, "directory_mode")}, false)
		return path.Join(dest, base), nil, created, err
	}
	fi, err := statRemote(ctx, t, dest)
	if err != nil {
		return "", nil, false, err
	}
	if fi.IsDir {
		return path.Join(dest, base), nil, false, nil
	}
	return dest, fi, false, nil
}

// copyOne converges one file. info is dest's current stat when the caller
// just took it (nil: copyOne stats): nothing on the host changes between
// the two, and each stat is a round trip.
func copyOne(ctx context.Context, t *Task, res *Result, dest string, info *conn.FileInfo, data []byte, attrs fileAttrs, parentPlanned bool, src string) (*Result, error) {
	if !Bool(t.Args, "force") {
		fi := info
		if fi == nil {
			var err error
			if fi, err = statRemote(ctx, t, dest); err != nil {
				return nil, err
			}
		}
		if fi.Exists {
			res.Msg = "dest exists and force=no: not replaced"
			res.Data = statData(fi)
			res.Data["dest"] = dest
			return res, nil
		}
	}
	pr, err := putFile(ctx, t, res, putSpec{
		Path: dest, Data: data, Attrs: attrs, ParentPlanned: parentPlanned, Info: info,
		Backup: Bool(t.Args, "backup"), Validate: Str(t.Args, "validate"),
	})
	if err != nil {
		return failf("%v", err), nil
	}
	d := writeData(dest, pr, data)
	if src != "" {
		d["src"] = src
	}
	for k, v := range res.Data {
		d[k] = v
	}
	res.Data = d
	return res, nil
}

// copyTree copies a controller directory. With contentsOnly (src ended in
// "/") the directory's entries land in dest; otherwise dest/<basename>.
func copyTree(ctx context.Context, t *Task, res *Result, local string, contentsOnly bool, dest string, attrs fileAttrs) (*Result, error) {
	root := dest
	if !contentsOnly {
		root = path.Join(dest, filepath.Base(local))
	}
	dirAttrs := fileAttrs{Mode: Str(t.Args, "directory_mode"), Owner: attrs.Owner, Group: attrs.Group}
	created := map[string]bool{}
	var files []string
	err := filepath.WalkDir(local, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(local, p)
		target := path.Join(root, filepath.ToSlash(rel))
		if d.IsDir() {
			if t.Check && created[path.Dir(target)] {
				// The parent only exists in the plan: so will this one.
				created[target] = true
				return newDirDiff(res, target, dirAttrs)
			}
			c, err := ensureDir(ctx, t, res, target, dirAttrs, false)
			created[target] = c || created[path.Dir(target)]
			return err
		}
		fi, err := os.Stat(p) // follows symlinks (local_follow)
		if err != nil {
			return err
		}
		if fi.IsDir() {
			return fmt.Errorf("%s: symlinked directories are not copied", p)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		a := attrs
		if a.Mode == "preserve" {
			a.Mode = octal(permBits(fi.Mode()))
		}
		if !Bool(t.Args, "force") {
			if cur, err := statRemote(ctx, t, target); err != nil {
				return err
			} else if cur.Exists {
				return nil
			}
		}
		_, err = putFile(ctx, t, res, putSpec{Path: target, Data: data, Attrs: a,
			ParentPlanned: created[path.Dir(target)], Backup: Bool(t.Args, "backup"), Validate: Str(t.Args, "validate")})
		files = append(files, target)
		return err
	})
	if err != nil {
		return failf("%v", err), nil
	}
	res.Data = map[string]any{"dest": root, "src": local, "files": files}
	return res, nil
}

// contentBytes converts copy's content to bytes: strings as they are,
// other YAML values as JSON (Ansible does the same for dicts and lists).
func contentBytes(v any) ([]byte, error) {
	if s, ok := v.(string); ok {
		return []byte(s), nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("content: %v", err)
	}
	return b, nil
}

// findFile resolves a controller src; without a resolver (tools calling a
// module directly) the path is used as given.
func findFile(t *Task, kind, name string) (string, error) {
	if t.FindFile == nil {
		return name, nil
	}
	return t.FindFile(kind, name)
}
