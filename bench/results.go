package bench

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// Result is what a bench run writes to bench/results/<date>-<host>.json.
type Result struct {
	Started  time.Time  `json:"started"`
	Finished time.Time  `json:"finished"`
	Machine  Machine    `json:"machine"`
	Rounds   int        `json:"rounds"`
	Forks    int        `json:"forks"`
	Method   string     `json:"method"`
	Notes    []string   `json:"notes,omitempty"`
	Runs     []Workload `json:"workloads"`
	Targets  []Target   `json:"targets"`
}

// Workload is one playbook in one state (first run or converged) on one set
// of hosts, measured under every tool.
type Workload struct {
	Name     string              `json:"name"`
	Playbook string              `json:"playbook"`
	Hosts    int                 `json:"hosts"`
	Mode     string              `json:"mode"` // "first run" or "converged"
	Recap    Recap               `json:"recap"`
	Samples  map[string][]Sample `json:"samples"` // tool -> one per round
	Summary  []Summary           `json:"summary"` // in tool order
	Skipped  string              `json:"skipped,omitempty"`
}

// Summarize fills w.Summary from w.Samples, tools in the given order.
func (w *Workload) Summarize(tools []string) {
	w.Summary = nil
	runs := w.Recap.TaskRuns()
	for _, t := range tools {
		if s, ok := w.Samples[t]; ok {
			w.Summary = append(w.Summary, Summarize(t, s, runs))
		}
	}
}

// Find returns the summary of a tool.
func (w *Workload) Find(tool string) (Summary, bool) {
	for _, s := range w.Summary {
		if s.Tool == tool {
			return s, true
		}
	}
	return Summary{}, false
}

// ResultPath is dir/<date>-<host>.json, the date in UTC.
func ResultPath(dir string, t time.Time, host string) string {
	return filepath.Join(dir, fmt.Sprintf("%s-%s.json", t.UTC().Format("2006-01-02T1504Z"), host))
}

// Write saves r as indented JSON.
func (r *Result) Write(path string) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}
