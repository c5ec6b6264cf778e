package bench

import (
	"fmt"
	"sort"
)

// Median of xs (the mean of the two middle values for an even count); 0 for
// none. The bench reports medians because a shared 2-core machine has
// outliers (other jobs, GC, sshd hiccups) that a mean would smear in.
func Median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	m := len(s) / 2
	if len(s)%2 == 1 {
		return s[m]
	}
	return (s[m-1] + s[m]) / 2
}

// Max of xs; 0 for none.
func Max(xs []float64) float64 {
	m := 0.0
	for i, x := range xs {
		if i == 0 || x > m {
			m = x
		}
	}
	return m
}

// Summary aggregates one tool's rounds of one workload.
type Summary struct {
	Tool        string  `json:"tool"`
	Rounds      int     `json:"rounds"`
	MedianWallS float64 `json:"median_wall_s"`
	MinWallS    float64 `json:"min_wall_s"`
	MaxWallS    float64 `json:"max_wall_s"`
	// TaskRuns is tasks × hosts as the recap counts them.
	TaskRuns int `json:"task_runs"`
	// PerTaskHostMS is the median wall time divided by TaskRuns.
	PerTaskHostMS float64 `json:"per_task_host_ms"`
	// MaxRSSMB is the largest ru_maxrss over the rounds (see Sample).
	MaxRSSMB float64 `json:"max_rss_mb"`
	// TreePeakMB is the largest sampled sum of PSS over the process tree.
	TreePeakMB float64 `json:"tree_peak_pss_mb"`
	// CPUS is the median user+system CPU time of the whole tree (and of
	// play's connection holder for play+persist).
	CPUS float64 `json:"median_cpu_s"`
	// HostCPUS is the median CPU time the lab hosts spent per run (see
	// Sample.HostCPUS); -1 when not measured.
	HostCPUS float64 `json:"median_host_cpu_s"`
	// Remote is play's median remote work per run (nil for other tools).
	Remote *RemoteWork `json:"remote,omitempty"`
}

// Summarize computes a Summary from the samples of one tool.
func Summarize(tool string, samples []Sample, taskRuns int) Summary {
	var wall, rss, tree, cpu, host []float64
	var conns, sessions, sftp []float64
	for _, s := range samples {
		wall = append(wall, s.WallS)
		rss = append(rss, s.MaxRSSMB)
		tree = append(tree, s.TreePeakMB)
		cpu = append(cpu, s.UserS+s.SysS+s.HolderCPUS)
		if s.HostCPUS >= 0 {
			host = append(host, s.HostCPUS)
		}
		if s.Remote != nil {
			conns = append(conns, float64(s.Remote.Connections))
			sessions = append(sessions, float64(s.Remote.Sessions))
			sftp = append(sftp, float64(s.Remote.SFTPOps))
		}
	}
	sum := Summary{Tool: tool, Rounds: len(samples), MedianWallS: Median(wall), MaxWallS: Max(wall),
		TaskRuns: taskRuns, MaxRSSMB: Max(rss), TreePeakMB: Max(tree), CPUS: Median(cpu), HostCPUS: -1}
	if len(host) > 0 {
		sum.HostCPUS = Median(host)
	}
	if len(sessions) > 0 {
		sum.Remote = &RemoteWork{Connections: int64(Median(conns)), Sessions: int64(Median(sessions)), SFTPOps: int64(Median(sftp))}
	}
	for i, w := range wall {
		if i == 0 || w < sum.MinWallS {
			sum.MinWallS = w
		}
	}
	if taskRuns > 0 {
		sum.PerTaskHostMS = sum.MedianWallS * 1000 / float64(taskRuns)
	}
	return sum
}

// Ratio is how many times faster a is than b (b's time over a's); 0 when a
// has no time.
func Ratio(a, b Summary) float64 {
	if a.MedianWallS == 0 {
		return 0
	}
	return b.MedianWallS / a.MedianWallS
}

// FormatRatio prints a ratio as "12.3×".
func FormatRatio(r float64) string {
	if r == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f×", r)
}
