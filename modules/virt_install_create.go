package modules

import (
	"fmt"
	"strings"

	"github.com/playbook/play/modules/libvirtx"
	"libvirt.org/go/libvirt"
)

const gib = 1 << 30

// plannedVol is a storage volume virt_install is about to create.
type plannedVol struct {
	name, xml string
	data      []byte // uploaded after creation (the cidata ISO)
	show      string // what the diff shows
}

// create defines (and with state=running starts) a domain that does not
// exist yet. In check mode it stops after computing the XML it would define.
func (r *viRun) create() (*Result, error) {
	a := r.a
	spec := &libvirtx.DomainSpec{
		Name: a.name, VirtType: viOr(a.virtType, "kvm"), MemoryMiB: viOrInt(a.memory, 1024), VCPUs: viOrInt(a.vcpus, 1),
		Net: a.net, MAC: a.mac, Vars: a.vars,
	}
	spec.Boot.Kernel, spec.Boot.Initrd, spec.Boot.Cmdline = a.kernel, a.initrd, a.cmdline
	if spec.Net == nil {
		spec.Net = &libvirtx.NetSpec{Type: "network", Source: "default"}
	}
	var vols []plannedVol
	var pool *libvirt.StoragePool
	if a.disk != nil || a.seed != nil {
		p, err := r.c.LookupStoragePoolByName(a.pool)
		if err != nil {
			return r.fail("storage pool '%s' on %s: %s; create it (virsh pool-define-as %s dir --target /var/lib/libvirt/images && virsh pool-start %s) or set pool",
				a.pool, a.uri, libvirtx.Msg(err), a.pool, a.pool)
		}
		defer p.Free()
		pool = p
	}
	if a.disk != nil {
		v, err := r.planDisk(pool)
		if err != nil {
			return r.fail("%v", err)
		}
		vols = append(vols, v)
		spec.Disk = &libvirtx.VolRef{Pool: a.pool, Volume: v.name, Format: "qcow2"}
	}
	if a.seed != nil {
		iso, err := a.seed.ISO()
		if err != nil {
			return r.fail("cloud-init seed: %v", err)
		}
		name := a.name + "-cidata.iso"
		x, err := libvirtx.VolumeXML(name, "raw", uint64(len(iso)), "", "")
		if err != nil {
			return nil, err
		}
		var show strings.Builder
		show.WriteString(x)
		for _, f := range a.seed.Files() {
			fmt.Fprintf(&show, "\n--- %s (in the ISO, label cidata) ---\n%s", f[0], f[1])
		}
		vols = append(vols, plannedVol{name: name, xml: x, data: iso, show: show.String()})
		spec.Cidata = &libvirtx.VolRef{Pool: a.pool, Volume: name}
	}
	for _, v := range vols {
		if vol, err := pool.LookupStorageVolByName(v.name); err == nil {
			_ = vol.Free()
			return r.fail("volume %s already exists in pool %s but domain %s does not: it is left from something else; delete it (virsh vol-delete %s --pool %s) or pick another name",
				v.name, a.pool, a.name, v.name, a.pool)
		}
	}
	var volNames []string
	for _, v := range vols {
		volNames = append(volNames, a.pool+"/"+v.name)
	}
	spec.Record = a.record(volNames)
	domXML, err := spec.DomainXML()
	if err != nil {
		return r.fail("%v", err)
	}
	r.res.Changed = true
	r.res.Diffs = append(r.res.Diffs, Diff{Path: fmt.Sprintf("libvirt domain %s (%s)", a.name, a.uri), BeforeMissing: true, After: domXML + "\n"})
	for _, v := range vols {
		r.res.Diffs = append(r.res.Diffs, Diff{Path: fmt.Sprintf("libvirt volume %s/%s", a.pool, v.name), BeforeMissing: true, After: v.show + "\n"})
	}
	r.res.Data["volumes"] = viAnyList(volNames)
	r.res.Data["xml"] = domXML
	if r.t.Check {
		r.res.Msg = fmt.Sprintf("would define domain %s", a.name)
		r.res.Data["state"] = "shutoff"
		if a.state == "running" {
			r.res.Msg = fmt.Sprintf("would define and start domain %s", a.name)
			r.res.Data["state"] = "running"
		}
		return r.res, nil
	}
	if err := r.createVolumes(pool, vols); err != nil {
		return r.fail("%v", err)
	}
	dom, err := r.c.DomainDefineXML(domXML)
	if err != nil {
		r.deleteVolumes(pool, vols)
		return r.fail("define domain %s: %s%s", a.name, libvirtx.Msg(err), kvmHint(err))
	}
	defer dom.Free()
	if uuid, err := dom.GetUUIDString(); err == nil {
		r.res.Data["uuid"] = uuid
	}
	r.res.Msg = fmt.Sprintf("domain %s defined", a.name)
	r.res.Data["state"] = "shutoff"
	if a.state == "running" {
		if err := dom.Create(); err != nil {
			return r.fail("domain %s defined, but starting it failed: %s%s", a.name, libvirtx.Msg(err), kvmHint(err))
		}
		r.res.Msg = fmt.Sprintf("domain %s defined and started", a.name)
		r.res.Data["state"] = "running"
		if a.wait {
			return r.waitAddress(dom)
		}
	}
	return r.res, nil
}

// planDisk computes the main disk volume: a qcow2 overlay on backing_store
// (as big as the golden image unless size says otherwise), or an empty
// qcow2 of size GiB.
func (r *viRun) planDisk(pool *libvirt.StoragePool) (plannedVol, error) {
	d := r.a.disk
	capacity := uint64(d.sizeGiB) * gib
	if d.backing != "" && capacity == 0 {
		bv, err := r.c.LookupStorageVolByPath(d.backing)
		if err != nil {
			return plannedVol{}, fmt.Errorf("disk: backing_store %s is not a volume of any storage pool on %s (%s): give disk size in GiB",
				d.backing, r.a.uri, libvirtx.Msg(err))
		}
		info, err := bv.GetInfo()
		_ = bv.Free()
		if err != nil {
			return plannedVol{}, err
		}
		capacity = info.Capacity
	}
	name := r.a.name + ".qcow2"
	x, err := libvirtx.VolumeXML(name, "qcow2", capacity, d.backing, d.backingFormat)
	return plannedVol{name: name, xml: x, show: x}, err
}

// createVolumes creates the planned volumes, uploading their data; on a
// failure the ones already created are deleted again.
func (r *viRun) createVolumes(pool *libvirt.StoragePool, vols []plannedVol) error {
	for i, v := range vols {
		vol, err := pool.StorageVolCreateXML(v.xml, 0)
		if err != nil {
			r.deleteVolumes(pool, vols[:i])
			return fmt.Errorf("create volume %s/%s: %s", r.a.pool, v.name, libvirtx.Msg(err))
		}
		if v.data != nil {
			err = r.upload(vol, v.data)
		}
		_ = vol.Free()
		if err != nil {
			r.deleteVolumes(pool, vols[:i+1])
			return fmt.Errorf("upload volume %s/%s: %s", r.a.pool, v.name, libvirtx.Msg(err))
		}
	}
	return nil
}

// upload streams data into a volume through libvirt, so the hypervisor may
// be remote (qemu+ssh://): nothing is copied with scp.
func (r *viRun) upload(vol *libvirt.StorageVol, data []byte) error {
	st, err := r.c.NewStream(0)
	if err != nil {
		return err
	}
	defer st.Free()
	if err := vol.Upload(st, 0, uint64(len(data)), 0); err != nil {
		return err
	}
	for off := 0; off < len(data); {
		n, err := st.Send(data[off:])
		if err != nil {
			_ = st.Abort()
			return err
		}
		off += n
	}
	return st.Finish()
}

func (r *viRun) deleteVolumes(pool *libvirt.StoragePool, vols []plannedVol) {
	for _, v := range vols {
		if vol, err := pool.LookupStorageVolByName(v.name); err == nil {
			_ = vol.Delete(0)
			_ = vol.Free()
		}
	}
}

// kvmHint explains the error libvirt gives when asked for KVM on a machine
// without /dev/kvm.
func kvmHint(err error) string {
	if m := libvirtx.Msg(err); strings.Contains(m, "domaintype=kvm") || strings.Contains(m, "/dev/kvm") {
		return "; this hypervisor has no usable KVM: set virt_type: qemu (TCG emulation, slower)"
	}
	return ""
}

func viOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func viOrInt(n, def int) int {
	if n == 0 {
		return def
	}
	return n
}

func viAnyList(l []string) []any {
	out := make([]any, 0, len(l))
	for _, s := range l {
		out = append(out, s)
	}
	return out
}
