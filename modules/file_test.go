package modules

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// symbolicModeCases are checked against play here and, when ansible is
// installed, against Ansible's file module (TestAgainstAnsible).
var symbolicModeCases = []struct {
	mode  string
	cur   uint32
	isDir bool
	want  uint32
}{
	{"0644", 0o777, false, 0o644},
	{"u=rwx,g=rx,o=", 0o000, false, 0o750},
	{"u+x", 0o644, false, 0o744},
	{"a-w", 0o666, false, 0o444},
	{"go-rwx", 0o755, false, 0o700},
	{"o=", 0o777, false, 0o770},
	{"=r", 0o777, false, 0o444},  // no "who" means all
	{"=rw", 0o000, false, 0o644}, // ... except umask (022) bits, as Ansible
	{"a=rw", 0o000, false, 0o666},
	{"-w", 0o666, false, 0o466},
	{"a+rwx,o-w", 0o000, false, 0o775},
	{"u-s,g-s", 0o6755, false, 0o755},
	{"a+X", 0o644, true, 0o755}, // X: directories get x
	{"a+X", 0o644, false, 0o644},
	{"a+X", 0o744, false, 0o755}, // X: files that already have an x bit
	{"g=u", 0o640, false, 0o660},
	{"u+s", 0o755, false, 0o4755},
	{"g+s", 0o755, true, 0o2755},
	{"+t", 0o777, true, 0o1777},
	{"u=rw,g=r,o=r", 0o4755, false, 0o644}, // = clears setuid
	{"u=rw+x", 0o600, false, 0o700},
	{"ug=rw,o=r", 0o000, false, 0o664},
}

func TestSymbolicModes(t *testing.T) {
	cases := symbolicModeCases
	for _, c := range cases {
		got, err := resolveMode(c.mode, c.cur, c.isDir)
		if err != nil || got != c.want {
			t.Errorf("resolveMode(%q, %04o, dir=%v) = %04o, %v; want %04o", c.mode, c.cur, c.isDir, got, err, c.want)
		}
	}
	for _, bad := range []string{"u=rwz", "x+r", "u", "0999", "u=rw,,", "rw"} {
		if _, err := resolveMode(bad, 0o644, false); err == nil {
			t.Errorf("resolveMode(%q) accepted", bad)
		}
	}
}

func TestFileDirectoryCreatesParents(t *testing.T) {
	e := newFTEnv(t)
	dir := t.TempDir()
	p := filepath.Join(dir, "a/b/c")
	args := map[string]any{"path": p, "state": "directory", "mode": "0750"}
	r := e.checkModeUnchanged(dir, "file", args)
	if len(r.Diffs) != 3 || r.Diffs[0].Path != filepath.Join(dir, "a") || r.Diffs[2].Path != p {
		t.Fatalf("want one diff per created directory, got %+v", r.Diffs)
	}
	r = e.must("file", args, false)
	if !r.Changed || modeOf(t, p) != "0750" || modeOf(t, filepath.Join(dir, "a")) != "0750" {
		t.Fatalf("directory: changed=%v mode=%s", r.Changed, modeOf(t, p))
	}
	if r.Data["state"] != "directory" || r.Data["path"] != p {
		t.Errorf("data = %v", r.Data)
	}
	if r := e.must("file", args, false); r.Changed {
		t.Errorf("second run changed: %+v", r.Diffs)
	}
	os.WriteFile(filepath.Join(dir, "plain"), nil, 0o644)
	if msg := e.failed("file", map[string]any{"path": filepath.Join(dir, "plain"), "state": "directory"}, false); !strings.Contains(msg, "already exists as a file") {
		t.Errorf("directory over file: %q", msg)
	}
}

func TestFileRecurse(t *testing.T) {
	e := newFTEnv(t)
	dir := t.TempDir()
	top := filepath.Join(dir, "www")
	os.MkdirAll(filepath.Join(top, "sub"), 0o700)
	os.WriteFile(filepath.Join(top, "sub/index.html"), []byte("x"), 0o600)
	args := map[string]any{"path": top, "state": "directory", "recurse": true, "mode": "u=rwX,go=rX"}
	e.checkModeUnchanged(dir, "file", args)
	e.must("file", args, false)
	if modeOf(t, filepath.Join(top, "sub")) != "0755" || modeOf(t, filepath.Join(top, "sub/index.html")) != "0644" {
		t.Errorf("recurse modes: dir %s file %s", modeOf(t, filepath.Join(top, "sub")), modeOf(t, filepath.Join(top, "sub/index.html")))
	}
	if r := e.must("file", args, false); r.Changed {
		t.Errorf("second recurse changed: %+v", r.Diffs)
	}
	if msg := e.failed("file", map[string]any{"path": top, "state": "file", "recurse": true}, false); !strings.Contains(msg, "recurse") {
		t.Errorf("recurse with state=file: %q", msg)
	}
}

func TestFileStates(t *testing.T) {
	e := newFTEnv(t)
	dir := t.TempDir()
	f := filepath.Join(dir, "f")

	// state=file never creates.
	if msg := e.failed("file", map[string]any{"path": f}, false); !strings.Contains(msg, "is absent, cannot continue") {
		t.Errorf("state=file on missing path: %q", msg)
	}
	// touch creates, then always reports a change (timestamps).
	e.checkModeUnchanged(dir, "file", map[string]any{"path": f, "state": "touch", "mode": "0600"})
	if r := e.must("file", map[string]any{"path": f, "state": "touch", "mode": "0600"}, false); !r.Changed || modeOf(t, f) != "0600" {
		t.Fatalf("touch: changed=%v mode=%s", r.Changed, modeOf(t, f))
	}
	// touch with preserved times is idempotent.
	if r := e.must("file", map[string]any{"path": f, "state": "touch", "modification_time": "preserve", "access_time": "preserve"}, false); r.Changed {
		t.Errorf("touch with preserve changed")
	}
	// A fixed modification time converges once.
	mt := map[string]any{"path": f, "modification_time": "202001021504.05"}
	e.must("file", mt, false)
	if fi, _ := os.Stat(f); !fi.ModTime().Equal(time.Date(2020, 1, 2, 15, 4, 5, 0, time.Local)) {
		t.Errorf("mtime = %v", fi.ModTime())
	}
	if r := e.must("file", mt, false); r.Changed {
		t.Errorf("fixed mtime not idempotent")
	}
	// Default state on an existing path is its current state: attrs only.
	if r := e.must("file", map[string]any{"path": f, "mode": "0644"}, false); !r.Changed || modeOf(t, f) != "0644" {
		t.Errorf("mode on existing file")
	}

	// Symlinks.
	l := filepath.Join(dir, "l")
	link := map[string]any{"path": l, "state": "link", "src": "f"}
	e.checkModeUnchanged(dir, "file", link)
	e.must("file", link, false)
	if got, _ := os.Readlink(l); got != "f" {
		t.Fatalf("link target %q", got)
	}
	if r := e.must("file", link, false); r.Changed {
		t.Errorf("second link changed")
	}
	if msg := e.failed("file", map[string]any{"path": filepath.Join(dir, "l2"), "state": "link", "src": "nope"}, false); !strings.Contains(msg, "force") {
		t.Errorf("link to missing src: %q", msg)
	}
	if msg := e.failed("file", map[string]any{"path": f, "state": "link", "src": "/etc/hostname"}, false); !strings.Contains(msg, "refusing to convert") {
		t.Errorf("link over file without force: %q", msg)
	}

	// Hard links.
	h := filepath.Join(dir, "h")
	hard := map[string]any{"path": h, "state": "hard", "src": f}
	e.checkModeUnchanged(dir, "file", hard)
	e.must("file", hard, false)
	if r := e.must("file", hard, false); r.Changed {
		t.Errorf("second hard link changed")
	}
	a, _ := os.Stat(f)
	b, _ := os.Stat(h)
	if !os.SameFile(a, b) {
		t.Errorf("hard link is not the same file")
	}

	// absent removes whole trees; check mode first.
	os.MkdirAll(filepath.Join(dir, "tree/x"), 0o755)
	gone := map[string]any{"path": filepath.Join(dir, "tree"), "state": "absent"}
	r := e.checkModeUnchanged(dir, "file", gone)
	if r.Diffs[0].BeforeState["state"] != "directory" || r.Diffs[0].AfterState["state"] != "absent" {
		t.Errorf("absent diff %+v", r.Diffs[0])
	}
	e.must("file", gone, false)
	if _, err := os.Stat(filepath.Join(dir, "tree")); !os.IsNotExist(err) {
		t.Errorf("tree not removed")
	}
	if r := e.must("file", gone, false); r.Changed {
		t.Errorf("second absent changed")
	}
}

func TestFileOwner(t *testing.T) {
	ftNeedRoot(t)
	e := newFTEnv(t)
	dir := t.TempDir()
	d := filepath.Join(dir, "data")
	args := map[string]any{"path": d, "state": "directory", "owner": "nobody", "group": "nogroup"}
	e.checkModeUnchanged(dir, "file", args)
	e.must("file", args, false)
	r := e.must("stat", map[string]any{"path": d}, false)
	st := r.Data["stat"].(map[string]any)
	if st["pw_name"] != "nobody" || st["gr_name"] != "nogroup" {
		t.Errorf("owner/group = %v/%v", st["pw_name"], st["gr_name"])
	}
	if r := e.must("file", args, false); r.Changed {
		t.Errorf("second run changed")
	}
	// Back to root by uid: numeric ids compare with the current uid.
	r = e.must("file", map[string]any{"path": d, "owner": "0"}, false)
	if !r.Changed || r.Diffs[0].BeforeState["owner"] != "nobody" {
		t.Errorf("chown to 0: %+v", r.Diffs)
	}
}
