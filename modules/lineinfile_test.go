package modules

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// lineinfileCases are checked against play here and, when ansible is installed,
// against Ansible itself (TestAgainstAnsible).
var lineinfileCases = []struct {
	name string
	in   string
	args map[string]any
	want string
	// ansible is what Ansible writes where play deliberately differs.
	ansible string
}{
	{"present already: no change", "a\nb\n", map[string]any{"line": "a"}, "a\nb\n", ""},
	{"missing: appended at EOF", "a\n", map[string]any{"line": "b"}, "a\nb\n", ""},
	{"empty file", "", map[string]any{"line": "x"}, "x\n", ""},
	{"no final newline: one is added before the line", "a", map[string]any{"line": "b"}, "a\nb\n", ""},
	{"regexp: the LAST match is replaced", "Port 22\nx\n#Port 2222\n", map[string]any{"regexp": "^#?Port ", "line": "Port 2200"}, "Port 22\nx\nPort 2200\n", ""},
	{"regexp firstmatch: the first match", "Port 22\nx\n#Port 2222\n", map[string]any{"regexp": "^#?Port ", "line": "Port 2200", "firstmatch": true}, "Port 2200\nx\n#Port 2222\n", ""},
	{"regexp already right", "SELINUX=enforcing\n", map[string]any{"regexp": "^SELINUX=", "line": "SELINUX=enforcing"}, "SELINUX=enforcing\n", ""},
	{"regexp no match, line exists: no change", "bar\n", map[string]any{"regexp": "^foo=", "line": "bar"}, "bar\n", ""},
	{"regexp no match: appended", "a\n", map[string]any{"regexp": "^foo=", "line": "foo=1"}, "a\nfoo=1\n", ""},
	{"regexp wins over insertafter", "foo=0\n[s]\n", map[string]any{"regexp": "^foo=", "line": "foo=1", "insertafter": `^\[s\]`}, "foo=1\n[s]\n", ""},
	{"regexp no match: insertafter anchor used", "[a]\nx\n[s]\ny\n", map[string]any{"regexp": "^foo=", "line": "foo=1", "insertafter": `^\[s\]`}, "[a]\nx\n[s]\nfoo=1\ny\n", ""},
	{"insertafter: last match", "[x]\na\n[x]\nb\n", map[string]any{"line": "new", "insertafter": `^\[x\]`}, "[x]\na\n[x]\nnew\nb\n", ""},
	{"insertafter firstmatch", "[x]\na\n[x]\nb\n", map[string]any{"line": "new", "insertafter": `^\[x\]`, "firstmatch": true}, "[x]\nnew\na\n[x]\nb\n", ""},
	// Ansible 2.14 glues the line to an anchor that lacks its newline; play
	// keeps lines apart (a deliberate difference).
	{"insertafter anchor on last line", "a\n[x]", map[string]any{"line": "new", "insertafter": `^\[x\]`}, "a\n[x]\nnew\n", "a\n[x]new\n"},
	{"insertafter no match: EOF", "a\n", map[string]any{"line": "new", "insertafter": "^zzz"}, "a\nnew\n", ""},
	{"insertafter BOF", "a\n", map[string]any{"line": "new", "insertafter": "BOF"}, "new\na\n", ""},
	{"insertbefore BOF", "a\n", map[string]any{"line": "#!/bin/sh", "insertbefore": "BOF"}, "#!/bin/sh\na\n", ""},
	{"insertbefore: last match", "x=1\ny\nx=2\n", map[string]any{"line": "new", "insertbefore": "^x="}, "x=1\ny\nnew\nx=2\n", ""},
	{"insertbefore firstmatch", "x=1\ny\nx=2\n", map[string]any{"line": "new", "insertbefore": "^x=", "firstmatch": true}, "new\nx=1\ny\nx=2\n", ""},
	{"backrefs: groups expand", "-Xms512m -Dx\n", map[string]any{"regexp": `^(.*)Xms(\d+)m(.*)$`, "line": `\1Xms2048m\3`, "backrefs": true}, "-Xms2048m -Dx\n", ""},
	{"backrefs: named group", "user=bob\n", map[string]any{"regexp": `^user=(?P<u>\w+)$`, "line": `owner=\g<u>`, "backrefs": true}, "owner=bob\n", ""},
	{"backrefs: no match leaves the file", "a\n", map[string]any{"regexp": "^zzz(.*)", "line": `\1`, "backrefs": true}, "a\n", ""},
	{"backrefs: no match does not append even if line absent", "a\n", map[string]any{"regexp": "^b", "line": "b=1", "backrefs": true}, "a\n", ""},
	{"search_string replaces the last containing line", "a=1\nkey x\nkey y\n", map[string]any{"search_string": "key", "line": "key z"}, "a=1\nkey x\nkey z\n", ""},
	{"search_string is literal", "a.b=1\naxb=2\n", map[string]any{"search_string": "a.b", "line": "a.b=3"}, "a.b=3\naxb=2\n", ""},
	{"absent by regexp removes every match", "a\n#b\nc\n#d\n", map[string]any{"state": "absent", "regexp": "^#"}, "a\nc\n", ""},
	{"absent by line: exact lines only", "a\nab\na\n", map[string]any{"state": "absent", "line": "a"}, "ab\n", ""},
	{"absent by search_string", "x foo y\nbar\n", map[string]any{"state": "absent", "search_string": "foo"}, "bar\n", ""},
	{`python \Z is the very end: not before a line's newline`, "end\n", map[string]any{"regexp": `^end\Z`, "line": "END"}, "end\nEND\n", ""},
	{`python \Z on a last line without newline`, "end", map[string]any{"regexp": `^end\Z`, "line": "END"}, "END\n", ""},
}

// Ansible's documented lineinfile behaviours, on the pure transformation.
func TestLineinfileBehaviours(t *testing.T) {
	cases := lineinfileCases
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			args := map[string]any{"path": "/x"}
			for k, v := range c.args {
				args[k] = v
			}
			m, _ := Get("lineinfile")
			norm, errs := Normalize(m.Spec(), args, false)
			if len(errs) > 0 {
				t.Fatal(errs[0])
			}
			s, err := lineSpecFromArgs(norm)
			if err != nil {
				t.Fatal(err)
			}
			var got string
			if Str(norm, "state") == "absent" {
				out, _ := lineAbsent(splitLines(c.in), s)
				got = joinLines(out)
			} else {
				out, _, err := linePresent(splitLines(c.in), s)
				if err != nil {
					t.Fatal(err)
				}
				got = joinLines(out)
			}
			if got != c.want {
				t.Errorf("got %q, want %q", got, c.want)
			}
		})
	}
}

func TestLineinfileArgErrors(t *testing.T) {
	for _, c := range []struct {
		args map[string]any
		want string
	}{
		{map[string]any{"regexp": "^a"}, "line is required"},
		{map[string]any{"line": "a", "backrefs": true}, "regexp is required with backrefs"},
		{map[string]any{"state": "absent"}, "one of line, search_string, or regexp"},
		{map[string]any{"line": "a", "regexp": "(?=x)"}, "lookahead"},
		{map[string]any{"line": "a", "regexp": `(a)\1`}, "backreferences"},
	} {
		c.args["path"] = "/x"
		m, _ := Get("lineinfile")
		norm, errs := Normalize(m.Spec(), c.args, false)
		if len(errs) > 0 {
			t.Fatal(errs[0])
		}
		if _, err := lineSpecFromArgs(norm); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: err %v, want %q", c.args, err, c.want)
		}
	}
}

func TestLineinfileModule(t *testing.T) {
	e := newFTEnv(t)
	dir := t.TempDir()
	p := filepath.Join(dir, "sshd_config")
	os.WriteFile(p, []byte("#PermitRootLogin yes\nX11Forwarding yes\n"), 0o600)
	args := map[string]any{"path": p, "regexp": "^#?PermitRootLogin", "line": "PermitRootLogin no", "backup": true}

	r := e.checkModeUnchanged(dir, "lineinfile", args)
	if d := r.Diffs[0]; d.Before != "#PermitRootLogin yes\nX11Forwarding yes\n" || d.After != "PermitRootLogin no\nX11Forwarding yes\n" {
		t.Errorf("diff %+v", d)
	}
	r = e.must("lineinfile", args, false)
	if !r.Changed || readFile(t, p) != "PermitRootLogin no\nX11Forwarding yes\n" || r.Msg != "line replaced" {
		t.Fatalf("apply: %v %q %q", r.Changed, readFile(t, p), r.Msg)
	}
	if modeOf(t, p) != "0600" {
		t.Errorf("mode not kept: %s", modeOf(t, p))
	}
	if bf, _ := r.Data["backup"].(string); bf == "" || readFile(t, bf) != "#PermitRootLogin yes\nX11Forwarding yes\n" {
		t.Errorf("backup %q", bf)
	}
	if r := e.must("lineinfile", args, false); r.Changed {
		t.Errorf("second run changed")
	}

	// Missing file: fails without create, creates (with parents) with it.
	np := filepath.Join(dir, "new/dir/f.conf")
	if msg := e.failed("lineinfile", map[string]any{"path": np, "line": "a"}, false); !strings.Contains(msg, "does not exist") {
		t.Errorf("missing file: %q", msg)
	}
	e.checkModeUnchanged(dir, "lineinfile", map[string]any{"path": np, "line": "a", "create": true, "mode": "0640"})
	e.must("lineinfile", map[string]any{"path": np, "line": "a", "create": true, "mode": "0640"}, false)
	if readFile(t, np) != "a\n" || modeOf(t, np) != "0640" {
		t.Errorf("create: %q %s", readFile(t, np), modeOf(t, np))
	}
	// absent on a missing file is fine and changes nothing.
	if r := e.must("lineinfile", map[string]any{"path": filepath.Join(dir, "nope"), "line": "a", "state": "absent"}, false); r.Changed {
		t.Errorf("absent on missing file changed")
	}
}
