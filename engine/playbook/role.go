package playbook

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/playbook/play/engine/diag"
	"gopkg.in/yaml.v3"
)

// roleSearchPath lists where a role is looked for, in Ansible's order:
// roles/ beside the playbook, the playbook's directory, then --roles-path;
// play also looks in ../roles because the project keeps playbooks/ and
// roles/ side by side.
func (l *Loader) roleSearchPath(c *ctx) []string {
	dirs := []string{filepath.Join(c.playDir, "roles"), c.playDir, filepath.Join(c.playDir, "..", "roles")}
	if c.role != nil {
		dirs = append(dirs, filepath.Dir(c.role.Path))
	}
	dirs = append(dirs, l.RolesPath...)
	if wd, err := os.Getwd(); err == nil {
		dirs = append(dirs, filepath.Join(wd, "roles"))
	}
	return dirs
}

func (l *Loader) roleRef(c *ctx, n *yaml.Node) *RoleRef {
	ref := &RoleRef{Pos: pos(c.file, n)}
	switch n.Kind {
	case yaml.ScalarNode:
		ref.Name = n.Value
	case yaml.MappingNode:
		for _, kv := range mapPairs(n) {
			k, v := kv[0], kv[1]
			switch k.Value {
			case "role", "name":
				ref.Name = l.str(c.file, v)
			case "tags":
				ref.Tags = l.strList(c.file, v)
			case "when":
				ref.When = l.conds(c.file, v)
			case "vars":
				for pk, pv := range l.dict(c.file, "vars", v) {
					if ref.Params == nil {
						ref.Params = map[string]any{}
					}
					ref.Params[pk] = pv
				}
			case "become", "become_user", "delegate_to", "ignore_errors":
				l.Diags.Addf(pos(c.file, k), "role keyword '%s' is not supported yet; set it on the role's tasks or the play", k.Value)
			default:
				// Anything else is a role parameter, as in Ansible.
				val, _ := value(v)
				if ref.Params == nil {
					ref.Params = map[string]any{}
				}
				ref.Params[k.Value] = val
			}
		}
	default:
		l.Diags.Addf(ref.Pos, "a role must be a name or a mapping with 'role', got %s", kindName(n))
		return nil
	}
	if ref.Name == "" {
		l.Diags.Addf(ref.Pos, "role entry has no 'role' name")
		return nil
	}
	ref.Role = l.loadRole(c, ref.Name, ref.Pos)
	return ref
}

// findYAML finds dir/sub/name.yml, .yaml or the bare name.
func findYAML(dir, sub, name string) string {
	for _, ext := range []string{".yml", ".yaml", ""} {
		p := filepath.Join(dir, sub, name+ext)
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p
		}
	}
	return ""
}

func (l *Loader) loadRole(c *ctx, name string, at diag.Pos) *Role {
	var path string
	if strings.Contains(name, "/") && filepath.IsAbs(name) {
		path = name
	} else {
		for _, d := range l.roleSearchPath(c) {
			p := filepath.Join(d, name)
			if st, err := os.Stat(filepath.Join(p, "tasks")); err == nil && st.IsDir() {
				path = p
				break
			}
			if st, err := os.Stat(filepath.Join(p, "meta")); err == nil && st.IsDir() {
				path = p
				break
			}
		}
	}
	if path == "" {
		d := l.Diags.Addf(at, "role '%s' not found", name)
		d.Hint = "searched " + strings.Join(l.roleSearchPath(c), ", ")
		return nil
	}
	abs, _ := filepath.Abs(path)
	if r, ok := l.roles[abs]; ok {
		return r
	}
	if l.loading["role:"+abs] {
		l.Diags.Addf(at, "role dependency cycle through '%s'", name)
		return nil
	}
	l.loading["role:"+abs] = true
	defer delete(l.loading, "role:"+abs)

	r := &Role{Name: filepath.Base(abs), Path: abs}
	rc := &ctx{file: "", dir: abs, role: r, playDir: c.playDir}
	r.Defaults = l.varsFile(findYAML(abs, "defaults", "main"))
	r.Vars = l.varsFile(findYAML(abs, "vars", "main"))
	if p := findYAML(abs, "meta", "main"); p != "" {
		if root, d := parseFile(p); d != nil {
			l.Diags.Add(d)
		} else if root != nil {
			if deps := mapGet(root, "dependencies"); deps != nil && deps.Kind == yaml.SequenceNode {
				mc := &ctx{file: p, dir: abs, role: r, playDir: c.playDir}
				for _, dn := range deps.Content {
					if ref := l.roleRef(mc, resolveAlias(dn)); ref != nil {
						r.Deps = append(r.Deps, ref)
					}
				}
			}
		}
	}
	if p := findYAML(abs, "tasks", "main"); p != "" {
		rc.file = p
		r.Tasks = l.loadTaskFile(rc, p, at)
	}
	if p := findYAML(abs, "handlers", "main"); p != "" {
		rc.file = p
		r.Handlers = l.loadTaskFile(rc, p, at)
	}
	l.roles[abs] = r
	return r
}

// varsFile loads a YAML mapping of variables; "" or a missing file is nil.
func (l *Loader) varsFile(path string) map[string]any {
	if path == "" {
		return nil
	}
	vars, d := LoadVarsFile(path)
	if d != nil {
		l.Diags.Add(d)
	}
	return vars
}

// LoadVarsFile reads a file of variables (vars_files, -e @file, role
// defaults/vars).
func LoadVarsFile(path string) (map[string]any, *diag.Diagnostic) {
	root, d := parseFile(path)
	if d != nil || root == nil {
		return nil, d
	}
	if root.Kind != yaml.MappingNode {
		return nil, diag.Errorf(pos(path, root), "a vars file must be a mapping of variable names to values, got %s", kindName(root))
	}
	v, err := value(root)
	if err != nil {
		return nil, diag.Errorf(pos(path, root), "%v", err)
	}
	return v.(map[string]any), nil
}
