// Package modules holds play's modules and the contract they share.
//
// A module declares its parameters (Spec) so the engine can validate every
// call before a host is touched, then Run reads the host's state over a
// conn.Conn, computes the desired state and, unless Check is set, converges.
// Check mode and apply share one code path: check is "everything but the
// final write", so the prediction cannot drift from what apply would do.
package modules

import (
	"context"
	"sort"
	"strings"
	"sync"

	"github.com/playbook/play/engine/conn"
)

// Param types understood by Normalize.
const (
	TypeStr   = "str"
	TypeInt   = "int"
	TypeFloat = "float"
	TypeBool  = "bool"
	TypeList  = "list" // a YAML list, or a comma-separated string
	TypeDict  = "dict"
	TypePath  = "path" // a string; "~" is left for the remote shell
	TypeRaw   = "raw"  // anything
	TypeMode  = "mode" // file mode: octal int/string ("0644") or symbolic ("u=rw,g=r")
)

// Param declares one module parameter.
type Param struct {
	Name     string
	Type     string // one of the Type* constants; "" means str
	Elem     string // element type for lists
	Required bool
	Default  any
	Choices  []string
	Aliases  []string
	Secret   bool // value is redacted everywhere (output, diffs, logs, reports)
	Help     string
}

// Spec is what a module declares about itself.
type Spec struct {
	Name string
	// FreeForm modules (command, shell, raw) accept a bare string; it is
	// stored under the "_raw_params" argument.
	FreeForm bool
	Params   []Param
	// MutuallyExclusive lists groups of params of which at most one may be set.
	MutuallyExclusive [][]string
	// RequiredOneOf lists groups of params of which at least one must be set.
	RequiredOneOf [][]string
	// AnyParams modules (set_fact) take arbitrary keys: Normalize passes
	// keys that are not declared params through unchanged.
	AnyParams bool
	// RunOnController marks modules that never touch the host (debug,
	// set_fact, assert, fail, pause): no connection is opened for them.
	RunOnController bool
	// Doc is a one-line description for `play doc` and error messages.
	Doc string
}

// Param returns the declaration of a param by name or alias.
func (s *Spec) Param(name string) (*Param, bool) {
	for i := range s.Params {
		p := &s.Params[i]
		if p.Name == name {
			return p, true
		}
		for _, a := range p.Aliases {
			if a == name {
				return p, true
			}
		}
	}
	return nil, false
}

// Diff is one change a module made or would make.
type Diff struct {
	// Path names what changed: a file path for file diffs, or a short
	// label ("service nginx", "package mariadb-server") for state diffs.
	Path string
	// File diffs: Before/After are full contents. BeforeMissing means the
	// file did not exist; AfterMissing means it will be removed.
	Before, After               string
	BeforeMissing, AfterMissing bool
	// State diffs: attribute -> value before and after (mode, owner,
	// state, enabled, version...). Rendered as a before/after view.
	BeforeState, AfterState map[string]any
}

// Result is what a module reports.
type Result struct {
	Changed  bool
	Failed   bool
	Skipped  bool
	Msg      string
	Diffs    []Diff
	Data     map[string]any // fields of the registered result (rc, stdout, stat, ...)
	Facts    map[string]any // merged into ansible_facts (setup)
	Vars     map[string]any // host variables set by set_fact
	Warnings []string
}

// Task is everything a module invocation gets.
type Task struct {
	Host  string    // inventory hostname
	Conn  conn.Conn // nil for RunOnController modules
	Args  map[string]any
	Check bool // check mode: compute, report, never write
	// CheckPending: in check mode, earlier tasks on this host have
	// predicted changes that did not happen. Modules that wait for an
	// effect (wait_for) probe once instead of waiting for it in vain.
	CheckPending bool
	Diff         bool // produce diffs (modules may always fill them; cheap)
	// Become applies to every command and file operation of the task.
	Become conn.Become
	// Env is the task's `environment:`.
	Env map[string]string
	// Vars are the host's variables as the task sees them (facts included),
	// read-only. Modules use them for dispatch (ansible_facts.pkg_mgr...).
	Vars map[string]any
	// FindFile resolves a relative src for copy/template/script: kind is
	// "files" or "templates"; returns a path on the control machine.
	FindFile func(kind, name string) (string, error)
	// LoadVars reads a YAML/JSON file of variables on the control machine
	// (include_vars), with the same parser and errors as vars_files.
	LoadVars func(path string) (map[string]any, error)
	// Render renders a Jinja2 template text with the host's variables.
	Render func(text string) (string, error)
	// Eval evaluates a bare Jinja2 expression (assert's that, debug's var).
	Eval func(expr string) (any, error)
	// ConnFor returns the connection to another inventory host, for the
	// few modules that coordinate several hosts from one task
	// (galera_bootstrap with run_once). nil when the engine offers none.
	ConnFor func(host string) (conn.Conn, error)
}

// Module is one play module.
type Module interface {
	Spec() *Spec
	Run(ctx context.Context, t *Task) (*Result, error)
}

var (
	regMu    sync.RWMutex
	registry = map[string]Module{}
)

// Register adds a module; modules call it from init().
func Register(m Module) {
	regMu.Lock()
	defer regMu.Unlock()
	name := m.Spec().Name
	if _, dup := registry[name]; dup {
		panic("module registered twice: " + name)
	}
	registry[name] = m
}

// collections whose prefix play accepts so Ansible playbooks port unchanged.
var fqcnPrefixes = []string{
	"ansible.builtin.", "ansible.legacy.", "ansible.posix.", "community.general.",
	"community.mysql.", "community.libvirt.",
}

// Canonical strips a known collection prefix: ansible.builtin.copy -> copy.
func Canonical(name string) string {
	for _, p := range fqcnPrefixes {
		if strings.HasPrefix(name, p) {
			return strings.TrimPrefix(name, p)
		}
	}
	return name
}

// Get finds a module by short or fully-qualified name.
func Get(name string) (Module, bool) {
	regMu.RLock()
	defer regMu.RUnlock()
	m, ok := registry[Canonical(name)]
	return m, ok
}

// Names lists the registered modules, sorted.
func Names() []string {
	regMu.RLock()
	defer regMu.RUnlock()
	out := make([]string, 0, len(registry))
	for n := range registry {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}
