// Package bench compares play with ansible-playbook on the same lab hosts:
// it runs the same playbooks under each tool in alternating rounds, checks
// that both did the same work (identical PLAY RECAPs), and aggregates wall
// times and control-process memory. cmd/playbench drives it; docs/bench.md
// explains the method and the figures.
package bench

import (
	"bufio"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// HostStats is one PLAY RECAP line.
type HostStats struct {
	OK          int `json:"ok"`
	Changed     int `json:"changed"`
	Unreachable int `json:"unreachable"`
	Failed      int `json:"failed"`
	Skipped     int `json:"skipped"`
	Rescued     int `json:"rescued"`
	Ignored     int `json:"ignored"`
}

// Recap maps each host to its PLAY RECAP counters.
type Recap map[string]HostStats

// Both tools print the same line shape ("host : ok=N changed=N ..."), with
// different padding; play also appends "would_run_after=N" in check mode,
// which the bench never uses.
var recapLine = regexp.MustCompile(`^(\S+)\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)\s+skipped=(\d+)\s+rescued=(\d+)\s+ignored=(\d+)`)

// ansiEscape strips colour codes, in case a tool colours its output anyway.
var ansiEscape = regexp.MustCompile(`\x1b\[[0-9;]*m`)

// ParseRecap reads the PLAY RECAP section of a run's output. With several
// playbooks (or import_playbook) the last recap wins, as each tool prints one
// recap for the whole run.
func ParseRecap(output string) (Recap, error) {
	var rec Recap
	in := false
	sc := bufio.NewScanner(strings.NewReader(output))
	sc.Buffer(make([]byte, 0, 64*1024), 16*1024*1024)
	for sc.Scan() {
		line := strings.TrimSpace(ansiEscape.ReplaceAllString(sc.Text(), ""))
		if strings.HasPrefix(line, "PLAY RECAP") {
			in, rec = true, Recap{}
			continue
		}
		if !in {
			continue
		}
		m := recapLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		n := make([]int, 7)
		for i := range n {
			n[i], _ = strconv.Atoi(m[i+2]) // the regexp admits digits only
		}
		rec[m[1]] = HostStats{OK: n[0], Changed: n[1], Unreachable: n[2], Failed: n[3], Skipped: n[4], Rescued: n[5], Ignored: n[6]}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(rec) == 0 {
		return nil, fmt.Errorf("no PLAY RECAP with host lines in the output")
	}
	return rec, nil
}

// Hosts returns the recap's host names, sorted.
func (r Recap) Hosts() []string {
	hs := make([]string, 0, len(r))
	for h := range r {
		hs = append(hs, h)
	}
	sort.Strings(hs)
	return hs
}

// TaskRuns is the number of (task, host) executions the recap accounts for:
// every task result lands in exactly one of ok, failed, skipped or
// unreachable (changed and rescued/ignored are subsets of those).
func (r Recap) TaskRuns() int {
	n := 0
	for _, s := range r {
		n += s.OK + s.Failed + s.Skipped + s.Unreachable
	}
	return n
}

// Totals sums the counters over all hosts.
func (r Recap) Totals() HostStats {
	var t HostStats
	for _, s := range r {
		t.OK += s.OK
		t.Changed += s.Changed
		t.Unreachable += s.Unreachable
		t.Failed += s.Failed
		t.Skipped += s.Skipped
		t.Rescued += s.Rescued
		t.Ignored += s.Ignored
	}
	return t
}

// Diff describes how two recaps differ, one line per host; empty when they
// are identical. Names label the two sides in the message.
func Diff(nameA string, a Recap, nameB string, b Recap) string {
	seen := map[string]bool{}
	var hosts []string
	for _, r := range []Recap{a, b} {
		for h := range r {
			if !seen[h] {
				seen[h] = true
				hosts = append(hosts, h)
			}
		}
	}
	sort.Strings(hosts)
	var out strings.Builder
	for _, h := range hosts {
		sa, okA := a[h]
		sb, okB := b[h]
		switch {
		case !okA:
			fmt.Fprintf(&out, "%s: only in %s's recap (%s)\n", h, nameB, sb)
		case !okB:
			fmt.Fprintf(&out, "%s: only in %s's recap (%s)\n", h, nameA, sa)
		case sa != sb:
			fmt.Fprintf(&out, "%s: %s %s, %s %s\n", h, nameA, sa, nameB, sb)
		}
	}
	return out.String()
}

func (s HostStats) String() string {
	return fmt.Sprintf("ok=%d changed=%d unreachable=%d failed=%d skipped=%d rescued=%d ignored=%d",
		s.OK, s.Changed, s.Unreachable, s.Failed, s.Skipped, s.Rescued, s.Ignored)
}
