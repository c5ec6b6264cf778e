package main

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/playbook/play/engine/template"
	"github.com/playbook/play/modules"
	"github.com/spf13/cobra"
)

// Version is set at build time with -ldflags "-X main.Version=...".
var Version = "dev"

func validateCmd() *cobra.Command {
	var rolesPath []string
	c := &cobra.Command{
		Use:   "validate PLAYBOOK...",
		Short: "Check playbooks, roles and templates without touching any host",
		Example: `  play validate playbooks/galera.yml
  play validate playbooks/*.yml`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			_, ds := loadPlaybooks(args, rolesPath, template.New())
			if len(ds) > 0 {
				printDiags(ds)
				return &exitError{code: exitInvalid}
			}
			fmt.Printf("%s: ok\n", strings.Join(args, ", "))
			return nil
		},
	}
	c.Flags().StringArrayVar(&rolesPath, "roles-path", nil, "extra directory to search for roles")
	return c
}

func inventoryCmd() *cobra.Command {
	var sources []string
	var list, graph bool
	var host, limit string
	c := &cobra.Command{
		Use:   "inventory",
		Short: "Show hosts, groups and variables of an inventory",
		Example: `  play inventory --graph
  play inventory -i inventory/lab.ini --list
  play inventory --host galera-1`,
		RunE: func(cmd *cobra.Command, args []string) error {
			inv, err := loadInventory(sources, nil, limit)
			if err != nil {
				return &exitError{code: exitInvalid, err: err}
			}
			switch {
			case host != "":
				if _, ok := inv.Host(host); !ok {
					return &exitError{code: exitBadOptions, err: fmt.Errorf("no host %q in the inventory", host)}
				}
				return printJSON(inv.HostVars(host))
			case graph:
				printGraph(inv.GroupsMap())
				return nil
			default:
				_ = list
				out := map[string]any{}
				hv := map[string]any{}
				for _, h := range inv.Hosts() {
					hv[h.Name] = inv.HostVars(h.Name)
				}
				out["_meta"] = map[string]any{"hostvars": hv}
				for g, hosts := range inv.GroupsMap() {
					out[g] = map[string]any{"hosts": hosts}
				}
				return printJSON(out)
			}
		},
	}
	fl := c.Flags()
	fl.StringArrayVarP(&sources, "inventory", "i", nil, "inventory source (repeatable)")
	fl.BoolVar(&list, "list", false, "all hosts and groups with variables, as JSON")
	fl.BoolVar(&graph, "graph", false, "groups and their hosts as a tree")
	fl.StringVar(&host, "host", "", "one host's variables, as JSON")
	fl.StringVarP(&limit, "limit", "l", "", "limit to hosts matching a pattern")
	return c
}

func printGraph(groups map[string][]string) {
	names := make([]string, 0, len(groups))
	for g := range groups {
		if g != "all" {
			names = append(names, g)
		}
	}
	sort.Strings(names)
	fmt.Println("@all:")
	for _, g := range names {
		if len(groups[g]) == 0 {
			continue
		}
		fmt.Printf("  |--@%s:\n", g)
		for _, h := range groups[g] {
			fmt.Printf("  |  |--%s\n", h)
		}
	}
}

func printJSON(v any) error {
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "    ")
	return enc.Encode(v)
}

func versionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print play's version",
		Run: func(cmd *cobra.Command, args []string) {
			fmt.Println("play", Version)
		},
	}
}

func modulesCmd() *cobra.Command {
	return &cobra.Command{
		Use:     "modules [NAME]",
		Short:   "List modules, or show one module's parameters",
		Example: "  play modules\n  play modules copy",
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				for _, n := range modules.Names() {
					m, _ := modules.Get(n)
					fmt.Printf("%-20s %s\n", n, m.Spec().Doc)
				}
				return nil
			}
			m, ok := modules.Get(args[0])
			if !ok {
				return &exitError{code: exitBadOptions, err: fmt.Errorf("no module %q", args[0])}
			}
			s := m.Spec()
			fmt.Printf("%s: %s\n", s.Name, s.Doc)
			for _, p := range s.Params {
				typ := p.Type
				if typ == "" {
					typ = "str"
				}
				extra := ""
				if p.Required {
					extra += " required"
				}
				if p.Default != nil {
					extra += fmt.Sprintf(" default=%v", p.Default)
				}
				if len(p.Choices) > 0 {
					extra += " choices=" + strings.Join(p.Choices, "|")
				}
				if len(p.Aliases) > 0 {
					extra += " aliases=" + strings.Join(p.Aliases, ",")
				}
				fmt.Printf("  %-22s %-6s%s  %s\n", p.Name, typ, extra, p.Help)
			}
			return nil
		},
	}
}
