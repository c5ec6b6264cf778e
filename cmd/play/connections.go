package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/playbook/play/engine/conn"
	"github.com/spf13/cobra"
)

func init() { conn.StartHolder = startHolder }

// startHolder runs `play holder DIR` detached from this run: its own
// session (a Ctrl-C at the terminal must not reach it), cwd /, output to
// the holder's log.
func startHolder(dir string) error {
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	logf, err := os.OpenFile(filepath.Join(dir, conn.HolderLog), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	defer logf.Close()
	cmd := exec.Command(exe, "holder", dir)
	cmd.Dir = "/"
	// It may outlive this run by hours: give it what it needs, not the
	// run's whole environment (tokens, vault passwords, ...).
	cmd.Env = holderEnv(os.Environ())
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return err
	}
	go cmd.Wait() // reap it if it exits while we run (another holder won)
	return nil
}

// holderEnv keeps the variables the holder uses: paths and locale. The
// agent socket comes with each open request, not from here.
func holderEnv(env []string) []string {
	keep := map[string]bool{"PATH": true, "HOME": true, "USER": true, "LOGNAME": true, "TMPDIR": true,
		"XDG_RUNTIME_DIR": true, "LANG": true, "LC_ALL": true, "TZ": true}
	var out []string
	for _, kv := range env {
		if k, _, _ := strings.Cut(kv, "="); keep[k] {
			out = append(out, kv)
		}
	}
	return out
}

// envDuration reads a duration default from the environment; doRun
// rejects a bad value.
func envDuration(name string) time.Duration {
	d, _ := time.ParseDuration(os.Getenv(name))
	return d
}

func holderCmd() *cobra.Command {
	return &cobra.Command{
		Use:    "holder DIR",
		Short:  "Serve persistent SSH connections (started by play run --persist)",
		Hidden: true,
		Args:   cobra.ExactArgs(1),
		RunE:   func(cmd *cobra.Command, args []string) error { return conn.RunHolder(args[0]) },
	}
}

func connectionsCmd() *cobra.Command {
	var closeAll bool
	c := &cobra.Command{
		Use:   "connections",
		Short: "List the SSH connections kept open by --persist, or close them",
		Example: `  play run --persist 10m site.yml   # later runs within 10 minutes reuse the connections
  play connections                   # what is held, for whom, until when
  play connections --close           # close them all now`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			hc, ok, err := conn.ConnectHolder()
			if err != nil {
				return fmt.Errorf("connection holder: %w", err)
			}
			if !ok {
				fmt.Println("no connections are held")
				return nil
			}
			defer hc.Close()
			if closeAll {
				return hc.Stop()
			}
			held, err := hc.Status()
			if err != nil {
				return err
			}
			if len(held) == 0 {
				fmt.Println("no connections are held")
				return nil
			}
			tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "HOST\tDESTINATION\tOPEN SINCE\tRUNS USING IT\tREUSED\tCLOSES")
			for _, h := range held {
				closes := "when unused"
				if !h.IdleUntil.IsZero() {
					closes = h.IdleUntil.Format(time.DateTime)
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%s\n", h.Host, h.Destination, h.Since.Format(time.DateTime), h.Clients, h.Reuses, closes)
			}
			return tw.Flush()
		},
	}
	c.Flags().BoolVar(&closeAll, "close", false, "close every held connection and stop the holder")
	return c
}
