package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

var playBin string

// TestMain builds the real binary once; the tests run it as a user would.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "play-cli")
	if err != nil {
		panic(err)
	}
	playBin = filepath.Join(dir, "play")
	out, err := exec.Command("go", "build", "-o", playBin, ".").CombinedOutput()
	if err != nil {
		panic("build: " + string(out))
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func play(t *testing.T, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(playBin, args...)
	cmd.Dir = "testdata"
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return string(out), ee.ExitCode()
	}
	if err != nil {
		t.Fatal(err)
	}
	return string(out), 0
}

func TestRunWithExtraVarsAndMask(t *testing.T) {
	out, code := play(t, "run", "-i", "local.ini", "-e", "greeting=hello", "-e", `{"count": 41}`, "-e", "@vars.yml",
		"-e", "api_token=s3cr3t-token", "--mask", "s3cr3t-token", "-v", "ok.yml")
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	if !strings.Contains(out, `"msg":"hello 42 from-file"`) {
		t.Errorf("extra vars (k=v, JSON with types, @file) not applied:\n%s", out)
	}
	if strings.Contains(out, "s3cr3t-token") {
		t.Errorf("--mask value leaked:\n%s", out)
	}
	if !strings.Contains(out, "l1  : ok=2    changed=0") || !strings.Contains(out, "PLAY RECAP") {
		t.Errorf("recap missing or wrong:\n%s", out)
	}
}

func TestExitCodes(t *testing.T) {
	if out, code := play(t, "run", "-i", "local.ini", "fail.yml"); code != 2 || !strings.Contains(out, "on purpose") {
		t.Errorf("failed host: exit %d, want 2:\n%s", code, out)
	}
	out, code := play(t, "run", "-i", "local.ini", "dead.yml")
	if code != 3 || !strings.Contains(out, "UNREACHABLE") {
		t.Errorf("unreachable host: exit %d, want 3:\n%s", code, out)
	}
	if strings.Contains(out, "hunter2-secret") {
		t.Errorf("ansible_password leaked:\n%s", out)
	}
	out, code = play(t, "run", "-i", "local.ini", "invalid.yml")
	if code != 4 || !strings.Contains(out, "invalid.yml:6:9: unknown parameter 'contnet' for module copy; did you mean 'content'?") ||
		!strings.Contains(out, "nothing was run") {
		t.Errorf("invalid playbook: exit %d, want 4 and a positioned message:\n%s", code, out)
	}
	if _, code := play(t, "run", "--forks", "many", "ok.yml"); code != 5 {
		t.Errorf("bad option: exit %d, want 5", code)
	}
	if _, code := play(t, "validate", "ok.yml"); code != 0 {
		t.Errorf("validate of a good playbook: exit %d", code)
	}
}

func TestJSONOutput(t *testing.T) {
	out, code := play(t, "run", "-i", "local.ini", "--output", "json", "-e", "greeting=hi", "-e", "count=1",
		"-e", "from_file=x", "-e", "api_token=t0ken-value", "ok.yml")
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	events := map[string]int{}
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		var ev map[string]any
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			t.Fatalf("not one JSON object per line: %q: %v", sc.Text(), err)
		}
		events[ev["event"].(string)]++
	}
	if events["play_start"] != 1 || events["task_start"] != 2 || events["host_result"] != 4 || events["recap"] != 1 {
		t.Errorf("events: %v", events)
	}
}

func TestListHostsAndTasks(t *testing.T) {
	out, code := play(t, "run", "-i", "local.ini", "--list-hosts", "ok.yml")
	if code != 0 || !strings.Contains(out, "hosts (2):") || !strings.Contains(out, "l2") {
		t.Errorf("--list-hosts: exit %d\n%s", code, out)
	}
	out, code = play(t, "run", "--list-tasks", "ok.yml")
	if code != 0 || !strings.Contains(out, "echo extra vars") {
		t.Errorf("--list-tasks: exit %d\n%s", code, out)
	}
}

// TestSecretNamedVariablesAreMasked: values of variables named like
// secrets (db_password, app_token; also through a vault_ indirection)
// never show, in check+diff or apply, console -v or the report; a
// variable that only mentions one (backup_password_file) still does.
func TestSecretNamedVariablesAreMasked(t *testing.T) {
	dir := t.TempDir()
	report := filepath.Join(dir, "review.md")
	for _, mode := range [][]string{{"--check", "--diff", "--report", report}, {"--diff", "-vv"}} {
		args := append([]string{"run", "-i", "local.ini", "-e", "out_dir=" + dir}, mode...)
		out, code := play(t, append(args, "secret_vars.yml")...)
		if code != 0 {
			t.Fatalf("%v: exit %d:\n%s", mode, code, out)
		}
		if mode[0] == "--check" {
			b, err := os.ReadFile(report)
			if err != nil {
				t.Fatal(err)
			}
			out += string(b)
		}
		for _, secret := range []string{"v4ult-db-pw", "t0k3n-abcdef"} {
			if strings.Contains(out, secret) {
				t.Errorf("%v: %q shown:\n%s", mode, secret, out)
			}
		}
		if !strings.Contains(out, "/etc/backup/password-path-shown") {
			t.Errorf("%v: a path in a variable named *_password_file was masked:\n%s", mode, out)
		}
		if !strings.Contains(out, "********") {
			t.Errorf("%v: no mask marker where the secrets were:\n%s", mode, out)
		}
	}
	b, err := os.ReadFile(filepath.Join(dir, "app.cnf"))
	if err != nil || string(b) != "password=v4ult-db-pw\n" {
		t.Errorf("the file itself must hold the real value: %q, %v", b, err)
	}
}
