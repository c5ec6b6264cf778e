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
	// HostCPUS is the CPU time the lab hosts spent during the run (every
	// process under their systemd-nspawn, see LabHostsCPU): sshd, shells,
	// the tools they ran, ansible's Python. On the bench machine the hosts
	// share the controller's CPUs, so this, not the controller's CPU, is
	// what decides how many hosts a run can serve; and unlike wall time
	// it barely moves with the other jobs' load. -1 when not measured.
	HostCPUS float64 `json:"host_cpu_s"`
	// HolderCPUS is what play's connection holder (a separate background
	// process, so outside the tool's tree) spent during a play+persist
	// run; it is counted in the CPU column too.
	HolderCPUS float64 `json:"holder_cpu_s,omitempty"`
	// Remote is what play asked of the hosts, summed over them (from
	// PLAY_CONN_STATS); nil for the other tools.
	Remote *RemoteWork `json:"remote,omitempty"`
}

// RemoteWork sums play's per-host connection counters (engine/conn Stats).
type RemoteWork struct {
	Connections int64 `json:"connections"`
	Sessions    int64 `json:"exec_sessions"`
	SFTPOps     int64 `json:"sftp_requests"`
}
