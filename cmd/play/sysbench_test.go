package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// sbFile writes a results file as the sysbench module saves it.
func sbFile(t *testing.T, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

const sbRun = `{"format": "play-sysbench/1", "label": "%s", "host": "galera-1", "started": "2026-11-27T08:00:00Z",
 "test": "oltp_read_write", "threads": %s, "tables": 2, "table_size": 1000, "time": 10,
 "servers": ["10.77.0.11", "10.77.0.12", "10.77.0.13"], "tps": %s, "qps": %s, "errors": %s, "reconnects": 0,
 "percentile": 95, "latency_ms": {"min": 1, "avg": %s, "max": 90, "p95": %s, "sum": 1000}}`

// The table shows both runs side by side, each figure of the second with
// its change against the first and whether that is better or worse.
func TestSysbenchCompare(t *testing.T) {
	dir := t.TempDir()
	fill := func(vals ...string) string {
		s := sbRun
		for _, v := range vals {
			s = strings.Replace(s, "%s", v, 1)
		}
		return s
	}
	a := sbFile(t, dir, "before.json", fill("lab", "4", "200", "4000", "10", "20", "40"))
	b := sbFile(t, dir, "after.json", fill("tuned", "16", "300", "6000", "0", "10", "50"))
	out, code := play(t, "sysbench", "compare", a, b)
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	for _, want := range []string{
		`(?m)^\s+before\.json\s+after\.json\s*$`,
		`(?m)^label\s+lab\s+tuned\s*$`,
		`(?m)^threads\s+4\s+16\s*$`,
		`(?m)^tps\s+200\.00\s+300\.00 \(\+50\.0% better\)\s*$`,
		`(?m)^qps\s+4000\.00\s+6000\.00 \(\+50\.0% better\)\s*$`,
		`(?m)^latency avg \(ms\)\s+20\.00\s+10\.00 \(-50\.0% better\)\s*$`,
		`(?m)^latency p95 \(ms\)\s+40\.00\s+50\.00 \(\+25\.0% worse\)\s*$`,
		`(?m)^errors\s+10\s+0 \(-100\.0% better\)\s*$`,
		`(?m)^reconnects\s+0\s+0 \(=\)\s*$`,
		`(?m)^servers\s+3\s+3\s*$`,
	} {
		if !regexp.MustCompile(want).MatchString(out) {
			t.Errorf("no line matching %s in:\n%s", want, out)
		}
	}
	if strings.Contains(out, "note:") {
		t.Errorf("same test, yet a like-for-like note:\n%s", out)
	}
}

// A file that is not a saved run is refused with its position (exit 4);
// fewer than two files is a usage error (exit 5).
func TestSysbenchCompareBadInput(t *testing.T) {
	dir := t.TempDir()
	good := sbFile(t, dir, "good.json", strings.NewReplacer("%s", "1").Replace(sbRun))
	bad := sbFile(t, dir, "bad.json", "{\n  \"format\": \"play-sysbench/1\",\n  \"tps\": \"fast\"\n}\n")
	out, code := play(t, "sysbench", "compare", good, bad)
	if code != exitInvalid || !strings.Contains(out, bad+`:3:3: key "tps": expected a number, found a JSON string`) {
		t.Errorf("bad file: exit %d, want %d and a positioned error:\n%s", code, exitInvalid, out)
	}
	if out, code := play(t, "sysbench", "compare", good); code != exitBadOptions {
		t.Errorf("one file: exit %d, want %d:\n%s", code, exitBadOptions, out)
	}
}
