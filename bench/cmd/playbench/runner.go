package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/playbook/play/bench"
	"github.com/playbook/play/engine/conn"
)

type runner struct {
	c   config
	ctx context.Context
	// prefixes maps an inventory to the lab prefix of its hosts, whose
	// CPU time each run is charged with (Sample.HostCPUS).
	prefixes map[string]string
}

// toolCommand is how each tool runs a playbook on an inventory.
func (r *runner) toolCommand(tool, inv, playbook string) bench.Command {
	c := r.c
	switch tool {
	case bench.ToolPlay, bench.ToolPlayPersist:
		cmd := bench.Command{Path: c.playBin, Args: []string{"run", "-i", inv, "-f", fmt.Sprint(c.forks), playbook},
			Env: []string{"NO_COLOR=1"}}
		if tool == bench.ToolPlayPersist {
			// ansible's default ssh_args keep connections 60 s (ControlPersist);
			// this is play's equivalent, long enough to span a 50-host round.
			cmd.Args = append([]string{"run", "--persist", "15m"}, cmd.Args[1:]...)
			cmd.Env = append(cmd.Env, r.holderEnv())
		}
		return cmd
	default:
		pipelining := "False"
		if tool == bench.ToolAnsiblePL {
			pipelining = "True"
		}
		// Host keys are checked against the lab's known_hosts, as play
		// does (ansible ignores ansible_ssh_known_hosts_file).
		args := []string{"-i", inv, "-f", fmt.Sprint(c.forks)}
		if kh := knownHosts(inv); kh != "" {
			args = append(args, "--ssh-common-args", "-o UserKnownHostsFile="+kh)
		}
		// play also finds roles in ../roles next to playbooks/ (its project
		// layout); ansible needs to be told.
		roles, _ := filepath.Abs("roles")
		return bench.Command{Path: c.ansibleBin, Args: append(args, playbook),
			Env: []string{"ANSIBLE_NOCOLOR=1", "ANSIBLE_PIPELINING=" + pipelining, "ANSIBLE_RETRY_FILES_ENABLED=False",
				"ANSIBLE_ROLES_PATH=" + roles}}
	}
}

// holderEnv gives the bench its own connection holder, so it neither
// uses nor disturbs one the user runs.
func (r *runner) holderEnv() string { return conn.HolderDirEnv + "=" + r.holderDir() }

func (r *runner) holderDir() string {
	dir, _ := filepath.Abs(filepath.Join(r.c.work, "holder"))
	return dir
}

// stopHolder closes the connections play+persist kept.
func (r *runner) stopHolder() {
	cmd := exec.Command(r.c.playBin, "connections", "--close")
	cmd.Env = append(os.Environ(), r.holderEnv())
	if out, err := cmd.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "playbench: closing held connections: %v: %s\n", err, out)
	}
}

var knownHostsVar = regexp.MustCompile(`(?m)^ansible_ssh_known_hosts_file=(\S+)`)

func knownHosts(inv string) string {
	b, err := os.ReadFile(inv)
	if err != nil {
		return ""
	}
	if m := knownHostsVar.FindSubmatch(b); m != nil {
		return string(m[1])
	}
	return ""
}

// once runs a tool untimed (cleanup, converging) and requires success.
func (r *runner) once(tool, inv, playbook, logName string) (bench.Recap, error) {
	s, out, err := r.exec(tool, inv, playbook, logName)
	if err != nil {
		return nil, err
	}
	rec, perr := bench.ParseRecap(out)
	if s.ExitCode != 0 || perr != nil {
		return rec, fmt.Errorf("%s %s exited %d (%v); log: %s", tool, playbook, s.ExitCode, perr, r.logPath(logName))
	}
	return rec, nil
}

func (r *runner) logPath(name string) string {
	return filepath.Join(r.c.work, "logs", name+".log")
}

func (r *runner) exec(tool, inv, playbook, logName string) (bench.Sample, string, error) {
	f, err := os.Create(r.logPath(logName))
	if err != nil {
		return bench.Sample{}, "", err
	}
	defer f.Close()
	cmd := r.toolCommand(tool, inv, playbook)
	cmd.Log = f
	statsFile := ""
	if tool == bench.ToolPlay || tool == bench.ToolPlayPersist {
		statsFile = filepath.Join(r.c.work, "logs", logName+".conn.jsonl")
		_ = os.Remove(statsFile)
		cmd.Env = append(cmd.Env, conn.StatsFileEnv+"="+statsFile)
	}
	fmt.Fprintf(f, "# %s %s\n# env %s\n", cmd.Path, strings.Join(cmd.Args, " "), strings.Join(cmd.Env, " "))
	prefix := r.prefixes[inv]
	before, herr := bench.LabHostsCPU(prefix)
	holderBefore := bench.ProcessesCPU("holder", r.holderDir())
	s, out, err := bench.Measure(r.ctx, cmd)
	if tool == bench.ToolPlayPersist {
		s.HolderCPUS = (bench.ProcessesCPU("holder", r.holderDir()) - holderBefore).Seconds()
	}
	s.HostCPUS = -1
	if after, aerr := bench.LabHostsCPU(prefix); herr == nil && aerr == nil && prefix != "" {
		s.HostCPUS = (after - before).Seconds()
	}
	if statsFile != "" && err == nil {
		if s.Remote, err = bench.ReadRemoteWork(statsFile); err != nil {
			return s, out, fmt.Errorf("play's connection counters: %w", err)
		}
	}
	return s, out, err
}

// rounds measures every tool on a playbook for n rounds, rotating the order
// so no tool always runs first (or right after the cleanup). before, if set,
// runs untimed before each timed run. Every recap must equal the first one.
func (r *runner) rounds(w *bench.Workload, inv, playbook string, n int, tools []string, before func(tag string) error) (err error) {
	w.Samples = map[string][]bench.Sample{}
	defer func() {
		// An interrupted or failed workload is kept, marked: its samples
		// are real but it must not be read as a complete comparison.
		if err != nil {
			w.Skipped = "incomplete: " + err.Error()
		}
	}()
	for round := 1; round <= n; round++ {
		for k := range tools {
			tool := tools[(k+round-1)%len(tools)]
			tag := fmt.Sprintf("%s-%s-%s-r%d", w.Name, strings.ReplaceAll(w.Mode, " ", ""), strings.ReplaceAll(tool, "+", "-"), round)
			if before != nil {
				if err := before(tag); err != nil {
					return err
				}
			}
			s, out, err := r.exec(tool, inv, playbook, tag)
			if err != nil {
				return err
			}
			s.Round = round
			rec, perr := bench.ParseRecap(out)
			if perr != nil || s.ExitCode != 0 {
				return fmt.Errorf("%s: %s exited %d (%v); log: %s", w.Name, tool, s.ExitCode, perr, r.logPath(tag))
			}
			if w.Recap == nil {
				w.Recap = rec
			} else if d := bench.Diff(tools[0]+"/first", w.Recap, tool, rec); d != "" {
				return fmt.Errorf("%s %s: recaps differ, the tools did different work (log %s):\n%s",
					w.Name, w.Mode, r.logPath(tag), d)
			}
			w.Samples[tool] = append(w.Samples[tool], s)
			fmt.Printf("  %-10s %-9s round %d/%d %-19s %7.2f s  maxrss %4.0f MB  tree %4.0f MB\n",
				w.Name, w.Mode, round, n, tool, s.WallS, s.MaxRSSMB, s.TreePeakMB)
		}
	}
	w.Summarize(bench.Tools)
	return nil
}

// coreWorkloads measures core.yml from a clean state and converged.
func (r *runner) coreWorkloads(name, inv string, hosts, n int, modes map[string]bool, tools []string) ([]bench.Workload, error) {
	core := filepath.Join(r.c.playbooks, "core.yml")
	cleanup := filepath.Join(r.c.playbooks, "cleanup.yml")
	var out []bench.Workload
	if modes["first"] {
		w := bench.Workload{Name: name, Playbook: core, Hosts: hosts, Mode: "first run"}
		err := r.rounds(&w, inv, core, n, tools, func(tag string) error {
			_, err := r.once(bench.ToolPlayPersist, inv, cleanup, tag+"-cleanup")
			return err
		})
		out = append(out, w)
		if err != nil {
			return out, err
		}
	}
	if modes["converged"] {
		w := bench.Workload{Name: name, Playbook: core, Hosts: hosts, Mode: "converged"}
		if _, err := r.once(bench.ToolPlayPersist, inv, core, name+"-converge"); err != nil {
			return out, err
		}
		err := r.rounds(&w, inv, core, n, tools, nil)
		if err == nil {
			if t := w.Recap.Totals(); t.Changed != 0 {
				fmt.Printf("  warning: %s converged re-run still reports changed=%d\n", name, t.Changed)
			}
		}
		out = append(out, w)
		if err != nil {
			return out, err
		}
	}
	return out, nil
}

// galeraWorkload measures the galera playbook's converged re-run on the
// small host set, which it runs as group "galera". It is another engineer's
// playbook: if it is missing or does not converge under play, the workload
// is skipped with the reason rather than failing the bench.
func (r *runner) galeraWorkload(smallInv string, hosts int) (bench.Workload, error) {
	w := bench.Workload{Name: fmt.Sprintf("galera-%d", hosts), Playbook: r.c.galera, Hosts: hosts, Mode: "converged"}
	if r.c.skipGalera {
		w.Skipped = "disabled (-no-galera)"
		return w, nil
	}
	if _, err := os.Stat(r.c.galera); err != nil {
		w.Skipped = r.c.galera + " does not exist"
		return w, nil
	}
	b, err := os.ReadFile(smallInv)
	if err != nil {
		return w, err
	}
	inv := filepath.Join(r.c.work, "galera.ini")
	r.prefixes[inv] = r.prefixes[smallInv]
	text := strings.Replace(string(b), "["+bench.TargetGroup+"]", "[galera]", 1)
	if err := os.WriteFile(inv, []byte(text), 0o644); err != nil {
		return w, err
	}
	fmt.Println("playbench: galera: converging with play (untimed)")
	for i := 1; i <= 2; i++ {
		if _, err := r.once(bench.ToolPlayPersist, inv, r.c.galera, fmt.Sprintf("%s-converge%d", w.Name, i)); err != nil {
			w.Skipped = fmt.Sprintf("play could not converge it: %v", err)
			return w, nil
		}
	}
	// ansible-playbook cannot run it: the roles use play's own modules
	// (my_cnf, galera_bootstrap, sysbench), which ansible-core lacks. So
	// the workload compares play with and without held connections.
	var tools []string
	for _, t := range r.c.tools {
		if t == bench.ToolPlay || t == bench.ToolPlayPersist {
			tools = append(tools, t)
		}
	}
	if len(tools) == 0 {
		w.Skipped = "no play tool selected (-tools)"
		return w, nil
	}
	_ = r.rounds(&w, inv, r.c.galera, r.c.galeraRounds, tools, nil) // a failure marks w skipped
	return w, nil
}
