// Package run executes loaded playbooks against an inventory: plays,
// serial batches, the linear and free strategies, blocks, loops, handlers,
// and per-host results, with the outcome of every task reported as it
// completes.
package run

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/playbook/play/engine/conn"
	"github.com/playbook/play/engine/playbook"
	"github.com/playbook/play/engine/report"
	"github.com/playbook/play/engine/template"
	"github.com/playbook/play/inventory"
)

// DefaultForks is how many hosts run a task at once. Ansible defaults to 5
// because each fork is an OS process; a play host is a goroutine waiting on
// the network, so 50 costs little memory and keeps a 50-host lab moving.
const DefaultForks = 50

// Options configure a run.
type Options struct {
	Inventory *inventory.Inventory
	// ReloadInventory re-reads the sources (with --limit and playbook
	// vars dirs applied) for meta: refresh_inventory.
	ReloadInventory func() (*inventory.Inventory, error)
	Forks           int
	Check           bool
	Diff            bool
	ExtraVars       map[string]any
	Tags            []string
	SkipTags        []string
	Verbosity       int
	Reporter        report.Reporter
	Masker          *report.Masker
	Templates       *template.Engine
	// HostKeyPolicy is the default for hosts that don't set
	// ansible_ssh_host_key_checking: "strict", "accept-new" or "off".
	HostKeyPolicy string
	// Persist keeps SSH connections open in the user's connection holder
	// for this long after the run (0: close them at the end).
	Persist time.Duration
	// PersistSet: Persist was given on the command line and overrides
	// ControlPersist in the inventory's ssh arguments.
	PersistSet bool
}

// Outcome summarises a run for the exit code.
type Outcome struct {
	Stats       []*report.Stats
	Failed      bool // a host failed
	Unreachable bool // a host was unreachable
	Changed     bool // something changed (or would, in check mode)
	Pending     bool // check mode: tasks would run after predicted changes (or could change the host)
	Interrupted bool
}

// Runner runs playbooks. One Runner serves one `play run` invocation.
type Runner struct {
	opts  Options
	pool  *conn.Pool
	tmpl  *template.Engine
	rep   *syncReporter
	mask  *report.Masker
	mu    sync.Mutex
	hosts map[string]*hostState // persists across plays (facts, set_fact)
	stats map[string]*report.Stats
	order []string
	// invVars caches each host's merged inventory variables: the
	// inventory computes them afresh (a deep copy) on every call, and a
	// task on N hosts needs them N + N times (own vars and hostvars).
	invVars map[string]map[string]any
}

// inventoryVars returns a host's inventory variables; callers must not
// modify the map.
func (r *Runner) inventoryVars(host string) map[string]any {
	r.mu.Lock()
	defer r.mu.Unlock()
	if v, ok := r.invVars[host]; ok {
		return v
	}
	if r.invVars == nil {
		r.invVars = map[string]map[string]any{}
	}
	v := r.opts.Inventory.HostVars(host)
	r.invVars[host] = v
	return v
}

// New returns a Runner.
func New(opts Options) *Runner {
	if opts.Forks <= 0 {
		opts.Forks = DefaultForks
	}
	if opts.Templates == nil {
		opts.Templates = template.New()
	}
	if opts.Masker == nil {
		opts.Masker = &report.Masker{}
	}
	return &Runner{
		opts:  opts,
		pool:  conn.NewPool(),
		tmpl:  opts.Templates,
		rep:   &syncReporter{r: opts.Reporter},
		mask:  opts.Masker,
		hosts: map[string]*hostState{},
		stats: map[string]*report.Stats{},
	}
}

// Run executes the playbook's plays in order and prints the recap.
func (r *Runner) Run(ctx context.Context, pb *playbook.Playbook) (*Outcome, error) {
	defer r.pool.CloseAll()
	var runErr error
	for _, p := range pb.Plays {
		if err := r.runPlay(ctx, pb, p); err != nil {
			runErr = err
			break
		}
		if ctx.Err() != nil {
			break
		}
	}
	out := &Outcome{Interrupted: ctx.Err() != nil}
	for _, h := range r.order {
		s := r.stats[h]
		out.Stats = append(out.Stats, s)
		out.Failed = out.Failed || s.Failed > 0
		out.Unreachable = out.Unreachable || s.Unreachable > 0
		out.Changed = out.Changed || s.Changed > 0
		out.Pending = out.Pending || s.Pending > 0
	}
	r.rep.Recap(out.Stats)
	if errors.Is(runErr, context.Canceled) {
		runErr = nil
	}
	return out, runErr
}

func (r *Runner) host(name string) *hostState {
	r.mu.Lock()
	defer r.mu.Unlock()
	h, ok := r.hosts[name]
	if !ok {
		h = &hostState{name: name, facts: map[string]any{}, setFacts: map[string]any{}}
		r.hosts[name] = h
	}
	return h
}

// join registers a host as taking part in the run, for the recap.
func (r *Runner) join(name string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.stats[name]; !ok {
		r.stats[name] = &report.Stats{Host: name}
		r.order = append(r.order, name)
	}
}

func (r *Runner) count(host string, fn func(s *report.Stats)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	fn(r.stats[host])
}

// batches splits hosts by serial: [1, 2, "50%"] → sizes 1, 2, then half
// of all hosts repeatedly, as Ansible does.
func batches(hosts []string, serial []any) ([][]string, error) {
	if len(serial) == 0 {
		return [][]string{hosts}, nil
	}
	var out [][]string
	i := 0
	for len(hosts) > 0 {
		spec := serial[min(i, len(serial)-1)]
		n, err := batchSize(spec, len(hosts)+countDone(out))
		if err != nil {
			return nil, err
		}
		n = max(1, min(n, len(hosts)))
		out = append(out, hosts[:n])
		hosts = hosts[n:]
		i++
	}
	return out, nil
}

func countDone(bs [][]string) int {
	n := 0
	for _, b := range bs {
		n += len(b)
	}
	return n
}

func batchSize(spec any, total int) (int, error) {
	switch x := spec.(type) {
	case int:
		if x == 0 {
			return total, nil
		}
		return x, nil
	case string:
		var pct float64
		if _, err := fmt.Sscanf(x, "%f%%", &pct); err != nil {
			return 0, fmt.Errorf("serial: %q is not a number or percentage", x)
		}
		return int(float64(total) * pct / 100), nil
	}
	return 0, fmt.Errorf("serial: unsupported value %v", spec)
}

// syncReporter serialises reporter calls from host goroutines.
type syncReporter struct {
	mu sync.Mutex
	r  report.Reporter
}

func (s *syncReporter) PlayStart(name string, hosts []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.r.PlayStart(name, hosts)
}
func (s *syncReporter) TaskStart(t *playbook.Task, handler bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.r.TaskStart(t.DisplayName(), t.Pos, handler)
}
func (s *syncReporter) HostResult(hr *report.HostResult) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.r.HostResult(hr)
}
func (s *syncReporter) Warn(msg string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.r.Warn(msg)
}
func (s *syncReporter) Recap(st []*report.Stats) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sort.SliceStable(st, func(i, j int) bool { return st[i].Host < st[j].Host })
	s.r.Recap(st)
}
