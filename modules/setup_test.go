package modules

import (
	"os"
	"strings"
	"testing"
)

func TestSetupFactsOnThisMachine(t *testing.T) {
	osr, err := os.ReadFile("/etc/os-release")
	if err != nil || !strings.Contains(string(osr), "ID=debian") {
		t.Skip("expects a Debian machine")
	}
	c := &sysCountConn{Conn: sysLocal(t)}
	res := sysRunModuleOn(t, c, "setup", map[string]any{}, true, nil)
	if c.runs != 1 {
		t.Errorf("setup used %d remote commands, want one round trip", c.runs)
	}
	f := res.Facts
	want := map[string]any{"distribution": "Debian", "os_family": "Debian", "pkg_mgr": "apt", "system": "Linux"}
	for k, v := range want {
		if f[k] != v {
			t.Errorf("fact %s = %v, want %v", k, f[k], v)
		}
	}
	host, _ := os.Hostname()
	if short, _, _ := strings.Cut(host, "."); f["hostname"] != short {
		t.Errorf("hostname = %v, want %s", f["hostname"], short)
	}
	if n, _ := f["memtotal_mb"].(int); n <= 0 {
		t.Errorf("memtotal_mb = %v", f["memtotal_mb"])
	}
	if n, _ := f["processor_vcpus"].(int); n <= 0 {
		t.Errorf("processor_vcpus = %v", f["processor_vcpus"])
	}
	if v, _ := f["distribution_major_version"].(string); v == "" || !strings.HasPrefix(f["distribution_version"].(string), v) {
		t.Errorf("version %v / major %v", f["distribution_version"], f["distribution_major_version"])
	}
	if f["service_mgr"] == nil || f["selinux"] == nil || f["date_time"] == nil || f["user_uid"] == nil {
		t.Errorf("missing min facts: %v %v %v %v", f["service_mgr"], f["selinux"], f["date_time"], f["user_uid"])
	}
	if ifs, _ := f["interfaces"].([]any); len(ifs) == 0 {
		t.Error("no interfaces")
	}
	lo, _ := f["lo"].(map[string]any)
	if ip4, _ := lo["ipv4"].(map[string]any); ip4["address"] != "127.0.0.1" {
		t.Errorf("lo facts: %v", lo)
	}
	if d, ok := f["default_ipv4"].(map[string]any); ok && d["address"] != nil {
		if d["interface"] == nil || d["netmask"] == nil {
			t.Errorf("default_ipv4 incomplete: %v", d)
		}
	}

	min := sysRunModuleOn(t, c, "setup", map[string]any{"gather_subset": "min"}, false, nil).Facts
	if min["distribution"] != "Debian" || min["memtotal_mb"] != nil || min["interfaces"] != nil {
		t.Errorf("gather_subset=min: distribution=%v memtotal=%v interfaces=%v", min["distribution"], min["memtotal_mb"], min["interfaces"])
	}
	filtered := sysRunModuleOn(t, c, "gather_facts", map[string]any{"filter": "ansible_distribution*"}, false, nil).Facts
	if filtered["distribution"] != "Debian" || filtered["os_family"] != nil {
		t.Errorf("filter: %v", filtered)
	}
}

func TestSetupParsers(t *testing.T) {
	f := map[string]any{}
	setupOS(map[string]string{"os-release": `NAME="CentOS Stream"
VERSION="9"
ID="centos"
ID_LIKE="rhel fedora"
VERSION_ID="9"`}, f)
	if f["distribution"] != "CentOS" || f["os_family"] != "RedHat" || f["distribution_major_version"] != "9" || f["distribution_release"] != "Stream" {
		t.Errorf("CentOS Stream: %v", f)
	}
	f = map[string]any{"os_family": "Debian"}
	setupManagers(map[string]string{"pid1": "systemd\nrun-systemd\ninitd", "pkg": "apt-get\ndnf"}, f)
	if f["service_mgr"] != "systemd" || f["pkg_mgr"] != "apt" {
		t.Errorf("managers: %v", f)
	}
	f = map[string]any{}
	setupNetwork(map[string]string{
		"link":   "2: eth0@if9: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP\\    link/ether 52:54:00:aa:bb:cc brd ff:ff:ff:ff:ff:ff",
		"addr":   "2: eth0    inet 10.77.0.11/24 brd 10.77.0.255 scope global eth0\\       valid_lft forever\n2: eth0    inet 10.77.0.50/24 scope global secondary eth0",
		"route4": "8.8.8.8 via 10.77.0.1 dev eth0 src 10.77.0.11 uid 0",
	}, f)
	d := f["default_ipv4"].(map[string]any)
	if d["address"] != "10.77.0.11" || d["gateway"] != "10.77.0.1" || d["netmask"] != "255.255.255.0" || d["macaddress"] != "52:54:00:aa:bb:cc" {
		t.Errorf("default_ipv4: %v", d)
	}
	if e := f["eth0"].(map[string]any); e["ipv4_secondaries"] == nil || e["mtu"] != 1500 {
		t.Errorf("eth0: %v", e)
	}
}
