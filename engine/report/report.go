// Package report turns run events into what people and machines read:
// Ansible-style console lines and recap, a JSON event stream, and diffs.
// Every string that leaves the process passes through a Masker so secrets
// never reach a terminal, a log or a file.
package report

import (
	"github.com/playbook/play/engine/diag"
	"github.com/playbook/play/modules"
)

// Status of one task on one host.
const (
	StatusOK          = "ok"
	StatusChanged     = "changed"
	StatusSkipped     = "skipped"
	StatusFailed      = "failed"
	StatusUnreachable = "unreachable"
	// StatusWouldRunAfter: in check mode, the task depends on a change an
	// earlier task only predicted; After names that task.
	StatusWouldRunAfter = "would_run_after"
)

// HostResult is the outcome of one task on one host (or one loop item).
type HostResult struct {
	Host     string
	Delegate string // delegate_to target, when different from Host
	Task     string
	Module   string
	Pos      diag.Pos
	Status   string
	Ignored  bool // failed but ignore_errors
	Msg      string
	Label    string // loop item label, "" when not a loop item
	Items    []*HostResult
	Diffs    []modules.Diff
	Data     map[string]any
	Warnings []string
	NoLog    bool
	Check    bool
	After    string // for StatusWouldRunAfter: the task it depends on
	// Pending (StatusWouldRunAfter): the task would change the host or
	// depends on a predicted change; a debug that reads the result of a
	// benchmark that cannot run in check mode is not.
	Pending bool
}

// Stats are a host's counters for the recap.
type Stats struct {
	Host        string
	OK          int
	Changed     int
	Unreachable int
	Failed      int
	Skipped     int
	Rescued     int
	Ignored     int
	// WouldRunAfter counts check-mode tasks that depend on results check
	// mode could not produce; Pending those of them that are pending
	// changes (what --detailed-exitcode's 2 means).
	WouldRunAfter int
	Pending       int `json:"-"`
}

// Reporter receives run events. Implementations must be safe for use from
// one goroutine at a time; the engine serialises calls.
type Reporter interface {
	PlayStart(name string, hosts []string)
	TaskStart(name string, pos diag.Pos, handler bool)
	HostResult(r *HostResult)
	Warn(msg string)
	Recap(stats []*Stats)
}

// Multi fans events out to several reporters (console and JSON).
type Multi []Reporter

func (m Multi) PlayStart(name string, hosts []string) {
	for _, r := range m {
		r.PlayStart(name, hosts)
	}
}
func (m Multi) TaskStart(name string, pos diag.Pos, handler bool) {
	for _, r := range m {
		r.TaskStart(name, pos, handler)
	}
}
func (m Multi) HostResult(hr *HostResult) {
	for _, r := range m {
		r.HostResult(hr)
	}
}
func (m Multi) Warn(msg string) {
	for _, r := range m {
		r.Warn(msg)
	}
}
func (m Multi) Recap(stats []*Stats) {
	for _, r := range m {
		r.Recap(stats)
	}
}
