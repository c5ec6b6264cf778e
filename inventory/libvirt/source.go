package libvirt

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/playbook/play/engine/diag"
	"github.com/playbook/play/engine/template"
	"github.com/playbook/play/inventory"
	"github.com/playbook/play/modules/libvirtx"
	"libvirt.org/go/libvirt"
)

type source struct{ cfg *config }

// domain is what the source read about one libvirt domain.
type domain struct {
	state string
	facts *libvirtx.Facts
}

// Populate lists the hypervisor's domains and adds one host per domain
// that passes the filters.
func (s *source) Populate(inv *inventory.Inventory) error {
	c, err := libvirtx.Open(s.cfg.uri)
	if err != nil {
		return err
	}
	defer libvirtx.Close(c)
	doms, err := readDomains(c)
	if err != nil {
		return fmt.Errorf("libvirt %s: %v", s.cfg.uri, err)
	}
	r := &libvirtx.Resolver{Lookup: libvirtx.NewConnLookup(c), Probe: s.probe()}
	return s.build(inv, doms, r)
}

func (s *source) probe() func(string) bool {
	if s.cfg.probePort == 0 {
		return func(string) bool { return false }
	}
	port := s.cfg.probePort
	return func(ip string) bool { return libvirtx.ProbeTCP(ip, port, 2*time.Second) }
}

func readDomains(c *libvirt.Connect) ([]domain, error) {
	list, err := c.ListAllDomains(0)
	if err != nil {
		return nil, err
	}
	var out []domain
	for i := range list {
		d := &list[i]
		st, _, err := d.GetState()
		var doc string
		if err == nil {
			doc, err = d.GetXMLDesc(0) // the live XML: the MACs in use now
		}
		_ = d.Free()
		if libvirtx.IsNotFound(err) {
			continue // undefined between the listing and now
		}
		if err != nil {
			return nil, err
		}
		f, err := libvirtx.ParseFacts(doc)
		if err != nil {
			return nil, err
		}
		out = append(out, domain{state: libvirtx.StateName(st), facts: f})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].facts.Name < out[j].facts.Name })
	return out, nil
}

// build adds the hosts; split from Populate so tests can feed domains and
// a fake Lookup.
func (s *source) build(inv *inventory.Inventory, doms []domain, r *libvirtx.Resolver) error {
	tmpl := template.New()
	pos := diag.Pos{File: s.cfg.path}
	var errs []string
	for _, d := range doms {
		name := d.facts.Name
		if s.cfg.nameFilter != nil && !s.cfg.nameFilter.MatchString(name) {
			continue
		}
		if s.cfg.states != nil && !s.cfg.states[d.state] {
			continue
		}
		vars := hostVars(d)
		if d.state == "running" {
			addr, ok, why := r.Resolve(name, d.facts.Ifaces)
			if ok {
				vars["ansible_host"] = addr.IP
				vars["libvirt_address_source"] = addr.Source
				vars["libvirt_addresses"] = toAny(addr.Candidates)
			} else {
				inv.Warn(pos, "the host is listed without ansible_host; connecting to it by name will likely fail",
					fmt.Sprintf("libvirt domain '%s' (running) has no known address: %s", name, strings.Join(why, "; ")))
			}
		} else {
			inv.Warn(pos, "", fmt.Sprintf("libvirt domain '%s' is %s: listed without an address", name, d.state))
		}
		groups, err := s.groupsFor(tmpl, name, vars)
		if err != nil {
			errs = append(errs, err.Error())
			continue
		}
		inv.AddHostAt(name, groups.names, vars, pos)
		for _, pc := range groups.parents {
			if err := inv.AddChild(pc[0], pc[1]); err != nil {
				errs = append(errs, err.Error())
			}
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("%s", strings.Join(errs, "; "))
	}
	return nil
}

// hostVars are the variables every libvirt host gets.
func hostVars(d domain) map[string]any {
	f := d.facts
	var macs, networks []any
	var ifaces []any
	seen := map[string]bool{}
	for _, i := range f.Ifaces {
		macs = append(macs, i.MAC)
		net := i.Network
		if net == "" {
			net = i.Bridge
		}
		if net != "" && !seen[net] {
			seen[net] = true
			networks = append(networks, net)
		}
		ifaces = append(ifaces, map[string]any{"mac": i.MAC, "type": i.Type, "network": i.Network, "bridge": i.Bridge, "model": i.Model})
	}
	return map[string]any{
		"libvirt_uuid":       f.UUID,
		"libvirt_state":      d.state,
		"libvirt_vcpus":      f.VCPUs,
		"libvirt_memory_mib": f.MemoryMiB,
		"libvirt_macs":       orEmpty(macs),
		"libvirt_networks":   orEmpty(networks),
		"libvirt_interfaces": orEmpty(ifaces),
		"libvirt_disks":      toAny(f.Disks),
		"libvirt_metadata":   f.Metadata,
	}
}

func toAny(l []string) []any {
	out := make([]any, 0, len(l))
	for _, s := range l {
		out = append(out, s)
	}
	return out
}

func orEmpty(l []any) []any {
	if l == nil {
		return []any{}
	}
	return l
}
