package modules

import (
	"context"
	"strings"
	"testing"

	"github.com/playbook/play/modules/libvirtx"
	"libvirt.org/go/libvirt"
)

// The test driver (test:///default) is one in-memory hypervisor shared by
// every connection of this process: it has a running domain "test", a
// network "default" and a pool "default-pool". It cannot upload volumes
// or hand out DHCP leases; its fake guest agent reports addresses.
const testURI = "test:///default"

func testHypervisor(t *testing.T) *libvirt.Connect {
	t.Helper()
	c, err := libvirtx.Open(testURI)
	if err != nil {
		t.Skipf("libvirt client library not available (apt-get install libvirt0): %v", err)
	}
	t.Cleanup(func() { libvirtx.Close(c) })
	return c
}

func runVI(t *testing.T, check bool, args map[string]any) *Result {
	t.Helper()
	m, _ := Get("virt_install")
	full := map[string]any{"uri": testURI, "pool": "default-pool"}
	for k, v := range args {
		full[k] = v
	}
	norm, errs := Normalize(m.Spec(), full, false)
	if len(errs) > 0 {
		t.Fatalf("bad args: %v", errs[0])
	}
	res, err := m.Run(context.Background(), &Task{Host: "localhost", Args: norm, Check: check, Diff: true})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func domState(t *testing.T, c *libvirt.Connect, name string) string {
	t.Helper()
	d, err := c.LookupDomainByName(name)
	if err != nil {
		return "absent"
	}
	defer d.Free()
	st, _, err := d.GetState()
	if err != nil {
		t.Fatal(err)
	}
	return libvirtx.StateName(st)
}

func volExists(t *testing.T, c *libvirt.Connect, pool, name string) bool {
	t.Helper()
	p, err := c.LookupStoragePoolByName(pool)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Free()
	v, err := p.LookupStorageVolByName(name)
	if err != nil {
		return false
	}
	_ = v.Free()
	return true
}

func TestVirtInstallLifecycleOnTestDriver(t *testing.T) {
	c := testHypervisor(t)
	spec := map[string]any{
		"name": "vi-galera1", "memory": 512, "vcpus": 2, "virt_type": "qemu",
		"disk":     "size=1,backing_store=/default-pool/golden.qcow2",
		"network":  "default",
		"osinfo":   "centos-stream9",
		"metadata": map[string]any{"role": "db"},
	}

	// Check mode: the XML and the overlay volume are shown, nothing made.
	res := runVI(t, true, spec)
	if res.Failed || !res.Changed {
		t.Fatalf("check: failed=%v changed=%v msg=%s", res.Failed, res.Changed, res.Msg)
	}
	if len(res.Diffs) != 2 || !res.Diffs[0].BeforeMissing || !strings.Contains(res.Diffs[0].After, "<name>vi-galera1</name>") ||
		!strings.Contains(res.Diffs[0].After, "<memory unit=\"MiB\">512</memory>") {
		t.Errorf("check diff should show the domain XML: %+v", res.Diffs)
	}
	if d := res.Diffs[1]; !strings.Contains(d.Path, "default-pool/vi-galera1.qcow2") || !strings.Contains(d.After, "<backingStore>") {
		t.Errorf("check diff should show the overlay volume: %+v", d)
	}
	if s := domState(t, c, "vi-galera1"); s != "absent" {
		t.Fatalf("check mode defined the domain (state %s)", s)
	}

	res = runVI(t, false, spec)
	if res.Failed || !res.Changed {
		t.Fatalf("create: failed=%v changed=%v msg=%s", res.Failed, res.Changed, res.Msg)
	}
	if s := domState(t, c, "vi-galera1"); s != "running" {
		t.Errorf("after create: state %s, want running", s)
	}
	if !volExists(t, c, "default-pool", "vi-galera1.qcow2") {
		t.Error("overlay volume vi-galera1.qcow2 not created")
	}

	// The same spec again: nothing to do.
	if res = runVI(t, false, spec); res.Failed || res.Changed {
		t.Fatalf("rerun: failed=%v changed=%v msg=%s", res.Failed, res.Changed, res.Msg)
	}

	// A different spec fails and says what differs.
	bigger := copyMap(spec)
	bigger["memory"], bigger["disk"] = 1024, "size=2,backing_store=/default-pool/golden.qcow2"
	res = runVI(t, false, bigger)
	if !res.Failed || !strings.Contains(res.Msg, "disk_size, memory") {
		t.Fatalf("differing spec: failed=%v msg=%s", res.Failed, res.Msg)
	}
	if d := res.Diffs[0]; d.BeforeState["memory"] != 512 || d.AfterState["memory"] != 1024 || d.AfterState["disk_size"] != "2" {
		t.Errorf("state diff = %v -> %v", d.BeforeState, d.AfterState)
	}

	stop := copyMap(spec)
	stop["state"] = "stopped"
	if res = runVI(t, false, stop); !res.Changed || res.Failed {
		t.Fatalf("stop: changed=%v failed=%v msg=%s", res.Changed, res.Failed, res.Msg)
	}
	if s := domState(t, c, "vi-galera1"); s != "shutoff" {
		t.Errorf("after stop: %s", s)
	}
	if res = runVI(t, false, stop); res.Changed {
		t.Errorf("stopping a stopped domain reported a change")
	}

	// Start again and wait: the test driver's agent gives the address.
	res = runVI(t, false, map[string]any{"name": "vi-galera1", "wait_for_address": true, "wait_timeout": 5})
	if res.Failed || !res.Changed || res.Data["address_source"] != "agent" || !strings.HasPrefix(res.Data["address"].(string), "192.168.122.") {
		t.Fatalf("start+wait: failed=%v changed=%v data=%v msg=%s", res.Failed, res.Changed, res.Data, res.Msg)
	}

	absent := map[string]any{"name": "vi-galera1", "state": "absent"}
	if res = runVI(t, true, absent); !res.Changed || domState(t, c, "vi-galera1") != "running" {
		t.Fatalf("absent in check mode: changed=%v, state now %s", res.Changed, domState(t, c, "vi-galera1"))
	}
	if res = runVI(t, false, absent); !res.Changed || res.Failed || !strings.Contains(res.Msg, "destroyed and removed") {
		t.Fatalf("absent (no stop_timeout: destroyed at once): changed=%v failed=%v msg=%s", res.Changed, res.Failed, res.Msg)
	}
	if s := domState(t, c, "vi-galera1"); s != "absent" {
		t.Errorf("after absent: %s", s)
	}
	if volExists(t, c, "default-pool", "vi-galera1.qcow2") {
		t.Error("absent left the overlay volume behind")
	}
	if res = runVI(t, false, absent); res.Changed || res.Failed {
		t.Errorf("absent again: changed=%v failed=%v", res.Changed, res.Failed)
	}
}

// absent with stop_timeout shuts the guest down cleanly before removing it
// (a real guest then gives its DHCP lease back; TestLabPlaybookRealGuests).
func TestVirtInstallAbsentShutsDownFirst(t *testing.T) {
	c := testHypervisor(t)
	if res := runVI(t, false, map[string]any{"name": "vi-graceful", "virt_type": "qemu"}); res.Failed || domState(t, c, "vi-graceful") != "running" {
		t.Fatalf("create: failed=%v msg=%s", res.Failed, res.Msg)
	}
	res := runVI(t, false, map[string]any{"name": "vi-graceful", "state": "absent", "stop_timeout": 5})
	if res.Failed || !res.Changed || res.Msg != "domain vi-graceful shut down and removed with 0 volume(s)" {
		t.Fatalf("absent: failed=%v changed=%v msg=%q", res.Failed, res.Changed, res.Msg)
	}
	if s := domState(t, c, "vi-graceful"); s != "absent" {
		t.Errorf("after absent: %s", s)
	}
}

// The test driver cannot upload volumes: the cloud-init step fails, and
// the overlay created before it must not be left behind.
func TestVirtInstallFailedCreateLeavesNoVolumes(t *testing.T) {
	c := testHypervisor(t)
	res := runVI(t, false, map[string]any{
		"name": "vi-rollback", "virt_type": "qemu", "disk": map[string]any{"size": 1},
		"cloud_init": map[string]any{"user_data": map[string]any{"users": []any{"adam"}}},
	})
	if !res.Failed || !strings.Contains(res.Msg, "upload volume default-pool/vi-rollback-cidata.iso") {
		t.Fatalf("failed=%v msg=%s", res.Failed, res.Msg)
	}
	for _, v := range []string{"vi-rollback.qcow2", "vi-rollback-cidata.iso"} {
		if volExists(t, c, "default-pool", v) {
			t.Errorf("volume %s left behind after a failed create", v)
		}
	}
	if s := domState(t, c, "vi-rollback"); s != "absent" {
		t.Errorf("domain defined despite the failure: %s", s)
	}
}

func TestVirtInstallArgErrors(t *testing.T) {
	testHypervisor(t)
	for _, tc := range []struct {
		args map[string]any
		want string
	}{
		{map[string]any{"name": "x", "disk": "size=ten"}, "size must be a positive number"},
		{map[string]any{"name": "x", "disk": map[string]any{"sise": 1}}, "unknown disk key 'sise'"},
		{map[string]any{"name": "x", "network": "nat=virbr0"}, "write a network name"},
		{map[string]any{"name": "x", "cloud_init": map[string]any{"userdata": "x"}}, "unknown key 'userdata'"},
		{map[string]any{"name": "x", "pool": "nope", "disk": "size=1"}, "storage pool 'nope'"},
		{map[string]any{"name": "x", "metadata": map[string]any{"1bad": "v"}}, "not usable as an XML element name"},
		{map[string]any{"name": "x", "state": "absent", "stop_timeout": -1}, "stop_timeout: -1 is negative"},
	} {
		res := runVI(t, false, tc.args)
		if !res.Failed || !strings.Contains(res.Msg, tc.want) {
			t.Errorf("%v: failed=%v msg=%q, want %q", tc.args, res.Failed, res.Msg, tc.want)
		}
	}
}

func copyMap(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
