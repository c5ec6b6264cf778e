// Command playbench runs the same playbooks with play and with
// ansible-playbook (defaults, then pipelining on) against the same lab hosts,
// alternating the tools over several rounds, and prints median wall times,
// ratios, per-task-per-host cost and control-process memory. It refuses to
// report a workload whose recaps differ between the tools: a benchmark of
// different work is meaningless. `make bench` runs it; docs/bench.md has the
// method and the figures.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/playbook/play/bench"
)

type config struct {
	rounds, largeRounds  int
	galeraRounds         int
	small, large         int
	prefix               string
	smallBase, largeBase int
	forks                int
	playBin, ansibleBin  string
	playbooks, galera    string
	results, work        string
	labScript            string
	rawModes, rawTools   string
	rawLargeModes        string
	rawLargeTools        string
	largeTools           []string
	largeModes           map[string]bool
	modes                map[string]bool
	tools                []string
	keep, skipGalera     bool
	bootTimeout          int
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil {
		return v
	}
	return def
}

func main() {
	var c config
	flag.IntVar(&c.rounds, "rounds", envInt("BENCH_ROUNDS", 5), "timed rounds per workload and tool (env BENCH_ROUNDS)")
	flag.IntVar(&c.largeRounds, "large-rounds", envInt("BENCH_LARGE_ROUNDS", 0), "rounds for the large host set; 0 = -rounds (env BENCH_LARGE_ROUNDS)")
	flag.IntVar(&c.galeraRounds, "galera-rounds", envInt("BENCH_GALERA_ROUNDS", 0), "rounds for the galera workload; 0 = -rounds (env BENCH_GALERA_ROUNDS)")
	flag.IntVar(&c.small, "hosts", envInt("BENCH_HOSTS", 3), "hosts of the small set")
	flag.IntVar(&c.large, "large", envInt("BENCH_LARGE", 50), "hosts of the large set; 0 skips it (env BENCH_LARGE)")
	flag.StringVar(&c.prefix, "prefix", "bench", "lab host prefix; the large set uses PREFIX50")
	flag.IntVar(&c.smallBase, "ip-base", 195, "lab --ip-base of the small set (hosts .BASE+1...)")
	flag.IntVar(&c.largeBase, "large-ip-base", 200, "lab --ip-base of the large set")
	flag.IntVar(&c.forks, "forks", 50, "forks for every tool (play's default; ansible's own default is 5)")
	flag.StringVar(&c.playBin, "play", "bin/play", "play binary")
	flag.StringVar(&c.ansibleBin, "ansible-playbook", "ansible-playbook", "ansible-playbook binary")
	flag.StringVar(&c.playbooks, "playbooks", "bench/playbooks", "directory of core.yml and cleanup.yml")
	flag.StringVar(&c.galera, "galera", "playbooks/galera.yml", "galera playbook (its converged re-run is measured if it works)")
	flag.StringVar(&c.results, "results", "bench/results", "directory for the JSON result")
	flag.StringVar(&c.work, "workdir", "bench/.work", "inventories and per-run logs")
	flag.StringVar(&c.labScript, "lab", "lab/lab.sh", "lab script")
	flag.StringVar(&c.rawModes, "modes", envStr("BENCH_MODES", "first,converged"), "core workload modes: first, converged (env BENCH_MODES)")
	flag.StringVar(&c.rawLargeModes, "large-modes", os.Getenv("BENCH_LARGE_MODES"), "modes for the large host set; empty = -modes (env BENCH_LARGE_MODES)")
	flag.StringVar(&c.rawLargeTools, "large-tools", os.Getenv("BENCH_LARGE_TOOLS"), "tools for the large host set; empty = -tools (env BENCH_LARGE_TOOLS)")
	flag.StringVar(&c.rawTools, "tools", envStr("BENCH_TOOLS", strings.Join(bench.Tools, ",")), "tools to measure")
	flag.BoolVar(&c.keep, "keep", false, "leave the lab hosts up afterwards")
	flag.BoolVar(&c.skipGalera, "no-galera", os.Getenv("BENCH_NO_GALERA") != "", "skip the galera workload")
	flag.IntVar(&c.bootTimeout, "boot-timeout", 300, "seconds lab hosts may take to boot")
	flag.Parse()
	if c.largeRounds == 0 {
		c.largeRounds = c.rounds
	}
	if c.galeraRounds == 0 {
		c.galeraRounds = c.rounds
	}
	if c.rounds < 1 || c.largeRounds < 1 || c.galeraRounds < 1 {
		fatal(fmt.Errorf("rounds must be at least 1"))
	}
	if c.rawLargeModes == "" {
		c.rawLargeModes = c.rawModes
	}
	c.modes, c.largeModes = modeSet(c.rawModes), modeSet(c.rawLargeModes)
	if c.rawLargeTools == "" {
		c.rawLargeTools = c.rawTools
	}
	c.tools, c.largeTools = strings.Split(c.rawTools, ","), strings.Split(c.rawLargeTools, ",")
	if err := run(c); err != nil {
		fatal(err)
	}
}

func modeSet(s string) map[string]bool {
	m := map[string]bool{}
	for _, v := range strings.Split(s, ",") {
		m[strings.TrimSpace(v)] = true
	}
	return m
}

func envStr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "playbench:", err)
	os.Exit(1)
}

func run(c config) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := os.MkdirAll(filepath.Join(c.work, "logs"), 0o755); err != nil {
		return err
	}
	labLog, err := os.Create(filepath.Join(c.work, "lab.log"))
	if err != nil {
		return err
	}
	defer labLog.Close()
	lab := &bench.Lab{Script: c.labScript, WorkDir: c.work, Log: labLog}
	b := &runner{c: c, ctx: ctx, prefixes: map[string]string{}}

	res := &bench.Result{Started: time.Now().UTC(), Rounds: c.rounds, Forks: c.forks, Method: method(c)}
	fmt.Println("playbench: describing the machine")
	res.Machine = bench.DescribeMachine(c.playBin)
	fmt.Printf("  %s, %d cores, %d MB, kernel %s, load %s\n  %s | %s\n",
		res.Machine.CPUModel, res.Machine.Cores, res.Machine.MemoryMB, res.Machine.Kernel,
		res.Machine.LoadAvg, res.Machine.Ansible, res.Machine.Go)

	sets := []struct {
		n, base, rounds int
		prefix, name    string
	}{{c.small, c.smallBase, c.rounds, c.prefix, fmt.Sprintf("core-%d", c.small)}}
	if c.large > 0 {
		sets = append(sets, struct {
			n, base, rounds int
			prefix, name    string
		}{c.large, c.largeBase, c.largeRounds, c.prefix + "50", fmt.Sprintf("core-%d", c.large)})
	} else {
		res.Notes = append(res.Notes, "large host set skipped (-large 0)")
	}
	small, large := fmt.Sprintf("core-%d", c.small), fmt.Sprintf("core-%d", max(c.large, 50))
	host := res.Machine.Hostname
	if host == "" {
		host = "unknown"
	}
	path := bench.ResultPath(c.results, res.Started, host)
	// Saved after every host set too, so an interrupted or failed bench
	// keeps what it measured.
	save := func() error {
		res.Finished = time.Now().UTC()
		res.Targets = bench.Targets(res.Runs, small, large)
		return res.Write(path)
	}
	var benchErr error
	for i, s := range sets {
		fmt.Printf("playbench: lab up %d hosts (%s-*)\n", s.n, s.prefix)
		// Fresh hosts every time: leftovers of an earlier bench would not
		// start from the same state (and lab.sh re-up of live hosts is
		// fragile).
		_ = lab.Down(ctx, s.prefix)
		inv, err := lab.Up(ctx, s.n, s.prefix, s.base, c.bootTimeout)
		if err != nil {
			note := fmt.Sprintf("%s: lab could not bring up %d hosts: %v (see %s)", s.name, s.n, err, labLog.Name())
			fmt.Println("playbench:", note)
			res.Notes = append(res.Notes, note)
			_ = lab.Down(context.Background(), s.prefix)
			if i == 0 {
				benchErr = err
				break
			}
			continue
		}
		b.prefixes[inv] = s.prefix
		modes, tools := c.modes, c.tools
		if i > 0 {
			modes, tools = c.largeModes, c.largeTools
		}
		runs, err := b.coreWorkloads(s.name, inv, s.n, s.rounds, modes, tools)
		res.Runs = append(res.Runs, runs...)
		if err == nil && i == 0 {
			var g bench.Workload
			g, err = b.galeraWorkload(inv, s.n)
			res.Runs = append(res.Runs, g)
			if g.Skipped != "" {
				res.Notes = append(res.Notes, "galera: "+g.Skipped)
			}
		}
		b.stopHolder()
		if !c.keep {
			fmt.Printf("playbench: lab down %s-*\n", s.prefix)
			if derr := lab.Down(context.Background(), s.prefix); derr != nil {
				fmt.Fprintln(os.Stderr, "playbench: lab down:", derr)
			}
		}
		if serr := save(); serr != nil {
			fmt.Fprintln(os.Stderr, "playbench: saving results:", serr)
		}
		if err != nil {
			benchErr = err
			break
		}
	}

	fmt.Println()
	if err := bench.WriteTable(os.Stdout, res.Runs); err != nil {
		return err
	}
	fmt.Println("\nTargets:")
	bench.WriteTargets(os.Stdout, bench.Targets(res.Runs, small, large))
	for _, n := range res.Notes {
		fmt.Println("note:", n)
	}
	if len(res.Runs) > 0 {
		if err := save(); err != nil {
			return err
		}
		fmt.Println("\nresults:", path)
	}
	return benchErr
}

func method(c config) string {
	return fmt.Sprintf("Each round runs every tool once, the order rotating each round; "+
		"first-run rounds are preceded by an untimed cleanup play (bin/play run --persist cleanup.yml); "+
		"converged rounds follow one untimed converging run (play --persist). All tools run with --forks %d. "+
		"play+persist = play run --persist 15m: SSH connections held between runs (opened by the untimed runs), "+
		"play's counterpart of ansible's ControlPersist; "+
		"ansible = ansible-playbook defaults (pipelining off, ssh ControlPersist=60s); "+
		"ansible+pipelining = ANSIBLE_PIPELINING=True. Wall = fork to wait4 of the tool; "+
		"maxrss = ru_maxrss of wait4 (largest single process of the tree); "+
		"tree PSS = peak over %v samples of the summed PSS of the tool and its descendants.",
		c.forks, bench.SampleEvery)
}
