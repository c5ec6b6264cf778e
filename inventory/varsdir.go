package inventory

import (
	"github.com/playbook/play/engine/yamlx"
	"maps"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/playbook/play/engine/diag"
)

type varsKind int

const (
	groupKind varsKind = iota
	hostKind
)

var varsSubdir = [...]string{groupKind: "group_vars", hostKind: "host_vars"}

// varsExts are the extensions Ansible tries after the bare name
// (C.YAML_FILENAME_EXTENSIONS).
var varsExts = []string{".yml", ".yaml", ".json"}

// varsDir is the group_vars/ and host_vars/ pair under one directory. Files
// are parsed on first lookup (a host_vars/README.md that names no host is
// never read) and cached.
type varsDir struct {
	base    string
	mu      sync.Mutex
	entries [2]map[string]bool // name → is a directory
	cache   map[string]varsFile
}

type varsFile struct {
	data map[string]any
	err  *diag.Diagnostic
}

func openVarsDir(base string) *varsDir {
	d := &varsDir{base: base, cache: map[string]varsFile{}}
	for k, sub := range varsSubdir {
		d.entries[k] = map[string]bool{}
		ents, err := os.ReadDir(filepath.Join(base, sub))
		if err != nil {
			continue
		}
		for _, e := range ents {
			if skipVarsName(e.Name()) {
				continue
			}
			d.entries[k][e.Name()] = isDir(filepath.Join(base, sub, e.Name()))
		}
	}
	return d
}

func isDir(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}

func skipVarsName(n string) bool { return strings.HasPrefix(n, ".") || strings.HasSuffix(n, "~") }

// lookup returns the vars files for an entity in the order Ansible's
// find_vars_files reads them: the first of NAME, NAME.yml, NAME.yaml,
// NAME.json that exists; when that is a directory, every file inside it,
// sorted, recursively. (So group_vars/web/ hides group_vars/web.json.)
func (d *varsDir) lookup(kind varsKind, name string) []varsFile {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []varsFile
	for _, ext := range append([]string{""}, varsExts...) {
		dir, ok := d.entries[kind][name+ext]
		if !ok {
			continue
		}
		p := filepath.Join(d.base, varsSubdir[kind], name+ext)
		if dir {
			for _, f := range dirVarsFiles(p) {
				out = append(out, d.load(f))
			}
			break
		}
		out = append(out, d.load(p))
		break
	}
	return out
}

// dirVarsFiles lists a group_vars/NAME/ directory as Ansible does: sorted,
// hidden and backup files skipped, sub-directories without an extension
// walked, files kept when they have no extension or a YAML/JSON one.
func dirVarsFiles(dir string) []string {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	names := make([]string, 0, len(ents))
	for _, e := range ents {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	var out []string
	for _, n := range names {
		if skipVarsName(n) {
			continue
		}
		p, ext := filepath.Join(dir, n), filepath.Ext(n)
		if isDir(p) {
			if ext == "" {
				out = append(out, dirVarsFiles(p)...)
			}
			continue
		}
		if ext == "" || hasString(varsExts, ext) {
			out = append(out, p)
		}
	}
	return out
}

func (d *varsDir) load(path string) varsFile {
	if f, ok := d.cache[path]; ok {
		return f
	}
	var f varsFile
	n, err := yamlx.ReadFile(path)
	if err != nil {
		f.err = err
	} else {
		f.data, f.err = yamlx.ToMap(path, n, "a vars file")
	}
	d.cache[path] = f
	return f
}

// vars merges an entity's files from this directory (later files win, top
// level keys replaced: Ansible's default hash_behaviour=replace).
func (d *varsDir) vars(kind varsKind, name string) map[string]any {
	var out map[string]any
	for _, f := range d.lookup(kind, name) {
		if f.data != nil {
			out = mergeMaps(out, f.data)
		}
	}
	return out
}

// check loads the files of every current host and group so their errors
// surface when the inventory is loaded rather than mid-run.
func (d *varsDir) check(inv *Inventory, errs *diag.List) {
	report := func(kind varsKind, name string) {
		for _, f := range d.lookup(kind, name) {
			if f.err != nil {
				errs.Add(f.err)
			}
		}
	}
	for _, g := range inv.gorder {
		report(groupKind, g)
	}
	for _, h := range inv.hosts {
		report(hostKind, h.Name)
	}
	d.warnOrphans(inv)
}

// warnOrphans flags group_vars/host_vars entries that name no group or
// host: Ansible ignores them silently, which hides typos such as
// group_vars/galeera.yml.
func (d *varsDir) warnOrphans(inv *Inventory) {
	hosts := make([]string, 0, len(inv.hosts))
	for _, h := range inv.hosts {
		hosts = append(hosts, h.Name)
	}
	known := [2][]string{groupKind: inv.gorder, hostKind: hosts}
	for kind, ents := range d.entries {
		for _, entry := range sortedKeys(ents) {
			name := entry
			if ext := filepath.Ext(entry); hasString(varsExts, ext) {
				name = strings.TrimSuffix(entry, ext)
			}
			if hasString(known[kind], name) || hasString(known[kind], entry) {
				continue
			}
			what := [2]string{groupKind: "group", hostKind: "host"}[kind]
			inv.warn(diag.Pos{File: filepath.Join(d.base, varsSubdir[kind], entry)}, diag.DidYouMean(name, known[kind]),
				"%s/%s is not used: the inventory has no %s named '%s'", varsSubdir[kind], entry, what, name)
		}
	}
}

// dirVars merges one entity's vars over a list of directories, in order.
func (inv *Inventory) dirVars(dirs []*varsDir, kind varsKind, name string) map[string]any {
	var out map[string]any
	for _, d := range dirs {
		out = mergeMaps(out, d.vars(kind, name))
	}
	return out
}

// mergeMaps returns a new map with b's keys over a's (top level only).
func mergeMaps(a, b map[string]any) map[string]any {
	out := make(map[string]any, len(a)+len(b))
	maps.Copy(out, a)
	maps.Copy(out, b)
	return out
}

// AddVarsDirs loads group_vars/ and host_vars/ beside a playbook. They
// rank above the inventory's own group_vars/ and host_vars/, as in Ansible;
// a later call ranks above an earlier one. A directory without them is
// fine.
func (inv *Inventory) AddVarsDirs(dir string) error {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	d := openVarsDir(dir)
	var errs diag.List
	d.check(inv, &errs)
	inv.playDirs = append(inv.playDirs, d)
	inv.reconcile()
	errs.Sort()
	return errs.Err()
}
