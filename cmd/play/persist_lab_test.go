package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/playbook/play/engine/conn"
)

// firstLabHost is the first host line of the lab inventory, or a skip.
func firstLabHost(t *testing.T) (inv, host string) {
	t.Helper()
	inv = os.Getenv("PLAY_LAB_INVENTORY")
	if inv == "" {
		t.Skip("PLAY_LAB_INVENTORY not set: no lab hosts")
	}
	f, err := os.Open(inv)
	if err != nil {
		t.Skipf("lab inventory: %v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	section := ""
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || line[0] == '#':
		case line[0] == '[':
			section = line
		case !strings.HasSuffix(section, ":vars]") && strings.Contains(line, "ansible_host="):
			return inv, strings.Fields(line)[0]
		}
	}
	t.Skip("no host in the lab inventory")
	return "", ""
}

var loginPIDLine = regexp.MustCompile(`"who\.stdout": ?"(\d+)"`)

// TestPersistReusesConnectionsOnLab runs a playbook three times against a
// lab host: --persist keeps the SSH connection for the next run (the same
// sshd process serves it, no new handshake), -o ControlPersist= in
// ansible_ssh_common_args does the same, and `play connections --close`
// ends it all.
func TestPersistReusesConnectionsOnLab(t *testing.T) {
	inv, host := firstLabHost(t)
	holderDir := filepath.Join(t.TempDir(), "holder")
	dir := t.TempDir()
	pb := filepath.Join(dir, "pb.yml")
	if err := os.WriteFile(pb, []byte(`- hosts: all
  gather_facts: false
  tasks:
    - shell: echo $PPID
      register: who
      changed_when: false
    - copy: {content: "persist\n", dest: /tmp/play-persist-test}
    - debug: {var: who.stdout}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	stats := filepath.Join(dir, "stats.jsonl")
	env := append(os.Environ(), conn.HolderDirEnv+"="+holderDir, conn.StatsFileEnv+"="+stats)
	run := func(args ...string) (out string, st conn.Stats) {
		t.Helper()
		os.Remove(stats)
		cmd := exec.Command(playBin, append([]string{"run", "-i", inv, "-l", host}, append(args, pb)...)...)
		cmd.Env = env
		b, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("play run %v: %v\n%s", args, err, b)
		}
		sb, err := os.ReadFile(stats)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(sb, &st); err != nil {
			t.Fatalf("stats %s: %v", sb, err)
		}
		return string(b), st
	}
	pidOf := func(out string) string {
		m := loginPIDLine.FindStringSubmatch(out)
		if m == nil {
			t.Fatalf("no who.stdout in the output:\n%s", out)
		}
		return m[1]
	}
	connections := func(args ...string) string {
		cmd := exec.Command(playBin, append([]string{"connections"}, args...)...)
		cmd.Env = env
		b, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("play connections %v: %v\n%s", args, err, b)
		}
		return string(b)
	}
	t.Cleanup(func() { connections("--close") })

	out1, st1 := run("--persist", "2m")
	out2, st2 := run("--persist", "2m")
	if st1.Connections != 1 || st2.Connections != 0 || st2.Reused != 1 {
		t.Errorf("connections/reused: first run %d/%d, second %d/%d; want 1/0 then 0/1",
			st1.Connections, st1.Reused, st2.Connections, st2.Reused)
	}
	if p1, p2 := pidOf(out1), pidOf(out2); p1 != p2 {
		t.Errorf("second run served by sshd pid %s, first by %s: the connection was not kept", p2, p1)
	}
	if !strings.Contains(out2, "changed=0") {
		t.Errorf("second run changed something:\n%s", out2)
	}

	// The Ansible habit: ControlPersist in the ssh arguments.
	out3, st3 := run("-e", "ansible_ssh_common_args='-o ControlMaster=auto -o ControlPersist=60s'")
	if st3.Reused != 1 || pidOf(out3) != pidOf(out1) {
		t.Errorf("ControlPersist=60s in ansible_ssh_common_args did not reuse the held connection (reused %d)", st3.Reused)
	}

	list := connections()
	if !strings.Contains(list, host) || !strings.Contains(list, "root@") {
		t.Errorf("play connections does not list %s:\n%s", host, list)
	}
	connections("--close")
	deadline := time.Now().Add(5 * time.Second)
	for {
		_, err := os.Stat(filepath.Join(holderDir, "holder.sock"))
		if errors.Is(err, os.ErrNotExist) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the holder still listens 5 s after play connections --close")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if got := connections(); !strings.Contains(got, "no connections are held") {
		t.Errorf("after --close: %s", got)
	}
	_, st4 := run()
	if st4.Connections != 1 || st4.Reused != 0 {
		t.Errorf("without --persist after --close: %d connections, %d reused; want a direct one", st4.Connections, st4.Reused)
	}
	// The command line beats the inventory: --persist 0 connects directly
	// even where ssh arguments ask for ControlPersist, and starts no holder.
	_, st5 := run("--persist", "0", "-e", "ansible_ssh_common_args='-o ControlPersist=60s'")
	if st5.Connections != 1 || st5.Reused != 0 {
		t.Errorf("--persist 0 with ControlPersist=60s: %d connections, %d reused; want a direct one", st5.Connections, st5.Reused)
	}
	if _, err := os.Stat(filepath.Join(holderDir, "holder.sock")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("--persist 0 started a holder (%v)", err)
	}
}
