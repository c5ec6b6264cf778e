package inventory

import (
	"reflect"
	"sync"
	"testing"
)

// The precedence fixture sets the same keys at every level; expected values
// are what ansible-inventory 2.14 reports for it (testdata/ansible/prec.json).
func TestVarPrecedence(t *testing.T) {
	inv := mustLoad(t, "testdata/prec/inventory/hosts.ini")
	before := map[string]any{
		"v_all":   "inline-all",      // [all:vars] only
		"v_group": "inline-frontend", // parent group over all
		"v_child": "gv-frontend",     // group_vars file over every inline group var, even a child's
		"v_gv":    "gv-web-a",        // group_vars/web/ (child) over group_vars/frontend and all
		"v_dir":   "gv-web-b",        // group_vars/web/ files merge in sorted order
		"v_host":  "hv-web1-over-inline",
		"v_hv":    "hv-web1",
		"v_pb":    "gv-all",
	}
	checkVars(t, inv.HostVars("web1"), before)
	if _, ok := inv.HostVars("web1")["v_web_json"]; ok {
		t.Error("group_vars/web.json must be ignored when group_vars/web/ exists (Ansible reads the first match)")
	}

	if err := inv.AddVarsDirs("testdata/prec/play"); err != nil {
		t.Fatal(err)
	}
	checkVars(t, inv.HostVars("web1"), map[string]any{
		"v_pb":  "pb-all",                // playbook group_vars/all over inventory group_vars/all
		"v_gv":  "pb-web-over-inventory", // playbook group_vars/web over inventory group_vars/web
		"v_pbg": "pb-web",
		"v_hv":  "pb-web1", // playbook host_vars (file without extension) over inventory host_vars
		"v_all": "inline-all",
	})
	checkVars(t, inv.HostVars("web2"), map[string]any{"v_host": "inline-all", "v_child": "gv-frontend"})

	// Host.Vars is the host's own: inline + inventory host_vars only.
	h, _ := inv.Host("web1")
	if want := map[string]any{"v_host": "hv-web1-over-inline", "v_hv": "hv-web1"}; !reflect.DeepEqual(h.Vars, want) {
		t.Errorf("web1.Vars = %v, want %v", h.Vars, want)
	}
	g, _ := inv.Group("web")
	if g.Vars["v_child"] != "inline-web" || g.Vars["v_gv"] != "gv-web-a" {
		t.Errorf("web.Vars = %v, want inline vars merged with group_vars/web/", g.Vars)
	}
}

func TestGroupDepthAndPriority(t *testing.T) {
	inv := mustLoad(t, "testdata/priority/hosts.yml")
	// ansible_group_priority beats name order between groups of equal depth;
	// a child (depth 2) beats any depth-1 group whatever its name.
	checkVars(t, inv.HostVars("h1"), map[string]any{"who": "a_high"})
	checkVars(t, inv.HostVars("h2"), map[string]any{"who": "parent", "depth_test": "child"})
	if _, ok := inv.HostVars("h1")["ansible_group_priority"]; ok {
		t.Error("ansible_group_priority is consumed by the group, not a variable")
	}
}

func checkVars(t *testing.T, got map[string]any, want map[string]any) {
	t.Helper()
	for k, w := range want {
		if !reflect.DeepEqual(got[k], w) {
			t.Errorf("%s = %#v, want %#v", k, got[k], w)
		}
	}
}

func TestGroupNamesAndGroupsMap(t *testing.T) {
	inv := mustLoad(t, "testdata/equiv/lab.ini")
	// As `ansible -m debug -a var=group_names` / var=groups print them.
	if got := inv.GroupNames("db-replica"); !reflect.DeepEqual(got, []string{"db", "replica"}) {
		t.Errorf("GroupNames(db-replica) = %v", got)
	}
	if got := inv.GroupNames("bastion"); !reflect.DeepEqual(got, []string{"ungrouped"}) {
		t.Errorf("GroupNames(bastion) = %v, want [ungrouped] as ansible-core", got)
	}
	want := map[string][]string{
		"all":       {"bastion", "galera-1", "galera-2", "galera-3", "db-primary", "db-replica"},
		"db":        {"galera-1", "galera-2", "galera-3", "db-primary", "db-replica"},
		"galera":    {"galera-1", "galera-2", "galera-3"},
		"replica":   {"db-primary", "db-replica"},
		"ungrouped": {"bastion"},
	}
	if got := inv.GroupsMap(); !reflect.DeepEqual(got, want) {
		t.Errorf("GroupsMap = %v, want %v", got, want)
	}
}

func TestAddHost(t *testing.T) {
	inv := mustLoad(t, "testdata/equiv/lab.ini")
	inv.AddHost("galera-4", []string{"galera", "new"}, map[string]any{"ansible_host": "10.77.0.14"})
	inv.AddHost("bastion", []string{"jump"}, nil)
	v := inv.HostVars("galera-4")
	checkVars(t, v, map[string]any{"ansible_host": "10.77.0.14", "wsrep_cluster_name": "lab", "mysql_port": 3306})
	gm := inv.GroupsMap()
	if !reflect.DeepEqual(gm["new"], []string{"galera-4"}) || len(gm["db"]) != 6 {
		t.Errorf("groups after add_host = %v", gm)
	}
	if len(gm["ungrouped"]) != 0 {
		t.Errorf("bastion joined a group, ungrouped should be empty: %v", gm["ungrouped"])
	}
	if hosts, _ := inv.Select("galera[-1]"); names(hosts) != "galera-4" {
		t.Errorf("galera[-1] = %s, want the added host last", names(hosts))
	}
}

func TestHostVarsIsACopy(t *testing.T) {
	inv := mustLoad(t, "testdata/equiv/lab.ini")
	v := inv.HostVars("galera-1")
	v["ntp"].([]any)[0] = "changed"
	v["sst"] = "changed"
	if w := inv.HostVars("galera-1"); w["sst"] != "rsync" || w["ntp"].([]any)[0] != "0.pool" {
		t.Errorf("mutating a HostVars result changed the inventory: %v", w)
	}
	if inv.HostVars("nosuch") != nil {
		t.Error("HostVars of an unknown host must be nil")
	}
}

// Run with -race: the engine reads vars from many host goroutines while
// add_host may write.
func TestConcurrentUse(t *testing.T) {
	inv := mustLoad(t, "testdata/equiv/lab.ini")
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			for j := 0; j < 50; j++ {
				inv.HostVars("galera-1")
				inv.GroupNames("galera-1")
				if _, err := inv.Select("db:!galera-2"); err != nil {
					t.Error(err)
					return
				}
				if i == 0 {
					inv.AddHost("dyn", []string{"dynamic"}, map[string]any{"n": j})
				}
			}
		}(i)
	}
	wg.Wait()
	if inv.HostVars("dyn")["n"] != 49 {
		t.Errorf("dyn n = %v", inv.HostVars("dyn")["n"])
	}
}
