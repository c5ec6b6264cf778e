package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/playbook/play/engine/report"
	"github.com/playbook/play/engine/run"
	"github.com/playbook/play/engine/template"
	"github.com/playbook/play/inventory"
	"github.com/spf13/cobra"
)

type runFlags struct {
	inventories []string
	limit       string
	tags        []string
	skipTags    []string
	extraVars   []string
	forks       int
	check       bool
	diff        bool
	verbose     int
	output      string
	rolesPath   []string
	hostKey     string
	masks       []string
	reportPath  string
	detailed    bool
	syntaxCheck bool
	listHosts   bool
	listTasks   bool
	persist     time.Duration
	persistSet  bool // --persist or PLAY_PERSIST given: it beats inventory ControlPersist
}

func runCmd() *cobra.Command {
	var f runFlags
	c := &cobra.Command{
		Use:   "run PLAYBOOK...",
		Short: "Validate, then run playbooks against the inventory",
		Example: `  play run playbooks/galera.yml                  # the lab inventory (inventory/lab.ini)
  play run -i inventory/prod.ini -l galera-1 site.yml
  play run --check --diff playbooks/galera.yml   # what would change, nothing touched
  play run -e mariadb_version=10.11 -e @vars.yml -t config site.yml`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			f.persistSet = cmd.Flags().Changed("persist")
			return doRun(cmd.Context(), f, args)
		},
	}
	fl := c.Flags()
	fl.StringArrayVarP(&f.inventories, "inventory", "i", nil, "inventory file, directory or host list (repeatable)")
	fl.StringVarP(&f.limit, "limit", "l", "", "limit to hosts matching a pattern")
	fl.StringSliceVarP(&f.tags, "tags", "t", nil, "only run tasks with these tags")
	fl.StringSliceVar(&f.skipTags, "skip-tags", nil, "skip tasks with these tags")
	fl.StringArrayVarP(&f.extraVars, "extra-vars", "e", nil, "extra variables: k=v, @file.yml or JSON (repeatable)")
	fl.IntVarP(&f.forks, "forks", "f", run.DefaultForks, "hosts to run a task on at once")
	fl.BoolVarP(&f.check, "check", "C", false, "check mode: report what would change, change nothing")
	fl.BoolVarP(&f.diff, "diff", "D", false, "show diffs of what changes (or would, with --check)")
	fl.CountVarP(&f.verbose, "verbose", "v", "more output (-v results, -vv task paths)")
	fl.StringVar(&f.output, "output", "text", "output format: text or json (one event per line)")
	fl.StringArrayVar(&f.rolesPath, "roles-path", nil, "extra directory to search for roles (repeatable)")
	fl.StringVar(&f.hostKey, "host-key-checking", "strict", "SSH host keys: strict, accept-new or off")
	fl.StringArrayVar(&f.masks, "mask", nil, "a value to hide from all output, or re:REGEX to hide every match (repeatable)")
	fl.StringVar(&f.reportPath, "report", "", "write a review report: FILE.md (Markdown) or FILE.json")
	fl.BoolVar(&f.syntaxCheck, "syntax-check", false, "validate only (same as play validate)")
	fl.BoolVar(&f.listHosts, "list-hosts", false, "list the hosts each play would run on, then exit")
	fl.BoolVar(&f.listTasks, "list-tasks", false, "list the tasks each play would run, then exit")
	fl.DurationVar(&f.persist, "persist", envDuration("PLAY_PERSIST"), "keep SSH connections open this long after the run for the next run to reuse, like ssh's ControlPersist (e.g. 60s; $PLAY_PERSIST)")
	fl.BoolVar(&f.detailed, "detailed-exitcode", false, "exit 0 when nothing changed (or would), 2 when changes are pending, 1 on host failures")
	return c
}

func doRun(parent context.Context, f runFlags, paths []string) error {
	switch f.output {
	case "text", "json":
	default:
		return &exitError{code: exitBadOptions, err: fmt.Errorf("--output %q: expected text or json", f.output)}
	}
	switch f.hostKey {
	case "strict", "accept-new", "off":
	default:
		return &exitError{code: exitBadOptions, err: fmt.Errorf("--host-key-checking %q: expected strict, accept-new or off", f.hostKey)}
	}
	if v := os.Getenv("PLAY_PERSIST"); v != "" {
		if _, err := time.ParseDuration(v); err != nil {
			return &exitError{code: exitBadOptions, err: fmt.Errorf("PLAY_PERSIST=%q: expected a duration such as 60s or 10m", v)}
		}
		f.persistSet = true
	}
	extra, err := parseExtraVars(f.extraVars)
	if err != nil {
		return &exitError{code: exitBadOptions, err: err}
	}
	tmpl := template.New()
	pbs, ds := loadPlaybooks(paths, f.rolesPath, tmpl)
	if len(ds) > 0 {
		printDiags(ds)
		return &exitError{code: exitInvalid}
	}
	if f.syntaxCheck {
		fmt.Printf("%s: ok\n", strings.Join(paths, ", "))
		return nil
	}
	if f.listTasks {
		listTasks(pbs)
		return nil
	}
	dirs := playbookDirs(paths)
	reload := func() (*inventory.Inventory, error) { return loadInventory(f.inventories, dirs, f.limit) }
	inv, err := reload()
	if err != nil {
		return &exitError{code: exitInvalid, err: err}
	}
	for _, pb := range pbs {
		for _, p := range pb.Plays {
			if strings.TrimSpace(p.Hosts) == "localhost" {
				if _, ok := inv.Host("localhost"); !ok {
					// Ansible's implicit localhost: plays on the control machine.
					inv.AddHost("localhost", nil, map[string]any{"ansible_connection": "local"})
				}
			}
		}
	}

	if f.listHosts {
		return listHosts(pbs, inv)
	}

	mask := &report.Masker{}
	for _, m := range f.masks {
		if expr, ok := strings.CutPrefix(m, "re:"); ok {
			if err := mask.AddPattern(expr); err != nil {
				return &exitError{code: exitBadOptions, err: fmt.Errorf("--mask %q: expected a regular expression after re:: %v", m, err)}
			}
			continue
		}
		mask.Add(m)
	}
	var rep report.Reporter
	if f.output == "json" {
		rep = &report.JSONLines{W: os.Stdout, Mask: mask}
	} else {
		rep = &report.Console{W: os.Stdout, Mask: mask, Verbosity: f.verbose, ShowDiff: f.diff, Check: f.check,
			Color: isTerminal(os.Stdout) && os.Getenv("NO_COLOR") == ""}
	}
	if f.reportPath != "" {
		if !strings.HasSuffix(f.reportPath, ".md") && !strings.HasSuffix(f.reportPath, ".json") {
			return &exitError{code: exitBadOptions, err: fmt.Errorf("--report %q: the file name must end in .md or .json", f.reportPath)}
		}
		rep = report.Multi{rep, &report.Review{Path: f.reportPath, Title: strings.Join(paths, ", "), Check: f.check, Mask: mask}}
	}

	ctx, stop := signal.NotifyContext(parent, os.Interrupt, syscall.SIGTERM)
	defer stop()
	code := exitOK
	changed := false
	for _, pb := range pbs {
		r := run.New(run.Options{
			Inventory: inv, ReloadInventory: reload, Forks: f.forks, Check: f.check, Diff: f.diff,
			ExtraVars: extra, Tags: f.tags, SkipTags: f.skipTags, Verbosity: f.verbose,
			Reporter: rep, Masker: mask, Templates: tmpl, HostKeyPolicy: f.hostKey, Persist: f.persist, PersistSet: f.persistSet,
		})
		out, err := r.Run(ctx, pb)
		if err != nil {
			fmt.Fprintln(os.Stderr, "ERROR:", mask.Mask(err.Error()))
			if code == exitOK {
				code = exitFailed
			}
		}
		changed = changed || out.Changed || out.Pending
		switch {
		case out.Interrupted:
			return &exitError{code: exitInterrupted, err: errors.New("interrupted")}
		case out.Failed:
			code = exitFailed
		case out.Unreachable && code == exitOK:
			code = exitUnreachable
		}
		if code != exitOK {
			break
		}
	}
	if f.detailed {
		// Terraform's plan convention: 0 = converged, 2 = changes pending,
		// 1 = a host failed; unreachable keeps its own code.
		switch {
		case code == exitFailed:
			code = 1
		case code == exitOK && changed:
			code = 2
		}
	}
	if code != exitOK {
		return &exitError{code: code}
	}
	return nil
}
