package modules

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestAgainstAnsible runs the lineinfile/blockinfile/symbolic mode tables
// through Ansible itself (one local playbook, one task per case) and
// checks Ansible produces the same files as play. It skips when
// ansible-playbook is not installed.
func TestAgainstAnsible(t *testing.T) {
	if testing.Short() {
		t.Skip("slow (runs ansible-playbook): skipped with -short")
	}
	bin, err := exec.LookPath("ansible-playbook")
	if err != nil {
		t.Skip("ansible-playbook not installed: cannot compare with Ansible")
	}
	dir := t.TempDir()
	type check struct{ name, file, want string }
	var tasks []map[string]any
	var checks []check
	add := func(module, name, in, want, ansible string, args map[string]any) {
		if ansible == ansibleTooOld {
			return
		}
		if ansible != "" {
			want = ansible // a documented, deliberate difference
		}
		f := filepath.Join(dir, fmt.Sprintf("case%d", len(checks)))
		if err := os.WriteFile(f, []byte(in), 0o644); err != nil {
			t.Fatal(err)
		}
		a := map[string]any{"path": f}
		for k, v := range args {
			a[k] = v
		}
		tasks = append(tasks, map[string]any{"name": name, module: a, "ignore_errors": true})
		checks = append(checks, check{module + ": " + name, f, want})
	}
	for _, c := range lineinfileCases {
		add("lineinfile", c.name, c.in, c.want, c.ansible, c.args)
	}
	for _, c := range blockinfileCases {
		add("blockinfile", c.name, c.in, c.want, c.ansible, c.args)
	}
	// Symbolic modes: the file module applied to a file (or directory)
	// that starts with the case's mode.
	type modeCheck struct {
		name, path string
		want       uint32
	}
	var modeChecks []modeCheck
	for i, c := range symbolicModeCases {
		p := filepath.Join(dir, fmt.Sprintf("mode%d", i))
		if c.isDir {
			os.Mkdir(p, 0o700)
		} else {
			os.WriteFile(p, nil, 0o600)
		}
		os.Chmod(p, goMode(c.cur))
		tasks = append(tasks, map[string]any{"name": c.mode, "file": map[string]any{"path": p, "mode": c.mode}, "ignore_errors": true})
		modeChecks = append(modeChecks, modeCheck{fmt.Sprintf("mode %s on %04o (dir=%v)", c.mode, c.cur, c.isDir), p, c.want})
	}
	play := []map[string]any{{"hosts": "localhost", "gather_facts": false, "tasks": tasks}}
	pb := filepath.Join(dir, "play.yml")
	b, _ := json.Marshal(play) // JSON is YAML
	os.WriteFile(pb, b, 0o644)
	cmd := exec.Command(bin, "-i", "localhost,", "-c", "local", pb)
	cmd.Env = append(os.Environ(), "ANSIBLE_LOCALHOST_WARNING=false", "ANSIBLE_NOCOLOR=1", "ANSIBLE_RETRY_FILES_ENABLED=false")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("ansible-playbook: %v\n%s", err, out)
	}
	for _, c := range modeChecks {
		fi, err := os.Stat(c.path)
		if err != nil {
			t.Fatal(err)
		}
		if got := permBits(fi.Mode()); got != c.want {
			t.Errorf("%s: Ansible made %04o, expected %04o", c.name, got, c.want)
		}
	}
	for _, c := range checks {
		got := readFile(t, c.file)
		if got != c.want {
			t.Errorf("%s: Ansible wrote %q, expected %q", c.name, got, c.want)
		}
	}
}
