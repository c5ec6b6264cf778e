package modules

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"

	"github.com/playbook/play/modules/libvirtx"
)

// viArgs are virt_install's arguments, parsed. Zero values mean "not
// given": an existing domain is only compared on what the task states.
type viArgs struct {
	uri, name, state, pool   string
	memory, vcpus            int
	virtType, osinfo, mac    string
	kernel, initrd, cmdline  string
	disk                     *viDisk
	net                      *libvirtx.NetSpec
	seed                     *libvirtx.Seed
	vars                     map[string]string
	wait                     bool
	waitTimeout, stopTimeout int
	probePort                int
	removeAllStorage         bool
}

// viDisk is the disk param: virt-install's --disk size=10,backing_store=X.
type viDisk struct {
	sizeGiB       int
	backing       string
	backingFormat string
}

func parseVIArgs(a map[string]any) (*viArgs, error) {
	v := &viArgs{
		uri: Str(a, "uri"), name: Str(a, "name"), state: Str(a, "state"), pool: Str(a, "pool"),
		memory: Int(a, "memory"), vcpus: Int(a, "vcpus"), virtType: Str(a, "virt_type"),
		osinfo: Str(a, "osinfo"), mac: strings.ToLower(Str(a, "mac")),
		kernel: Str(a, "kernel"), initrd: Str(a, "initrd"), cmdline: Str(a, "cmdline"),
		wait: Bool(a, "wait_for_address"), waitTimeout: Int(a, "wait_timeout"),
		probePort:        Int(a, "probe_port"),
		removeAllStorage: Bool(a, "remove_all_storage"),
	}
	// stopped shuts down gracefully by default; absent destroys at once,
	// as virsh destroy, unless given time to shut down cleanly (the
	// guest's OS then stops its services and flushes its disks).
	switch {
	case Has(a, "stop_timeout"):
		v.stopTimeout = Int(a, "stop_timeout")
		if v.stopTimeout < 0 {
			return nil, fmt.Errorf("stop_timeout: %d is negative; give seconds (0 = destroy at once)", v.stopTimeout)
		}
	case v.state == "stopped":
		v.stopTimeout = 60
	}
	if Has(a, "disk") {
		d, err := parseVIDisk(a["disk"])
		if err != nil {
			return nil, fmt.Errorf("disk: %v", err)
		}
		v.disk = d
	}
	if Has(a, "network") {
		n, err := parseVINetwork(Str(a, "network"))
		if err != nil {
			return nil, err
		}
		v.net = n
	}
	if ci := Dict(a, "cloud_init"); ci != nil {
		for k := range ci {
			if k != "user_data" && k != "meta_data" && k != "network_config" {
				return nil, fmt.Errorf("cloud_init: unknown key '%s' (user_data, meta_data, network_config)", k)
			}
		}
		s, err := libvirtx.SeedFromArgs(v.name, ci["user_data"], ci["meta_data"], ci["network_config"])
		if err != nil {
			return nil, fmt.Errorf("cloud_init: %v", err)
		}
		v.seed = &s
	}
	if m := Dict(a, "metadata"); m != nil {
		v.vars = map[string]string{}
		for k, val := range m {
			v.vars[k] = fmt.Sprint(val)
		}
	}
	if v.mac != "" && len(strings.Split(v.mac, ":")) != 6 {
		return nil, fmt.Errorf("mac: '%s' is not a MAC address like 52:54:00:12:34:56", v.mac)
	}
	return v, nil
}

// parseVIDisk accepts a mapping or virt-install's "size=10,backing_store=X".
func parseVIDisk(raw any) (*viDisk, error) {
	m, ok := raw.(map[string]any)
	if s, isStr := raw.(string); isStr {
		ok, m = true, map[string]any{}
		for _, part := range strings.Split(s, ",") {
			k, val, found := strings.Cut(strings.TrimSpace(part), "=")
			if !found {
				return nil, fmt.Errorf("'%s' is not key=value (write size=10,backing_store=/path/golden.qcow2)", part)
			}
			m[k] = val
		}
	}
	if !ok {
		return nil, fmt.Errorf("expected a mapping {size, backing_store} or 'size=10,backing_store=PATH'")
	}
	d := &viDisk{backingFormat: "qcow2"}
	for k, val := range m {
		switch k {
		case "size":
			n, err := strconv.Atoi(strings.TrimSpace(fmt.Sprint(val)))
			if err != nil || n <= 0 {
				return nil, fmt.Errorf("size must be a positive number of GiB, got '%v'", val)
			}
			d.sizeGiB = n
		case "backing_store":
			d.backing = fmt.Sprint(val)
		case "backing_format":
			d.backingFormat = fmt.Sprint(val)
		default:
			return nil, fmt.Errorf("unknown disk key '%s' (size, backing_store, backing_format)", k)
		}
	}
	if d.sizeGiB == 0 && d.backing == "" {
		return nil, fmt.Errorf("give size (GiB) or backing_store")
	}
	return d, nil
}

// parseVINetwork reads "default" or "network=default" (a libvirt network)
// and "bridge=virbr0" (a host bridge), as virt-install's --network.
func parseVINetwork(s string) (*libvirtx.NetSpec, error) {
	k, val, found := strings.Cut(s, "=")
	switch {
	case !found:
		return &libvirtx.NetSpec{Type: "network", Source: s}, nil
	case k == "network" || k == "bridge":
		if val == "" {
			return nil, fmt.Errorf("network: '%s' names no %s", s, k)
		}
		return &libvirtx.NetSpec{Type: k, Source: val}, nil
	}
	return nil, fmt.Errorf("network: '%s': write a network name, network=NAME or bridge=BRIDGE", s)
}

// record is what play stores in the domain's metadata about the parts of
// the spec the XML does not show.
func (v *viArgs) record(volumes []string) map[string]string {
	r := map[string]string{}
	if v.disk != nil {
		if v.disk.sizeGiB > 0 {
			r["disk_size"] = strconv.Itoa(v.disk.sizeGiB)
		}
		if v.disk.backing != "" {
			r["backing_store"] = v.disk.backing
		}
	}
	if v.osinfo != "" {
		r["osinfo"] = v.osinfo
	}
	if v.seed != nil {
		r["cloud_init"] = v.seedDigest()
	}
	if len(volumes) > 0 {
		r["volumes"] = strings.Join(volumes, ",")
	}
	return r
}

// seedDigest identifies the cloud-init seed without storing it (it may
// hold keys and passwords).
func (v *viArgs) seedDigest() string {
	h := sha256.New()
	for _, f := range v.seed.Files() {
		fmt.Fprintf(h, "%s\x00%s\x00", f[0], f[1])
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}
