package report

import (
	"fmt"
	"sort"
	"strings"

	"github.com/playbook/play/modules"
	"github.com/pmezard/go-difflib/difflib"
)

// RenderDiff renders one module diff as text: a unified diff for files,
// with headers naming host and path, or a before/after view for state.
func RenderDiff(host string, d modules.Diff) string {
	if d.BeforeState != nil || d.AfterState != nil {
		return renderState(host, d)
	}
	before, after := d.Before, d.After
	from := fmt.Sprintf("before: %s:%s", host, d.Path)
	to := fmt.Sprintf("after: %s:%s", host, d.Path)
	if d.BeforeMissing {
		from = "before: " + host + ":" + d.Path + " (absent)"
	}
	if d.AfterMissing {
		to = "after: " + host + ":" + d.Path + " (absent)"
	}
	if before == after && d.BeforeMissing == d.AfterMissing {
		return ""
	}
	ud := difflib.UnifiedDiff{
		A: splitLines(before), B: splitLines(after),
		FromFile: from, ToFile: to, Context: 3,
	}
	s, err := difflib.GetUnifiedDiffString(ud)
	if err != nil {
		return fmt.Sprintf("(diff unavailable: %v)\n", err)
	}
	if s == "" { // same content, only existence changed
		s = "--- " + from + "\n+++ " + to + "\n"
	}
	if !strings.HasSuffix(s, "\n") {
		s += "\n"
	}
	// difflib leaves "\ No newline" out; say it so a missing final newline
	// is visible in review.
	if before != "" && !strings.HasSuffix(before, "\n") || after != "" && !strings.HasSuffix(after, "\n") {
		s += "\\ (a file above has no newline at end)\n"
	}
	return s
}

// splitLines keeps line endings and, unlike difflib.SplitLines, does not
// invent an empty last line after a final newline.
func splitLines(s string) []string {
	if s == "" {
		return nil
	}
	lines := strings.SplitAfter(s, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}

func renderState(host string, d modules.Diff) string {
	keys := map[string]bool{}
	for k := range d.BeforeState {
		keys[k] = true
	}
	for k := range d.AfterState {
		keys[k] = true
	}
	names := make([]string, 0, len(keys))
	for k := range keys {
		names = append(names, k)
	}
	sort.Strings(names)
	var b strings.Builder
	fmt.Fprintf(&b, "--- before: %s:%s\n+++ after: %s:%s\n", host, d.Path, host, d.Path)
	for _, k := range names {
		bv, bok := d.BeforeState[k]
		av, aok := d.AfterState[k]
		bs, as := fmtState(bv, bok), fmtState(av, aok)
		if bs == as {
			continue
		}
		// A key only one side has (a plan of steps the module would
		// take) is shown on that side alone, not against "(none)".
		if bok && bv != nil {
			writeState(&b, "-", k, bs)
		}
		if aok && av != nil {
			writeState(&b, "+", k, as)
		}
		if (!bok || bv == nil) && (!aok || av == nil) {
			writeState(&b, "-", k, bs)
		}
	}
	return b.String()
}

// writeState writes one key; a multi-line value (a list of steps) gets
// one line per element, each with the diff sign, so it stays a valid
// unified-diff-looking block in Markdown.
func writeState(b *strings.Builder, sign, key, val string) {
	if !strings.Contains(val, "\n") {
		fmt.Fprintf(b, "%s  %s: %s\n", sign, key, val)
		return
	}
	fmt.Fprintf(b, "%s  %s:\n", sign, key)
	for _, line := range strings.Split(val, "\n") {
		fmt.Fprintf(b, "%s    %s\n", sign, line)
	}
}

// fmtState renders a state value deterministically: maps with sorted
// keys as {k: v}, short lists inline, lists of sentences (a plan) as one
// "- item" per line.
func fmtState(v any, ok bool) string {
	if !ok || v == nil {
		return "(none)"
	}
	var items []string
	switch x := v.(type) {
	case []any:
		for _, it := range x {
			items = append(items, fmtState(it, true))
		}
	case []string:
		items = x
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = k + ": " + fmtState(x[k], true)
		}
		return "{" + strings.Join(parts, ", ") + "}"
	default:
		return fmt.Sprint(v)
	}
	for _, it := range items {
		if strings.Contains(it, " ") {
			return "- " + strings.Join(items, "\n- ")
		}
	}
	return "[" + strings.Join(items, ", ") + "]"
}
