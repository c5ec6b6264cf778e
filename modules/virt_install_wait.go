package modules

import (
	"fmt"
	"strings"
	"time"

	"github.com/playbook/play/modules/libvirtx"
	"libvirt.org/go/libvirt"
)

// waitAddress polls the guest's address (DHCP lease, then guest agent,
// then ARP; as the libvirt inventory resolves it) until wait_timeout.
func (r *viRun) waitAddress(dom *libvirt.Domain) (*Result, error) {
	a := r.a
	doc, err := dom.GetXMLDesc(0)
	if err != nil {
		return r.fail("domain %s: %s", a.name, libvirtx.Msg(err))
	}
	// The XML is read after the start: libvirt has filled in the MAC.
	facts, err := libvirtx.ParseFacts(doc)
	if err != nil {
		return r.fail("domain %s: %v", a.name, err)
	}
	probe := func(string) bool { return false }
	if a.probePort > 0 {
		probe = func(ip string) bool { return libvirtx.ProbeTCP(ip, a.probePort, 2*time.Second) }
	}
	deadline := time.Now().Add(time.Duration(a.waitTimeout) * time.Second)
	for {
		// A fresh lookup each round: leases appear while we wait.
		res := &libvirtx.Resolver{Lookup: libvirtx.NewConnLookup(r.c), Probe: probe}
		addr, ok, why := res.Resolve(a.name, facts.Ifaces)
		if ok {
			r.res.Data["address"] = addr.IP
			r.res.Data["address_source"] = addr.Source
			r.res.Data["addresses"] = viAnyList(addr.Candidates)
			return r.res, nil
		}
		if !time.Now().Before(deadline) {
			return r.fail("domain %s has no address after %ds: %s", a.name, a.waitTimeout, strings.Join(why, "; "))
		}
		select {
		case <-r.ctx.Done():
			return nil, fmt.Errorf("waiting for the address of %s: %w", a.name, r.ctx.Err())
		case <-time.After(2 * time.Second):
		}
	}
}
