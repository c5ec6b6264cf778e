package libvirtx

import (
	"encoding/xml"
	"fmt"
	"sort"
	"strings"

	"libvirt.org/go/libvirtxml"
)

// Namespaces of the <metadata> elements play writes. Each metadata element
// needs its own namespace; the local names ("vars", "virt_install") are
// the keys the inventory's libvirt_metadata shows them under.
const (
	VarsNS   = "https://github.com/playbook/play"
	RecordNS = "https://github.com/playbook/play/virt_install"
)

// DomainSpec is what virt_install asks for; zero values mean "not given".
type DomainSpec struct {
	Name      string
	VirtType  string // kvm, qemu (or test on test:///)
	MemoryMiB int
	VCPUs     int
	// Disk is the main disk, a volume in a storage pool (nil: none).
	Disk *VolRef
	// Cidata is the cloud-init seed volume, attached as a CD-ROM.
	Cidata *VolRef
	// Net is the network: Type "network" (a libvirt network) or "bridge".
	Net  *NetSpec
	MAC  string
	Boot struct{ Kernel, Initrd, Cmdline string }
	// Vars go in <metadata> as <play:vars><key>value</key>... for the
	// inventory's keyed_groups.
	Vars map[string]string
	// Record is what play remembers about the spec that the domain XML
	// cannot show (disk size, backing store, osinfo, cloud-init digest),
	// so a later run can tell whether the task still matches.
	Record map[string]string
}

// VolRef names a storage volume.
type VolRef struct{ Pool, Volume, Format string }

// NetSpec is one network attachment.
type NetSpec struct{ Type, Source string }

// DomainXML renders the domain definition for a spec.
func (s *DomainSpec) DomainXML() (string, error) {
	d := &libvirtxml.Domain{
		Type:       s.VirtType,
		Name:       s.Name,
		Memory:     &libvirtxml.DomainMemory{Value: uint(s.MemoryMiB), Unit: "MiB"},
		VCPU:       &libvirtxml.DomainVCPU{Value: uint(s.VCPUs)},
		OnPoweroff: "destroy",
		OnReboot:   "restart",
		OnCrash:    "destroy",
		OS: &libvirtxml.DomainOS{
			Type:    &libvirtxml.DomainOSType{Type: "hvm"},
			Kernel:  s.Boot.Kernel,
			Initrd:  s.Boot.Initrd,
			Cmdline: s.Boot.Cmdline,
		},
		Features: &libvirtxml.DomainFeatureList{ACPI: &libvirtxml.DomainFeature{}, APIC: &libvirtxml.DomainFeatureAPIC{}},
		Devices:  &libvirtxml.DomainDeviceList{},
	}
	if s.Boot.Kernel == "" {
		d.OS.BootDevices = []libvirtxml.DomainBootDevice{{Dev: "hd"}}
	}
	meta, err := s.metadataXML()
	if err != nil {
		return "", err
	}
	if meta != "" {
		d.Metadata = &libvirtxml.DomainMetadata{XML: meta}
	}
	dev := d.Devices
	if v := s.Disk; v != nil {
		dev.Disks = append(dev.Disks, libvirtxml.DomainDisk{
			Device: "disk",
			Driver: &libvirtxml.DomainDiskDriver{Name: "qemu", Type: v.Format},
			Source: &libvirtxml.DomainDiskSource{Volume: &libvirtxml.DomainDiskSourceVolume{Pool: v.Pool, Volume: v.Volume}},
			Target: &libvirtxml.DomainDiskTarget{Dev: "vda", Bus: "virtio"},
		})
	}
	if v := s.Cidata; v != nil {
		// A CD-ROM on virtio-scsi, not SATA: cloud kernels (Debian's
		// linux-image-cloud-amd64) have no AHCI driver, and a seed the
		// guest cannot see means no user and no SSH key. Every cloud
		// image has virtio-scsi, sr and iso9660.
		dev.Controllers = append(dev.Controllers, libvirtxml.DomainController{Type: "scsi", Model: "virtio-scsi"})
		dev.Disks = append(dev.Disks, libvirtxml.DomainDisk{
			Device:   "cdrom",
			Driver:   &libvirtxml.DomainDiskDriver{Name: "qemu", Type: "raw"},
			Source:   &libvirtxml.DomainDiskSource{Volume: &libvirtxml.DomainDiskSourceVolume{Pool: v.Pool, Volume: v.Volume}},
			Target:   &libvirtxml.DomainDiskTarget{Dev: "sda", Bus: "scsi"},
			ReadOnly: &libvirtxml.DomainDiskReadOnly{},
		})
	}
	if n := s.Net; n != nil {
		ifc := libvirtxml.DomainInterface{
			Source: &libvirtxml.DomainInterfaceSource{},
			Model:  &libvirtxml.DomainInterfaceModel{Type: "virtio"},
		}
		if n.Type == "bridge" {
			ifc.Source.Bridge = &libvirtxml.DomainInterfaceSourceBridge{Bridge: n.Source}
		} else {
			ifc.Source.Network = &libvirtxml.DomainInterfaceSourceNetwork{Network: n.Source}
		}
		if s.MAC != "" {
			ifc.MAC = &libvirtxml.DomainInterfaceMAC{Address: s.MAC}
		}
		dev.Interfaces = append(dev.Interfaces, ifc)
	}
	// A pty serial console (virsh console) and the guest agent channel,
	// which the address lookup falls back to when there is no lease.
	dev.Serials = []libvirtxml.DomainSerial{{Source: &libvirtxml.DomainChardevSource{Pty: &libvirtxml.DomainChardevSourcePty{}}}}
	dev.Consoles = []libvirtxml.DomainConsole{{
		Source: &libvirtxml.DomainChardevSource{Pty: &libvirtxml.DomainChardevSourcePty{}},
		Target: &libvirtxml.DomainConsoleTarget{Type: "serial"},
	}}
	dev.Channels = []libvirtxml.DomainChannel{{
		Source: &libvirtxml.DomainChardevSource{UNIX: &libvirtxml.DomainChardevSourceUNIX{Mode: "bind"}},
		Target: &libvirtxml.DomainChannelTarget{VirtIO: &libvirtxml.DomainChannelTargetVirtIO{Name: "org.qemu.guest_agent.0"}},
	}}
	dev.RNGs = []libvirtxml.DomainRNG{{Model: "virtio", Backend: &libvirtxml.DomainRNGBackend{Random: &libvirtxml.DomainRNGBackendRandom{Device: "/dev/urandom"}}}}
	return d.Marshal()
}

// metadataXML renders play's two metadata elements, keys sorted so the
// same spec always gives the same XML.
func (s *DomainSpec) metadataXML() (string, error) {
	var b strings.Builder
	for _, el := range []struct {
		prefix, local, ns string
		kv                map[string]string
	}{{"play", "vars", VarsNS, s.Vars}, {"playvi", "virt_install", RecordNS, s.Record}} {
		if len(el.kv) == 0 {
			continue
		}
		fmt.Fprintf(&b, "<%s:%s xmlns:%s=%q>", el.prefix, el.local, el.prefix, el.ns)
		keys := make([]string, 0, len(el.kv))
		for k := range el.kv {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if !validXMLName(k) {
				return "", fmt.Errorf("metadata key %q is not usable as an XML element name (letters, digits, _ - .; not starting with a digit)", k)
			}
			fmt.Fprintf(&b, "<%s:%s>", el.prefix, k)
			if err := xml.EscapeText(&b, []byte(el.kv[k])); err != nil {
				return "", err
			}
			fmt.Fprintf(&b, "</%s:%s>", el.prefix, k)
		}
		fmt.Fprintf(&b, "</%s:%s>", el.prefix, el.local)
	}
	return b.String(), nil
}

func validXMLName(s string) bool {
	if s == "" || strings.HasPrefix(strings.ToLower(s), "xml") {
		return false
	}
	for i, r := range s {
		switch {
		case r == '_' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z'):
		case i > 0 && (r == '-' || r == '.' || (r >= '0' && r <= '9')):
		default:
			return false
		}
	}
	return true
}

// VolumeXML renders a storage volume: a qcow2 overlay when backing is set
// (the golden image is never written), else an empty volume.
func VolumeXML(name, format string, capacityBytes uint64, backing, backingFormat string) (string, error) {
	v := &libvirtxml.StorageVolume{
		Name:     name,
		Capacity: &libvirtxml.StorageVolumeSize{Value: capacityBytes, Unit: "bytes"},
		Target:   &libvirtxml.StorageVolumeTarget{Format: &libvirtxml.StorageVolumeTargetFormat{Type: format}},
	}
	if backing != "" {
		v.BackingStore = &libvirtxml.StorageVolumeBackingStore{
			Path:   backing,
			Format: &libvirtxml.StorageVolumeTargetFormat{Type: backingFormat},
		}
	}
	return v.Marshal()
}
