// Command play runs Ansible-style playbooks over SSH with nothing but sshd
// and a POSIX shell on the targets.
package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"
)

// Exit codes, as ansible-playbook's.
const (
	exitOK          = 0
	exitFailed      = 2
	exitUnreachable = 3
	exitInvalid     = 4
	exitBadOptions  = 5
	exitInterrupted = 99
)

// exitError carries an exit code through cobra.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return ""
	}
	return e.err.Error()
}

func main() {
	root := &cobra.Command{
		Use:   "play",
		Short: "Run Ansible-style playbooks over SSH, agentless and validated before any host is touched",
		Long: `play runs playbooks, roles and inventories in Ansible's layout over SSH.
Everything is validated first: unknown modules, parameters, bad templates and
missing files are reported with file:line:col before any host is touched.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(runCmd(), validateCmd(), inventoryCmd(), versionCmd(), modulesCmd(), sysbenchCmd(), connectionsCmd(), holderCmd())
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return &exitError{code: exitBadOptions, err: fmt.Errorf("%v\nsee '%s -h'", err, c.CommandPath())}
	})
	if err := root.Execute(); err != nil {
		var ee *exitError
		if errors.As(err, &ee) {
			if ee.err != nil && ee.Error() != "" {
				fmt.Fprintln(os.Stderr, "ERROR:", ee.Error())
			}
			os.Exit(ee.code)
		}
		fmt.Fprintln(os.Stderr, "ERROR:", err)
		os.Exit(exitBadOptions)
	}
}
