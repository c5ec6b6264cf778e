package modules

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/playbook/play/modules/libvirtx"
	"libvirt.org/go/libvirt"
)

// existing converges a domain that is already defined.
func (r *viRun) existing(dom *libvirt.Domain) (*Result, error) {
	a := r.a
	st, _, err := dom.GetState()
	if err != nil {
		return r.fail("domain %s: %s", a.name, libvirtx.Msg(err))
	}
	state := libvirtx.StateName(st)
	doc, err := dom.GetXMLDesc(0)
	if err != nil {
		return r.fail("domain %s: %s", a.name, libvirtx.Msg(err))
	}
	facts, err := libvirtx.ParseFacts(doc)
	if err != nil {
		return r.fail("domain %s: reading its XML: %v", a.name, err)
	}
	r.res.Data["uuid"] = facts.UUID
	r.res.Data["state"] = state
	if a.state == "absent" {
		return r.remove(dom, facts, doc, state)
	}
	if before, after := r.compare(facts); len(before) > 0 {
		keys := viKeys(before)
		r.res.Diffs = append(r.res.Diffs, Diff{Path: "libvirt domain " + a.name, BeforeState: before, AfterState: after})
		// Redefining in place would not follow through: the disk overlay
		// and the cloud-init seed only take effect on a first boot.
		return r.fail("domain %s exists but differs from the task in: %s. virt_install does not redefine an existing guest; "+
			"remove it first (state: absent) to recreate it, or change the task to match", a.name, strings.Join(keys, ", "))
	}
	active := state != "shutoff" && state != "crashed" && state != "nostate"
	switch {
	case a.state == "running" && !active:
		r.res.Changed = true
		r.res.Diffs = append(r.res.Diffs, viStateDiff(a.name, state, "running"))
		r.res.Data["state"] = "running"
		if r.t.Check {
			r.res.Msg = fmt.Sprintf("would start domain %s", a.name)
			return r.res, nil
		}
		if err := dom.Create(); err != nil {
			return r.fail("start domain %s: %s%s", a.name, libvirtx.Msg(err), kvmHint(err))
		}
		r.res.Msg = fmt.Sprintf("domain %s started", a.name)
	case a.state == "running" && state == "paused":
		r.res.Changed = true
		r.res.Diffs = append(r.res.Diffs, viStateDiff(a.name, state, "running"))
		r.res.Data["state"] = "running"
		if !r.t.Check {
			if err := dom.Resume(); err != nil {
				return r.fail("resume domain %s: %s", a.name, libvirtx.Msg(err))
			}
		}
	case a.state == "stopped" && active:
		r.res.Changed = true
		r.res.Diffs = append(r.res.Diffs, viStateDiff(a.name, state, "shutoff"))
		r.res.Data["state"] = "shutoff"
		if r.t.Check {
			r.res.Msg = fmt.Sprintf("would stop domain %s", a.name)
			return r.res, nil
		}
		how, err := r.stop(dom)
		if err != nil {
			return r.fail("stop domain %s: %s", a.name, libvirtx.Msg(err))
		}
		r.res.Msg = fmt.Sprintf("domain %s %s", a.name, how)
	}
	if a.wait && r.res.Data["state"] == "running" {
		if r.t.Check && r.res.Changed {
			r.res.Msg += "; its address is only known once it runs"
			return r.res, nil
		}
		return r.waitAddress(dom)
	}
	return r.res, nil
}

// compare returns what the task states that the domain does not match,
// as before/after views. Only given params count; the parts the XML does
// not show are read from play's record in the domain's metadata (domains
// play did not create have none, and those parts are not compared).
func (r *viRun) compare(f *libvirtx.Facts) (before, after map[string]any) {
	a := r.a
	before, after = map[string]any{}, map[string]any{}
	differ := func(key string, have, want any) {
		if fmt.Sprint(have) != fmt.Sprint(want) {
			before[key], after[key] = have, want
		}
	}
	if a.memory > 0 {
		differ("memory", f.MemoryMiB, a.memory)
	}
	if a.vcpus > 0 {
		differ("vcpus", f.VCPUs, a.vcpus)
	}
	if a.virtType != "" {
		differ("virt_type", f.Type, a.virtType)
	}
	var ifc libvirtx.Iface
	if len(f.Ifaces) > 0 {
		ifc = f.Ifaces[0]
	}
	if n := a.net; n != nil {
		have := ifc.Type + "=" + ifc.Network
		if ifc.Type == "bridge" {
			have = "bridge=" + ifc.Bridge
		}
		differ("network", have, n.Type+"="+n.Source)
	}
	if a.mac != "" {
		differ("mac", ifc.MAC, a.mac)
	}
	for _, p := range [][3]string{{"kernel", f.Kernel, a.kernel}, {"initrd", f.Initrd, a.initrd}, {"cmdline", f.Cmdline, a.cmdline}} {
		if p[2] != "" {
			differ(p[0], p[1], p[2])
		}
	}
	if a.vars != nil {
		have := map[string]string{}
		if m, ok := f.Metadata["vars"].(map[string]any); ok {
			for k, v := range m {
				have[k] = fmt.Sprint(v)
			}
		}
		differ("metadata", viSortedMap(have), viSortedMap(a.vars))
	}
	rec, _ := f.Metadata["virt_install"].(map[string]any)
	if rec == nil {
		return before, after
	}
	want := a.record(nil)
	for _, k := range []string{"disk_size", "backing_store", "osinfo", "cloud_init"} {
		if w, given := want[k]; given {
			h, _ := rec[k].(string)
			differ(k, h, w)
		}
	}
	return before, after
}

// stop shuts the guest down gracefully (ACPI) and destroys it when it is
// still running after stop_timeout.
func (r *viRun) stop(dom *libvirt.Domain) (string, error) {
	if r.a.stopTimeout == 0 {
		return "destroyed", viDestroy(dom)
	}
	if err := dom.Shutdown(); err != nil {
		if err := viDestroy(dom); err != nil {
			return "", err
		}
		return "destroyed (shutdown refused)", nil
	}
	deadline := time.Now().Add(time.Duration(r.a.stopTimeout) * time.Second)
	for time.Now().Before(deadline) {
		if on, err := dom.IsActive(); err == nil && !on {
			return "shut down", nil
		}
		select {
		case <-r.ctx.Done():
			return "", r.ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
	if err := viDestroy(dom); err != nil {
		return "", err
	}
	return fmt.Sprintf("destroyed after a %ds graceful shutdown timeout", r.a.stopTimeout), nil
}

// viDestroy powers the guest off; one that went off by itself meanwhile
// (its shutdown finished just now) is not an error.
func viDestroy(dom *libvirt.Domain) error {
	err := dom.Destroy()
	if on, aerr := dom.IsActive(); err != nil && aerr == nil && !on {
		return nil
	}
	return err
}

// remove destroys and undefines the domain and deletes the volumes play
// created for it (all its disk volumes with remove_all_storage).
func (r *viRun) remove(dom *libvirt.Domain, f *libvirtx.Facts, doc, state string) (*Result, error) {
	a := r.a
	var vols []string
	if rec, ok := f.Metadata["virt_install"].(map[string]any); ok {
		if s, _ := rec["volumes"].(string); s != "" {
			vols = strings.Split(s, ",")
		}
	}
	if a.removeAllStorage {
		for _, d := range f.Disks {
			if !viContains(vols, d) {
				vols = append(vols, d)
			}
		}
	}
	r.res.Changed = true
	r.res.Data["state"] = "absent"
	r.res.Data["volumes"] = viAnyList(vols)
	r.res.Diffs = append(r.res.Diffs, Diff{Path: fmt.Sprintf("libvirt domain %s (%s, %s)", a.name, a.uri, state), Before: doc, AfterMissing: true})
	for _, v := range vols {
		r.res.Diffs = append(r.res.Diffs, Diff{Path: "libvirt volume " + v, Before: "(volume)\n", AfterMissing: true})
	}
	if r.t.Check {
		r.res.Msg = fmt.Sprintf("would remove domain %s and %d volume(s)", a.name, len(vols))
		return r.res, nil
	}
	how := "removed"
	if on, _ := dom.IsActive(); on {
		var err error
		if how, err = r.stop(dom); err != nil {
			return r.fail("stop domain %s: %s", a.name, libvirtx.Msg(err))
		}
		how += " and removed"
	}
	// NVRAM (UEFI guests) goes with the domain; drivers that know no
	// NVRAM (the test driver) reject the flag, so retry without it.
	if err := dom.UndefineFlags(libvirt.DOMAIN_UNDEFINE_NVRAM | libvirt.DOMAIN_UNDEFINE_MANAGED_SAVE); err != nil {
		if err2 := dom.Undefine(); err2 != nil {
			return r.fail("undefine domain %s: %s", a.name, libvirtx.Msg(err2))
		}
	}
	var problems []string
	for _, v := range vols {
		if err := r.deleteVolume(v); err != nil {
			problems = append(problems, fmt.Sprintf("%s: %s", v, libvirtx.Msg(err)))
		}
	}
	if len(problems) > 0 {
		return r.fail("domain %s removed, but deleting volumes failed: %s", a.name, strings.Join(problems, "; "))
	}
	r.releaseLeases(f, r.guestLeases(f))
	r.res.Msg = fmt.Sprintf("domain %s %s with %d volume(s)", a.name, how, len(vols))
	return r.res, nil
}

// deleteVolume deletes "pool/volume" or a volume given by its path; one
// that is already gone is not an error.
func (r *viRun) deleteVolume(ref string) error {
	var vol *libvirt.StorageVol
	var err error
	if strings.HasPrefix(ref, "/") {
		vol, err = r.c.LookupStorageVolByPath(ref)
	} else {
		poolName, name, _ := strings.Cut(ref, "/")
		var pool *libvirt.StoragePool
		if pool, err = r.c.LookupStoragePoolByName(poolName); err == nil {
			vol, err = pool.LookupStorageVolByName(name)
			_ = pool.Free()
		}
	}
	if err != nil {
		if libvirtx.IsNotFound(err) {
			return nil
		}
		return err
	}
	defer vol.Free()
	return vol.Delete(0)
}

func viStateDiff(name, before, after string) Diff {
	return Diff{Path: "libvirt domain " + name, BeforeState: map[string]any{"state": before}, AfterState: map[string]any{"state": after}}
}

func viKeys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// sortedMap renders a small map deterministically for comparison and diffs.
func viSortedMap(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, k+"="+strconv.Quote(m[k]))
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

func viContains(l []string, s string) bool {
	for _, e := range l {
		if e == s {
			return true
		}
	}
	return false
}
