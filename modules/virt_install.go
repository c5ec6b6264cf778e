package modules

import (
	"context"
	"fmt"

	"github.com/playbook/play/modules/libvirtx"
	"libvirt.org/go/libvirt"
)

func init() { Register(&virtInstallModule{}) }

// virtInstallModule creates, starts, stops and removes libvirt guests the
// way the labs used virt-install: a qcow2 overlay on a golden image and a
// cloud-init NoCloud seed. It talks to libvirt from the controller (uri
// may name a remote hypervisor), so it needs no connection to a host.
type virtInstallModule struct{}

func (virtInstallModule) Spec() *Spec {
	return &Spec{
		Name:            "virt_install",
		Doc:             "Create, start, stop or remove a libvirt guest (virt-install with cloud-init), from the controller",
		RunOnController: true,
		Params: []Param{
			{Name: "name", Required: true, Help: "domain name"},
			{Name: "uri", Default: libvirtx.DefaultURI, Help: "libvirt URI of the hypervisor: qemu:///system, qemu+ssh://user@host/system"},
			{Name: "state", Default: "running", Choices: []string{"present", "running", "stopped", "absent"}, Help: "present = defined; absent = destroyed, undefined and its volumes deleted"},
			{Name: "memory", Type: TypeInt, Help: "MiB (1024 when creating, if not given)"},
			{Name: "vcpus", Type: TypeInt, Help: "virtual CPUs (1 when creating, if not given)"},
			{Name: "disk", Type: TypeRaw, Help: "{size: GiB, backing_store: golden.qcow2, backing_format: qcow2} or 'size=10,backing_store=PATH'; the disk is a qcow2 volume <name>.qcow2 in pool"},
			{Name: "pool", Default: "default", Help: "storage pool for the disk and the cloud-init seed"},
			{Name: "cloud_init", Type: TypeDict, Help: "{user_data, meta_data, network_config}: each a mapping or a YAML string; attached as a NoCloud cidata ISO volume"},
			{Name: "network", Help: "libvirt network name (network=NAME also works) or bridge=BRIDGE; 'default' when creating, if not given"},
			{Name: "mac", Help: "MAC address of the interface (libvirt picks one if not given)"},
			{Name: "osinfo", Help: "OS short id (centos-stream9), recorded in the domain's metadata"},
			{Name: "virt_type", Choices: []string{"kvm", "qemu"}, Help: "kvm (default when creating) or qemu (TCG: no /dev/kvm needed, slow)"},
			{Name: "kernel", Type: TypePath, Help: "direct kernel boot: kernel path on the hypervisor"},
			{Name: "initrd", Type: TypePath, Help: "direct kernel boot: initrd path on the hypervisor"},
			{Name: "cmdline", Help: "direct kernel boot: kernel command line"},
			{Name: "metadata", Type: TypeDict, Help: "key: value pairs stored in the domain's <metadata> (the libvirt inventory shows them as libvirt_metadata.vars)"},
			{Name: "wait_for_address", Type: TypeBool, Default: false, Help: "wait until the guest has an address and return it"},
			{Name: "wait_timeout", Type: TypeInt, Default: 300, Help: "seconds to wait for the address"},
			{Name: "probe_port", Type: TypeInt, Default: 22, Help: "TCP port probed to pick the live lease when a MAC has several (0: never probe)"},
			{Name: "stop_timeout", Type: TypeInt, Help: "seconds a graceful shutdown may take before the guest is destroyed (state=stopped: default 60; state=absent: default 0, destroyed at once)"},
			{Name: "remove_all_storage", Type: TypeBool, Default: false, Help: "with state=absent, also delete disks play did not create (virsh undefine --remove-all-storage)"},
		},
	}
}

func (m virtInstallModule) Run(ctx context.Context, t *Task) (*Result, error) {
	a, err := parseVIArgs(t.Args)
	if err != nil {
		return failf("%v", err), nil
	}
	c, err := libvirtx.Open(a.uri)
	if err != nil {
		return failf("%v", err), nil
	}
	defer libvirtx.Close(c)
	r := &viRun{ctx: ctx, t: t, a: a, c: c, res: &Result{Data: map[string]any{"name": a.name, "uri": a.uri}}}
	dom, err := c.LookupDomainByName(a.name)
	switch {
	case err != nil && !libvirtx.IsNotFound(err):
		return failf("libvirt %s: %s", a.uri, libvirtx.Msg(err)), nil
	case err != nil && a.state == "absent":
		r.res.Msg = fmt.Sprintf("domain %s does not exist", a.name)
		r.res.Data["state"] = "absent"
		return r.res, nil
	case err != nil:
		return r.create()
	}
	defer dom.Free()
	return r.existing(dom)
}

// viRun is one virt_install invocation.
type viRun struct {
	ctx context.Context
	t   *Task
	a   *viArgs
	c   *libvirt.Connect
	res *Result
}

func (r *viRun) fail(format string, args ...any) (*Result, error) {
	r.res.Failed = true
	r.res.Msg = fmt.Sprintf(format, args...)
	return r.res, nil
}
