package bench

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestParseProcStat(t *testing.T) {
	// A command name with spaces and a ')' must not shift the fields.
	line := "4242 (sd pam) x) S 17 4242 4242 0 -1 4194560 100 0 0 0 7 3 20 10 20 0 1 0 100 0 0"
	ppid, ticks, ok := parseProcStat(line)
	if !ok || ppid != 17 || ticks != 7+3+20+10 {
		t.Errorf("parseProcStat = %d, %d, %v; want ppid 17, 40 ticks", ppid, ticks, ok)
	}
	if _, _, ok := parseProcStat("12 (short) S 1"); ok {
		t.Error("a truncated line must not parse")
	}
	// This process's own line parses, with our parent as ppid.
	b, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		t.Skip(err)
	}
	if ppid, _, ok := parseProcStat(string(b)); !ok || ppid != os.Getppid() {
		t.Errorf("/proc/self/stat: ppid %d ok %v, want %d", ppid, ok, os.Getppid())
	}
}

func TestRemoteWorkInSummaryAndTable(t *testing.T) {
	f := filepath.Join(t.TempDir(), "conn.jsonl")
	lines := `{"host":"bench-1","connections":1,"sessions":3,"sftp_ops":85,"commands":{"p":1}}
{"host":"bench-2","connections":1,"sessions":3,"sftp_ops":85}
`
	if err := os.WriteFile(f, []byte(lines), 0o644); err != nil {
		t.Fatal(err)
	}
	rw, err := ReadRemoteWork(f)
	if err != nil || *rw != (RemoteWork{Connections: 2, Sessions: 6, SFTPOps: 170}) {
		t.Fatalf("ReadRemoteWork = %+v, %v", rw, err)
	}
	if err := os.WriteFile(f, []byte("{not json\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadRemoteWork(f); err == nil || !strings.Contains(err.Error(), f) {
		t.Errorf("bad counters file: %v, want an error naming it", err)
	}

	play := []Sample{{WallS: 1, HostCPUS: 0.9, Remote: rw}, {WallS: 2, HostCPUS: 1.1, Remote: rw}, {WallS: 3, HostCPUS: -1, Remote: rw}}
	s := Summarize(ToolPlay, play, 36)
	if s.HostCPUS != 1.0 || s.Remote == nil || s.Remote.Sessions != 6 {
		t.Errorf("summary host CPU %v remote %+v; want the median of the measured rounds (1.0) and 6 sessions", s.HostCPUS, s.Remote)
	}
	if a := Summarize(ToolAnsiblePL, []Sample{{WallS: 9, HostCPUS: -1}}, 36); a.HostCPUS != -1 || a.Remote != nil {
		t.Errorf("unmeasured: host CPU %v remote %+v; want -1 and nil", a.HostCPUS, a.Remote)
	}
	var out strings.Builder
	w := Workload{Name: "core-2", Hosts: 2, Mode: "converged", Summary: []Summary{s}}
	if err := WriteTable(&out, []Workload{w}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "host CPU s") || !strings.Contains(out.String(), "3.0+85.0") {
		t.Errorf("table lacks host CPU or per-host exec+sftp counts:\n%s", out.String())
	}
}

func TestProcessesCPUFindsByArguments(t *testing.T) {
	cmd := exec.Command("sh", "-c", "i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done; sleep 5", "playbench-cpu-probe", "marker-3f9c")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	deadline := time.Now().Add(20 * time.Second)
	for ProcessesCPU("playbench-cpu-probe", "marker-3f9c") < 100*time.Millisecond {
		if time.Now().After(deadline) {
			t.Fatal("the busy probe process was not found or not charged")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if got := ProcessesCPU("playbench-cpu-probe", "no-such-marker"); got != 0 {
		t.Errorf("processes without every argument were counted: %v", got)
	}
}
