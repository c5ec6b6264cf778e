package modules

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/playbook/play/inventory"
	_ "github.com/playbook/play/inventory/libvirt"
	"github.com/playbook/play/modules/libvirtx"
	"libvirt.org/go/libvirt"
)

// Resources of the real-guest playbook test. Everything it creates is
// named pvm-* / play-vm-*, on a network (10.79.0.0/24) that collides
// neither with the namespaced lab (10.77.0.0/24) nor with
// TestVirtInstallRealGuestTCG's (10.78.0.0/24).
const (
	vmImageCache = "/var/cache/play-test-vm"
	vmNet        = "play-vm-test"
	vmBridge     = "playvm0"
	vmSubnet     = "10.79.0."
	vmPool       = "play-vm-test"
	vmPoolDir    = "/var/lib/libvirt/images/play-vm-test"
	vmUser       = "pvmadmin"
	vmGroup      = "pvm_galera" // the libvirt inventory's name group of pvm-galeraN
	vmLeaseFile  = "/var/lib/libvirt/dnsmasq/" + vmBridge + ".status"
)

var vmGuests = []string{"pvm-galera1", "pvm-galera2"}

// TestLabPlaybookRealGuests runs the shipped provisioning playbooks the
// way a user does, on real cloud-init guests: a Debian 12 cloud image
// built from Debian's packages (lab/vm/mkimage.sh), two guests created by
// playbooks/lab.yml with virt_install (qcow2 overlays, a NoCloud seed with
// a sudo user and the test's SSH key) under TCG, found by the libvirt
// inventory, reached over SSH as the cloud-init user with become; a second
// run changes nothing; playbooks/lab-teardown.yml leaves no domain, volume
// or DHCP lease behind.
func TestLabPlaybookRealGuests(t *testing.T) {
	// Several minutes of emulated boots: make test-vm sets PLAY_VM_TEST.
	if os.Getenv("PLAY_VM_TEST") == "" {
		t.Skip("real cloud-init guests test disabled: set PLAY_VM_TEST=1 (make test-vm)")
	}
	if os.Getuid() != 0 {
		t.Skip("needs root to start libvirtd, define networks and build the image")
	}
	for _, tool := range []string{"qemu-system-x86_64", "qemu-img", "mmdebstrap", "mkfs.ext4", "ssh", "ssh-keygen"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed: cannot build and boot the test guests (apt-get install qemu-system-x86 qemu-utils mmdebstrap e2fsprogs openssh-client)", tool)
		}
	}
	c := labLibvirtd(t)
	img := vmBaseImage(t)
	vmNetwork(t, c)
	vmStoragePool(t, c)
	// Registered after the pool and network: runs before they go.
	t.Cleanup(func() {
		for _, g := range vmGuests {
			removeDomain(c, g)
		}
	})

	dir := t.TempDir()
	key := filepath.Join(dir, "id_ed25519")
	if out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "play-vm-test", "-f", key).CombinedOutput(); err != nil {
		t.Fatalf("ssh-keygen: %v %s", err, out)
	}
	knownHosts := filepath.Join(dir, "known_hosts")
	inv := filepath.Join(dir, "lab.libvirt.yml")
	writeFile(t, inv, fmt.Sprintf(`plugin: libvirt
uri: qemu:///system
name_filter: '^pvm-'
compose:
  ansible_user: "'%s'"
  ansible_ssh_private_key_file: "'%s'"
  ansible_ssh_known_hosts_file: "'%s'"
  ansible_host_key_checking: "'accept-new'"
`, vmUser, key, knownHosts))
	vars := filepath.Join(dir, "vars.json")
	b, _ := json.Marshal(map[string]any{
		"lab_guests": vmGuests, "lab_base_image": filepath.Join(img, "base.qcow2"), "lab_disk_gib": 4,
		"lab_pool": vmPool, "lab_network": vmNet, "lab_memory": 512, "lab_vcpus": 1,
		"lab_virt_type": "qemu", "lab_osinfo": "debian12", "lab_user": vmUser, "lab_ssh_key": key + ".pub",
		"lab_kernel": filepath.Join(img, "vmlinuz"), "lab_initrd": filepath.Join(img, "initrd.img"),
		"lab_cmdline": "root=/dev/vda rw console=ttyS0", "lab_wait_timeout": 900,
	})
	writeFile(t, vars, string(b))
	bin := vmPlayBinary(t)
	run := func(args ...string) (recap map[string][4]int, out string) {
		t.Helper()
		return vmPlay(t, bin, append([]string{"-i", inv, "-e", "@" + vars}, args...)...)
	}

	// Check mode first: it shows the guests it would create and creates none.
	recap, out := run("--check", "--diff", "playbooks/lab.yml")
	if recap["localhost"][1] == 0 || !strings.Contains(out, "<name>pvm-galera2</name>") {
		t.Errorf("check mode: want pending changes for the new guests:\n%s", out)
	}
	vmRequireNoDomains(t, c)

	recap, out = run("playbooks/lab.yml")
	for _, g := range vmGuests {
		if r, ok := recap[g]; !ok || r[0] < 2 {
			t.Fatalf("lab.yml did not run the guests' play on %s (recap %v):\n%s", g, recap, out)
		}
	}
	t.Logf("lab.yml first run:\n%s", out)

	// The inventory the user points play at lists both guests, with a
	// leased address on the test's network, in their name group.
	loaded, err := inventory.Load(inv)
	if err != nil {
		t.Fatalf("inventory: %v", err)
	}
	addrs := map[string]string{}
	var macs []string
	for _, g := range vmGuests {
		hv := loaded.HostVars(g)
		addr, _ := hv["ansible_host"].(string)
		if !strings.HasPrefix(addr, vmSubnet) || hv["libvirt_address_source"] != "lease" || hv["libvirt_state"] != "running" {
			t.Fatalf("inventory host %s: ansible_host=%v source=%v state=%v; want a running guest with a lease in %s0/24",
				g, hv["ansible_host"], hv["libvirt_address_source"], hv["libvirt_state"], vmSubnet)
		}
		addrs[g] = addr
		for _, m := range hv["libvirt_macs"].([]any) {
			macs = append(macs, strings.ToLower(fmt.Sprint(m)))
		}
	}
	if got := loaded.GroupsMap()[vmGroup]; !sameStrings(got, vmGuests) {
		t.Errorf("group %s = %v, want %v", vmGroup, got, vmGuests)
	}

	// play writes a file as root through the cloud-init user's sudo; the
	// system's ssh client, as that user, checks the result and the host
	// key play recorded.
	recap, out = run("modules/testdata/vm/become.yml")
	for _, g := range vmGuests {
		if recap[g][1] != 1 {
			t.Errorf("become.yml on %s: changed=%d, want 1:\n%s", g, recap[g][1], out)
		}
		got := vmSSH(t, key, knownHosts, addrs[g], "id -un; stat -c '%U %u %a' /var/tmp/play-vm-become; cat /var/tmp/play-vm-become")
		if want := vmUser + "\nroot 0 644\nwritten by play as " + vmUser + ", become: root (uid 0)\n"; got != want {
			t.Errorf("on %s the file play wrote with become: %q, want %q", g, got, want)
		}
	}

	// The same provisioning again: every guest exists and matches.
	recap, out = run("playbooks/lab.yml")
	for h, r := range recap {
		if r[1] != 0 {
			t.Errorf("lab.yml second run: %s changed=%d, want 0:\n%s", h, r[1], out)
		}
	}

	// Teardown: check mode first (nothing removed), then for real.
	recap, out = run("--check", "playbooks/lab-teardown.yml")
	if recap["localhost"][1] == 0 {
		t.Errorf("teardown --check: want pending removals:\n%s", out)
	}
	for _, g := range vmGuests {
		if d, err := c.LookupDomainByName(g); err != nil {
			t.Fatalf("teardown --check removed %s", g)
		} else {
			_ = d.Free()
		}
	}
	recap, out = run("playbooks/lab-teardown.yml")
	if recap["localhost"][1] == 0 {
		t.Errorf("teardown: nothing changed:\n%s", out)
	}
	t.Logf("lab-teardown.yml:\n%s", out)
	vmRequireNoDomains(t, c)
	vmRequireNoVolumes(t, c)
	vmRequireNoLeases(t, c, macs)
	recap, out = run("playbooks/lab-teardown.yml")
	if recap["localhost"][1] != 0 {
		t.Errorf("teardown second run: changed=%d, want 0:\n%s", recap["localhost"][1], out)
	}
}

// vmBaseImage builds (or finds in the cache) the guest image.
func vmBaseImage(t *testing.T) string {
	t.Helper()
	script, _ := filepath.Abs("../lab/vm/mkimage.sh")
	cmd := exec.Command("sh", script, vmImageCache)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("lab/vm/mkimage.sh (needs Debian's mirror): %v\n%s", err, stderr.String())
	}
	return strings.TrimSpace(string(out))
}

// vmNetwork creates an isolated transient network: the guests reach only
// the host's bridge address (DHCP, DNS), nothing beyond.
func vmNetwork(t *testing.T, c *libvirt.Connect) {
	t.Helper()
	if n, err := c.LookupNetworkByName(vmNet); err == nil { // left by a killed run
		_ = n.Destroy()
		_ = n.Free()
	}
	// A lease file left by a killed run would show leases of guests long gone.
	_ = os.Remove(vmLeaseFile)
	x := fmt.Sprintf(`<network><name>%s</name><bridge name='%s'/>
<ip address='%s1' netmask='255.255.255.0'><dhcp><range start='%s100' end='%s200'/></dhcp></ip></network>`,
		vmNet, vmBridge, vmSubnet, vmSubnet, vmSubnet)
	n, err := c.NetworkCreateXML(x)
	if err != nil {
		t.Skipf("cannot create the test network (dnsmasq-base installed?): %s", libvirtx.Msg(err))
	}
	t.Cleanup(func() { _ = n.Destroy(); _ = n.Free(); _ = os.Remove(vmLeaseFile) })
}

func vmStoragePool(t *testing.T, c *libvirt.Connect) {
	t.Helper()
	if p, err := c.LookupStoragePoolByName(vmPool); err == nil {
		_ = p.Destroy()
		_ = p.Free()
	}
	_ = os.RemoveAll(vmPoolDir)
	if err := os.MkdirAll(vmPoolDir, 0o755); err != nil {
		t.Fatal(err)
	}
	p, err := c.StoragePoolCreateXML(fmt.Sprintf(`<pool type='dir'><name>%s</name><target><path>%s</path></target></pool>`, vmPool, vmPoolDir), 0)
	if err != nil {
		t.Skipf("cannot create the test storage pool: %s", libvirtx.Msg(err))
	}
	t.Cleanup(func() { _ = p.Destroy(); _ = p.Free(); _ = os.RemoveAll(vmPoolDir) })
}

// vmPlayBinary builds play as the Makefile does (libvirt loaded at run time).
func vmPlayBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "play")
	cmd := exec.Command("go", "build", "-tags", "libvirt_dlopen", "-o", bin, "./cmd/play")
	cmd.Dir = ".."
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Skipf("cannot build play (a package is mid-edit?): %v\n%s", err, out)
	}
	return bin
}

var vmRecapLine = regexp.MustCompile(`(?m)^(\S+)\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)`)

// vmPlay runs play from the repository root; a non-zero exit, a failed or
// unreachable host fails the test. It returns ok, changed, unreachable,
// failed per host.
func vmPlay(t *testing.T, bin string, args ...string) (map[string][4]int, string) {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"run"}, args...)...)
	cmd.Dir = ".."
	b, err := cmd.CombinedOutput()
	out := string(b)
	if err != nil {
		t.Fatalf("play run %v: %v\n%s", args, err, out)
	}
	recap := map[string][4]int{}
	for _, m := range vmRecapLine.FindAllStringSubmatch(out, -1) {
		var r [4]int
		for i := range r {
			r[i], _ = strconv.Atoi(m[i+2])
		}
		recap[m[1]] = r
		if r[2] != 0 || r[3] != 0 {
			t.Fatalf("play run %v: %s failed or unreachable:\n%s", args, m[1], out)
		}
	}
	return recap, out
}

func vmSSH(t *testing.T, key, knownHosts, addr, command string) string {
	t.Helper()
	out, err := exec.Command("ssh", "-i", key, "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes",
		"-o", "UserKnownHostsFile="+knownHosts, "-o", "ConnectTimeout=30", vmUser+"@"+addr, command).CombinedOutput()
	if err != nil {
		t.Fatalf("ssh %s@%s: %v\n%s", vmUser, addr, err, out)
	}
	return string(out)
}

func vmRequireNoDomains(t *testing.T, c *libvirt.Connect) {
	t.Helper()
	doms, err := c.ListAllDomains(0)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range doms {
		name, _ := d.GetName()
		_ = d.Free()
		if strings.HasPrefix(name, "pvm-") {
			t.Errorf("domain %s exists", name)
		}
	}
}

func vmRequireNoVolumes(t *testing.T, c *libvirt.Connect) {
	t.Helper()
	p, err := c.LookupStoragePoolByName(vmPool)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Free()
	if err := p.Refresh(0); err != nil {
		t.Fatal(err)
	}
	vols, err := p.ListAllStorageVolumes(0)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range vols {
		name, _ := v.GetName()
		_ = v.Free()
		t.Errorf("volume %s/%s is left", vmPool, name)
	}
	if entries, _ := os.ReadDir(vmPoolDir); len(entries) > 0 {
		t.Errorf("%s still holds %d file(s)", vmPoolDir, len(entries))
	}
}

// vmRequireNoLeases checks the network's DHCP leases, as libvirt reports
// them and in dnsmasq's lease file, for the removed guests' MACs.
func vmRequireNoLeases(t *testing.T, c *libvirt.Connect, macs []string) {
	t.Helper()
	n, err := c.LookupNetworkByName(vmNet)
	if err != nil {
		t.Fatal(err)
	}
	defer n.Free()
	leases, err := n.GetDHCPLeases()
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range leases {
		t.Errorf("lease left on %s: %s %s", vmNet, l.Mac, l.IPaddr)
	}
	file, err := os.ReadFile(vmLeaseFile)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	for _, m := range macs {
		if strings.Contains(strings.ToLower(string(file)), m) {
			t.Errorf("%s still lists %s:\n%s", vmLeaseFile, m, file)
		}
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func sameStrings(a, b []string) bool {
	a, b = append([]string(nil), a...), append([]string(nil), b...)
	sort.Strings(a)
	sort.Strings(b)
	return strings.Join(a, "\x00") == strings.Join(b, "\x00")
}
