package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/playbook/play/engine/diag"
	"github.com/playbook/play/engine/playbook"
	"github.com/playbook/play/engine/template"
	"github.com/playbook/play/inventory"
	_ "github.com/playbook/play/inventory/libvirt" // registers the libvirt dynamic source
	_ "github.com/playbook/play/modules"           // registers every module
	"gopkg.in/yaml.v3"
)

// defaultInventory is used when no -i is given: $PLAY_INVENTORY, else the
// lab's inventory that `make lab` writes, so `play run playbooks/x.yml`
// targets the local lab out of the box.
func defaultInventory() []string {
	if v := os.Getenv("PLAY_INVENTORY"); v != "" {
		return strings.Split(v, ",")
	}
	if _, err := os.Stat("inventory/lab.ini"); err == nil {
		return []string{"inventory/lab.ini"}
	}
	return nil
}

// loadInventory loads -i sources, adds group_vars/host_vars beside each
// playbook, and applies --limit.
func loadInventory(sources []string, playbookDirs []string, limit string) (*inventory.Inventory, error) {
	if len(sources) == 0 {
		sources = defaultInventory()
	}
	if len(sources) == 0 {
		return nil, fmt.Errorf("no inventory: pass -i FILE (or run `make lab`, which writes inventory/lab.ini)")
	}
	inv, err := inventory.Load(sources...)
	if err != nil {
		return nil, err
	}
	for _, d := range playbookDirs {
		if err := inv.AddVarsDirs(d); err != nil {
			return nil, err
		}
	}
	if limit != "" {
		if err := inv.Limit(limit); err != nil {
			return nil, err
		}
	}
	for _, w := range inv.Warnings() {
		fmt.Fprintln(os.Stderr, "[WARNING]:", w.Error())
	}
	return inv, nil
}

// loadPlaybooks loads and validates playbooks; all problems come back at once.
func loadPlaybooks(paths []string, rolesPath []string, tmpl *template.Engine) ([]*playbook.Playbook, diag.List) {
	var all diag.List
	var pbs []*playbook.Playbook
	for _, p := range paths {
		l := playbook.NewLoader(rolesPath)
		pb := l.LoadPlaybook(p)
		// Validation runs even when loading found problems, so one pass
		// reports everything the user must fix.
		all = append(all, l.Diags...)
		all = append(all, playbook.Validate(pb, tmpl)...)
		pbs = append(pbs, pb)
	}
	all.Sort()
	return pbs, all
}

// parseExtraVars reads -e values: k=v pairs, @file (YAML or JSON), or an
// inline JSON/YAML mapping.
func parseExtraVars(values []string) (map[string]any, error) {
	out := map[string]any{}
	for _, v := range values {
		v = strings.TrimSpace(v)
		switch {
		case strings.HasPrefix(v, "@"):
			path := v[1:]
			vars, d := playbook.LoadVarsFile(path)
			if d != nil {
				return nil, d
			}
			for k, val := range vars {
				out[k] = val
			}
		case strings.HasPrefix(v, "{"):
			var m map[string]any
			if err := json.Unmarshal([]byte(v), &m); err != nil {
				if yerr := yaml.Unmarshal([]byte(v), &m); yerr != nil {
					return nil, fmt.Errorf("-e %s: not valid JSON or YAML: %v", v, err)
				}
			}
			for k, val := range m {
				out[k] = normalizeJSON(val)
			}
		default:
			words, err := splitWords(v)
			if err != nil {
				return nil, fmt.Errorf("-e %s: %v", v, err)
			}
			for _, w := range words {
				k, val, ok := strings.Cut(w, "=")
				if !ok || k == "" {
					return nil, fmt.Errorf("-e %q: expected key=value, @file or a JSON object", w)
				}
				out[k] = val
			}
		}
	}
	return out, nil
}

// normalizeJSON turns JSON numbers that are integers into int, the type
// YAML-sourced values have, so templates compare them alike.
func normalizeJSON(v any) any {
	switch x := v.(type) {
	case float64:
		if x == float64(int(x)) {
			return int(x)
		}
	case []any:
		for i := range x {
			x[i] = normalizeJSON(x[i])
		}
	case map[string]any:
		for k := range x {
			x[k] = normalizeJSON(x[k])
		}
	}
	return v
}

// splitWords splits on spaces, honouring single and double quotes.
func splitWords(s string) ([]string, error) {
	var out []string
	var cur strings.Builder
	var q rune
	in := false
	for _, r := range s {
		switch {
		case q != 0:
			if r == q {
				q = 0
			} else {
				cur.WriteRune(r)
			}
		case r == '\'' || r == '"':
			q, in = r, true
		case r == ' ' || r == '\t':
			if in {
				out = append(out, cur.String())
				cur.Reset()
				in = false
			}
		default:
			cur.WriteRune(r)
			in = true
		}
	}
	if q != 0 {
		return nil, fmt.Errorf("unbalanced quote")
	}
	if in {
		out = append(out, cur.String())
	}
	return out, nil
}

func playbookDirs(paths []string) []string {
	var dirs []string
	for _, p := range paths {
		abs, _ := filepath.Abs(p)
		dirs = append(dirs, filepath.Dir(abs))
	}
	return dirs
}

func printDiags(ds diag.List) {
	for _, d := range ds {
		fmt.Fprintln(os.Stderr, d.Error())
	}
	fmt.Fprintf(os.Stderr, "%d error(s); nothing was run\n", len(ds))
}

func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
