package main

import (
	"fmt"
	"strings"

	"github.com/playbook/play/engine/playbook"
	"github.com/playbook/play/inventory"
)

// listHosts prints, per play, the hosts it would target (--list-hosts).
func listHosts(pbs []*playbook.Playbook, inv *inventory.Inventory) error {
	for _, pb := range pbs {
		fmt.Printf("\nplaybook: %s\n", pb.Path)
		for i, p := range pb.Plays {
			hosts, err := inv.Select(p.Hosts)
			if err != nil {
				return &exitError{code: exitInvalid, err: fmt.Errorf("%s: hosts: %v", p.Pos, err)}
			}
			fmt.Printf("\n  play #%d (%s): %s\tTAGS: [%s]\n    pattern: %s\n    hosts (%d):\n", i+1, p.Hosts, p.Name,
				strings.Join(p.Tags, ","), p.Hosts, len(hosts))
			for _, h := range hosts {
				fmt.Printf("      %s\n", h.Name)
			}
		}
	}
	return nil
}

// listTasks prints, per play, every task in run order (--list-tasks).
func listTasks(pbs []*playbook.Playbook) {
	for _, pb := range pbs {
		fmt.Printf("\nplaybook: %s\n", pb.Path)
		for i, p := range pb.Plays {
			fmt.Printf("\n  play #%d (%s): %s\n    tasks:\n", i+1, p.Hosts, p.Name)
			p.WalkTasks(func(t *playbook.Task) {
				if t.IsBlock || t.Include == "import_tasks" || t.Include == "import_role" {
					return
				}
				tags := ""
				if len(t.Tags) > 0 {
					tags = "\tTAGS: [" + strings.Join(t.Tags, ", ") + "]"
				}
				fmt.Printf("      %s%s\n", t.DisplayName(), tags)
			})
		}
	}
}
