package playbook

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/playbook/play/engine/diag"
	"github.com/playbook/play/modules"
	"gopkg.in/yaml.v3"
)

var metaActions = map[string]bool{"flush_handlers": true, "refresh_inventory": true, "end_play": true,
	"end_host": true, "noop": true, "clear_facts": true, "end_batch": true, "reset_connection": true}

func (l *Loader) task(c *ctx, n *yaml.Node) *Task {
	file := c.file
	t := &Task{Pos: pos(file, n), Role: c.role, Dir: c.dir}
	var actionKey, actionVal *yaml.Node
	var extraArgs *yaml.Node
	var actions []string
	var dl deadlineKeys
	defer func() { l.taskDeadline(file, t, dl) }() // once every keyword is known, on every return
	for _, kv := range mapPairs(n) {
		k, v := kv[0], kv[1]
		key := k.Value
		switch key {
		case "name":
			t.Name = l.str(file, v)
		case "when":
			t.When = l.conds(file, v)
		case "loop":
			t.Loop, _ = value(v)
			t.LoopPos, t.LoopKind = pos(file, v), key
		case "loop_control":
			t.LoopControl = l.loopControl(file, v)
		case "register":
			t.Register = l.str(file, v)
			if !isIdent(t.Register) {
				l.Diags.Addf(pos(file, v), "register: %q is not a valid variable name", t.Register)
			}
		case "notify":
			t.Notify = l.strList(file, v)
			t.NotifyPos = pos(file, v)
		case "listen":
			t.Listen = l.strList(file, v)
		case "changed_when":
			t.ChangedWhen = l.conds(file, v)
		case "failed_when":
			t.FailedWhen = l.conds(file, v)
		case "ignore_errors":
			val, _ := value(v)
			if s, ok := val.(string); ok && strings.Contains(s, "{{") {
				t.IgnoreErrors = s
			} else {
				t.IgnoreErrors = l.bool(file, key, v)
			}
		case "ignore_unreachable":
			t.IgnoreUnreachable = l.bool(file, key, v)
		case "until":
			cs := l.conds(file, v)
			if len(cs) > 0 {
				t.Until = &cs[0]
			}
		case "retries":
			t.Retries = l.int(file, key, v)
		case "delay":
			d := float64(l.int(file, key, v))
			t.Delay = &d
		case "tags":
			t.Tags = l.strList(file, v)
		case "run_once":
			t.RunOnce = l.bool(file, key, v)
		case "delegate_to":
			t.DelegateTo = l.str(file, v)
		case "check_mode":
			t.CheckMode = l.boolPtr(file, key, v)
		case "diff":
			t.Diff = l.boolPtr(file, key, v)
		case "no_log":
			t.NoLog = l.bool(file, key, v)
		case "become":
			t.Become = l.boolPtr(file, key, v)
		case "become_user":
			t.BecomeUser = l.str(file, v)
		case "become_method":
			if m := l.str(file, v); m != "sudo" {
				l.Diags.Addf(pos(file, v), "become_method %q is not supported; play supports sudo", m)
			}
		case "environment":
			t.Environment = l.dict(file, key, v)
		case "vars":
			t.Vars = l.dict(file, key, v)
		case "any_errors_fatal":
			t.AnyErrorsFatal = l.bool(file, key, v)
		case "block":
			t.IsBlock = true
			t.Block = l.tasks(c, v)
		case "rescue":
			t.Rescue = l.tasks(c, v)
		case "always":
			t.Always = l.tasks(c, v)
		case "args":
			extraArgs = v
		case "action", "local_action":
			if key == "local_action" {
				t.DelegateTo = "localhost"
			}
			// `action: copy src=a dest=b` or `action: {module: copy, src: a}`
			if v.Kind == yaml.ScalarNode {
				mod, rest, _ := strings.Cut(strings.TrimSpace(v.Value), " ")
				actionKey = &yaml.Node{Kind: yaml.ScalarNode, Value: mod, Line: v.Line, Column: v.Column}
				actionVal = &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: rest, Line: v.Line, Column: v.Column}
			} else if m := mapGet(v, "module"); m != nil {
				actionKey = m
				rest := &yaml.Node{Kind: yaml.MappingNode, Line: v.Line, Column: v.Column}
				for _, p := range mapPairs(v) {
					if p[0].Value != "module" {
						rest.Content = append(rest.Content, p[0], p[1])
					}
				}
				actionVal = rest
			}
			actions = append(actions, key)
		case "timeout":
			dl.timeout = v
		case "async":
			dl.async = v
		case "poll":
			dl.poll = v
		case "delegate_facts", "throttle", "collections", "debugger":
			// accepted for compatibility
		default:
			if strings.HasPrefix(key, "with_") {
				if !withLoops[key] {
					l.Diags.Addf(pos(file, k), "%s is not supported; rewrite it with loop: and filters", key)
					continue
				}
				t.Loop, _ = value(v)
				t.LoopPos, t.LoopKind = pos(file, v), key
				continue
			}
			actions = append(actions, key)
			actionKey, actionVal = k, v
		}
	}
	if t.IsBlock {
		if len(actions) > 0 {
			l.Diags.Addf(t.Pos, "a block cannot also call a module (%s); move it into the block", strings.Join(actions, ", "))
		}
		return t
	}
	if len(t.Rescue) > 0 || len(t.Always) > 0 {
		l.Diags.Addf(t.Pos, "rescue/always need a block: in the same task")
	}
	if len(actions) == 0 {
		l.Diags.Addf(t.Pos, "task %q has no action: no module, block or include", t.Name)
		return nil
	}
	if len(actions) > 1 {
		l.actionConflict(file, n, actions)
		return nil
	}
	l.action(c, t, actionKey, actionVal, extraArgs)
	return t
}

func (l *Loader) actionConflict(file string, n *yaml.Node, actions []string) {
	var unknown []string
	for _, a := range actions {
		if _, ok := modules.Get(a); !ok && !isIncludeAction(a) && a != "meta" && a != "action" && a != "local_action" {
			unknown = append(unknown, a)
		}
	}
	if len(unknown) > 0 {
		for _, kv := range mapPairs(n) {
			for _, u := range unknown {
				if kv[0].Value == u {
					l.unknownModuleOrKey(file, kv[0])
				}
			}
		}
		return
	}
	l.Diags.Addf(pos(file, n), "conflicting actions in one task: %s; a task calls one module", strings.Join(actions, ", "))
}

func isIncludeAction(a string) bool {
	switch modules.Canonical(a) {
	case "include_tasks", "import_tasks", "include_role", "import_role", "include":
		return true
	}
	return false
}

func (l *Loader) unknownModuleOrKey(file string, k *yaml.Node) {
	cands := append(modules.Names(), "include_tasks", "import_tasks", "include_role", "import_role", "meta")
	for kw := range taskKeys {
		cands = append(cands, kw)
	}
	sort.Strings(cands)
	d := l.Diags.Addf(pos(file, k), "unknown module or task keyword '%s'", k.Value)
	d.Hint = diag.DidYouMean(k.Value, cands)
}

func (l *Loader) action(c *ctx, t *Task, k, v *yaml.Node, extraArgs *yaml.Node) {
	file := c.file
	name := modules.Canonical(k.Value)
	t.ActionPos = pos(file, k)
	switch name {
	case "meta":
		t.Meta = l.str(file, v)
		if !metaActions[t.Meta] {
			d := l.Diags.Addf(pos(file, v), "unknown meta action '%s'", t.Meta)
			d.Hint = diag.DidYouMean(t.Meta, []string{"flush_handlers", "refresh_inventory", "end_play", "end_host", "noop", "clear_facts", "end_batch"})
		}
		return
	case "include_tasks", "import_tasks", "include":
		l.includeTasks(c, t, name, v)
		return
	case "include_role", "import_role":
		l.includeRole(c, t, name, v)
		return
	}
	mod, ok := modules.Get(name)
	if !ok {
		l.unknownModuleOrKey(file, k)
		return
	}
	spec := mod.Spec()
	t.Action = spec.Name
	t.Args = map[string]any{}
	t.ArgPos = map[string]diag.Pos{}
	switch v.Kind {
	case yaml.ScalarNode:
		if v.Tag != "!!null" {
			args, err := parseKV(v.Value, spec.FreeForm, func(p string) bool { _, ok := spec.Param(p); return ok })
			if err != nil {
				l.Diags.Addf(pos(file, v), "module %s: %v", name, err)
			}
			for ak, av := range args {
				t.Args[ak] = av
				t.ArgPos[ak] = pos(file, v)
			}
		}
	case yaml.MappingNode:
		l.mergeArgs(file, t, v)
	default:
		l.Diags.Addf(pos(file, v), "module %s: expected arguments as a mapping or k=v string, got %s", name, kindName(v))
	}
	if extraArgs != nil {
		if extraArgs.Kind != yaml.MappingNode {
			l.Diags.Addf(pos(file, extraArgs), "args: expected a mapping, got %s", kindName(extraArgs))
		} else {
			l.mergeArgs(file, t, extraArgs)
		}
	}
}

func (l *Loader) mergeArgs(file string, t *Task, v *yaml.Node) {
	for _, kv := range mapPairs(v) {
		val, err := value(kv[1])
		if err != nil {
			l.Diags.Addf(pos(file, kv[1]), "%s: %v", kv[0].Value, err)
			continue
		}
		t.Args[kv[0].Value] = val
		t.ArgPos[kv[0].Value] = pos(file, kv[0])
	}
}

func (l *Loader) includeTasks(c *ctx, t *Task, name string, v *yaml.Node) {
	if name == "include" {
		name = "include_tasks"
	}
	t.Include = name
	file := ""
	switch v.Kind {
	case yaml.ScalarNode:
		file = v.Value
	case yaml.MappingNode:
		for _, kv := range mapPairs(v) {
			switch kv[0].Value {
			case "file", "_raw_params":
				file = kv[1].Value
			case "apply":
				l.Diags.Addf(pos(c.file, kv[0]), "%s: apply is not supported yet; put the keywords on a block around the tasks", name)
			default:
				l.Diags.Addf(pos(c.file, kv[0]), "%s: unknown parameter '%s'; expected file", name, kv[0].Value)
			}
		}
	}
	t.IncludeFile = file
	if file == "" {
		l.Diags.Addf(pos(c.file, v), "%s: a file name is required", name)
		return
	}
	if strings.Contains(file, "{{") {
		if name == "import_tasks" {
			l.Diags.Addf(pos(c.file, v), "import_tasks is static: its file name cannot use variables; use include_tasks")
		}
		return // resolved at run time
	}
	path := l.findTaskFile(c, file)
	if path == "" {
		l.Diags.Addf(pos(c.file, v), "%s: task file %s not found", name, file)
		return
	}
	t.IncludeFile = path
	t.Block = l.loadTaskFile(c, path, pos(c.file, v))
}

func (l *Loader) includeRole(c *ctx, t *Task, name string, v *yaml.Node) {
	t.Include = name
	ref := &RoleRef{Pos: pos(c.file, v)}
	tasksFrom := "main"
	switch v.Kind {
	case yaml.ScalarNode:
		ref.Name = v.Value
	case yaml.MappingNode:
		for _, kv := range mapPairs(v) {
			switch kv[0].Value {
			case "name":
				ref.Name = kv[1].Value
			case "tasks_from":
				tasksFrom = strings.TrimSuffix(strings.TrimSuffix(kv[1].Value, ".yml"), ".yaml")
			case "vars":
				ref.Params = l.dict(c.file, "vars", kv[1])
			case "defaults_from", "vars_from", "handlers_from", "public", "allow_duplicates", "apply", "rolespec_validate":
				l.Diags.Addf(pos(c.file, kv[0]), "%s: '%s' is not supported yet", name, kv[0].Value)
			default:
				l.Diags.Addf(pos(c.file, kv[0]), "%s: unknown parameter '%s'", name, kv[0].Value)
			}
		}
	}
	if ref.Name == "" {
		l.Diags.Addf(pos(c.file, v), "%s: a role name is required", name)
		return
	}
	if t.Vars != nil {
		if ref.Params == nil {
			ref.Params = map[string]any{}
		}
		for k, val := range t.Vars {
			ref.Params[k] = val
		}
	}
	ref.Role = l.loadRole(c, ref.Name, ref.Pos)
	t.RoleRef = ref
	if ref.Role != nil {
		if tasksFrom == "main" {
			t.Block = ref.Role.Tasks
		} else {
			path := findYAML(ref.Role.Path, "tasks", tasksFrom)
			if path == "" {
				l.Diags.Addf(pos(c.file, v), "%s: tasks_from %s not found in role %s", name, tasksFrom, ref.Name)
				return
			}
			rc := &ctx{file: path, dir: ref.Role.Path, role: ref.Role, playDir: c.playDir}
			t.Block = l.loadTaskFile(rc, path, ref.Pos)
		}
	}
}

func (l *Loader) conds(file string, v *yaml.Node) []Cond {
	switch v.Kind {
	case yaml.ScalarNode:
		if v.Tag == "!!null" {
			return nil
		}
		return []Cond{{Expr: v.Value, Pos: pos(file, v)}}
	case yaml.SequenceNode:
		var out []Cond
		for _, c := range v.Content {
			c = resolveAlias(c)
			if c.Kind != yaml.ScalarNode {
				l.Diags.Addf(pos(file, c), "expected a condition expression, got %s", kindName(c))
				continue
			}
			out = append(out, Cond{Expr: c.Value, Pos: pos(file, c)})
		}
		return out
	}
	l.Diags.Addf(pos(file, v), "expected a condition or a list of conditions, got %s", kindName(v))
	return nil
}

func (l *Loader) int(file, key string, v *yaml.Node) int {
	var n int
	if err := v.Decode(&n); err != nil {
		l.Diags.Addf(pos(file, v), "%s: expected an integer, got %q", key, v.Value)
	}
	return n
}

func (l *Loader) loopControl(file string, v *yaml.Node) LoopControl {
	var lc LoopControl
	for _, kv := range mapPairs(v) {
		switch kv[0].Value {
		case "loop_var":
			lc.LoopVar = kv[1].Value
		case "index_var":
			lc.IndexVar = kv[1].Value
		case "label":
			lc.Label = kv[1].Value
		case "pause":
			if err := kv[1].Decode(&lc.Pause); err != nil {
				l.Diags.Addf(pos(file, kv[1]), "loop_control.pause: expected seconds")
			}
		case "extended":
			lc.Extended = l.bool(file, "extended", kv[1])
		default:
			d := l.Diags.Addf(pos(file, kv[0]), "unknown loop_control key '%s'", kv[0].Value)
			d.Hint = diag.DidYouMean(kv[0].Value, []string{"loop_var", "index_var", "label", "pause", "extended"})
		}
	}
	if v.Kind != yaml.MappingNode {
		l.Diags.Add(&diag.Diagnostic{Pos: pos(file, v), Msg: fmt.Sprintf("loop_control: expected a mapping, got %s", kindName(v))})
	}
	return lc
}

// deadlineKeys are a task's `timeout:`, `async:` and `poll:` values.
type deadlineKeys struct{ timeout, async, poll *yaml.Node }

// taskDeadline turns `timeout:` and `async:`/`poll:` into the task's
// deadline. play waits for every task, so async with poll > 0 means what
// it does for the user in Ansible — give up after that many seconds — and
// fire-and-forget (poll: 0) is refused rather than silently waited for.
func (l *Loader) taskDeadline(file string, t *Task, dl deadlineKeys) {
	seconds := func(key string, v *yaml.Node) int {
		n := l.int(file, key, v)
		if n < 0 {
			l.Diags.Addf(pos(file, v), "%s: expected a number of seconds ≥ 0, got %d", key, n)
			return 0
		}
		return n
	}
	poll := -1 // not given
	if dl.poll != nil {
		poll = l.int(file, "poll", dl.poll)
	}
	if t.IsBlock && (dl.timeout != nil || dl.async != nil) {
		if dl.async == nil {
			l.Diags.Addf(t.Pos, "timeout on a block is not supported: put it on the tasks that need it")
		} else {
			l.Diags.Addf(pos(file, dl.async), "async on a block is not supported: put it on the tasks that need it")
		}
		return
	}
	if dl.timeout != nil {
		if n := seconds("timeout", dl.timeout); n > 0 {
			t.Timeout, t.TimeoutKey = time.Duration(n)*time.Second, "timeout"
		}
	}
	if dl.async == nil {
		return
	}
	async := seconds("async", dl.async)
	if poll == 0 {
		l.Diags.Addf(pos(file, dl.poll), "async with poll: 0 (fire and forget) is not supported: play waits for every task; "+
			"give poll a number of seconds (async then bounds the task), or start the job detached with shell: nohup ... &")
		return
	}
	if d := time.Duration(async) * time.Second; async > 0 && (t.Timeout == 0 || d < t.Timeout) {
		t.Timeout, t.TimeoutKey = d, "async"
	}
}
