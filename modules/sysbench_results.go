package modules

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// SysbenchResultsFormat names the JSON document the sysbench module saves
// on the control machine after a run, so runs (set-ups, providers, tuning)
// can be compared later with `play sysbench compare`.
const SysbenchResultsFormat = "play-sysbench/1"

// SysbenchResults is one saved run. Figures are sysbench's own; the
// settings are those the run used, so a comparison shows what differed.
// It never holds the database password.
type SysbenchResults struct {
	Format       string             `json:"format"`
	Label        string             `json:"label,omitempty"`
	Host         string             `json:"host"` // the inventory host sysbench ran on
	Started      time.Time          `json:"started"`
	Version      string             `json:"sysbench_version,omitempty"`
	Test         string             `json:"test"`
	Threads      int                `json:"threads"`
	Tables       int                `json:"tables"`
	TableSize    int                `json:"table_size"`
	Time         int                `json:"time"`              // seconds asked for
	Servers      []string           `json:"servers,omitempty"` // mysql_hosts; empty = the local socket
	TPS          float64            `json:"tps"`
	QPS          float64            `json:"qps"`
	Transactions int64              `json:"transactions"`
	Queries      int64              `json:"queries"`
	Reads        int64              `json:"reads"`
	Writes       int64              `json:"writes"`
	Other        int64              `json:"other"`
	Errors       int64              `json:"errors"`
	Reconnects   int64              `json:"reconnects"`
	TotalTime    float64            `json:"total_time"`
	Events       int64              `json:"events"`
	Percentile   int                `json:"percentile"`
	LatencyMS    map[string]float64 `json:"latency_ms"` // min, avg, max, sum and p<percentile>
}

// LatencyPct is the latency at the run's percentile, in milliseconds.
func (r *SysbenchResults) LatencyPct() float64 {
	return r.LatencyMS["p"+strconv.Itoa(r.Percentile)]
}

var sbVersion = regexp.MustCompile(`(?m)^sysbench (\S+)`)

// newSysbenchResults fills the document from the task's arguments and
// the parsed output.
func newSysbenchResults(t *Task, rep *sysbenchReport, out string, started time.Time) *SysbenchResults {
	r := &SysbenchResults{
		Format: SysbenchResultsFormat, Label: Str(t.Args, "label"), Host: t.Host, Started: started.UTC().Truncate(time.Second),
		Test: Str(t.Args, "test"), Threads: Int(t.Args, "threads"), Tables: Int(t.Args, "tables"),
		TableSize: Int(t.Args, "table_size"), Time: Int(t.Args, "time"), Servers: List(t.Args, "mysql_hosts"),
		TPS: rep.TPS, QPS: rep.QPS, Transactions: rep.Transactions, Queries: rep.TotalQueries, Reads: rep.Reads,
		Writes: rep.Writes, Other: rep.Other, Errors: rep.Errors, Reconnects: rep.Reconnects,
		TotalTime: rep.TotalTime, Events: rep.Events, Percentile: rep.Percentile,
		LatencyMS: map[string]float64{"min": rep.LatencyMin, "avg": rep.LatencyAvg, "max": rep.LatencyMax, "sum": rep.LatencySum},
	}
	if rep.Percentile != 0 {
		r.LatencyMS["p"+strconv.Itoa(rep.Percentile)] = rep.LatencyPct
	}
	if m := sbVersion.FindStringSubmatch(out); m != nil {
		r.Version = m[1]
	}
	return r
}

// sysbenchResultsPath is where a run is saved: results_file as given, or
// a new file per run in results_dir (test, threads and start time in the
// name, so runs never overwrite each other and sort by time).
func sysbenchResultsPath(args map[string]any, started time.Time) string {
	if f := Str(args, "results_file"); f != "" {
		return expandHome(f)
	}
	dir := Str(args, "results_dir")
	if dir == "" {
		return ""
	}
	name := fmt.Sprintf("%s-%dt-%s.json", Str(args, "test"), Int(args, "threads"), started.UTC().Format("20060102T150405Z"))
	return filepath.Join(expandHome(dir), name)
}

func expandHome(p string) string {
	if strings.HasPrefix(p, "~/") {
		if home, err := os.UserHomeDir(); err == nil {
			return filepath.Join(home, p[2:])
		}
	}
	return p
}

// save writes the document on the control machine, atomically.
func (r *SysbenchResults) save(path string) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return writeLocalAtomic(path, append(b, '\n'))
}

// ReadSysbenchResults reads a saved run. Errors name the file, the line
// and column, the key and what was expected.
func ReadSysbenchResults(path string) (*SysbenchResults, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var r SysbenchResults
	if err := json.Unmarshal(b, &r); err != nil {
		var syn *json.SyntaxError
		var typ *json.UnmarshalTypeError
		switch {
		case errors.As(err, &syn):
			line, col := jsonPos(b, syn.Offset)
			return nil, fmt.Errorf("%s:%d:%d: not valid JSON: %v", path, line, col, syn)
		case errors.As(err, &typ):
			off := typ.Offset
			key := typ.Field[strings.LastIndex(typ.Field, ".")+1:]
			if i := bytes.LastIndex(b[:min(off, int64(len(b)))], []byte(`"`+key+`"`)); key != "" && i >= 0 {
				off = int64(i) + 1 // the key, not the end of its value
			}
			line, col := jsonPos(b, off)
			if typ.Field == "" {
				return nil, fmt.Errorf("%s:%d:%d: expected a JSON object (a sysbench run), found a JSON %s", path, line, col, typ.Value)
			}
			return nil, fmt.Errorf("%s:%d:%d: key %q: expected %s, found a JSON %s", path, line, col, typ.Field, jsonKind(typ.Type.Kind().String()), typ.Value)
		}
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	if r.Format != SysbenchResultsFormat {
		return nil, fmt.Errorf("%s:1:1: key \"format\": expected %q (a results file written by the sysbench module's results_dir or results_file), found %q",
			path, SysbenchResultsFormat, r.Format)
	}
	var keys map[string]json.RawMessage
	_ = json.Unmarshal(b, &keys) // decoded above: cannot fail
	for _, req := range []string{"test", "threads", "tps", "qps", "latency_ms"} {
		if _, ok := keys[req]; !ok {
			return nil, fmt.Errorf("%s:1:1: key %q is missing: expected the figures of a sysbench run", path, req)
		}
	}
	return &r, nil
}

// jsonPos turns a byte offset (just past the problem, as encoding/json
// reports it) into a 1-based line and column.
func jsonPos(b []byte, off int64) (int, int) {
	if off > int64(len(b)) {
		off = int64(len(b))
	}
	if off > 0 {
		off-- // point at the offending byte, not past it
	}
	line := 1 + bytes.Count(b[:off], []byte("\n"))
	col := int(off) - bytes.LastIndexByte(b[:off], '\n')
	return line, col
}

// jsonKind names a Go kind as JSON users know it.
func jsonKind(k string) string {
	switch {
	case strings.HasPrefix(k, "int"), strings.HasPrefix(k, "uint"), strings.HasPrefix(k, "float"):
		return "a number"
	case k == "string":
		return "a string"
	case k == "map", k == "struct":
		return "an object"
	case k == "slice", k == "array":
		return "a list"
	}
	return k
}
