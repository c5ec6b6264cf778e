package libvirtx

import (
	"strings"

	"libvirt.org/go/libvirt"
)

// ConnLookup answers Lookup from a libvirt connection. It caches each
// network's leases, so an inventory of many guests on one network asks
// once. Not safe for concurrent use.
type ConnLookup struct {
	Conn    *libvirt.Connect
	leases  map[string][]Lease
	bridges map[string]string // bridge -> network name
}

// NewConnLookup wraps a connection.
func NewConnLookup(c *libvirt.Connect) *ConnLookup {
	return &ConnLookup{Conn: c, leases: map[string][]Lease{}}
}

// Leases returns the leases of the interface's network. A type=bridge
// interface (virt-install --network bridge=virbr0) is on the libvirt
// network that owns that bridge, so its leases are that network's.
func (l *ConnLookup) Leases(ifc Iface) ([]Lease, error) {
	name := ifc.Network
	if name == "" && ifc.Bridge != "" {
		if err := l.loadBridges(); err != nil {
			return nil, err
		}
		name = l.bridges[ifc.Bridge]
	}
	if name == "" {
		return nil, nil
	}
	if ls, ok := l.leases[name]; ok {
		return ls, nil
	}
	n, err := l.Conn.LookupNetworkByName(name)
	if err != nil {
		return nil, err
	}
	defer n.Free()
	raw, err := n.GetDHCPLeases()
	if err != nil {
		return nil, err
	}
	var out []Lease
	for _, r := range raw {
		out = append(out, Lease{MAC: r.Mac, IP: r.IPaddr, Hostname: r.Hostname, Expiry: r.ExpiryTime, ClientID: r.Clientid})
	}
	l.leases[name] = out
	return out, nil
}

func (l *ConnLookup) loadBridges() error {
	if l.bridges != nil {
		return nil
	}
	l.bridges = map[string]string{}
	nets, err := l.Conn.ListAllNetworks(0)
	if err != nil {
		return err
	}
	for i := range nets {
		name, _ := nets[i].GetName()
		if br, err := nets[i].GetBridgeName(); err == nil && br != "" {
			l.bridges[br] = name
		}
		_ = nets[i].Free()
	}
	return nil
}

// AgentAddresses asks the QEMU guest agent inside the domain.
func (l *ConnLookup) AgentAddresses(domain string) ([]IfAddr, error) {
	return l.ifAddrs(domain, libvirt.DOMAIN_INTERFACE_ADDRESSES_SRC_AGENT)
}

// ARPAddresses reads the hypervisor's ARP table for the domain's MACs.
func (l *ConnLookup) ARPAddresses(domain string) ([]IfAddr, error) {
	return l.ifAddrs(domain, libvirt.DOMAIN_INTERFACE_ADDRESSES_SRC_ARP)
}

func (l *ConnLookup) ifAddrs(domain string, src libvirt.DomainInterfaceAddressesSource) ([]IfAddr, error) {
	d, err := l.Conn.LookupDomainByName(domain)
	if err != nil {
		return nil, err
	}
	defer d.Free()
	ifs, err := d.ListAllInterfaceAddresses(src)
	if err != nil {
		return nil, err
	}
	var out []IfAddr
	for _, i := range ifs {
		a := IfAddr{Name: i.Name, MAC: strings.ToLower(i.Hwaddr)}
		for _, ip := range i.Addrs {
			a.IPs = append(a.IPs, ip.Addr)
		}
		out = append(out, a)
	}
	return out, nil
}
