package modules

import (
	"regexp"
	"strconv"
	"strings"
)

// sysbenchReport is what a sysbench 1.0 OLTP run prints in its summary.
type sysbenchReport struct {
	Reads, Writes, Other, TotalQueries int64
	Transactions                       int64
	TPS, QPS                           float64
	Errors, Reconnects                 int64
	TotalTime                          float64 // seconds
	Events                             int64
	LatencyMin, LatencyAvg, LatencyMax float64 // milliseconds
	LatencyPct                         float64 // the percentile below
	Percentile                         int     // 95 unless --percentile changed it
	LatencySum                         float64
	Threads                            int
	Fatal                              []string // FATAL: lines, in order
	Complete                           bool     // the statistics block was found
}

var (
	sbCount    = regexp.MustCompile(`^\s*(read|write|other|total):\s+(\d+)\s*$`)
	sbRate     = regexp.MustCompile(`^\s*(transactions|queries|ignored errors|reconnects):\s+(\d+)\s+\(([\d.]+) per sec\.\)`)
	sbTime     = regexp.MustCompile(`^\s*total time:\s+([\d.]+)s`)
	sbEvents   = regexp.MustCompile(`^\s*total number of events:\s+(\d+)`)
	sbLatency  = regexp.MustCompile(`^\s*(min|avg|max|sum):\s+([\d.]+)\s*$`)
	sbPct      = regexp.MustCompile(`^\s*(\d+)th percentile:\s+([\d.]+)`)
	sbThreads  = regexp.MustCompile(`^Number of threads:\s+(\d+)`)
	sbSections = []string{"SQL statistics:", "General statistics:", "Latency (ms):", "Threads fairness:"}
)

// parseSysbench reads sysbench's text output. The same labels (min, avg,
// total) appear in several sections, so lines are read in the context of
// the section they are in.
func parseSysbench(out string) *sysbenchReport {
	r := &sysbenchReport{}
	section := ""
	for _, line := range strings.Split(out, "\n") {
		trim := strings.TrimSpace(line)
		if strings.HasPrefix(trim, "FATAL:") {
			r.Fatal = append(r.Fatal, strings.TrimSpace(strings.TrimPrefix(trim, "FATAL:")))
			continue
		}
		isHeader := false
		for _, s := range sbSections {
			if trim == s {
				section, isHeader = s, true
			}
		}
		if isHeader {
			continue
		}
		if m := sbThreads.FindStringSubmatch(trim); m != nil {
			r.Threads, _ = strconv.Atoi(m[1])
		}
		switch section {
		case "SQL statistics:":
			r.Complete = true
			if m := sbCount.FindStringSubmatch(line); m != nil {
				n, _ := strconv.ParseInt(m[2], 10, 64)
				switch m[1] {
				case "read":
					r.Reads = n
				case "write":
					r.Writes = n
				case "other":
					r.Other = n
				case "total":
					r.TotalQueries = n
				}
			}
			if m := sbRate.FindStringSubmatch(line); m != nil {
				n, _ := strconv.ParseInt(m[2], 10, 64)
				rate, _ := strconv.ParseFloat(m[3], 64)
				switch m[1] {
				case "transactions":
					r.Transactions, r.TPS = n, rate
				case "queries":
					r.QPS = rate
				case "ignored errors":
					r.Errors = n
				case "reconnects":
					r.Reconnects = n
				}
			}
		case "General statistics:":
			if m := sbTime.FindStringSubmatch(line); m != nil {
				r.TotalTime, _ = strconv.ParseFloat(m[1], 64)
			}
			if m := sbEvents.FindStringSubmatch(line); m != nil {
				r.Events, _ = strconv.ParseInt(m[1], 10, 64)
			}
		case "Latency (ms):":
			if m := sbLatency.FindStringSubmatch(line); m != nil {
				v, _ := strconv.ParseFloat(m[2], 64)
				switch m[1] {
				case "min":
					r.LatencyMin = v
				case "avg":
					r.LatencyAvg = v
				case "max":
					r.LatencyMax = v
				case "sum":
					r.LatencySum = v
				}
			}
			if m := sbPct.FindStringSubmatch(line); m != nil {
				r.Percentile, _ = strconv.Atoi(m[1])
				r.LatencyPct, _ = strconv.ParseFloat(m[2], 64)
			}
		}
	}
	return r
}

// data is the registered result's view of the report.
func (r *sysbenchReport) data() map[string]any {
	lat := map[string]any{"min": r.LatencyMin, "avg": r.LatencyAvg, "max": r.LatencyMax, "sum": r.LatencySum}
	if r.Percentile != 0 {
		lat["p"+strconv.Itoa(r.Percentile)] = r.LatencyPct
	}
	return map[string]any{
		"tps": r.TPS, "qps": r.QPS, "transactions": int(r.Transactions),
		"reads": int(r.Reads), "writes": int(r.Writes), "other": int(r.Other), "queries": int(r.TotalQueries),
		"errors": int(r.Errors), "reconnects": int(r.Reconnects),
		"total_time": r.TotalTime, "events": int(r.Events), "threads": r.Threads,
		"latency_ms": lat,
	}
}
