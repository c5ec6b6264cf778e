package modules

import (
	"context"
	"fmt"
	"strings"
	"sync"
)

// svcState is what a service backend reads about one service.
type svcState struct {
	exists  bool
	running bool
	enabled bool
	masked  bool
	status  map[string]any
	// problem explains why the state could not be read (systemctl not
	// working on this host...); the task fails with it.
	problem string
}

// svcBackend talks to one init system.
type svcBackend interface {
	name() string
	read(ctx context.Context, t *Task, svc string) (*svcState, error)
	// act runs start, stop, restart, reload, enable, disable, mask or unmask.
	act(ctx context.Context, t *Task, svc, action string) error
}

// svcMgrCache remembers the service manager per host when facts were not
// gathered, so a play with many service tasks detects it once.
var svcMgrCache sync.Map

// svcDetect returns the host's service manager: the service_mgr fact when
// present, else one remote test (as Ansible: PID 1 named systemd, or
// /run/systemd/system, means systemd; otherwise SysV init scripts).
func svcDetect(ctx context.Context, t *Task) (string, error) {
	if facts, ok := t.Vars["ansible_facts"].(map[string]any); ok {
		if s, ok := facts["service_mgr"].(string); ok && s != "" {
			return s, nil
		}
	}
	if s, ok := t.Vars["ansible_service_mgr"].(string); ok && s != "" {
		return s, nil
	}
	if s, ok := svcMgrCache.Load(t.Host); ok {
		return s.(string), nil
	}
	o, err := sysRun(ctx, t, `if [ "$(cat /proc/1/comm 2>/dev/null)" = systemd ] || [ -d /run/systemd/system ]; then echo systemd; else echo sysvinit; fi`, nil, cEnv)
	if err != nil {
		return "", err
	}
	mgr := strings.TrimSpace(o.stdout)
	svcMgrCache.Store(t.Host, mgr)
	return mgr, nil
}

// svcBackendFor picks the backend for a manager name.
func svcBackendFor(mgr string) svcBackend {
	if mgr == "systemd" {
		return svcSystemd{}
	}
	return svcSysV{root: sysvRoot}
}

// svcWant is the desired state of one service call.
type svcWant struct {
	name         string
	state        string // "" = leave as is
	enabled      *bool
	masked       *bool
	daemonReload bool
}

// svcConverge is the shared body of service and systemd: read, plan the
// actions, report the state diff and, unless in check mode, act.
func svcConverge(ctx context.Context, t *Task, b svcBackend, w svcWant) (*Result, error) {
	res := &Result{Data: map[string]any{"name": w.name}}
	if w.daemonReload && !t.Check {
		if err := b.act(ctx, t, "", "daemon-reload"); err != nil {
			return &Result{Failed: true, Msg: err.Error()}, nil
		}
	}
	if w.name == "" {
		return res, nil // daemon_reload alone
	}
	st, err := b.read(ctx, t, w.name)
	if err != nil {
		return nil, err
	}
	if st.problem != "" {
		return &Result{Failed: true, Msg: st.problem, Data: res.Data}, nil
	}
	if !st.exists && (w.state != "" || w.enabled != nil) && !(w.masked != nil && *w.masked) {
		msg := fmt.Sprintf("Could not find the requested service %s: host %s", w.name, t.Host)
		if !t.Check {
			return &Result{Failed: true, Msg: msg, Data: res.Data}, nil
		}
		// In check mode the package that brings the service was most
		// likely only simulated by an earlier task: predict the change
		// and say what is assumed, rather than failing the review.
		res.Warnings = append(res.Warnings, msg+" (assuming an earlier task installs it)")
		st.exists = true
	}
	stateWord := func(running bool) string {
		if running {
			return "started"
		}
		return "stopped"
	}
	before, after := map[string]any{}, map[string]any{}
	var actions []string
	if w.masked != nil {
		before["masked"], after["masked"] = st.masked, *w.masked
		if st.masked != *w.masked {
			actions = append(actions, map[bool]string{true: "mask", false: "unmask"}[*w.masked])
		}
	}
	if w.enabled != nil {
		before["enabled"], after["enabled"] = st.enabled, *w.enabled
		if st.enabled != *w.enabled {
			actions = append(actions, map[bool]string{true: "enable", false: "disable"}[*w.enabled])
		}
	}
	running := st.running
	switch w.state {
	case "started":
		if !st.running {
			actions = append(actions, "start")
		}
		running = true
	case "stopped":
		if st.running {
			actions = append(actions, "stop")
		}
		running = false
	case "restarted":
		// restarting a stopped service starts it; either way it is a change
		actions = append(actions, map[bool]string{true: "restart", false: "start"}[st.running])
		running = true
	case "reloaded":
		actions = append(actions, map[bool]string{true: "reload", false: "start"}[st.running])
		running = true
	}
	if w.state != "" {
		before["state"] = stateWord(st.running)
		after["state"] = w.state
		if w.state == "started" || w.state == "stopped" {
			after["state"] = stateWord(running)
		}
	}
	res.Changed = len(actions) > 0
	if res.Changed {
		res.Diffs = []Diff{{Path: "service " + w.name, BeforeState: before, AfterState: after}}
	}
	res.Data["state"] = stateWord(running)
	res.Data["enabled"] = st.enabled
	if w.enabled != nil {
		res.Data["enabled"] = *w.enabled
	}
	if st.status != nil {
		res.Data["status"] = st.status
	}
	if t.Check {
		return res, nil
	}
	for _, a := range actions {
		if err := b.act(ctx, t, w.name, a); err != nil {
			res.Failed = true
			res.Msg = err.Error()
			return res, nil
		}
	}
	return res, nil
}

// svcOptBool returns a pointer for an optional bool param.
func svcOptBool(args map[string]any, name string) *bool {
	if !Has(args, name) {
		return nil
	}
	b := Bool(args, name)
	return &b
}
