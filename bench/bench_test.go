package bench

import (
	"bytes"
	"math"
	"strings"
	"testing"
)

// Recaps as each tool prints them: padding and trailing spaces differ.
const playOut = `PLAY [Core modules workload] ***************************************************

TASK [Root directory] **********************************************************
ok: [bench-1]

PLAY RECAP ********************************************************************
bench-1  : ok=17   changed=3    unreachable=0    failed=0    skipped=1    rescued=0    ignored=0
bench-10 : ok=17   changed=3    unreachable=0    failed=0    skipped=1    rescued=0    ignored=0
`

const ansibleOut = "PLAY [Core modules workload] ****\n\nPLAY RECAP *********************************************************************\n" +
	"bench-1                    : ok=17   changed=3    unreachable=0    failed=0    skipped=1    rescued=0    ignored=0   \n" +
	"\x1b[0;33mbench-10\x1b[0m                   : \x1b[0;32mok=17  \x1b[0m changed=3    unreachable=0    failed=0    skipped=1    rescued=0    ignored=0   \n\n"

func TestParseRecapBothTools(t *testing.T) {
	p, err := ParseRecap(playOut)
	if err != nil {
		t.Fatal(err)
	}
	want := HostStats{OK: 17, Changed: 3, Skipped: 1}
	if p["bench-1"] != want || p["bench-10"] != want || len(p) != 2 {
		t.Fatalf("play recap = %v", p)
	}
	a, err := ParseRecap(ansibleOut)
	if err != nil {
		t.Fatal(err)
	}
	if d := Diff("play", p, "ansible", a); d != "" {
		t.Fatalf("same work reported as different:\n%s", d)
	}
	if got := p.TaskRuns(); got != 36 {
		t.Errorf("TaskRuns = %d, want 36 (18 tasks × 2 hosts)", got)
	}
}

func TestParseRecapNone(t *testing.T) {
	if _, err := ParseRecap("ERROR! the playbook could not be found\n"); err == nil {
		t.Fatal("output without a recap parsed as one")
	}
}

func TestDiffNamesTheHostAndCounters(t *testing.T) {
	a := Recap{"h1": {OK: 5, Changed: 2}, "h2": {OK: 5}}
	b := Recap{"h1": {OK: 5, Changed: 1}, "h3": {OK: 5}}
	d := Diff("play", a, "ansible", b)
	for _, want := range []string{"h1: play ok=5 changed=2", "ansible ok=5 changed=1", "h2: only in play's recap", "h3: only in ansible's recap"} {
		if !strings.Contains(d, want) {
			t.Errorf("diff lacks %q:\n%s", want, d)
		}
	}
}

func TestMedianAndSummary(t *testing.T) {
	if m := Median([]float64{5, 1, 3}); m != 3 {
		t.Errorf("odd median = %v", m)
	}
	if m := Median([]float64{4, 1, 3, 2}); m != 2.5 {
		t.Errorf("even median = %v", m)
	}
	if m := Median(nil); m != 0 {
		t.Errorf("empty median = %v", m)
	}
	play := Summarize(ToolPlay, []Sample{{WallS: 1.0, MaxRSSMB: 20}, {WallS: 3.0, MaxRSSMB: 25}, {WallS: 2.0, MaxRSSMB: 22}}, 54)
	ans := Summarize(ToolAnsiblePL, []Sample{{WallS: 40}, {WallS: 50}, {WallS: 45}}, 54)
	if play.MedianWallS != 2 || play.MinWallS != 1 || play.MaxWallS != 3 || play.MaxRSSMB != 25 {
		t.Errorf("summary = %+v", play)
	}
	if math.Abs(play.PerTaskHostMS-2000.0/54) > 1e-9 {
		t.Errorf("per task·host = %v ms, want %v", play.PerTaskHostMS, 2000.0/54)
	}
	if r := Ratio(play, ans); r != 22.5 {
		t.Errorf("ratio = %v, want 22.5", r)
	}
}

func TestTargetsAndTable(t *testing.T) {
	mk := func(name string, hosts int, mode string, playS, ansS, rss float64) Workload {
		w := Workload{Name: name, Hosts: hosts, Mode: mode, Recap: Recap{"h": {OK: 18}},
			Samples: map[string][]Sample{ToolPlay: {{WallS: playS, MaxRSSMB: rss}}, ToolAnsiblePL: {{WallS: ansS}}}}
		w.Summarize(Tools)
		return w
	}
	persisted := func(w Workload, s float64) Workload {
		w.Samples[ToolPlayPersist] = []Sample{{WallS: s, MaxRSSMB: 20}}
		w.Summarize(Tools)
		return w
	}
	runs := []Workload{
		persisted(mk("core-3", 3, "converged", 0.5, 12, 20), 0.4),
		persisted(mk("core-50", 50, "converged", 2.0, 30, 120), 1.0),
		{Name: "galera-3", Hosts: 3, Mode: "converged", Skipped: "playbooks/galera.yml does not exist"},
	}
	ts := Targets(runs, "core-3", "core-50")
	got := map[string]Target{}
	for _, tg := range ts {
		got[tg.Goal] = tg
	}
	check := func(goal string, met, missing bool) {
		t.Helper()
		tg, ok := got[goal]
		if !ok {
			t.Fatalf("no target %q in %+v", goal, ts)
		}
		if tg.Met != met || tg.Missing != missing {
			t.Errorf("%s: met=%v missing=%v (%s), want met=%v missing=%v", goal, tg.Met, tg.Missing, tg.Measured, met, missing)
		}
	}
	check("core-3 converged: play ≥ 20× faster than ansible+pipelining", true, false)   // 24×
	check("core-50 converged: play ≥ 20× faster than ansible+pipelining", false, false) // 15×
	check("converged: play on core-50 < 3× its time on core-3", false, false)           // 4×
	check("converged: play+persist on core-50 < 3× its time on core-3", true, false)    // 2.5×
	check("first run: play on core-50 < 3× its time on core-3", false, true)
	if _, ok := got["first run: play+persist on core-50 < 3× its time on core-3"]; ok {
		t.Error("a play+persist target without play+persist figures")
	}
	check("core-50: play's control process < 100 MB", false, false)

	var buf bytes.Buffer
	if err := WriteTable(&buf, runs); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{"24.0×", "15.0×", "galera-3 (3 hosts, converged): skipped: playbooks/galera.yml does not exist"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
}

func TestFilterInventoryKeepsOnlyOneGroup(t *testing.T) {
	in := `# Written by lab/lab.sh; do not edit.
[galera]
galera-1 ansible_host=10.77.0.11

[bench]
bench-1 ansible_host=10.77.0.196
bench-2 ansible_host=10.77.0.197

[all:vars]
ansible_user=root
ansible_ssh_known_hosts_file=/var/lib/play-lab/known_hosts
`
	out, n := FilterInventory(in, "bench")
	if n != 2 || strings.Contains(out, "galera-1") || !strings.Contains(out, "["+TargetGroup+"]\nbench-1 ansible_host=10.77.0.196\nbench-2") ||
		!strings.Contains(out, "ansible_user=root") {
		t.Fatalf("filtered (%d hosts):\n%s", n, out)
	}
}

func TestParsePSS(t *testing.T) {
	rollup := "00400000-7ffd [rollup]\nRss:               10240 kB\nPss:                4096 kB\nPss_Anon:           1000 kB\n"
	if got := parsePSS(rollup); got != 4096 {
		t.Fatalf("PSS = %d kB, want 4096", got)
	}
}
