package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/playbook/play/modules"
	"github.com/spf13/cobra"
)

// sysbenchCmd works with the results the sysbench module saves
// (results_dir / results_file) on the control machine.
func sysbenchCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "sysbench",
		Short: "Work with saved sysbench results",
	}
	c.AddCommand(&cobra.Command{
		Use:   "compare BASE.json OTHER.json...",
		Short: "Print a table comparing saved sysbench runs, each against the first",
		Example: `  play sysbench compare playbooks/bench-results/oltp_read_write-4t-20261127T080000Z.json \
                        playbooks/bench-results/oltp_read_write-16t-20261127T090000Z.json`,
		Args: cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			runs := make([]*modules.SysbenchResults, len(args))
			for i, p := range args {
				r, err := modules.ReadSysbenchResults(p)
				if err != nil {
					return &exitError{code: exitInvalid, err: err}
				}
				runs[i] = r
			}
			printSysbenchComparison(os.Stdout, args, runs)
			return nil
		},
	})
	return c
}

// sbRow is one line of the comparison: a setting (shown as is) or a
// figure (shown with its change against the first run).
type sbRow struct {
	name         string
	text         func(*modules.SysbenchResults) string
	value        func(*modules.SysbenchResults) float64 // nil for settings
	higherBetter bool
	count        bool // a whole number: no decimals
}

var sbRows = []sbRow{
	{name: "label", text: func(r *modules.SysbenchResults) string { return r.Label }},
	{name: "started (UTC)", text: func(r *modules.SysbenchResults) string { return r.Started.UTC().Format("2006-01-02 15:04:05") }},
	{name: "test", text: func(r *modules.SysbenchResults) string { return r.Test }},
	{name: "threads", text: func(r *modules.SysbenchResults) string { return strconv.Itoa(r.Threads) }},
	{name: "tables x rows", text: func(r *modules.SysbenchResults) string { return fmt.Sprintf("%d x %d", r.Tables, r.TableSize) }},
	{name: "time (s)", text: func(r *modules.SysbenchResults) string { return strconv.Itoa(r.Time) }},
	{name: "servers", text: func(r *modules.SysbenchResults) string {
		if len(r.Servers) == 0 {
			return "local socket"
		}
		return strconv.Itoa(len(r.Servers))
	}},
	{name: "tps", value: func(r *modules.SysbenchResults) float64 { return r.TPS }, higherBetter: true},
	{name: "qps", value: func(r *modules.SysbenchResults) float64 { return r.QPS }, higherBetter: true},
	{name: "latency avg (ms)", value: func(r *modules.SysbenchResults) float64 { return r.LatencyMS["avg"] }},
	{name: "latency pNN (ms)", value: func(r *modules.SysbenchResults) float64 { return r.LatencyPct() }},
	{name: "latency max (ms)", value: func(r *modules.SysbenchResults) float64 { return r.LatencyMS["max"] }},
	{name: "errors", value: func(r *modules.SysbenchResults) float64 { return float64(r.Errors) }, count: true},
	{name: "reconnects", value: func(r *modules.SysbenchResults) float64 { return float64(r.Reconnects) }, count: true},
}

// printSysbenchComparison prints one column per run; every figure after
// the first run's carries its change against it, and whether that is
// better or worse.
func printSysbenchComparison(w io.Writer, paths []string, runs []*modules.SysbenchResults) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	head := []string{""}
	for _, p := range paths {
		head = append(head, filepath.Base(p))
	}
	fmt.Fprintln(tw, strings.Join(head, "\t"))
	base := runs[0]
	for _, row := range sbRows {
		name := row.name
		if name == "latency pNN (ms)" {
			name = fmt.Sprintf("latency p%d (ms)", base.Percentile)
		}
		cells := []string{name}
		for i, r := range runs {
			if row.value == nil {
				cells = append(cells, row.text(r))
				continue
			}
			v := row.value(r)
			prec := 2
			if row.count {
				prec = 0
			}
			cell := strconv.FormatFloat(v, 'f', prec, 64)
			if i > 0 {
				cell += " " + sbChange(row.value(base), v, row.higherBetter)
			}
			cells = append(cells, cell)
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t"))
	}
	tw.Flush()
	for _, r := range runs[1:] {
		if r.Test != base.Test || r.Percentile != base.Percentile {
			fmt.Fprintf(w, "note: the runs differ in test or percentile (%s p%d vs %s p%d): those figures are not like for like\n",
				base.Test, base.Percentile, r.Test, r.Percentile)
			break
		}
	}
}

// sbChange is the relative change from base to v, e.g. "(+12.5% better)".
func sbChange(base, v float64, higherBetter bool) string {
	if v == base {
		return "(=)"
	}
	verdict := "worse"
	if (v > base) == higherBetter {
		verdict = "better"
	}
	if base == 0 {
		return "(" + verdict + ")"
	}
	return fmt.Sprintf("(%+.1f%% %s)", (v-base)/base*100, verdict)
}
