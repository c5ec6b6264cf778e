package modules

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A run saved by the module reads back with the same figures, and the
// password it ran with is not in the file.
func TestSysbenchResultsRoundTrip(t *testing.T) {
	out, err := os.ReadFile("testdata/sysbench/oltp_read_write_run.txt")
	if err != nil {
		t.Fatal(err)
	}
	m, _ := Get("sysbench")
	dir := t.TempDir()
	args, errs := Normalize(m.Spec(), map[string]any{"threads": 2, "time": 5, "tables": 2, "table_size": 1000,
		"mysql_password": "pw-never-saved", "mysql_hosts": []any{"10.0.0.1", "10.0.0.2"}, "results_dir": dir, "label": "lab"}, false)
	if len(errs) > 0 {
		t.Fatal(errs[0])
	}
	started := time.Date(2026, 11, 27, 8, 30, 5, 0, time.UTC)
	path := sysbenchResultsPath(args, started)
	if want := filepath.Join(dir, "oltp_read_write-2t-20261127T083005Z.json"); path != want {
		t.Fatalf("path %s, want %s", path, want)
	}
	task := &Task{Host: "gb-1", Args: args}
	if err := newSysbenchResults(task, parseSysbench(string(out)), string(out), started).save(path); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(path)
	if strings.Contains(string(raw), "pw-never-saved") {
		t.Fatalf("password saved:\n%s", raw)
	}
	r, err := ReadSysbenchResults(path)
	if err != nil {
		t.Fatal(err)
	}
	if r.TPS != 99.00 || r.QPS != 1979.97 || r.LatencyPct() != 50.11 || r.Threads != 2 || r.Version != "1.0.20" ||
		r.Host != "gb-1" || r.Label != "lab" || strings.Join(r.Servers, ",") != "10.0.0.1,10.0.0.2" || !r.Started.Equal(started) {
		t.Errorf("read back %+v", r)
	}
}

// Files that are not saved runs are refused with file:line:col, the key
// and what was expected.
func TestReadSysbenchResultsErrors(t *testing.T) {
	dir := t.TempDir()
	for name, c := range map[string]struct{ text, want string }{
		"syntax":  {"{\n  \"format\": \"play-sysbench/1\",\n  \"tps\": 1,,\n}", "syntax.json:3:12: not valid JSON"},
		"type":    {"{\n  \"format\": \"play-sysbench/1\",\n  \"test\": \"x\",\n  \"tps\": \"fast\"\n}", `type.json:4:3: key "tps": expected a number, found a JSON string`},
		"format":  {`{"tps": 1}`, `format.json:1:1: key "format": expected "play-sysbench/1"`},
		"missing": {`{"format": "play-sysbench/1", "test": "oltp_read_write", "threads": 4, "qps": 2, "latency_ms": {}}`, `missing.json:1:1: key "tps" is missing`},
		"array":   {`[1, 2]`, "array.json:1:1: expected a JSON object"},
	} {
		p := filepath.Join(dir, name+".json")
		if err := os.WriteFile(p, []byte(c.text), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := ReadSysbenchResults(p)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want it to contain %q", name, err, c.want)
		}
	}
}
