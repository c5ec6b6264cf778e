package modules

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func TestCopyContentIdempotentAndCheck(t *testing.T) {
	e := newFTEnv(t)
	dir := t.TempDir()
	dest := filepath.Join(dir, "motd")
	args := map[string]any{"content": "hello\n", "dest": dest, "mode": "0640"}

	r := e.checkModeUnchanged(dir, "copy", args)
	if len(r.Diffs) == 0 || !r.Diffs[0].BeforeMissing || r.Diffs[0].After != "hello\n" || r.Diffs[0].Path != dest {
		t.Fatalf("check diff = %+v", r.Diffs)
	}

	r = e.must("copy", args, false)
	if !r.Changed || readFile(t, dest) != "hello\n" || modeOf(t, dest) != "0640" {
		t.Fatalf("apply: changed=%v content=%q mode=%s", r.Changed, readFile(t, dest), modeOf(t, dest))
	}
	if r.Data["checksum"] != sha1Hex([]byte("hello\n")) || r.Data["mode"] != "0640" {
		t.Errorf("data = %v", r.Data)
	}
	if r := e.must("copy", args, false); r.Changed {
		t.Errorf("second apply changed: %+v", r.Diffs)
	}

	// A content change in check mode shows before and after and touches nothing.
	args["content"] = "bye\n"
	r = e.checkModeUnchanged(dir, "copy", args)
	if d := r.Diffs[0]; d.Before != "hello\n" || d.After != "bye\n" || d.BeforeMissing {
		t.Errorf("diff = %+v", d)
	}
	// A mode-only change is a state diff.
	args["content"], args["mode"] = "hello\n", "u=rw,g=,o="
	r = e.must("copy", args, false)
	if !r.Changed || modeOf(t, dest) != "0600" || len(r.Diffs) != 1 || r.Diffs[0].AfterState["mode"] != "0600" {
		t.Errorf("mode change: changed=%v mode=%s diffs=%+v", r.Changed, modeOf(t, dest), r.Diffs)
	}
}

func TestCopySrcFileToDirAndBackup(t *testing.T) {
	e := newFTEnv(t)
	e.ctrlFile("files/app.conf", "a=1\n", 0o600)
	dir := t.TempDir()

	// An existing directory as dest means dest/<basename>.
	r := e.must("copy", map[string]any{"src": "app.conf", "dest": dir}, false)
	got := filepath.Join(dir, "app.conf")
	if !r.Changed || readFile(t, got) != "a=1\n" {
		t.Fatalf("copy to dir: %v %q", r.Changed, readFile(t, got))
	}
	// mode=preserve takes the controller file's mode.
	e.must("copy", map[string]any{"src": "app.conf", "dest": got, "mode": "preserve"}, false)
	if modeOf(t, got) != "0600" {
		t.Errorf("preserve: mode %s", modeOf(t, got))
	}

	e.ctrlFile("files/app.conf", "a=2\n", 0o600)
	r = e.must("copy", map[string]any{"src": "app.conf", "dest": got, "backup": true}, false)
	bf, _ := r.Data["backup_file"].(string)
	if !regexp.MustCompile(`app\.conf\.\d+\.\d{4}-\d\d-\d\d@\d\d:\d\d:\d\d~$`).MatchString(bf) {
		t.Fatalf("backup_file = %q", bf)
	}
	if readFile(t, bf) != "a=1\n" || readFile(t, got) != "a=2\n" {
		t.Errorf("backup %q, new %q", readFile(t, bf), readFile(t, got))
	}

	// force=no leaves an existing file alone.
	e.ctrlFile("files/app.conf", "a=3\n", 0o600)
	if r := e.must("copy", map[string]any{"src": "app.conf", "dest": got, "force": "no"}, false); r.Changed || readFile(t, got) != "a=2\n" {
		t.Errorf("force=no replaced the file")
	}
	// A trailing slash on a missing dest creates the directory.
	nd := filepath.Join(dir, "new") + "/"
	r = e.must("copy", map[string]any{"src": "app.conf", "dest": nd}, false)
	if readFile(t, filepath.Join(nd, "app.conf")) != "a=3\n" {
		t.Errorf("dest with trailing slash not created")
	}
}

func TestCopyValidate(t *testing.T) {
	e := newFTEnv(t)
	dir := t.TempDir()
	dest := filepath.Join(dir, "sudoers")
	os.WriteFile(dest, []byte("old\n"), 0o644)
	msg := e.failed("copy", map[string]any{"content": "bad\n", "dest": dest, "validate": "grep -q good %s"}, false)
	if !strings.Contains(msg, "validate") || readFile(t, dest) != "old\n" {
		t.Errorf("failed validation: msg %q, dest %q", msg, readFile(t, dest))
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("validate left temp files: %v", entries)
	}
	e.must("copy", map[string]any{"content": "good\n", "dest": dest, "validate": "grep -q good %s"}, false)
	if readFile(t, dest) != "good\n" {
		t.Errorf("valid content not written")
	}
	if msg := e.failed("copy", map[string]any{"content": "x", "dest": dest, "validate": "true"}, false); !strings.Contains(msg, "%s") {
		t.Errorf("validate without %%s: %q", msg)
	}
}

func TestCopyTree(t *testing.T) {
	e := newFTEnv(t)
	e.ctrlFile("files/conf/a.txt", "A\n", 0o644)
	e.ctrlFile("files/conf/sub/b.txt", "B\n", 0o644)
	dir := t.TempDir()

	// Without a trailing slash the directory itself is copied.
	r := e.checkModeUnchanged(dir, "copy", map[string]any{"src": "conf", "dest": dir})
	var paths []string
	for _, d := range r.Diffs {
		paths = append(paths, strings.TrimPrefix(d.Path, dir))
	}
	want := "/conf /conf/a.txt /conf/sub /conf/sub/b.txt"
	if strings.Join(paths, " ") != want {
		t.Errorf("check diffs for %v, want %s", paths, want)
	}
	e.must("copy", map[string]any{"src": "conf", "dest": dir}, false)
	if readFile(t, filepath.Join(dir, "conf/sub/b.txt")) != "B\n" {
		t.Fatal("tree not copied")
	}
	if r := e.must("copy", map[string]any{"src": "conf", "dest": dir}, false); r.Changed {
		t.Errorf("second tree copy changed: %+v", r.Diffs)
	}
	// With a trailing slash only the contents are copied.
	d2 := filepath.Join(t.TempDir(), "out")
	e.must("copy", map[string]any{"src": "conf/", "dest": d2}, false)
	if readFile(t, filepath.Join(d2, "a.txt")) != "A\n" {
		t.Errorf("contents copy: a.txt missing")
	}
}

func TestCopyOwnerChange(t *testing.T) {
	ftNeedRoot(t)
	e := newFTEnv(t)
	dir := t.TempDir()
	dest := filepath.Join(dir, "f")
	e.must("copy", map[string]any{"content": "x", "dest": dest}, false)
	args := map[string]any{"content": "x", "dest": dest, "owner": "nobody"}
	r := e.checkModeUnchanged(dir, "copy", args)
	if r.Diffs[0].BeforeState["owner"] != "root" || r.Diffs[0].AfterState["owner"] != "nobody" {
		t.Errorf("owner diff = %+v", r.Diffs[0])
	}
	e.must("copy", args, false)
	if r := e.must("stat", map[string]any{"path": dest}, false); r.Data["stat"].(map[string]any)["pw_name"] != "nobody" {
		t.Errorf("owner not changed: %v", r.Data["stat"])
	}
	if r := e.must("copy", args, false); r.Changed {
		t.Errorf("owner change not idempotent")
	}
	if msg := e.failed("copy", map[string]any{"content": "x", "dest": dest, "owner": "no-such-user-xyz"}, true); !strings.Contains(msg, "does not exist") {
		t.Errorf("check mode with unknown owner: %q", msg)
	}
}

func TestTemplate(t *testing.T) {
	e := newFTEnv(t)
	e.vars["port"] = "3306"
	e.ctrlFile("templates/my.cnf.j2", "port={{ port }}\n", 0o644)
	dir := t.TempDir()
	dest := filepath.Join(dir, "my.cnf")
	args := map[string]any{"src": "my.cnf.j2", "dest": dest, "mode": "0644"}
	r := e.checkModeUnchanged(dir, "template", args)
	if r.Diffs[0].After != "port=3306\n" {
		t.Errorf("check diff after = %q", r.Diffs[0].After)
	}
	if r := e.must("template", args, false); !r.Changed || readFile(t, dest) != "port=3306\n" {
		t.Fatalf("template not rendered: %q", readFile(t, dest))
	}
	if r := e.must("template", args, false); r.Changed {
		t.Errorf("second run changed")
	}
	if msg := e.failed("template", map[string]any{"src": "missing.j2", "dest": dest}, false); !strings.Contains(msg, "missing.j2") {
		t.Errorf("missing template: %q", msg)
	}
}

func TestFileModulesNormalize(t *testing.T) {
	cases := []struct {
		module string
		args   map[string]any
		want   string
	}{
		{"copy", map[string]any{"dest": "/x", "content": "a", "mdoe": "0644"}, "did you mean 'mode'"},
		{"copy", map[string]any{"dest": "/x"}, "one of src, content is required"},
		{"copy", map[string]any{"dest": "/x", "src": "a", "content": "b"}, "mutually exclusive"},
		{"file", map[string]any{"path": "/x", "state": "directroy"}, "did you mean 'directory'"},
		{"file", map[string]any{"path": "/x", "mode": 644}, "read as a decimal"},
		{"lineinfile", map[string]any{"path": "/x", "line": "a", "insertafter": "x", "insertbefore": "y"}, "mutually exclusive"},
		{"blockinfile", map[string]any{"path": "/x", "state": "present", "blok": "x"}, "did you mean 'block'"},
		{"stat", map[string]any{"path": "/x", "checksum_algorithm": "sha3"}, "not one of"},
		{"fetch", map[string]any{"src": "/x"}, "missing required parameter 'dest'"},
		{"template", map[string]any{"dest": "/x"}, "missing required parameter 'src'"},
	}
	for _, c := range cases {
		m, _ := Get(c.module)
		_, errs := Normalize(m.Spec(), c.args, false)
		var msgs []string
		for _, e := range errs {
			msgs = append(msgs, e.Error())
		}
		if !strings.Contains(strings.Join(msgs, "|"), c.want) {
			t.Errorf("%s %v: errors %q, want %q", c.module, c.args, msgs, c.want)
		}
	}
	// Aliases are canonicalized.
	m, _ := Get("ansible.builtin.lineinfile")
	out, errs := Normalize(m.Spec(), map[string]any{"dest": "/x", "regex": "^a", "value": "a=1"}, false)
	if len(errs) > 0 || out["path"] != "/x" || out["regexp"] != "^a" || out["line"] != "a=1" {
		t.Errorf("aliases: %v %v", out, errs)
	}
}

// Check mode is "everything but the write": for the same starting state it
// must report exactly the diffs apply then reports.
func TestCheckAndApplyReportTheSame(t *testing.T) {
	e := newFTEnv(t)
	e.ctrlFile("files/tree/x", "x\n", 0o644)
	cases := []struct {
		module string
		setup  func(dir string)
		args   func(dir string) map[string]any
	}{
		{"copy", func(dir string) { os.WriteFile(filepath.Join(dir, "f"), []byte("old\n"), 0o600) },
			func(dir string) map[string]any {
				return map[string]any{"content": "new\n", "dest": filepath.Join(dir, "f"), "mode": "g+r"}
			}},
		{"copy", func(string) {}, func(dir string) map[string]any {
			return map[string]any{"src": "tree", "dest": dir + "/a/", "mode": "0600"}
		}},
		{"lineinfile", func(dir string) { os.WriteFile(filepath.Join(dir, "f"), []byte("a=1\n"), 0o644) },
			func(dir string) map[string]any {
				return map[string]any{"path": filepath.Join(dir, "f"), "regexp": "^a=", "line": "a=2", "mode": "0600"}
			}},
		{"file", func(string) {}, func(dir string) map[string]any {
			return map[string]any{"path": filepath.Join(dir, "x/y"), "state": "directory", "mode": "u=rwx,go="}
		}},
	}
	for _, c := range cases {
		check, apply := t.TempDir(), t.TempDir()
		c.setup(check)
		c.setup(apply)
		rc := e.must(c.module, c.args(check), true)
		ra := e.must(c.module, c.args(apply), false)
		norm := func(ds []Diff, dir string) string {
			var b strings.Builder
			for _, d := range ds {
				d.Path = strings.TrimPrefix(d.Path, dir)
				fmt.Fprintf(&b, "%+v\n", d)
			}
			return b.String()
		}
		if a, b := norm(rc.Diffs, check), norm(ra.Diffs, apply); a != b || rc.Changed != ra.Changed {
			t.Errorf("%s: check reported\n%s\napply reported\n%s", c.module, a, b)
		}
	}
}

func TestCopyRemoteSrc(t *testing.T) {
	e := newFTEnv(t)
	dir := t.TempDir()
	src := filepath.Join(dir, "orig.conf")
	os.WriteFile(src, []byte("o\n"), 0o640)
	args := map[string]any{"src": src, "dest": filepath.Join(dir, "copy.conf"), "remote_src": true, "mode": "preserve"}
	e.checkModeUnchanged(dir, "copy", args)
	e.must("copy", args, false)
	if readFile(t, filepath.Join(dir, "copy.conf")) != "o\n" || modeOf(t, filepath.Join(dir, "copy.conf")) != "0640" {
		t.Errorf("remote_src copy: %q %s", readFile(t, filepath.Join(dir, "copy.conf")), modeOf(t, filepath.Join(dir, "copy.conf")))
	}
	if r := e.must("copy", args, false); r.Changed {
		t.Errorf("second remote_src copy changed")
	}
	if msg := e.failed("copy", map[string]any{"src": src + ".nope", "dest": dir, "remote_src": true}, false); !strings.Contains(msg, "not found") {
		t.Errorf("missing remote src: %q", msg)
	}
}
