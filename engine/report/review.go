package report

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/playbook/play/engine/diag"
)

// Review collects what a run changed (or, with --check, would change) and
// writes it for a pull request: Markdown with a summary table and per-host
// diffs in collapsible sections, or the same as JSON. Hosts are sorted and
// tasks keep run order, so two runs on the same state give identical
// files that diff cleanly between commits.
type Review struct {
	Path     string // .md or .json
	Title    string // playbook paths
	Check    bool
	Mask     *Masker
	mu       sync.Mutex
	byHost   map[string][]reviewEntry
	stats    []*Stats
	warnings []string
}

type reviewEntry struct {
	Task   string   `json:"task"`
	Path   string   `json:"path"`
	Status string   `json:"status"`
	After  string   `json:"would_run_after,omitempty"`
	Msg    string   `json:"msg,omitempty"`
	Diffs  []string `json:"diffs,omitempty"`
	NoLog  bool     `json:"censored,omitempty"`
}

func (r *Review) PlayStart(string, []string)       {}
func (r *Review) TaskStart(string, diag.Pos, bool) {}

func (r *Review) Warn(msg string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.warnings = append(r.warnings, r.Mask.Mask(msg))
}

// HostResult keeps results that matter for review: changes, dependent
// tasks, failures. ok and skipped results are left out.
func (r *Review) HostResult(hr *HostResult) {
	status := hr.Status
	if status == StatusOK || status == StatusSkipped {
		return
	}
	e := reviewEntry{Task: hr.Task, Path: relativePos(hr.Pos.String()), Status: status, After: hr.After, NoLog: hr.NoLog}
	if !hr.NoLog {
		if status != StatusChanged {
			e.Msg = r.Mask.Mask(hr.Msg)
		}
		for _, d := range hr.Diffs {
			if s := RenderDiff(hr.Host, d); s != "" {
				e.Diffs = append(e.Diffs, r.Mask.Mask(s))
			}
		}
		for _, it := range hr.Items {
			for _, d := range it.Diffs {
				if s := RenderDiff(hr.Host, d); s != "" {
					e.Diffs = append(e.Diffs, r.Mask.Mask(s))
				}
			}
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.byHost == nil {
		r.byHost = map[string][]reviewEntry{}
	}
	r.byHost[hr.Host] = append(r.byHost[hr.Host], e)
}

// Recap writes the report file.
func (r *Review) Recap(stats []*Stats) {
	r.mu.Lock()
	r.stats = append(r.stats, stats...)
	r.mu.Unlock()
	if err := r.write(); err != nil {
		fmt.Fprintln(os.Stderr, "ERROR: writing review report:", err)
	}
}

func (r *Review) sortedStats() []*Stats {
	st := append([]*Stats(nil), r.stats...)
	sort.SliceStable(st, func(i, j int) bool { return st[i].Host < st[j].Host })
	return st
}

func (r *Review) write() error {
	var data []byte
	if strings.HasSuffix(r.Path, ".json") {
		type hostOut struct {
			Host  string        `json:"host"`
			Stats *Stats        `json:"stats"`
			Tasks []reviewEntry `json:"tasks"`
		}
		out := struct {
			Title    string    `json:"title"`
			Check    bool      `json:"check"`
			Hosts    []hostOut `json:"hosts"`
			Warnings []string  `json:"warnings,omitempty"`
		}{Title: r.Title, Check: r.Check, Warnings: r.warnings}
		for _, s := range r.sortedStats() {
			out.Hosts = append(out.Hosts, hostOut{Host: s.Host, Stats: s, Tasks: r.byHost[s.Host]})
		}
		var err error
		if data, err = json.MarshalIndent(out, "", "  "); err != nil {
			return err
		}
		data = append(data, '\n')
	} else {
		data = []byte(r.markdown())
	}
	tmp, err := os.CreateTemp(filepath.Dir(r.Path), ".play-report-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), r.Path)
}

func (r *Review) markdown() string {
	var b strings.Builder
	mode := "run"
	if r.Check {
		mode = "dry run (--check)"
	}
	fmt.Fprintf(&b, "# play review: %s\n\n%s\n\n", r.Title, mode)
	b.WriteString("| host | changed | would run after | failed | unreachable |\n|---|---:|---:|---:|---:|\n")
	for _, s := range r.sortedStats() {
		fmt.Fprintf(&b, "| %s | %d | %d | %d | %d |\n", s.Host, s.Changed, s.WouldRunAfter, s.Failed, s.Unreachable)
	}
	for _, w := range r.warnings {
		fmt.Fprintf(&b, "\n> warning: %s\n", w)
	}
	for _, s := range r.sortedStats() {
		entries := r.byHost[s.Host]
		fmt.Fprintf(&b, "\n## %s\n\n", s.Host)
		if len(entries) == 0 {
			b.WriteString("No changes.\n")
			continue
		}
		for _, e := range entries {
			fmt.Fprintf(&b, "### %s — %s\n\n", e.Task, strings.ReplaceAll(e.Status, "_", " "))
			if e.Path != "" {
				fmt.Fprintf(&b, "`%s`\n\n", e.Path)
			}
			if e.After != "" {
				fmt.Fprintf(&b, "Would run after: **%s**\n\n", e.After)
			}
			if e.NoLog {
				b.WriteString("_Details hidden: no_log is set for this task._\n\n")
				continue
			}
			if e.Msg != "" {
				fmt.Fprintf(&b, "> %s\n\n", strings.ReplaceAll(e.Msg, "\n", "\n> "))
			}
			for _, d := range e.Diffs {
				summary := "diff"
				if first, _, ok := strings.Cut(d, "\n"); ok {
					summary = strings.TrimPrefix(first, "--- before: ")
				}
				fmt.Fprintf(&b, "<details><summary>%s</summary>\n\n```diff\n%s```\n\n</details>\n\n", summary, d)
			}
		}
	}
	return b.String()
}

// relativePos makes a task position relative to the working directory,
// so reports written from two checkouts of a repository diff cleanly.
func relativePos(pos string) string {
	wd, err := os.Getwd()
	if err != nil {
		return pos
	}
	if rest, ok := strings.CutPrefix(pos, wd+string(filepath.Separator)); ok {
		return rest
	}
	return pos
}
