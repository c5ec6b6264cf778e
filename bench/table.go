package bench

import (
	"fmt"
	"io"
	"text/tabwriter"
)

// Tool names as they appear in results and tables.
const (
	ToolPlay        = "play"
	ToolPlayPersist = "play+persist" // play run --persist: connections kept between runs
	ToolAnsible     = "ansible"
	ToolAnsiblePL   = "ansible+pipelining"
)

// Tools is the order every table and summary uses.
var Tools = []string{ToolPlay, ToolPlayPersist, ToolAnsible, ToolAnsiblePL}

// WriteTable prints one row per workload and tool: median wall time, the
// ansible variants' time as a multiple of play's, per-task-per-host cost and
// memory.
func WriteTable(w io.Writer, runs []Workload) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight|tabwriter.Debug)
	fmt.Fprintln(tw, "workload\thosts\tmode\ttool\tmedian s\tmin–max s\ttool/play\tms/task·host\tmaxrss MB\ttree PSS MB\tCPU s\thost CPU s\texec+sftp/host\t")
	var skipped []Workload
	for _, r := range runs {
		if r.Skipped != "" {
			skipped = append(skipped, r)
			continue
		}
		play, hasPlay := r.Find(ToolPlay)
		for _, s := range r.Summary {
			ratio := "-"
			if hasPlay && s.Tool != ToolPlay {
				ratio = FormatRatio(Ratio(play, s))
			}
			hostCPU, remote := "-", "-"
			if s.HostCPUS >= 0 {
				hostCPU = fmt.Sprintf("%.2f", s.HostCPUS)
			}
			if s.Remote != nil && r.Hosts > 0 {
				remote = fmt.Sprintf("%.1f+%.1f", float64(s.Remote.Sessions)/float64(r.Hosts), float64(s.Remote.SFTPOps)/float64(r.Hosts))
			}
			fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%.2f\t%.2f–%.2f\t%s\t%.1f\t%.0f\t%.0f\t%.2f\t%s\t%s\t\n",
				r.Name, r.Hosts, r.Mode, s.Tool, s.MedianWallS, s.MinWallS, s.MaxWallS, ratio,
				s.PerTaskHostMS, s.MaxRSSMB, s.TreePeakMB, s.CPUS, hostCPU, remote)
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	// Reasons are long; a column would stretch the whole table.
	for _, r := range skipped {
		if _, err := fmt.Fprintf(w, "%s (%d hosts, %s): skipped: %s\n", r.Name, r.Hosts, r.Mode, r.Skipped); err != nil {
			return err
		}
	}
	return nil
}

// Target is one of the goals the bench reports against.
type Target struct {
	Goal     string `json:"goal"`
	Measured string `json:"measured"`
	Met      bool   `json:"met"`
	Missing  bool   `json:"missing,omitempty"` // not measured in this run
}

// Targets evaluates the goals on the runs: converged re-runs at
// least 20× faster than ansible with pipelining, 50 hosts costing under 3×
// the time of 3 hosts, and play under 100 MB at 50 hosts. small and large
// name the core workload's 3- and 50-host runs.
func Targets(runs []Workload, small, large string) []Target {
	find := func(name, mode string) (Workload, bool) {
		for _, r := range runs {
			if r.Name == name && r.Mode == mode && r.Skipped == "" && len(r.Summary) > 0 {
				return r, true
			}
		}
		return Workload{}, false
	}
	var out []Target
	names := []string{small, large}
	if small == large {
		// One host set only: there is no scaling to compare.
		names = names[:1]
	}
	for _, name := range names {
		t := Target{Goal: fmt.Sprintf("%s converged: play ≥ 20× faster than ansible+pipelining", name)}
		if r, ok := find(name, "converged"); ok {
			p, _ := r.Find(ToolPlay)
			a, okA := r.Find(ToolAnsiblePL)
			if okA {
				x := Ratio(p, a)
				t.Measured, t.Met = FormatRatio(x), x >= 20
			} else {
				t.Missing = true
			}
		} else {
			t.Missing = true
		}
		out = append(out, t)
	}
	for _, mode := range []string{"converged", "first run"} {
		if small == large {
			break
		}
		for _, tool := range []string{ToolPlay, ToolPlayPersist} {
			t := Target{Goal: fmt.Sprintf("%s: %s on %s < 3× its time on %s", mode, tool, large, small)}
			s, okS := find(small, mode)
			l, okL := find(large, mode)
			ps, okPS := s.Find(tool)
			pl, okPL := l.Find(tool)
			if !okS || !okL || !okPS || !okPL {
				if tool == ToolPlay {
					out = append(out, Target{Goal: t.Goal, Missing: true})
				}
				continue // play+persist is optional (-tools)
			}
			x := Ratio(ps, pl)
			t.Measured = fmt.Sprintf("%.2f× (%.2f s vs %.2f s)", x, pl.MedianWallS, ps.MedianWallS)
			t.Met = x > 0 && x < 3
			out = append(out, t)
		}
	}
	t := Target{Goal: fmt.Sprintf("%s: play's control process < 100 MB", large)}
	peak := 0.0
	found := false
	for _, r := range runs {
		if r.Name != large || r.Skipped != "" {
			continue
		}
		if p, ok := r.Find(ToolPlay); ok {
			found = true
			peak = max(peak, p.MaxRSSMB)
		}
	}
	if found {
		t.Measured, t.Met = fmt.Sprintf("%.0f MB maxrss", peak), peak < 100
	} else {
		t.Missing = true
	}
	return append(out, t)
}

// WriteTargets prints the targets as a checklist.
func WriteTargets(w io.Writer, ts []Target) {
	for _, t := range ts {
		mark := "MISSED"
		switch {
		case t.Missing:
			mark = "not measured"
		case t.Met:
			mark = "met"
		}
		measured := ""
		if t.Measured != "" {
			measured = " — " + t.Measured
		}
		fmt.Fprintf(w, "  [%s] %s%s\n", mark, t.Goal, measured)
	}
}
