package bench

// Sample is one timed run of one tool.
type Sample struct {
	Round int     `json:"round"`
	WallS float64 `json:"wall_s"`
	UserS float64 `json:"user_s"`
	SysS  float64 `json:"sys_s"`
	// MaxRSSMB is ru_maxrss from wait4 on the tool's process: Linux reports
	// the largest RSS of that process and of every descendant it waited
	// for — the peak of the biggest single process, not a sum over forks.
	MaxRSSMB float64 `json:"max_rss_mb"`
	// TreePeakMB is the peak, over samples every SampleEvery, of the summed
	// proportional set size (PSS) of the process and all its descendants:
	// forked workers share pages with their parent, and PSS charges each
	// shared page once in total instead of once per process as RSS would.
	TreePeakMB float64 `json:"tree_peak_pss_mb"`
	TreeProcs  int     `json:"tree_peak_procs"`
	ExitCode   int     `json:"exit_code"`
}
