package modules

import (
	"context"
	"fmt"
	"net/url"
	"os/exec"
	"strings"
	"time"

	"github.com/playbook/play/modules/libvirtx"
)

// A removed guest's DHCP leases outlive it: libvirt has no API to delete
// one, and Debian's systemd-networkd sends no DHCPRELEASE at poweroff. The
// next guest with that name then has two leases, and anything that reads
// the network's lease table (virsh net-dhcp-leases, the libvirt inventory)
// sees a dead address until the lease expires, an hour later by default.
// On a local hypervisor, dnsmasq's own dhcp_release tool (package
// dnsmasq-utils) hands each lease back to the libvirt network's dnsmasq,
// which drops it from libvirt's lease file too. Elsewhere the leases that
// stay are reported, not silently left.

// viLease is one lease of a removed guest and the bridge it was given on.
type viLease struct {
	bridge string
	lease  libvirtx.Lease
}

// guestLeases lists the leases the guest's interfaces hold, by MAC.
func (r *viRun) guestLeases(f *libvirtx.Facts) []viLease {
	lookup := libvirtx.NewConnLookup(r.c)
	var out []viLease
	for _, ifc := range f.Ifaces {
		leases, err := lookup.Leases(ifc)
		if err != nil || len(leases) == 0 {
			continue
		}
		bridge := ifc.Bridge
		if ifc.Network != "" {
			if n, err := r.c.LookupNetworkByName(ifc.Network); err == nil {
				if b, err := n.GetBridgeName(); err == nil && b != "" {
					bridge = b
				}
				_ = n.Free()
			}
		}
		for _, l := range leases {
			if strings.EqualFold(l.MAC, ifc.MAC) {
				out = append(out, viLease{bridge: bridge, lease: l})
			}
		}
	}
	return out
}

// releaseLeases gives back the leases of a guest that is gone, and warns
// about those that stay.
func (r *viRun) releaseLeases(f *libvirtx.Facts, leases []viLease) {
	if len(leases) == 0 {
		return
	}
	var addrs []string
	for _, l := range leases {
		addrs = append(addrs, l.lease.IP)
	}
	tool, err := exec.LookPath("dhcp_release")
	switch {
	case !viLocalURI(r.a.uri):
		r.res.Warnings = append(r.res.Warnings, fmt.Sprintf("DHCP lease(s) %s of %s stay on the hypervisor until they expire: "+
			"libvirt has no call to delete a lease, and %s is a remote hypervisor", strings.Join(addrs, ", "), r.a.name, r.a.uri))
		return
	case err != nil:
		r.res.Warnings = append(r.res.Warnings, fmt.Sprintf("DHCP lease(s) %s of %s stay until they expire: "+
			"install dnsmasq-utils (dhcp_release) on this hypervisor so state=absent can hand them back", strings.Join(addrs, ", "), r.a.name))
		return
	}
	var released, failed []string
	for _, l := range leases {
		if l.bridge == "" || strings.Contains(l.lease.IP, ":") { // dhcp_release is IPv4 only
			failed = append(failed, l.lease.IP)
			continue
		}
		ctx, cancel := context.WithTimeout(r.ctx, 10*time.Second)
		// dnsmasq ignores a release whose client id differs from the
		// lease's, and systemd-networkd sends one (a DUID) by default.
		args := []string{l.bridge, l.lease.IP, l.lease.MAC}
		if l.lease.ClientID != "" {
			args = append(args, l.lease.ClientID)
		}
		out, err := exec.CommandContext(ctx, tool, args...).CombinedOutput()
		cancel()
		if err != nil {
			failed = append(failed, fmt.Sprintf("%s (%v: %s)", l.lease.IP, err, strings.TrimSpace(string(out))))
			continue
		}
		released = append(released, l.lease.IP)
	}
	// dnsmasq drops a released lease from libvirt's table through its
	// lease script, which it runs one at a time after answering: wait
	// until the table no longer has them, so "released" is true when the
	// task returns.
	if len(released) > 0 {
		r.waitLeasesGone(f, released)
	}
	r.res.Data["leases_released"] = viAnyList(released)
	if len(failed) > 0 {
		r.res.Warnings = append(r.res.Warnings, fmt.Sprintf("DHCP lease(s) of %s not released: %s", r.a.name, strings.Join(failed, ", ")))
	}
}

// waitLeasesGone polls the guest's leases for up to 10 s until none of the
// released addresses is listed; what is still there then is a warning.
func (r *viRun) waitLeasesGone(f *libvirtx.Facts, released []string) {
	deadline := time.Now().Add(10 * time.Second)
	for {
		var left []string
		for _, l := range r.guestLeases(f) {
			if viContains(released, l.lease.IP) {
				left = append(left, l.lease.IP)
			}
		}
		if len(left) == 0 {
			return
		}
		if time.Now().After(deadline) {
			r.res.Warnings = append(r.res.Warnings, fmt.Sprintf("DHCP lease(s) %s of %s released, but libvirt still lists them",
				strings.Join(left, ", "), r.a.name))
			return
		}
		select {
		case <-r.ctx.Done():
			return
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// viLocalURI: a URI without a host names the libvirtd of this machine,
// where dnsmasq and its lease files are.
func viLocalURI(uri string) bool {
	u, err := url.Parse(uri)
	return err == nil && u.Host == ""
}
