// Package playbook loads playbooks and roles from YAML into a tree that
// keeps the file:line:col of every node, resolving imports and roles at
// load time so validation can see the whole program before any host is
// touched.
package playbook

import (
	"time"

	"github.com/playbook/play/engine/diag"
)

// Playbook is one loaded playbook file (import_playbook already flattened).
type Playbook struct {
	Path  string
	Dir   string // playbook_dir
	Plays []*Play
}

// Play is one play of a playbook.
type Play struct {
	Pos               diag.Pos
	Name              string
	Hosts             string
	Dir               string // directory of the file the play came from
	Vars              map[string]any
	VarsFiles         []string // resolved paths
	VarsFilesPos      []diag.Pos
	Roles             []*RoleRef
	PreTasks          []*Task
	Tasks             []*Task
	PostTasks         []*Task
	Handlers          []*Task
	GatherFacts       *bool
	Become            *bool
	BecomeUser        string
	Serial            []any // ints and "30%" strings; empty = whole play at once
	Strategy          string
	AnyErrorsFatal    bool
	MaxFailPercentage *float64
	Tags              []string
	Environment       map[string]any
	CheckMode         *bool
	Diff              *bool
	IgnoreErrors      bool
	Order             string
}

// RoleRef is a use of a role: in a play's roles:, a dependency, or an
// include_role/import_role task.
type RoleRef struct {
	Pos    diag.Pos
	Name   string
	Params map[string]any // role parameters (vars given at the call site)
	Tags   []string
	When   []Cond
	Role   *Role
}

// Role is a role directory, loaded once per path.
type Role struct {
	Name     string
	Path     string
	Defaults map[string]any
	Vars     map[string]any
	Tasks    []*Task
	Handlers []*Task
	Deps     []*RoleRef
}

// Cond is an expression (when, changed_when, failed_when, until) with its
// position so runtime errors point at the source.
type Cond struct {
	Expr string
	Pos  diag.Pos
}

// LoopControl mirrors Ansible's loop_control.
type LoopControl struct {
	LoopVar  string
	IndexVar string
	Label    string
	Pause    float64
	Extended bool
}

// Task is a task, a handler, a block or an include.
type Task struct {
	Pos  diag.Pos
	Name string

	// Module call.
	Action    string // canonical module name; "" for blocks and includes
	ActionPos diag.Pos
	Args      map[string]any
	ArgPos    map[string]diag.Pos

	When        []Cond
	Loop        any // a template string or a list
	LoopPos     diag.Pos
	LoopKind    string // loop, with_items, with_dict, ...
	LoopControl LoopControl
	Register    string
	Notify      []string
	NotifyPos   diag.Pos
	Listen      []string
	ChangedWhen []Cond
	FailedWhen  []Cond
	// IgnoreErrors is a bool or a template string.
	IgnoreErrors      any
	IgnoreUnreachable bool
	Until             *Cond
	Retries           int
	Delay             *float64 // nil: Ansible's default (5 s with until)
	Tags              []string
	RunOnce           bool
	DelegateTo        string
	CheckMode         *bool
	Diff              *bool
	NoLog             bool
	Become            *bool
	BecomeUser        string
	Environment       map[string]any
	Vars              map[string]any
	AnyErrorsFatal    bool
	// Timeout bounds each run of the task's module (per loop item), from
	// `timeout:` or `async:` with poll > 0 (play always waits, so async is
	// a deadline); 0 = none. TimeoutKey says which, for the message.
	Timeout    time.Duration
	TimeoutKey string

	// Blocks.
	IsBlock bool
	Block   []*Task
	Rescue  []*Task
	Always  []*Task

	// Includes: include_tasks/import_tasks load File into Block;
	// include_role/import_role set RoleRef and load its tasks into Block.
	// Static imports are flattened at load time; dynamic includes keep
	// Include set so the executor evaluates when/loop once per include.
	Include     string // include_tasks, import_tasks, include_role, import_role
	IncludeFile string
	RoleRef     *RoleRef

	// Meta is the action of a `meta:` task (flush_handlers, end_play...).
	Meta string

	// Role is the role this task comes from (role_path, files/, templates/).
	Role *Role
	// Dir is the directory of the file the task came from: relative src
	// lookups search here (and its files/ / templates/) as Ansible does.
	Dir string
}

// DisplayName is what the console shows in TASK [...].
func (t *Task) DisplayName() string {
	name := t.Name
	if name == "" {
		switch {
		case t.Meta != "":
			name = "meta"
		case t.Include != "":
			name = t.Include
		case t.IsBlock:
			name = "block"
		default:
			name = t.Action
		}
	}
	if t.Role != nil {
		return t.Role.Name + " : " + name
	}
	return name
}
