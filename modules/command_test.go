package modules

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func TestSplitShellWords(t *testing.T) {
	cases := map[string][]string{
		`echo $HOME`:                 {"echo", "$HOME"},
		`a 'b c' "d \"e\" \$f" g\ h`: {"a", "b c", `d "e" $f`, "g h"},
		`  x   ''  `:                 {"x", ""},
		`a"b"'c'`:                    {"abc"},
	}
	for in, want := range cases {
		got, err := splitShellWords(in)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("split(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := splitShellWords(`echo 'open`); err == nil {
		t.Error("unterminated quote accepted")
	}
}

func TestCommandNoShellExpansion(t *testing.T) {
	res := sysRunModule(t, "command", map[string]any{"_raw_params": `echo $HOME "a  b" ;ls`}, false)
	if res.Failed || !res.Changed {
		t.Fatalf("failed=%v changed=%v msg=%s", res.Failed, res.Changed, res.Msg)
	}
	if got := res.Data["stdout"]; got != "$HOME a  b ;ls" {
		t.Errorf("stdout = %q, want the literal words", got)
	}
	if res.Data["rc"] != 0 || res.Data["delta"] == "" {
		t.Errorf("rc=%v delta=%v", res.Data["rc"], res.Data["delta"])
	}
	if !reflect.DeepEqual(res.Data["cmd"], []any{"echo", "$HOME", "a  b", ";ls"}) {
		t.Errorf("cmd = %#v", res.Data["cmd"])
	}
}

func TestCommandArgvRcStdin(t *testing.T) {
	res := sysRunModule(t, "command", map[string]any{"argv": []any{"sh", "-c", "cat; echo err >&2; exit 3"}, "stdin": "hello"}, false)
	if !res.Failed || res.Data["rc"] != 3 {
		t.Fatalf("rc=%v failed=%v", res.Data["rc"], res.Failed)
	}
	if res.Data["stdout"] != "hello" || res.Data["stderr"] != "err" {
		t.Errorf("stdout=%q stderr=%q", res.Data["stdout"], res.Data["stderr"])
	}
	res = sysRunModule(t, "command", map[string]any{"cmd": "/nonexistent/prog"}, false)
	if !res.Failed {
		t.Error("missing program did not fail")
	}
}

func TestCommandCreatesRemovesAndCheck(t *testing.T) {
	dir := t.TempDir()
	marker := filepath.Join(dir, "my file.done")
	args := map[string]any{"cmd": "touch '" + marker + "'", "creates": filepath.Join(dir, "*.done")}

	res := sysRunModule(t, "command", args, true)
	if res.Skipped || !res.Changed {
		t.Fatalf("check with creates (absent): skipped=%v changed=%v, want a predicted change", res.Skipped, res.Changed)
	}
	if _, err := os.Stat(marker); err == nil {
		t.Fatal("check mode ran the command")
	}
	if res := sysRunModule(t, "command", args, false); !res.Changed || res.Failed {
		t.Fatalf("first run: %+v", res)
	}
	if _, err := os.Stat(marker); err != nil {
		t.Fatal("command did not run")
	}
	res = sysRunModule(t, "command", args, false)
	if res.Changed || res.Msg == "" {
		t.Errorf("second run with creates matching: changed=%v msg=%q", res.Changed, res.Msg)
	}
	res = sysRunModule(t, "command", map[string]any{"cmd": "rm '" + marker + "'", "removes": marker, "chdir": dir}, false)
	if !res.Changed {
		t.Errorf("removes (present) did not run: %s", res.Msg)
	}
	res = sysRunModule(t, "command", map[string]any{"cmd": "false", "removes": marker}, false)
	if res.Changed || res.Failed {
		t.Errorf("removes (absent) ran the command: %+v", res)
	}

	res = sysRunModule(t, "shell", map[string]any{"_raw_params": "touch " + marker}, true)
	if !res.Skipped || res.Changed {
		t.Errorf("plain check mode: skipped=%v changed=%v", res.Skipped, res.Changed)
	}
	if _, err := os.Stat(marker); err == nil {
		t.Error("check mode ran the shell command")
	}
}

func TestShellFeaturesAndExecutable(t *testing.T) {
	dir := t.TempDir()
	res := sysRunModule(t, "shell", map[string]any{"cmd": "echo one two | wc -w > out; cat out; pwd", "chdir": dir}, false)
	if res.Failed || res.Data["stdout"] != "2\n"+dir {
		t.Fatalf("stdout=%q msg=%s", res.Data["stdout"], res.Msg)
	}
	if _, err := os.Stat("/bin/bash"); err == nil {
		res = sysRunModule(t, "shell", map[string]any{"cmd": "echo $BASH_VERSION", "executable": "/bin/bash"}, false)
		if res.Data["stdout"] == "" {
			t.Error("executable=/bin/bash did not run bash")
		}
	}
	res = sysRunModule(t, "raw", map[string]any{"_raw_params": "echo raw; exit 2"}, false)
	if !res.Failed || res.Data["rc"] != 2 || res.Data["stdout"] != "raw\n" {
		t.Errorf("raw: %+v", res.Data)
	}
}
