package bench

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// labHostsDir is where lab.sh keeps one directory per host, with the
// pid of the host's systemd-nspawn in nspawn.pid.
const labHostsDir = "/var/lib/play-lab/hosts"

// clockTick is USER_HZ, the unit of the times in /proc/PID/stat (100 on
// every Linux architecture play runs on).
const clockTick = 10 * time.Millisecond

// LabHostsCPU is the CPU time used so far by the lab hosts named
// prefix-N: every process under their systemd-nspawn, counting its own
// time and that of the children it reaped. A difference of two readings
// is what the hosts spent in between (processes that exited in between
// are counted through their reaping parent), which on this machine is
// the figure that decides how many hosts the lab's CPUs can serve.
func LabHostsCPU(prefix string) (time.Duration, error) {
	pids, _ := filepath.Glob(filepath.Join(labHostsDir, prefix+"-*", "nspawn.pid"))
	roots := map[int]bool{}
	for _, f := range pids {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil {
			roots[pid] = true
		}
	}
	if len(roots) == 0 {
		return 0, fmt.Errorf("no running lab hosts with prefix %s under %s", prefix, labHostsDir)
	}
	type proc struct{ ppid, ticks int }
	procs := map[int]proc{}
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return 0, err
	}
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue // exited meanwhile: its parent reaped it
		}
		ppid, ticks, ok := parseProcStat(string(b))
		if ok {
			procs[pid] = proc{ppid, ticks}
		}
	}
	total := 0
	for pid, p := range procs {
		for a := pid; a > 1; a = procs[a].ppid {
			if roots[a] {
				total += p.ticks
				break
			}
			if _, ok := procs[a]; !ok {
				break
			}
		}
	}
	return time.Duration(total) * clockTick, nil
}

// parseProcStat returns the parent pid and utime+stime+cutime+cstime
// from a /proc/PID/stat line (the command name may contain spaces and
// parentheses, so fields are counted from the last ')').
func parseProcStat(s string) (ppid, ticks int, ok bool) {
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, 0, false
	}
	f := strings.Fields(s[i+1:])
	// f[0] is state (field 3); ppid is field 4, utime..cstime fields 14-17.
	if len(f) < 15 {
		return 0, 0, false
	}
	ppid, err := strconv.Atoi(f[1])
	if err != nil {
		return 0, 0, false
	}
	for _, x := range f[11:15] {
		n, err := strconv.Atoi(x)
		if err != nil {
			return 0, 0, false
		}
		ticks += n
	}
	return ppid, ticks, true
}

// ReadRemoteWork sums the per-host lines play wrote to a PLAY_CONN_STATS
// file (one JSON object per host).
func ReadRemoteWork(path string) (*RemoteWork, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var w RemoteWork
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		if line == "" {
			continue
		}
		var s struct {
			Connections int64 `json:"connections"`
			Sessions    int64 `json:"sessions"`
			SFTPOps     int64 `json:"sftp_ops"`
		}
		if err := json.Unmarshal([]byte(line), &s); err != nil {
			return nil, fmt.Errorf("%s: %v", path, err)
		}
		w.Connections += s.Connections
		w.Sessions += s.Sessions
		w.SFTPOps += s.SFTPOps
	}
	return &w, nil
}

// ProcessesCPU is the CPU time used so far by the processes whose command
// line has every one of args (for play's connection holder: "holder" and
// its directory), own time plus reaped children's.
func ProcessesCPU(args ...string) time.Duration {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return 0
	}
	total := 0
	for _, e := range ents {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		cmdline, err := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		if err != nil {
			continue
		}
		words := strings.Split(strings.TrimRight(string(cmdline), "\x00"), "\x00")
		all := true
		for _, a := range args {
			all = all && slices.Contains(words, a)
		}
		if !all {
			continue
		}
		if b, err := os.ReadFile("/proc/" + e.Name() + "/stat"); err == nil {
			if _, ticks, ok := parseProcStat(string(b)); ok {
				total += ticks
			}
		}
	}
	return time.Duration(total) * clockTick
}
