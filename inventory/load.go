package inventory

import (
	"bytes"
	"errors"
	"github.com/playbook/play/engine/yamlx"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/playbook/play/engine/diag"
	"gopkg.in/yaml.v3"
)

// Load reads each source in order into one inventory, as several -i
// options do. A source is an INI or YAML file, a directory, a "h1,h2,"
// list, or a YAML file with a top-level plugin: key (a registered dynamic
// source). group_vars/ and host_vars/ beside each file source (inside a
// directory source) are loaded too. Errors are a diag.List, every problem
// found, each with file:line:col.
func Load(sources ...string) (*Inventory, error) {
	inv := New()
	if err := inv.Load(sources...); err != nil {
		return inv, err
	}
	return inv, nil
}

// Load adds sources to an existing inventory (see the package Load).
func (inv *Inventory) Load(sources ...string) error {
	var errs diag.List
	inv.mu.RLock()
	firstDir := len(inv.invDirs)
	inv.mu.RUnlock()
	for _, src := range sources {
		inv.loadSource(src, &errs)
	}
	inv.mu.Lock()
	inv.checkNames(&errs)
	for _, d := range inv.invDirs[firstDir:] {
		d.check(inv, &errs)
	}
	inv.reconcile()
	inv.mu.Unlock()
	errs.Sort()
	return errs.Err()
}

func (inv *Inventory) loadSource(src string, errs *diag.List) {
	inv.mu.Lock()
	inv.sources = append(inv.sources, src)
	inv.mu.Unlock()

	st, err := os.Stat(src)
	switch {
	case err != nil && strings.Contains(src, ","):
		inv.mu.Lock()
		inv.parseHostList(src, errs)
		inv.mu.Unlock()
	case err != nil:
		errs.Addf(diag.Pos{File: src}, "cannot read inventory source: %v", yamlx.UnwrapPathErr(err))
	case st.IsDir():
		inv.loadDir(src, errs)
		inv.addInvDir(src)
	default:
		inv.loadFile(src, errs)
		inv.addInvDir(filepath.Dir(src))
	}
}

func (inv *Inventory) addInvDir(dir string) {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	inv.invDirs = append(inv.invDirs, openVarsDir(dir))
}

// ignoredExts are Ansible's default INVENTORY_IGNORE_EXTS. Note .ini:
// Ansible skips *.ini inside an inventory directory (an INI file given
// directly with -i is read); we do the same and say so in a warning.
var ignoredExts = []string{".pyc", ".pyo", ".swp", ".bak", "~", ".rpm", ".md", ".txt", ".rst", ".orig", ".ini", ".cfg", ".retry"}

// loadDir reads every file of an inventory directory in sorted order,
// walking sub-directories, as Ansible does.
func (inv *Inventory) loadDir(dir string, errs *diag.List) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		errs.Addf(diag.Pos{File: dir}, "cannot read inventory directory: %v", yamlx.UnwrapPathErr(err))
		return
	}
	names := make([]string, 0, len(ents))
	for _, e := range ents {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	for _, n := range names {
		p := filepath.Join(dir, n)
		if strings.HasPrefix(n, ".") || n == "group_vars" || n == "host_vars" || n == "vars_plugins" {
			continue
		}
		if ext := ignoredExt(n); ext != "" {
			if ext == ".ini" {
				inv.mu.Lock()
				inv.warn(diag.Pos{File: p}, "pass it with its own -i to read it",
					"skipping %s: Ansible ignores *.ini files inside an inventory directory", p)
				inv.mu.Unlock()
			}
			continue
		}
		if isDir(p) {
			inv.loadDir(p, errs)
			continue
		}
		inv.loadFile(p, errs)
	}
}

func ignoredExt(name string) string {
	for _, e := range ignoredExts {
		if strings.HasSuffix(name, e) {
			return e
		}
	}
	return ""
}

// loadFile picks the parser the way Ansible's plugin chain does: YAML for
// .yml/.yaml/.json (a plugin: key hands it to a dynamic source), and for a
// file without extension YAML when it parses as a mapping, INI otherwise.
// Anything else is INI.
func (inv *Inventory) loadFile(path string, errs *diag.List) {
	data, err := os.ReadFile(path)
	if err != nil {
		errs.Addf(diag.Pos{File: path}, "cannot read inventory source: %v", yamlx.UnwrapPathErr(err))
		return
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")) // a UTF-8 BOM from Windows editors
	ext := strings.ToLower(filepath.Ext(path))
	yamlExt := ext == ".yml" || ext == ".yaml" || ext == ".json"
	if yamlExt || ext == "" {
		root, d := yamlx.Parse(path, data)
		if d == nil && root != nil {
			if p := pluginNode(root); p != nil {
				if err := inv.loadDynamic(path, root, p); err != nil {
					var l diag.List
					if errors.As(err, &l) {
						*errs = append(*errs, l...)
					} else {
						errs.Add(asDiag(err))
					}
				}
				return
			}
		}
		isMapping := d == nil && (root == nil || root.Kind == yaml.MappingNode)
		if yamlExt || isMapping {
			if d != nil {
				errs.Add(d)
				return
			}
			inv.mu.Lock()
			inv.parseYAMLInventory(path, root, errs)
			inv.mu.Unlock()
			return
		}
	}
	inv.mu.Lock()
	inv.parseINI(path, data, errs)
	inv.mu.Unlock()
}

func asDiag(err error) *diag.Diagnostic {
	var d *diag.Diagnostic
	if errors.As(err, &d) {
		return d
	}
	return diag.Errorf(diag.Pos{}, "%v", err)
}

// parseHostList reads "h1,h2:2222," (Ansible's host_list plugin): every
// host lands in ungrouped.
func (inv *Inventory) parseHostList(src string, errs *diag.List) {
	pos := diag.Pos{File: "<-i " + src + ">"}
	for _, item := range strings.Split(src, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		name, port, err := splitPort(item)
		if err != nil {
			errs.Add(diag.Errorf(pos, "%v", err))
			continue
		}
		h := inv.host(name, "", pos)
		if port != 0 {
			h.inline["ansible_port"] = port
		}
	}
}

// checkNames reports names used both as a host and as a group: a pattern
// naming one would be ambiguous.
func (inv *Inventory) checkNames(errs *diag.List) {
	for _, h := range inv.hosts {
		if g, ok := inv.groups[h.Name]; ok {
			d := errs.Addf(h.Pos, "'%s' is used both as a host and as a group", h.Name)
			if g.Pos.File != "" {
				d.Hint = "the group is defined at " + g.Pos.String()
			}
		}
	}
}
