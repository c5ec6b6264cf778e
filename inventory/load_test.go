package inventory

import (
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/playbook/play/engine/diag"
)

func mustLoad(t *testing.T, sources ...string) *Inventory {
	t.Helper()
	inv, err := Load(sources...)
	if err != nil {
		t.Fatalf("Load(%v): %v", sources, err)
	}
	return inv
}

// model is what a user sees of an inventory, positions left out.
func model(inv *Inventory) map[string]any {
	hosts := []string{}
	hostVars, direct := map[string]any{}, map[string]any{}
	for _, h := range inv.Hosts() {
		hosts = append(hosts, h.Name)
		hostVars[h.Name] = h.Vars
		direct[h.Name] = h.Groups
	}
	groups := map[string]any{}
	for _, g := range inv.Groups() {
		kids := append([]string(nil), g.Children...)
		sort.Strings(kids)
		groups[g.Name] = []any{g.Vars, g.Hosts, kids}
	}
	merged := map[string]any{}
	for _, h := range hosts {
		v := inv.HostVars(h)
		delete(v, "inventory_file")
		delete(v, "inventory_dir")
		merged[h] = v
	}
	return map[string]any{"hosts": hosts, "vars": hostVars, "direct": direct,
		"groups": groups, "merged": merged, "groupsMap": inv.GroupsMap()}
}

func TestINIAndYAMLGiveTheSameModel(t *testing.T) {
	ini := model(mustLoad(t, "testdata/equiv/lab.ini"))
	yml := model(mustLoad(t, "testdata/equiv/lab.yml"))
	if !reflect.DeepEqual(ini, yml) {
		t.Errorf("INI and YAML differ:\n ini: %v\nyaml: %v", ini, yml)
	}
	wantHosts := []string{"bastion", "galera-1", "galera-2", "galera-3", "db-primary", "db-replica"}
	if got := ini["hosts"]; !reflect.DeepEqual(got, wantHosts) {
		t.Errorf("hosts = %v, want %v", got, wantHosts)
	}
}

func TestINIValueTypes(t *testing.T) {
	inv := mustLoad(t, "testdata/equiv/lab.ini")
	v := inv.HostVars("db-replica")
	want := map[string]any{
		"ansible_port": 2222, "server_id": 2, "read_only": true, "mysql_port": 3306,
		"tuned": false, "ratio": 0.5, "ansible_user": "adam", "ntp": []any{"0.pool", "1.pool"},
	}
	for k, w := range want {
		if !reflect.DeepEqual(v[k], w) {
			t.Errorf("%s = %#v, want %#v", k, v[k], w)
		}
	}
	if g := inv.HostVars("galera-2"); g["sst"] != "rsync" || g["max_conn"] != 3000 || g["ansible_user"] != "root" {
		t.Errorf("galera-2 vars = %v", g)
	}
	if !strings.HasSuffix(v["inventory_file"].(string), "testdata/equiv/lab.ini") {
		t.Errorf("inventory_file = %v", v["inventory_file"])
	}
}

func TestMergeTwoSources(t *testing.T) {
	inv := mustLoad(t, "testdata/merge/one/hosts", "testdata/merge/two/hosts.yml")
	var names []string
	for _, h := range inv.Hosts() {
		names = append(names, h.Name)
	}
	if want := []string{"shared-1", "web-a", "db-a", "extra", "web-b"}; !reflect.DeepEqual(names, want) {
		t.Errorf("hosts = %v, want %v", names, want)
	}
	h, _ := inv.Host("shared-1")
	if want := []string{"web", "cache"}; !reflect.DeepEqual(h.Groups, want) {
		t.Errorf("shared-1 groups = %v, want %v", h.Groups, want)
	}
	if h.Pos.File != "testdata/merge/one/hosts" || h.Pos.Line != 2 {
		t.Errorf("shared-1 pos = %v, want its first definition", h.Pos)
	}
	v := inv.HostVars("shared-1")
	// from: the later source wins; group_vars beside source one and
	// host_vars beside source two both apply.
	for k, w := range map[string]any{"from": "two", "only_one": 1, "gv_web": "one", "hv": "two"} {
		if v[k] != w {
			t.Errorf("%s = %#v, want %#v", k, v[k], w)
		}
	}
}

func TestDirectorySource(t *testing.T) {
	inv := mustLoad(t, "testdata/dir")
	if _, ok := inv.Host("not-loaded"); ok {
		t.Error("*.ini inside an inventory directory must be skipped, as Ansible does")
	}
	for _, n := range []string{"app-a", "app-c", "app-d", "sub-1"} {
		if _, ok := inv.Host(n); !ok {
			t.Errorf("host %s missing", n)
		}
	}
	if len(inv.Hosts()) != 5 {
		t.Errorf("got %d hosts, want 5 (junk files must be skipped)", len(inv.Hosts()))
	}
	if inv.HostVars("app-d")["app_port"] != 8080 {
		t.Error("group_vars inside the inventory directory not applied")
	}
	w := inv.Warnings()
	if len(w) != 1 || !strings.Contains(w[0].Error(), "30-skipped.ini") {
		t.Errorf("warnings = %v, want one about the skipped .ini", w)
	}
}

func TestHostList(t *testing.T) {
	inv := mustLoad(t, "a, b:2222,[::1]:2200,fe80::1,")
	var names []string
	for _, h := range inv.Hosts() {
		names = append(names, h.Name)
	}
	if want := []string{"a", "b", "::1", "fe80::1"}; !reflect.DeepEqual(names, want) {
		t.Errorf("hosts = %v, want %v", names, want)
	}
	if p := inv.HostVars("b")["ansible_port"]; p != 2222 {
		t.Errorf("b ansible_port = %v", p)
	}
	if p := inv.HostVars("::1")["ansible_port"]; p != 2200 {
		t.Errorf("::1 ansible_port = %v", p)
	}
	if got := inv.GroupsMap()["ungrouped"]; len(got) != 4 {
		t.Errorf("ungrouped = %v", got)
	}
}

type fakeSource struct{ cfg map[string]any }

func (f fakeSource) Populate(inv *Inventory) error {
	for _, n := range f.cfg["names"].([]any) {
		inv.AddHost(n.(string), []string{"vms"}, map[string]any{"ansible_host": "10.77.0." + fmt.Sprint(len(n.(string)))})
	}
	inv.SetGroupVars("vms", map[string]any{"ansible_user": f.cfg["user"]})
	return inv.AddChild("lab", "vms")
}

func TestDynamicSource(t *testing.T) {
	RegisterSource("fake", func(path string, cfg map[string]any) (Source, error) {
		if path != "testdata/plugin/fake.yml" {
			return nil, fmt.Errorf("unexpected path %s", path)
		}
		return fakeSource{cfg}, nil
	})
	inv := mustLoad(t, "testdata/plugin/fake.yml")
	if got := inv.GroupNames("vm1"); !reflect.DeepEqual(got, []string{"lab", "vms"}) {
		t.Errorf("vm1 groups = %v", got)
	}
	if v := inv.HostVars("vm2"); v["ansible_user"] != "adam" || v["ansible_host"] != "10.77.0.3" {
		t.Errorf("vm2 vars = %v", v)
	}
	// A collection-style name finds the source by its last component.
	_, err := Load("testdata/plugin/unknown.yml")
	var l diag.List
	if !errors.As(err, &l) || l[0].Pos.Line != 1 || !strings.Contains(l[0].Error(), "unknown inventory plugin 'community.general.fak'") ||
		!strings.Contains(l[0].Hint, "did you mean 'fake'") {
		t.Errorf("unknown plugin error = %v", err)
	}
}

// errorsAt loads sources and returns "line:col: message" for each problem.
func errorsAt(t *testing.T, sources ...string) []string {
	t.Helper()
	_, err := Load(sources...)
	var l diag.List
	if !errors.As(err, &l) {
		t.Fatalf("Load(%v) = %v, want a diag.List", sources, err)
	}
	var out []string
	for _, d := range l {
		out = append(out, d.Error())
	}
	return out
}

func TestErrorsCarryPositions(t *testing.T) {
	got := errorsAt(t, "testdata/errors/bad.ini")
	want := []string{
		"testdata/errors/bad.ini:2:1: host range must have begin <= end",
		"testdata/errors/bad.ini:3:16: expected key=value host variable assignment, got: oops",
		"testdata/errors/bad.ini:4:1: host range must specify equal-length begin and end formats",
		"testdata/errors/bad.ini:7:1: section [web:children] includes undefined group: nosuch",
		"testdata/errors/bad.ini:9:1: section [web:chidlren] has unknown type: chidlren",
		"testdata/errors/bad.ini:15:1: section [weird:vars] not valid for undefined group: weird",
	}
	checkPrefixes(t, got, want)

	got = errorsAt(t, "testdata/errors/bad.yml")
	want = []string{
		`testdata/errors/bad.yml:5:9: invalid "hosts" entry for "web" group, requires a dictionary, found a list`,
		"testdata/errors/bad.yml:9:9: host range must specify end value",
		"testdata/errors/bad.yml:10:14: host 'db1' vars must be a mapping",
	}
	checkPrefixes(t, got, want)

	checkPrefixes(t, errorsAt(t, "testdata/errors/syntax.yml"),
		[]string{"testdata/errors/syntax.yml:2: YAML syntax error: did not find expected ',' or '}'"})
	checkPrefixes(t, errorsAt(t, "testdata/errors/conflict.ini", "testdata/errors/conflict2.ini"),
		[]string{"testdata/errors/conflict.ini:2:1: 'h1' is used both as a host and as a group; the group is defined at testdata/errors/conflict2.ini:1:1"})
	checkPrefixes(t, errorsAt(t, "testdata/errors/loop.yml"),
		[]string{"testdata/errors/loop.yml:5:9: adding group 'b' as child to 'a' creates a recursive dependency loop"})
	checkPrefixes(t, errorsAt(t, "testdata/errors/badvars"),
		[]string{"testdata/errors/badvars/group_vars/web.yml:1:1: a vars file must be a mapping, found a list"})
	checkPrefixes(t, errorsAt(t, "testdata/does-not-exist"),
		[]string{"testdata/does-not-exist: cannot read inventory source"})
}

func TestYAMLUnknownKeyWarns(t *testing.T) {
	inv, _ := Load("testdata/errors/bad.yml")
	w := inv.Warnings()
	if len(w) != 1 || w[0].Pos.Line != 12 || w[0].Hint != "did you mean 'hosts'?" {
		t.Errorf("warnings = %v", w)
	}
}

func checkPrefixes(t *testing.T, got, want []string) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("got %d errors, want %d:\n%s", len(got), len(want), strings.Join(got, "\n"))
		return
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("error %d = %q, want prefix %q", i, got[i], want[i])
		}
	}
}

func TestLabExample(t *testing.T) {
	inv := mustLoad(t, "lab.example.ini")
	hosts, err := inv.Select("galera")
	if err != nil || names(hosts) != "galera-1 galera-2 galera-3" {
		t.Fatalf("galera = %v, %v", hosts, err)
	}
	checkVars(t, inv.HostVars("galera-2"), map[string]any{
		"ansible_host": "10.77.0.12", "ansible_user": "adam", "ansible_become": true,
	})
}

func TestUnusedVarsFilesWarn(t *testing.T) {
	inv := mustLoad(t, "testdata/merge/one/hosts")
	w := inv.Warnings()
	if len(w) != 1 || !strings.Contains(w[0].Error(), "group_vars/wbe.yml is not used: the inventory has no group named 'wbe'; did you mean 'web'?") {
		t.Errorf("warnings = %v", w)
	}
}
