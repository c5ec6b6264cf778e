package libvirtx

import (
	"errors"
	"reflect"
	"testing"
	"time"
)

var t0 = time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)

// The lab's known pain: cloud-init's first boot leaves a second, dead
// lease for the same MAC. The live one must win.
func TestPickLeaseTwoLeasesOneMACProbeFindsLiveOne(t *testing.T) {
	leases := []Lease{
		{MAC: "52:54:00:aa:00:01", IP: "192.168.122.50", Expiry: t0.Add(time.Hour)},     // dead, newer
		{MAC: "52:54:00:AA:00:01", IP: "192.168.122.77", Expiry: t0},                    // live, older
		{MAC: "52:54:00:aa:00:02", IP: "192.168.122.60", Expiry: t0.Add(2 * time.Hour)}, // another guest
	}
	var probed []string
	probe := func(ip string) bool { probed = append(probed, ip); return ip == "192.168.122.77" }
	got := PickLease(leases, "52:54:00:aa:00:01", probe)
	want := []string{"192.168.122.77", "192.168.122.50"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("PickLease = %v, want %v", got, want)
	}
	// Newest expiry is probed first: a guest whose newest lease is alive
	// costs one probe.
	if !reflect.DeepEqual(probed, []string{"192.168.122.50", "192.168.122.77"}) {
		t.Errorf("probe order = %v, want newest expiry first", probed)
	}
}

func TestPickLeaseNoneAnswersKeepsNewest(t *testing.T) {
	leases := []Lease{
		{MAC: "52:54:00:aa:00:01", IP: "192.168.122.77", Expiry: t0},
		{MAC: "52:54:00:aa:00:01", IP: "192.168.122.50", Expiry: t0.Add(time.Hour)},
	}
	got := PickLease(leases, "52:54:00:aa:00:01", func(string) bool { return false })
	if got[0] != "192.168.122.50" {
		t.Fatalf("PickLease = %v, want the newest expiry (192.168.122.50) first", got)
	}
}

func TestPickLeaseSingleLeaseIsNotProbed(t *testing.T) {
	leases := []Lease{{MAC: "52:54:00:aa:00:01", IP: "192.168.122.5", Expiry: t0}}
	got := PickLease(leases, "52:54:00:aa:00:01", func(string) bool {
		t.Error("probe called for a MAC with one lease")
		return false
	})
	if !reflect.DeepEqual(got, []string{"192.168.122.5"}) {
		t.Fatalf("PickLease = %v", got)
	}
}

func TestPickLeaseIPv4BeforeIPv6(t *testing.T) {
	leases := []Lease{
		{MAC: "m", IP: "fd00::5", Expiry: t0.Add(time.Hour)},
		{MAC: "m", IP: "192.168.122.5", Expiry: t0},
	}
	got := PickLease(leases, "m", nil)
	if got[0] != "192.168.122.5" {
		t.Fatalf("PickLease = %v, want the IPv4 lease first", got)
	}
}

type fakeLookup struct {
	leases      map[string][]Lease // by network name
	agent, arp  []IfAddr
	agentErr    error
	leaseLooked []string
}

func (f *fakeLookup) Leases(i Iface) ([]Lease, error) {
	f.leaseLooked = append(f.leaseLooked, i.Network)
	return f.leases[i.Network], nil
}
func (f *fakeLookup) AgentAddresses(string) ([]IfAddr, error) { return f.agent, f.agentErr }
func (f *fakeLookup) ARPAddresses(string) ([]IfAddr, error)   { return f.arp, nil }

func TestResolveOrderLeaseAgentARP(t *testing.T) {
	ifaces := []Iface{{MAC: "52:54:00:00:00:01", Network: "default"}}
	f := &fakeLookup{
		leases: map[string][]Lease{"default": {{MAC: "52:54:00:00:00:01", IP: "10.0.0.5"}}},
		agent:  []IfAddr{{MAC: "52:54:00:00:00:01", IPs: []string{"127.0.0.1", "10.0.0.6"}}},
		arp:    []IfAddr{{MAC: "52:54:00:00:00:01", IPs: []string{"10.0.0.7"}}},
	}
	r := &Resolver{Lookup: f, Probe: func(string) bool { return false }}
	if a, ok, _ := r.Resolve("g1", ifaces); !ok || a.IP != "10.0.0.5" || a.Source != "lease" {
		t.Fatalf("with a lease: %+v ok=%v, want 10.0.0.5 from lease", a, ok)
	}
	f.leases = nil
	if a, ok, _ := r.Resolve("g1", ifaces); !ok || a.IP != "10.0.0.6" || a.Source != "agent" {
		t.Fatalf("no lease: %+v ok=%v, want 10.0.0.6 from the agent (loopback skipped)", a, ok)
	}
	f.agent, f.agentErr = nil, errors.New("Guest agent is not responding")
	if a, ok, _ := r.Resolve("g1", ifaces); !ok || a.IP != "10.0.0.7" || a.Source != "arp" {
		t.Fatalf("no lease, no agent: %+v ok=%v, want 10.0.0.7 from arp", a, ok)
	}
	f.arp = nil
	a, ok, why := r.Resolve("g1", ifaces)
	if ok {
		t.Fatalf("nothing known: got %+v", a)
	}
	want := []string{"no DHCP lease for 52:54:00:00:00:01", "agent: Guest agent is not responding", "arp: no address"}
	if !reflect.DeepEqual(why, want) {
		t.Errorf("why = %q, want %q", why, want)
	}
}

func TestParseFactsMetadataAndMemory(t *testing.T) {
	f, err := ParseFacts(`<domain type='kvm'><name>g1</name><uuid>6695eb01-f6a4-8304-79aa-97f2502e193f</uuid>
<metadata><play:vars xmlns:play="https://example/play"><role>db</role></play:vars>
<libosinfo:libosinfo xmlns:libosinfo="http://libosinfo.org/xmlns/libvirt/domain/1.0"><libosinfo:os id="http://centos.org/centos-stream/9"/></libosinfo:libosinfo></metadata>
<memory unit='GiB'>2</memory><vcpu>4</vcpu><os><type>hvm</type></os>
<devices><interface type='bridge'><mac address='52:54:00:AB:CD:EF'/><source bridge='virbr0'/><model type='virtio'/></interface></devices></domain>`)
	if err != nil {
		t.Fatal(err)
	}
	if f.MemoryMiB != 2048 || f.VCPUs != 4 {
		t.Errorf("memory %d MiB, %d vcpus; want 2048, 4", f.MemoryMiB, f.VCPUs)
	}
	wantIf := []Iface{{MAC: "52:54:00:ab:cd:ef", Type: "bridge", Bridge: "virbr0", Model: "virtio"}}
	if !reflect.DeepEqual(f.Ifaces, wantIf) {
		t.Errorf("ifaces = %+v, want %+v", f.Ifaces, wantIf)
	}
	wantMeta := map[string]any{
		"vars":      map[string]any{"role": "db"},
		"libosinfo": map[string]any{"os": map[string]any{"id": "http://centos.org/centos-stream/9"}},
	}
	if !reflect.DeepEqual(f.Metadata, wantMeta) {
		t.Errorf("metadata = %#v, want %#v", f.Metadata, wantMeta)
	}
}
