package modules

import (
	"os"
	"testing"
)

// The testdata files are sysbench 1.0.20 output captured on a lab host
// (3-node Galera cluster, oltp_read_write, 2 threads, 5 s).
func TestParseSysbenchRun(t *testing.T) {
	b, err := os.ReadFile("testdata/sysbench/oltp_read_write_run.txt")
	if err != nil {
		t.Fatal(err)
	}
	r := parseSysbench(string(b))
	if !r.Complete || len(r.Fatal) != 0 {
		t.Fatalf("complete %v fatal %v", r.Complete, r.Fatal)
	}
	got := []any{r.Reads, r.Writes, r.Other, r.TotalQueries, r.Transactions, r.TPS, r.QPS, r.Errors, r.Reconnects,
		r.TotalTime, r.Events, r.LatencyMin, r.LatencyAvg, r.LatencyMax, r.Percentile, r.LatencyPct, r.LatencySum, r.Threads}
	want := []any{int64(7028), int64(1749), int64(1263), int64(10040), int64(502), 99.00, 1979.97, int64(0), int64(0),
		5.0527, int64(502), 2.79, 19.99, 87.98, 95, 50.11, 10033.39, 2}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("field %d: got %v, want %v", i, got[i], want[i])
		}
	}
	if d := r.data(); d["latency_ms"].(map[string]any)["p95"] != 50.11 || d["tps"] != 99.0 {
		t.Errorf("data %v", d)
	}
}

func TestParseSysbenchFatal(t *testing.T) {
	b, err := os.ReadFile("testdata/sysbench/unknown_db.txt")
	if err != nil {
		t.Fatal(err)
	}
	r := parseSysbench(string(b))
	if r.Complete || len(r.Fatal) != 4 || r.Fatal[1] != "error 1049: Unknown database 'nosuchdb'" {
		t.Errorf("complete %v fatal %q", r.Complete, r.Fatal)
	}
}
