package libvirt

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/playbook/play/inventory"
	"github.com/playbook/play/modules/libvirtx"
)

// writeInv writes a plugin config beside the test node and loads it.
func loadInv(t *testing.T, extra string) *inventory.Inventory {
	t.Helper()
	node, err := filepath.Abs("testdata/node.xml")
	if err != nil {
		t.Fatal(err)
	}
	requireLibvirt(t)
	p := filepath.Join(t.TempDir(), "lab.libvirt.yml")
	cfg := "plugin: libvirt\nuri: test://" + node + "\nprobe_port: 0\n" + extra
	if err := os.WriteFile(p, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	inv, err := inventory.Load(p)
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	return inv
}

// requireLibvirt skips when libvirt.so.0 is not installed: play is built
// with -tags libvirt_dlopen and must run without it.
func requireLibvirt(t *testing.T) {
	t.Helper()
	c, err := libvirtx.Open("test:///default")
	if err != nil {
		t.Skipf("libvirt client library not available (apt-get install libvirt0): %v", err)
	}
	libvirtx.Close(c)
}

func hostNames(inv *inventory.Inventory) []string {
	var out []string
	for _, h := range inv.Hosts() {
		out = append(out, h.Name)
	}
	return out
}

func TestSourceListsDomainsWithVarsAndNameGroups(t *testing.T) {
	inv := loadInv(t, "")
	if got, want := hostNames(inv), []string{"galera-3", "galera1", "galera2", "mirror"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("hosts = %v, want %v", got, want)
	}
	g, ok := inv.Group("galera")
	if !ok {
		t.Fatal("no group galera from galera1..2 and galera-3")
	}
	if want := []string{"galera-3", "galera1", "galera2"}; !reflect.DeepEqual(g.Hosts, want) {
		t.Errorf("group galera = %v, want %v", g.Hosts, want)
	}
	v := inv.HostVars("galera1")
	for k, want := range map[string]any{
		"libvirt_state": "running", "libvirt_vcpus": 4, "libvirt_memory_mib": 2048,
		"libvirt_uuid":     "11111111-1111-1111-1111-111111111111",
		"libvirt_macs":     []any{"52:54:00:00:00:01"},
		"libvirt_networks": []any{"default"},
		"libvirt_metadata": map[string]any{"vars": map[string]any{"role": "db", "tier": "prod"}},
		// The test driver has no DHCP leases; its fake guest agent
		// answers 192.168.122.<n> for guests on a network.
		"ansible_host":           "192.168.122.3",
		"libvirt_address_source": "agent",
	} {
		if !reflect.DeepEqual(v[k], want) {
			t.Errorf("galera1 %s = %#v, want %#v", k, v[k], want)
		}
	}
	// A guest on a bridge is still resolved (its network is the one owning
	// virbr0).
	if v := inv.HostVars("galera2"); v["ansible_host"] == nil || v["libvirt_networks"].([]any)[0] != "virbr0" {
		t.Errorf("galera2: ansible_host %v, networks %v", v["ansible_host"], v["libvirt_networks"])
	}
}

func TestSourceWarnsAboutHostsWithoutAddress(t *testing.T) {
	inv := loadInv(t, "")
	if _, ok := inv.Host("mirror"); !ok {
		t.Fatal("shut-off domain mirror was dropped; it must be listed")
	}
	if _, has := inv.HostVars("mirror")["ansible_host"]; has {
		t.Error("shut-off domain mirror got an ansible_host")
	}
	var msgs []string
	for _, w := range inv.Warnings() {
		msgs = append(msgs, w.Error())
	}
	if !strings.Contains(strings.Join(msgs, "\n"), "libvirt domain 'mirror' is shutoff") {
		t.Errorf("no warning about mirror's missing address; warnings: %q", msgs)
	}
}

func TestSourceFiltersKeyedGroupsCompose(t *testing.T) {
	inv := loadInv(t, `name_filter: '^galera'
states: [running]
name_group_pattern: '^(gal)'
keyed_groups:
  - key: libvirt_metadata.vars.role
    prefix: role
    parent_group: databases
  - key: libvirt_state
compose:
  ansible_user: "'adam'"
  big: libvirt_memory_mib >= 2048
groups:
  large: big
`)
	if got, want := hostNames(inv), []string{"galera-3", "galera1", "galera2"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("hosts = %v, want %v (mirror filtered out)", got, want)
	}
	groups := map[string][]string{}
	for _, g := range inv.Groups() {
		groups[g.Name] = g.Hosts
	}
	for name, want := range map[string][]string{
		"gal":      {"galera-3", "galera1", "galera2"},
		"role_db":  {"galera1", "galera2"}, // galera-3 has no metadata: skipped, not an error
		"_running": {"galera-3", "galera1", "galera2"},
		"large":    {"galera1", "galera2"},
	} {
		if !reflect.DeepEqual(groups[name], want) {
			t.Errorf("group %s = %v, want %v", name, groups[name], want)
		}
	}
	if g, _ := inv.Group("databases"); g == nil || !reflect.DeepEqual(g.Children, []string{"role_db"}) {
		t.Errorf("databases should be the parent of role_db: %+v", g)
	}
	if u := inv.HostVars("galera1")["ansible_user"]; u != "adam" {
		t.Errorf("compose ansible_user = %v", u)
	}
}

func TestSourceStrictReportsUndefinedKeys(t *testing.T) {
	node, _ := filepath.Abs("testdata/node.xml")
	requireLibvirt(t)
	p := filepath.Join(t.TempDir(), "inv.yml")
	_ = os.WriteFile(p, []byte("plugin: libvirt\nuri: test://"+node+"\nstrict: true\nprobe_port: 0\nkeyed_groups: [{key: libvirt_metadata.vars.role}]\n"), 0o644)
	_, err := inventory.Load(p)
	if err == nil || !strings.Contains(err.Error(), "galera-3") {
		t.Fatalf("strict with a key galera-3 lacks: err = %v, want an error naming galera-3", err)
	}
}

func TestConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		cfg  map[string]any
		want string
	}{
		{map[string]any{"plugin": "libvirt", "url": "x"}, "did you mean 'uri'"},
		{map[string]any{"states": []any{"stopped"}}, "unknown domain state 'stopped'"},
		{map[string]any{"name_group_pattern": "^gal"}, "needs a capture group"},
		{map[string]any{"keyed_groups": []any{map[string]any{"prefx": "a", "key": "x"}}}, "did you mean 'prefix'"},
	} {
		_, err := parseConfig("x.yml", tc.cfg)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: err = %v, want %q", tc.cfg, err, tc.want)
		}
	}
}

func TestNameGroup(t *testing.T) {
	c, err := parseConfig("x.yml", map[string]any{})
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{
		"galera1": "galera", "galera-3": "galera", "web_03": "web", "db-primary-2": "db_primary",
		"mirror": "", "42": "",
	} {
		if got := NameGroup(c.nameGroups, name); got != want {
			t.Errorf("NameGroup(%q) = %q, want %q", name, got, want)
		}
	}
	off, _ := parseConfig("x.yml", map[string]any{"name_groups": false})
	if off.nameGroups != nil {
		t.Error("name_groups: false still groups by name")
	}
}

// fakeLookup gives one MAC two leases: the dead one from cloud-init's
// first boot (newer expiry) and the live one.
type fakeLookup struct{}

func (fakeLookup) Leases(libvirtx.Iface) ([]libvirtx.Lease, error) {
	now := time.Now()
	return []libvirtx.Lease{
		{MAC: "52:54:00:00:00:01", IP: "192.168.122.50", Expiry: now.Add(time.Hour)},
		{MAC: "52:54:00:00:00:01", IP: "192.168.122.77", Expiry: now},
	}, nil
}
func (fakeLookup) AgentAddresses(string) ([]libvirtx.IfAddr, error) { return nil, nil }
func (fakeLookup) ARPAddresses(string) ([]libvirtx.IfAddr, error)   { return nil, nil }

func TestBuildPicksLiveLeaseForAnsibleHost(t *testing.T) {
	c, _ := parseConfig("x.yml", map[string]any{})
	s := &source{cfg: c}
	inv := inventory.New()
	doms := []domain{{state: "running", facts: &libvirtx.Facts{Name: "galera1",
		Ifaces: []libvirtx.Iface{{MAC: "52:54:00:00:00:01", Network: "default"}}}}}
	r := &libvirtx.Resolver{Lookup: fakeLookup{}, Probe: func(ip string) bool { return ip == "192.168.122.77" }}
	if err := s.build(inv, doms, r); err != nil {
		t.Fatal(err)
	}
	v := inv.HostVars("galera1")
	if v["ansible_host"] != "192.168.122.77" {
		t.Errorf("ansible_host = %v, want the live lease 192.168.122.77", v["ansible_host"])
	}
	if want := []any{"192.168.122.77", "192.168.122.50"}; !reflect.DeepEqual(v["libvirt_addresses"], want) {
		t.Errorf("libvirt_addresses = %v, want %v", v["libvirt_addresses"], want)
	}
}
