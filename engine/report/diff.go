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
		fmt.Fprintf(&b, "-  %s: %s\n+  %s: %s\n", k, bs, k, as)
	}
	return b.String()
}

func fmtState(v any, ok bool) string {
	if !ok || v == nil {
		return "(none)"
	}
	switch x := v.(type) {
	case []any:
		parts := make([]string, len(x))
		for i, it := range x {
			parts[i] = fmt.Sprint(it)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case []string:
		return "[" + strings.Join(x, ", ") + "]"
	}
	return fmt.Sprint(v)
}
