package modules

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"

	"github.com/playbook/play/engine/conn"
)

// ftEnv is where controller-side files (files/, templates/) live for a test.
type ftEnv struct {
	t    *testing.T
	c    conn.Conn
	ctrl string // controller directory: src paths resolve here
	vars map[string]string
}

func newFTEnv(t *testing.T) *ftEnv {
	return &ftEnv{t: t, c: sysLocal(t), ctrl: t.TempDir(), vars: map[string]string{}}
}

// run normalizes args like the engine does and runs the module.
func (e *ftEnv) run(name string, args map[string]any, check bool) (*Result, error) {
	e.t.Helper()
	m, ok := Get(name)
	if !ok {
		e.t.Fatalf("module %s not registered", name)
	}
	norm, errs := Normalize(m.Spec(), args, false)
	if len(errs) > 0 {
		e.t.Fatalf("%s: Normalize(%v): %v", name, args, errs[0])
	}
	task := &Task{
		Host: "local", Conn: e.c, Args: norm, Check: check, Diff: true,
		FindFile: func(kind, n string) (string, error) {
			p := n
			if !filepath.IsAbs(n) {
				p = filepath.Join(e.ctrl, kind, n)
			}
			if _, err := os.Stat(p); err != nil {
				return "", err
			}
			return p, nil
		},
		// A stand-in for the template engine: {{ name }} substitution is
		// all these tests need to see that template renders via t.Render.
		Render: func(text string) (string, error) {
			for k, v := range e.vars {
				text = strings.ReplaceAll(text, "{{ "+k+" }}", v)
			}
			return text, nil
		},
	}
	return m.Run(context.Background(), task)
}

// must runs a module and fails the test on error or a failed result.
func (e *ftEnv) must(name string, args map[string]any, check bool) *Result {
	e.t.Helper()
	r, err := e.run(name, args, check)
	if err != nil {
		e.t.Fatalf("%s %v: %v", name, args, err)
	}
	if r.Failed {
		e.t.Fatalf("%s %v failed: %s", name, args, r.Msg)
	}
	return r
}

// failed runs a module that must fail and returns its message.
func (e *ftEnv) failed(name string, args map[string]any, check bool) string {
	e.t.Helper()
	r, err := e.run(name, args, check)
	if err != nil {
		return err.Error()
	}
	if !r.Failed {
		e.t.Fatalf("%s %v: expected failure, got changed=%v", name, args, r.Changed)
	}
	return r.Msg
}

// ctrlFile writes a controller-side file (files/x, templates/x).
func (e *ftEnv) ctrlFile(rel, content string, mode fs.FileMode) string {
	p := filepath.Join(e.ctrl, rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		e.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), mode); err != nil {
		e.t.Fatal(err)
	}
	return p
}

// treeSum fingerprints a directory tree: names, types, modes, owners,
// link targets, content and mtimes. Check mode must leave it identical.
func treeSum(t *testing.T, root string) string {
	t.Helper()
	var lines []string
	err := filepath.Walk(root, func(p string, fi fs.FileInfo, err error) error {
		if err != nil {
			return err
		}
		st := fi.Sys().(*syscall.Stat_t)
		line := fmt.Sprintf("%s %v %d:%d %d", p, fi.Mode(), st.Uid, st.Gid, fi.ModTime().UnixNano())
		switch {
		case fi.Mode()&fs.ModeSymlink != 0:
			target, _ := os.Readlink(p)
			line += " -> " + target
		case fi.Mode().IsRegular():
			b, _ := os.ReadFile(p)
			h := sha256.Sum256(b)
			line += " " + hex.EncodeToString(h[:])
		}
		lines = append(lines, line)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func modeOf(t *testing.T, p string) string {
	t.Helper()
	fi, err := os.Lstat(p)
	if err != nil {
		t.Fatal(err)
	}
	return octal(permBits(fi.Mode()))
}

func ftNeedRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root (chown)")
	}
}

// checkModeUnchanged runs a module in check mode and asserts it predicts a
// change and leaves dir byte-for-byte as it was.
func (e *ftEnv) checkModeUnchanged(dir, name string, args map[string]any) *Result {
	e.t.Helper()
	before := treeSum(e.t, dir)
	r := e.must(name, args, true)
	if !r.Changed {
		e.t.Errorf("%s check mode: changed=false, want true", name)
	}
	if after := treeSum(e.t, dir); after != before {
		e.t.Errorf("%s check mode modified the tree:\nbefore:\n%s\nafter:\n%s", name, before, after)
	}
	return r
}
