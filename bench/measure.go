package bench

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// SampleEvery is how often the process tree's memory is sampled. Scanning
// /proc costs a few milliseconds of the same 2 CPUs the tools run on, so it
// is kept coarse; a peak shorter than this can be missed (ru_maxrss cannot).
const SampleEvery = 100 * time.Millisecond

// Command is one tool invocation.
type Command struct {
	Path string
	Args []string
	Env  []string // added to the bench's own environment
	Dir  string
	Log  io.Writer // receives stdout and stderr as well; may be nil
}

// Measure runs cmd to completion and returns its timing and memory, with its
// combined output. A non-zero exit is not an error here: the caller decides
// (a failed run still has a recap worth showing).
func Measure(ctx context.Context, cmd Command) (Sample, string, error) {
	var out bytes.Buffer
	c := exec.CommandContext(ctx, cmd.Path, cmd.Args...)
	c.Dir = cmd.Dir
	c.Env = append(os.Environ(), cmd.Env...)
	var w io.Writer = &out
	if cmd.Log != nil {
		w = io.MultiWriter(&out, cmd.Log)
	}
	c.Stdout, c.Stderr = w, w
	start := time.Now()
	if err := c.Start(); err != nil {
		return Sample{}, "", err
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var peakKB int64
	var peakProcs int
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(SampleEvery)
		defer t.Stop()
		for {
			kb, n := treePSS(c.Process.Pid)
			if kb > peakKB {
				peakKB, peakProcs = kb, n
			}
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()
	err := c.Wait()
	wall := time.Since(start)
	close(stop)
	wg.Wait()
	s := Sample{WallS: wall.Seconds(), TreePeakMB: float64(peakKB) / 1024, TreeProcs: peakProcs}
	if st := c.ProcessState; st != nil {
		s.ExitCode = st.ExitCode()
		s.UserS = st.UserTime().Seconds()
		s.SysS = st.SystemTime().Seconds()
		if ru, ok := st.SysUsage().(*syscall.Rusage); ok {
			s.MaxRSSMB = float64(ru.Maxrss) / 1024 // kilobytes on Linux
		}
	}
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		return s, out.String(), err
	}
	return s, out.String(), nil
}

// treePSS sums the PSS (kB) of root and all its descendants, found by the
// parent pids in /proc/*/stat (this kernel has no /proc/PID/task/TID/children).
func treePSS(root int) (int64, int) {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return 0, 0
	}
	children := map[int][]int{}
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if ppid := parentPID(pid); ppid > 0 {
			children[ppid] = append(children[ppid], pid)
		}
	}
	var total int64
	n := 0
	queue := []int{root}
	for len(queue) > 0 {
		pid := queue[0]
		queue = queue[1:]
		total += pssKB(pid)
		n++
		queue = append(queue, children[pid]...)
	}
	return total, n
}

func parentPID(pid int) int {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return 0
	}
	// The command name is in parentheses and may hold spaces: fields after
	// the last ')' are "state ppid ...".
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 2 {
		return 0
	}
	ppid, _ := strconv.Atoi(f[1])
	return ppid
}

func pssKB(pid int) int64 {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "smaps_rollup"))
	if err != nil {
		return 0
	}
	return parsePSS(string(b))
}

// parsePSS takes the "Pss:" line of a smaps_rollup file, in kB.
func parsePSS(smaps string) int64 {
	for _, line := range strings.Split(smaps, "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "Pss:" {
			n, _ := strconv.ParseInt(f[1], 10, 64)
			return n
		}
	}
	return 0
}
