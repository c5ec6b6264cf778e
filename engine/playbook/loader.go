package playbook

import (
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/playbook/play/engine/diag"
	"github.com/playbook/play/modules"
	"gopkg.in/yaml.v3"
)

// Loader loads playbooks, task files and roles. It collects every problem
// it finds instead of stopping at the first, so one `play validate` run
// lists them all.
type Loader struct {
	// RolesPath lists extra directories searched for roles (--roles-path),
	// after the playbook's roles/ and the project's roles/.
	RolesPath []string
	Diags     diag.List

	roles   map[string]*Role // by absolute path
	loading map[string]bool  // files being loaded, to catch import cycles
}

// NewLoader returns a Loader.
func NewLoader(rolesPath []string) *Loader {
	return &Loader{RolesPath: rolesPath, roles: map[string]*Role{}, loading: map[string]bool{}}
}

// ctx is where a list of tasks is being loaded from.
type ctx struct {
	file    string
	dir     string // directory relative task files are looked up in
	role    *Role
	playDir string
}

var playKeys = map[string]bool{
	"name": true, "hosts": true, "vars": true, "vars_files": true, "roles": true, "pre_tasks": true,
	"tasks": true, "post_tasks": true, "handlers": true, "gather_facts": true, "become": true,
	"become_user": true, "become_method": true, "serial": true, "strategy": true, "any_errors_fatal": true,
	"max_fail_percentage": true, "tags": true, "environment": true, "check_mode": true, "diff": true,
	"ignore_errors": true, "order": true, "connection": true, "remote_user": true, "collections": true,
	"vars_prompt": true, "import_playbook": true, "no_log": true, "force_handlers": true,
}

var taskKeys = map[string]bool{
	"name": true, "when": true, "loop": true, "loop_control": true, "register": true, "notify": true,
	"listen": true, "changed_when": true, "failed_when": true, "ignore_errors": true,
	"ignore_unreachable": true, "until": true, "retries": true, "delay": true, "tags": true,
	"run_once": true, "delegate_to": true, "delegate_facts": true, "check_mode": true, "diff": true,
	"no_log": true, "become": true, "become_user": true, "become_method": true, "environment": true,
	"vars": true, "block": true, "rescue": true, "always": true, "args": true, "action": true,
	"local_action": true, "any_errors_fatal": true, "throttle": true, "timeout": true, "async": true, "poll": true, "collections": true,
	"debugger": true,
}

// with_* lookups play supports; each is an alias of loop with a shape.
var withLoops = map[string]bool{"with_items": true, "with_list": true, "with_dict": true,
	"with_indexed_items": true, "with_sequence": false, "with_together": true, "with_nested": true,
	"with_flattened": true, "with_subelements": false, "with_fileglob": true}

// LoadPlaybook loads a playbook file, following import_playbook.
func (l *Loader) LoadPlaybook(path string) *Playbook {
	abs, _ := filepath.Abs(path)
	pb := &Playbook{Path: path, Dir: filepath.Dir(abs)}
	pb.Plays = l.loadPlays(path, pb.Dir)
	return pb
}

func (l *Loader) loadPlays(path, playbookDir string) []*Play {
	root, ok := l.open(path, diag.Pos{File: path}, "import_playbook cycle: %s imports itself")
	if !ok {
		return nil
	}
	defer l.close(path)
	if root == nil {
		l.Diags.Addf(diag.Pos{File: path}, "playbook is empty; expected a list of plays")
		return nil
	}
	if root.Kind != yaml.SequenceNode {
		l.Diags.Addf(pos(path, root), "a playbook must be a list of plays, got %s", kindName(root))
		return nil
	}
	var plays []*Play
	abs, _ := filepath.Abs(path)
	dir := filepath.Dir(abs)
	for _, item := range root.Content {
		item = resolveAlias(item)
		if item.Kind != yaml.MappingNode {
			l.Diags.Addf(pos(path, item), "a play must be a mapping, got %s", kindName(item))
			continue
		}
		if imp := mapGet(item, "import_playbook"); imp != nil {
			target := imp.Value
			if !filepath.IsAbs(target) {
				target = filepath.Join(dir, target)
			}
			if _, err := os.Stat(target); err != nil {
				l.Diags.Addf(pos(path, imp), "import_playbook: file %s not found", imp.Value)
				continue
			}
			plays = append(plays, l.loadPlays(target, playbookDir)...)
			continue
		}
		if p := l.parsePlay(path, dir, item); p != nil {
			plays = append(plays, p)
		}
	}
	return plays
}

func mapGet(n *yaml.Node, key string) *yaml.Node {
	for _, kv := range mapPairs(n) {
		if kv[0].Value == key {
			return kv[1]
		}
	}
	return nil
}

func (l *Loader) parsePlay(file, dir string, n *yaml.Node) *Play {
	p := &Play{Pos: pos(file, n), Dir: dir}
	c := &ctx{file: file, dir: dir, playDir: dir}
	seenHosts := false
	for _, kv := range mapPairs(n) {
		k, v := kv[0], kv[1]
		switch k.Value {
		case "name":
			p.Name = l.str(file, v)
		case "hosts":
			seenHosts = true
			p.Hosts = l.hostPattern(file, v)
		case "vars":
			p.Vars = l.dict(file, k.Value, v)
		case "vars_files":
			for _, f := range l.strList(file, v) {
				path := f
				if !filepath.IsAbs(path) {
					path = filepath.Join(dir, f)
				}
				p.VarsFiles = append(p.VarsFiles, path)
				p.VarsFilesPos = append(p.VarsFilesPos, pos(file, v))
				if !strings.Contains(f, "{{") {
					if _, err := os.Stat(path); err != nil {
						l.Diags.Addf(pos(file, v), "vars_files: %s not found (looked in %s)", f, dir)
					}
				}
			}
		case "roles":
			if v.Kind != yaml.SequenceNode {
				l.Diags.Addf(pos(file, v), "roles: expected a list of roles, got %s", kindName(v))
				continue
			}
			for _, r := range v.Content {
				if ref := l.roleRef(c, resolveAlias(r)); ref != nil {
					p.Roles = append(p.Roles, ref)
				}
			}
		case "pre_tasks":
			p.PreTasks = l.tasks(c, v)
		case "tasks":
			p.Tasks = l.tasks(c, v)
		case "post_tasks":
			p.PostTasks = l.tasks(c, v)
		case "handlers":
			p.Handlers = l.tasks(c, v)
		case "gather_facts":
			p.GatherFacts = l.boolPtr(file, k.Value, v)
		case "become":
			p.Become = l.boolPtr(file, k.Value, v)
		case "become_user":
			p.BecomeUser = l.str(file, v)
		case "become_method":
			if m := l.str(file, v); m != "sudo" {
				l.Diags.Addf(pos(file, v), "become_method %q is not supported; play supports sudo", m)
			}
		case "serial":
			p.Serial = l.serial(file, v)
		case "strategy":
			p.Strategy = l.str(file, v)
			if p.Strategy != "linear" && p.Strategy != "free" {
				l.Diags.Addf(pos(file, v), "strategy %q is not supported; use linear or free", p.Strategy)
			}
		case "any_errors_fatal":
			p.AnyErrorsFatal = l.bool(file, k.Value, v)
		case "max_fail_percentage":
			var f float64
			if err := v.Decode(&f); err != nil {
				l.Diags.Addf(pos(file, v), "max_fail_percentage: expected a number, got %q", v.Value)
			}
			p.MaxFailPercentage = &f
		case "tags":
			p.Tags = l.strList(file, v)
		case "environment":
			p.Environment = l.dict(file, k.Value, v)
		case "check_mode":
			p.CheckMode = l.boolPtr(file, k.Value, v)
		case "diff":
			p.Diff = l.boolPtr(file, k.Value, v)
		case "ignore_errors":
			p.IgnoreErrors = l.bool(file, k.Value, v)
		case "order":
			p.Order = l.str(file, v)
		case "remote_user":
			if p.Vars == nil {
				p.Vars = map[string]any{}
			}
			p.Vars["ansible_user"] = l.str(file, v)
		case "connection":
			if p.Vars == nil {
				p.Vars = map[string]any{}
			}
			p.Vars["ansible_connection"] = l.str(file, v)
		case "collections", "no_log", "force_handlers":
			// Accepted for compatibility; collections are implied by FQCN stripping.
		case "vars_prompt":
			l.Diags.Addf(pos(file, k), "vars_prompt is not supported: play never prompts; pass values with -e")
		default:
			l.unknownKey(file, k, "play", playKeys)
		}
	}
	if !seenHosts {
		l.Diags.Addf(p.Pos, "play %q has no 'hosts'; every play must say which hosts it targets", p.Name)
	}
	return p
}

func (l *Loader) unknownKey(file string, k *yaml.Node, what string, known map[string]bool) {
	names := make([]string, 0, len(known))
	for n := range known {
		names = append(names, n)
	}
	sort.Strings(names)
	d := l.Diags.Addf(pos(file, k), "unknown %s keyword '%s'", what, k.Value)
	d.Hint = diag.DidYouMean(k.Value, names)
}

func (l *Loader) hostPattern(file string, v *yaml.Node) string {
	if v.Kind == yaml.SequenceNode {
		return strings.Join(l.strList(file, v), ":")
	}
	return l.str(file, v)
}

func (l *Loader) str(file string, v *yaml.Node) string {
	if v.Kind != yaml.ScalarNode {
		l.Diags.Addf(pos(file, v), "expected a string, got %s", kindName(v))
		return ""
	}
	return v.Value
}

func (l *Loader) strList(file string, v *yaml.Node) []string {
	switch v.Kind {
	case yaml.ScalarNode:
		if v.Tag == "!!null" {
			return nil
		}
		var out []string
		for _, s := range strings.Split(v.Value, ",") {
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, s)
			}
		}
		return out
	case yaml.SequenceNode:
		var out []string
		for _, c := range v.Content {
			out = append(out, l.str(file, resolveAlias(c)))
		}
		return out
	}
	l.Diags.Addf(pos(file, v), "expected a string or a list of strings, got %s", kindName(v))
	return nil
}

func (l *Loader) dict(file, key string, v *yaml.Node) map[string]any {
	if v.Kind == yaml.ScalarNode && v.Tag == "!!null" {
		return nil
	}
	if v.Kind != yaml.MappingNode {
		l.Diags.Addf(pos(file, v), "%s: expected a mapping, got %s", key, kindName(v))
		return nil
	}
	val, err := value(v)
	if err != nil {
		l.Diags.Addf(pos(file, v), "%s: %v", key, err)
		return nil
	}
	return val.(map[string]any)
}

func (l *Loader) bool(file, key string, v *yaml.Node) bool {
	b := l.boolPtr(file, key, v)
	return b != nil && *b
}

func (l *Loader) boolPtr(file, key string, v *yaml.Node) *bool {
	val, _ := value(v)
	b, err := modules.ToBool(val)
	if err != nil {
		l.Diags.Addf(pos(file, v), "%s: %v", key, err)
		return nil
	}
	return &b
}

func (l *Loader) serial(file string, v *yaml.Node) []any {
	val, _ := value(v)
	items, ok := val.([]any)
	if !ok {
		items = []any{val}
	}
	for _, it := range items {
		switch x := it.(type) {
		case int:
			if x < 0 {
				l.Diags.Addf(pos(file, v), "serial: batch size must be positive, got %d", x)
			}
		case string:
			if !strings.HasSuffix(x, "%") && !strings.Contains(x, "{{") {
				l.Diags.Addf(pos(file, v), "serial: expected a number or a percentage like '30%%', got %q", x)
			}
		default:
			l.Diags.Addf(pos(file, v), "serial: expected a number, a percentage or a list of them")
		}
	}
	return items
}

// open parses a playbook or task file and marks it as being loaded, so a
// file that imports itself (directly or not) is reported at `at` with
// cycleMsg instead of recursing forever. ok is false when the caller must
// stop; otherwise it must call close(path) when done.
func (l *Loader) open(path string, at diag.Pos, cycleMsg string) (root *yaml.Node, ok bool) {
	abs, _ := filepath.Abs(path)
	if l.loading[abs] {
		l.Diags.Addf(at, cycleMsg, path)
		return nil, false
	}
	root, d := parseFile(path)
	if d != nil {
		l.Diags.Add(d)
		return nil, false
	}
	l.loading[abs] = true
	return root, true
}

func (l *Loader) close(path string) {
	abs, _ := filepath.Abs(path)
	delete(l.loading, abs)
}

// loadTaskFile loads a task list file (tasks/main.yml, an include).
func (l *Loader) loadTaskFile(c *ctx, path string, at diag.Pos) []*Task {
	root, ok := l.open(path, at, "include cycle: %s includes itself")
	if !ok {
		return nil
	}
	defer l.close(path)
	if root == nil {
		return nil
	}
	sub := &ctx{file: path, dir: c.dir, role: c.role, playDir: c.playDir}
	if c.role == nil {
		sub.dir = filepath.Dir(path)
	}
	return l.tasks(sub, root)
}

func (l *Loader) tasks(c *ctx, v *yaml.Node) []*Task {
	v = resolveAlias(v)
	if v == nil || (v.Kind == yaml.ScalarNode && v.Tag == "!!null") {
		return nil
	}
	if v.Kind != yaml.SequenceNode {
		l.Diags.Addf(pos(c.file, v), "expected a list of tasks, got %s", kindName(v))
		return nil
	}
	var out []*Task
	for _, item := range v.Content {
		item = resolveAlias(item)
		if item.Kind != yaml.MappingNode {
			l.Diags.Addf(pos(c.file, item), "a task must be a mapping, got %s", kindName(item))
			continue
		}
		if t := l.task(c, item); t != nil {
			out = append(out, t)
		}
	}
	return out
}

// findTaskFile resolves an include/import path as Ansible does: relative
// to the role's tasks/ dir, then the including file's dir, then the play's.
func (l *Loader) findTaskFile(c *ctx, name string) string {
	if filepath.IsAbs(name) {
		return name
	}
	var cands []string
	if c.role != nil {
		cands = append(cands, filepath.Join(c.role.Path, "tasks", name))
	}
	cands = append(cands, filepath.Join(filepath.Dir(c.file), name), filepath.Join(c.dir, name), filepath.Join(c.playDir, name))
	for _, p := range cands {
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p
		}
	}
	return ""
}

// LoadTaskFileFor loads a task file named at run time by a dynamic
// include_tasks (a templated file name), resolved like a static one.
func (l *Loader) LoadTaskFileFor(inc *Task, name string) []*Task {
	c := &ctx{file: inc.Pos.File, dir: inc.Dir, role: inc.Role, playDir: inc.Dir}
	path := l.findTaskFile(c, name)
	if path == "" {
		l.Diags.Addf(inc.Pos, "include_tasks: task file %s not found", name)
		return nil
	}
	return l.loadTaskFile(c, path, inc.Pos)
}
