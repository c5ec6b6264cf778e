package libvirtx

import (
	"encoding/xml"
	"strings"

	"libvirt.org/go/libvirtxml"
)

// Facts are the parts of a domain's XML that play reports and compares.
type Facts struct {
	Name      string
	UUID      string
	Type      string // the domain type: kvm, qemu, test...
	Kernel    string // direct kernel boot, when used
	Initrd    string
	Cmdline   string
	VCPUs     int
	MemoryMiB int
	Ifaces    []Iface
	Disks     []string // source files or pool/volume names, in device order
	// Metadata is the domain's <metadata>, one entry per child element
	// (keyed by its local name): an element holding elements becomes a
	// map of their local names to text (or to their attributes when they
	// have no text); an element with only text becomes that text.
	Metadata map[string]any
}

// ParseFacts reads a domain XML document (virsh dumpxml).
func ParseFacts(doc string) (*Facts, error) {
	var d libvirtxml.Domain
	if err := d.Unmarshal(doc); err != nil {
		return nil, err
	}
	f := &Facts{Name: d.Name, UUID: d.UUID, Type: d.Type, Metadata: map[string]any{}}
	if d.OS != nil {
		f.Kernel, f.Initrd, f.Cmdline = d.OS.Kernel, d.OS.Initrd, d.OS.Cmdline
	}
	if d.VCPU != nil {
		f.VCPUs = int(d.VCPU.Value)
	}
	if d.Memory != nil {
		f.MemoryMiB = int(toKiB(d.Memory.Value, d.Memory.Unit) / 1024)
	}
	if d.Devices != nil {
		for _, n := range d.Devices.Interfaces {
			f.Ifaces = append(f.Ifaces, ifaceOf(n))
		}
		for _, disk := range d.Devices.Disks {
			if s := diskSource(disk); s != "" {
				f.Disks = append(f.Disks, s)
			}
		}
	}
	if d.Metadata != nil {
		f.Metadata = parseMetadata(d.Metadata.XML)
	}
	return f, nil
}

func ifaceOf(n libvirtxml.DomainInterface) Iface {
	var i Iface
	if n.MAC != nil {
		i.MAC = strings.ToLower(n.MAC.Address)
	}
	if n.Model != nil {
		i.Model = n.Model.Type
	}
	if s := n.Source; s != nil {
		switch {
		case s.Network != nil:
			i.Type, i.Network, i.Bridge = "network", s.Network.Network, s.Network.Bridge
		case s.Bridge != nil:
			i.Type, i.Bridge = "bridge", s.Bridge.Bridge
		case s.User != nil:
			i.Type = "user"
		case s.Direct != nil:
			i.Type = "direct"
		}
	}
	return i
}

func diskSource(d libvirtxml.DomainDisk) string {
	s := d.Source
	if s == nil {
		return ""
	}
	switch {
	case s.File != nil:
		return s.File.File
	case s.Block != nil:
		return s.Block.Dev
	case s.Volume != nil:
		return s.Volume.Pool + "/" + s.Volume.Volume
	}
	return ""
}

// toKiB converts a libvirt memory amount; libvirt's default unit is KiB.
func toKiB(v uint, unit string) uint64 {
	n := uint64(v)
	switch strings.ToLower(unit) {
	case "b", "bytes":
		return n / 1024
	case "", "k", "kib":
		return n
	case "kb":
		return n * 1000 / 1024
	case "m", "mib":
		return n * 1024
	case "mb":
		return n * 1000 * 1000 / 1024
	case "g", "gib":
		return n * 1024 * 1024
	case "gb":
		return n * 1000 * 1000 * 1000 / 1024
	}
	return n
}

// xmlNode is a generic element for reading free-form metadata.
type xmlNode struct {
	XMLName xml.Name
	Attrs   []xml.Attr `xml:",any,attr"`
	Text    string     `xml:",chardata"`
	Kids    []xmlNode  `xml:",any"`
}

func parseMetadata(inner string) map[string]any {
	out := map[string]any{}
	dec := xml.NewDecoder(strings.NewReader(inner))
	for {
		var n xmlNode
		// Decode skips text between elements; EOF or malformed
		// metadata ends the walk with what was read so far.
		if err := dec.Decode(&n); err != nil {
			return out
		}
		out[n.XMLName.Local] = nodeValue(n)
	}
}

func nodeValue(n xmlNode) any {
	if len(n.Kids) == 0 {
		if t := strings.TrimSpace(n.Text); t != "" || len(n.Attrs) == 0 {
			return t
		}
		attrs := map[string]any{}
		for _, a := range n.Attrs {
			if a.Name.Space != "xmlns" && a.Name.Local != "xmlns" {
				attrs[a.Name.Local] = a.Value
			}
		}
		return attrs
	}
	m := map[string]any{}
	for _, k := range n.Kids {
		m[k.XMLName.Local] = nodeValue(k)
	}
	return m
}
