package inventory

import (
	"encoding/json"
	"os"
	"reflect"
	"sort"
	"testing"
)

// The testdata/ansible/*.json files are `ansible-inventory --list` output
// from ansible-core 2.14.18 (Debian 12) for the same fixtures, e.g.
//
//	cd testdata && ansible-inventory -i prec/inventory/hosts.ini --playbook-dir prec/play --list > ansible/prec.json
//
// so these tests check we build the same groups and host vars as Ansible.
func TestMatchesAnsibleInventoryList(t *testing.T) {
	cases := []struct {
		golden   string
		sources  []string
		playbook string
	}{
		{"lab.json", []string{"testdata/equiv/lab.ini"}, ""},
		{"lab.json", []string{"testdata/equiv/lab.yml"}, ""},
		{"prec.json", []string{"testdata/prec/inventory/hosts.ini"}, "testdata/prec/play"},
		{"merge.json", []string{"testdata/merge/one/hosts", "testdata/merge/two/hosts.yml"}, ""},
		{"dir.json", []string{"testdata/dir"}, ""},
	}
	for _, c := range cases {
		t.Run(c.sources[0], func(t *testing.T) {
			inv, err := Load(c.sources...)
			if err != nil {
				t.Fatal(err)
			}
			if c.playbook != "" {
				if err := inv.AddVarsDirs(c.playbook); err != nil {
					t.Fatal(err)
				}
			}
			want := readAnsibleList(t, "testdata/ansible/"+c.golden)
			got := ansibleList(inv)
			if !reflect.DeepEqual(got, want) {
				g, _ := json.MarshalIndent(got, "", "  ")
				w, _ := json.MarshalIndent(want, "", "  ")
				t.Errorf("inventory differs from ansible-inventory --list\n got: %s\nwant: %s", g, w)
			}
		})
	}
}

// ansibleList renders an inventory the way ansible-inventory --list does:
// hostvars (without inventory_file/inventory_dir, which it hides), and per
// group its direct hosts and children (children as a sorted set, as
// Ansible's order there comes from set iteration). Empty groups are left
// out, as Ansible leaves them out.
func ansibleList(inv *Inventory) map[string]any {
	hv := map[string]any{}
	for _, h := range inv.Hosts() {
		v := inv.HostVars(h.Name)
		delete(v, "inventory_file")
		delete(v, "inventory_dir")
		if len(v) > 0 {
			hv[h.Name] = normalizeJSON(v)
		}
	}
	out := map[string]any{"_meta": map[string]any{"hostvars": hv}}
	for _, g := range inv.Groups() {
		entry := map[string]any{}
		if g.Name != "all" && len(g.Hosts) > 0 {
			entry["hosts"] = toAnyList(g.Hosts)
		}
		if len(g.Children) > 0 {
			kids := append([]string(nil), g.Children...)
			sort.Strings(kids)
			entry["children"] = toAnyList(kids)
		}
		if len(entry) > 0 || g.Name == "all" {
			out[g.Name] = entry
		}
	}
	return out
}

func readAnsibleList(t *testing.T, path string) map[string]any {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	for _, g := range m {
		if kids, ok := g.(map[string]any)["children"].([]any); ok {
			sort.Slice(kids, func(i, j int) bool { return kids[i].(string) < kids[j].(string) })
		}
	}
	return normalizeJSON(m).(map[string]any)
}

// normalizeJSON makes both sides comparable: numbers as float64.
func normalizeJSON(v any) any {
	data, _ := json.Marshal(v)
	var out any
	_ = json.Unmarshal(data, &out)
	return out
}

func toAnyList(l []string) []any {
	out := make([]any, len(l))
	for i, s := range l {
		out[i] = s
	}
	return out
}
