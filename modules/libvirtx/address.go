package libvirtx

import (
	"fmt"
	"net"
	"sort"
	"strings"
	"time"
)

// Iface is one network interface of a domain, as its XML declares it.
type Iface struct {
	MAC     string
	Type    string // network, bridge, user, direct...
	Network string // the libvirt network (type network)
	Bridge  string // the host bridge (type bridge, or the network's bridge)
	Model   string
}

// Lease is one DHCP lease of a libvirt network (virsh net-dhcp-leases).
type Lease struct {
	MAC      string
	IP       string
	Hostname string
	Expiry   time.Time
	ClientID string // DHCP client identifier as dnsmasq recorded it (colon-separated hex), if any
}

// IfAddr is what the guest agent or the ARP table says about one interface.
type IfAddr struct {
	Name string
	MAC  string
	IPs  []string
}

// Lookup is what address resolution asks libvirt. ConnLookup answers from
// a connection; tests answer from fixed lists, because cases such as two
// leases for one MAC cannot be produced on demand.
type Lookup interface {
	// Leases returns the DHCP leases of the network an interface is on
	// (nil when the interface is on no libvirt network).
	Leases(iface Iface) ([]Lease, error)
	AgentAddresses(domain string) ([]IfAddr, error)
	ARPAddresses(domain string) ([]IfAddr, error)
}

// Address is a resolved guest address and how it was found.
type Address struct {
	IP     string
	Source string // "lease", "agent" or "arp"
	// Candidates are every address the winning source offered, best first
	// (several when a MAC holds several leases).
	Candidates []string
}

// Resolver finds a domain's address: DHCP leases of its networks matched by
// its current MACs, then the guest agent, then the hypervisor's ARP table.
type Resolver struct {
	Lookup Lookup
	// Probe says whether an address is alive. It is only asked when one
	// MAC holds several leases. nil means "TCP port 22 answers within 2s".
	Probe func(ip string) bool
}

// Resolve returns the domain's address. ok is false when no source knew
// one; why then lists what each source said, for the user's warning.
func (r *Resolver) Resolve(domain string, ifaces []Iface) (addr Address, ok bool, why []string) {
	probe := r.Probe
	if probe == nil {
		probe = func(ip string) bool { return ProbeTCP(ip, 22, 2*time.Second) }
	}
	for _, ifc := range ifaces {
		if ifc.MAC == "" {
			continue
		}
		leases, err := r.Lookup.Leases(ifc)
		if err != nil {
			why = append(why, fmt.Sprintf("leases: %v", err))
			continue
		}
		if ips := PickLease(leases, ifc.MAC, probe); len(ips) > 0 {
			return Address{IP: ips[0], Source: "lease", Candidates: ips}, true, nil
		}
	}
	if len(why) == 0 {
		why = append(why, "no DHCP lease for "+macList(ifaces))
	}
	for _, src := range []struct {
		name string
		get  func(string) ([]IfAddr, error)
	}{{"agent", r.Lookup.AgentAddresses}, {"arp", r.Lookup.ARPAddresses}} {
		addrs, err := src.get(domain)
		if err != nil {
			why = append(why, fmt.Sprintf("%s: %v", src.name, firstLine(err.Error())))
			continue
		}
		if ips := pickIfAddr(addrs, ifaces); len(ips) > 0 {
			return Address{IP: ips[0], Source: src.name, Candidates: ips}, true, nil
		}
		why = append(why, src.name+": no address")
	}
	return Address{}, false, why
}

// PickLease returns the addresses leased to mac, the one to use first.
// IPv4 comes before IPv6, newer expiry before older. When the MAC holds
// several leases (cloud-init's first boot leaves a dead one behind) the
// first address that answers probe goes to the front; if none answers the
// newest lease stays first.
func PickLease(leases []Lease, mac string, probe func(ip string) bool) []string {
	var mine []Lease
	for _, l := range leases {
		if l.IP != "" && strings.EqualFold(l.MAC, mac) {
			mine = append(mine, l)
		}
	}
	sort.SliceStable(mine, func(i, j int) bool {
		if a, b := isV4(mine[i].IP), isV4(mine[j].IP); a != b {
			return a
		}
		return mine[i].Expiry.After(mine[j].Expiry)
	})
	ips := make([]string, 0, len(mine))
	for _, l := range mine {
		ips = append(ips, l.IP)
	}
	if len(ips) < 2 || probe == nil {
		return ips
	}
	for i, ip := range ips {
		if probe(ip) {
			return append([]string{ip}, append(append([]string{}, ips[:i]...), ips[i+1:]...)...)
		}
	}
	return ips
}

// pickIfAddr keeps the addresses of the domain's declared interfaces
// (matched by MAC; all interfaces when none matches), IPv4 first, without
// loopback and link-local addresses.
func pickIfAddr(addrs []IfAddr, ifaces []Iface) []string {
	want := map[string]bool{}
	for _, ifc := range ifaces {
		want[strings.ToLower(ifc.MAC)] = true
	}
	collect := func(matchMAC bool) []string {
		var v4, v6 []string
		for _, a := range addrs {
			if matchMAC && !want[strings.ToLower(a.MAC)] {
				continue
			}
			for _, ip := range a.IPs {
				p := net.ParseIP(ip)
				if p == nil || p.IsLoopback() || p.IsLinkLocalUnicast() {
					continue
				}
				if p.To4() != nil {
					v4 = append(v4, ip)
				} else {
					v6 = append(v6, ip)
				}
			}
		}
		return append(v4, v6...)
	}
	if ips := collect(true); len(ips) > 0 {
		return ips
	}
	return collect(false)
}

// ProbeTCP reports whether something accepts a TCP connection at ip:port.
func ProbeTCP(ip string, port int, timeout time.Duration) bool {
	c, err := net.DialTimeout("tcp", net.JoinHostPort(ip, fmt.Sprint(port)), timeout)
	if err != nil {
		return false
	}
	_ = c.Close()
	return true
}

func isV4(ip string) bool {
	p := net.ParseIP(ip)
	return p != nil && p.To4() != nil
}

func macList(ifaces []Iface) string {
	var macs []string
	for _, i := range ifaces {
		if i.MAC != "" {
			macs = append(macs, i.MAC)
		}
	}
	if len(macs) == 0 {
		return "(no interface)"
	}
	return strings.Join(macs, ", ")
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
