package report

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/playbook/play/engine/diag"
)

// Console prints Ansible-style output: PLAY/TASK banners, one line per
// host result, diffs with --diff, and the PLAY RECAP.
type Console struct {
	W         io.Writer
	Mask      *Masker
	Verbosity int
	ShowDiff  bool
	// Color enables ANSI colours (ok green, changed yellow, failed red).
	Color bool
	// Check adds the would_run_after column to the recap.
	Check bool
}

const width = 79

func (c *Console) printf(format string, args ...any) {
	io.WriteString(c.W, c.Mask.Mask(fmt.Sprintf(format, args...)))
}

func banner(s string) string {
	n := width - len(s) - 1
	if n < 3 {
		n = 3
	}
	return s + " " + strings.Repeat("*", n)
}

func (c *Console) color(code, s string) string {
	if !c.Color {
		return s
	}
	return "\x1b[" + code + "m" + s + "\x1b[0m"
}

// PlayStart prints the PLAY banner.
func (c *Console) PlayStart(name string, hosts []string) {
	if name == "" {
		name = strings.Join(hosts, ",")
	}
	c.printf("\n%s\n", banner("PLAY ["+name+"]"))
}

// TaskStart prints the TASK (or RUNNING HANDLER) banner.
func (c *Console) TaskStart(name string, pos diag.Pos, handler bool) {
	kind := "TASK"
	if handler {
		kind = "RUNNING HANDLER"
	}
	c.printf("\n%s\n", banner(kind+" ["+name+"]"))
	if c.Verbosity >= 2 && pos.File != "" {
		c.printf("task path: %s\n", pos)
	}
}

func (c *Console) hostLabel(r *HostResult) string {
	if r.Delegate != "" && r.Delegate != r.Host {
		return "[" + r.Host + " -> " + r.Delegate + "]"
	}
	return "[" + r.Host + "]"
}

// HostResult prints one host's outcome.
func (c *Console) HostResult(r *HostResult) {
	for _, it := range r.Items {
		c.line(r, it, true)
	}
	if len(r.Items) == 0 || r.Status == StatusFailed && r.Msg != "" {
		c.line(r, r, false)
	}
	for _, w := range r.Warnings {
		c.printf("%s\n", c.color("35", "[WARNING]: "+r.Host+": "+w))
	}
}

func (c *Console) line(parent, r *HostResult, item bool) {
	label := c.hostLabel(parent)
	itemPart := ""
	if item {
		itemPart = " => (item=" + r.Label + ")"
		if r.NoLog || parent.NoLog {
			itemPart = " => (item=(censored due to no_log))"
		}
	}
	if c.ShowDiff && !r.NoLog {
		for _, d := range r.Diffs {
			if s := RenderDiff(parent.Host, d); s != "" {
				c.printf("%s", s)
			}
		}
	} else if c.ShowDiff && r.NoLog && len(r.Diffs) > 0 {
		c.printf("(diff hidden: no_log is set for this task)\n")
	}
	switch r.Status {
	case StatusOK, StatusChanged:
		col := "32"
		if r.Status == StatusChanged {
			col = "33"
		}
		c.printf("%s%s\n", c.color(col, r.Status+": "+label+itemPart), c.details(r))
	case StatusSkipped:
		// In check mode a module that cannot check (a benchmark) says so:
		// a bare "skipping" would read like a false `when`.
		reason := ""
		if r.Check && r.Msg != "" && !r.NoLog {
			reason = " => " + r.Msg
		}
		c.printf("%s\n", c.color("36", "skipping: "+label+itemPart+reason))
	case StatusWouldRunAfter:
		after := r.After
		if after == "" {
			after = parent.After
		}
		c.printf("%s\n", c.color("35", "would run after: "+label+itemPart+" => "+after))
		if c.Verbosity > 0 && r.Msg != "" {
			c.printf("  %s\n", r.Msg)
		}
	case StatusUnreachable:
		c.printf("%s\n", c.color("31", "fatal: "+label+": UNREACHABLE! => "+c.errJSON(r)))
	case StatusFailed:
		prefix := "fatal: " + label + ": FAILED!"
		if item {
			prefix = "failed: " + label + itemPart
		}
		c.printf("%s\n", c.color("31", prefix+" => "+c.errJSON(r)))
		if r.Ignored && !item {
			c.printf("%s\n", c.color("36", "...ignoring"))
		}
	}
}

// details is what follows "ok: [host]": the result at -v and above; at
// the default verbosity only what debug was asked to show (its msg, or
// the variable named by var), as Ansible prints it. Masked either way.
func (c *Console) details(r *HostResult) string {
	if c.Verbosity == 0 && r.Module != "debug" {
		return ""
	}
	if r.NoLog {
		return ` => {"censored": "the output has been hidden due to the fact that 'no_log: true' was specified for this result"}`
	}
	data := r.Data
	if c.Verbosity == 0 {
		data = make(map[string]any, len(r.Data))
		for k, v := range r.Data {
			if k != "changed" && k != "failed" {
				data[k] = v
			}
		}
	}
	return " => " + toJSON(c.Mask.MaskValue(data))
}

func (c *Console) errJSON(r *HostResult) string {
	if r.NoLog {
		return `{"censored": "the output has been hidden due to the fact that 'no_log: true' was specified for this result"}`
	}
	d := map[string]any{"msg": r.Msg}
	if c.Verbosity > 0 || r.Status == StatusFailed {
		for k, v := range r.Data {
			if k == "stdout" || k == "stderr" || k == "rc" || k == "cmd" || c.Verbosity > 0 {
				d[k] = v
			}
		}
	}
	d["msg"] = r.Msg
	return toJSON(c.Mask.MaskValue(d))
}

func toJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%v", v)
	}
	return string(b)
}

// Warn prints a warning line.
func (c *Console) Warn(msg string) {
	c.printf("%s\n", c.color("35", "[WARNING]: "+msg))
}

// Recap prints the PLAY RECAP in host order.
func (c *Console) Recap(stats []*Stats) {
	c.printf("\n%s\n", banner("PLAY RECAP"))
	sorted := append([]*Stats(nil), stats...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Host < sorted[j].Host })
	w := 0
	for _, s := range sorted {
		w = max(w, len(s.Host))
	}
	for _, s := range sorted {
		line := fmt.Sprintf("%-*s : ok=%-4d changed=%-4d unreachable=%-4d failed=%-4d skipped=%-4d rescued=%-4d ignored=%d",
			w+1, s.Host, s.OK, s.Changed, s.Unreachable, s.Failed, s.Skipped, s.Rescued, s.Ignored)
		if c.Check {
			line += fmt.Sprintf("    would_run_after=%d", s.WouldRunAfter)
		}
		c.printf("%s\n", line)
	}
}
