package lab

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// The lab test boots its own hosts under a prefix nobody else uses and tears
// down only those, so it can run while other tests use the galera hosts.
// PLAY_LAB_TEST=1 runs 2 hosts; PLAY_LAB_TEST=big also runs 10 hosts.

func requireLab(t *testing.T) string {
	t.Helper()
	mode := os.Getenv("PLAY_LAB_TEST")
	if mode == "" {
		t.Skip("lab test disabled: set PLAY_LAB_TEST=1 (or big) to boot nspawn hosts")
	}
	if os.Geteuid() != 0 {
		t.Skip("lab test needs root (network namespaces, overlay mounts, systemd-nspawn)")
	}
	for _, tool := range []string{"systemd-nspawn", "ip", "ssh"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("lab test needs %s (run lab/lab.sh deps)", tool)
		}
	}
	return mode
}

// labSh runs lab.sh with the inventory written to a private file, so the
// repo's inventory/lab.ini used by other tests is not rewritten under them.
func labSh(t *testing.T, inv string, args ...string) string {
	t.Helper()
	cmd := exec.Command("./lab.sh", args...)
	cmd.Env = append(os.Environ(), "PLAY_LAB_INVENTORY_OUT="+inv, "N=")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("lab.sh %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// groupHosts reads "name ansible_host=IP" lines of one [group] in the inventory.
func groupHosts(t *testing.T, inv, group string) map[string]string {
	t.Helper()
	f, err := os.Open(inv)
	if err != nil {
		t.Fatalf("inventory: %v", err)
	}
	defer f.Close()
	hosts := map[string]string{}
	in := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "[") {
			in = line == "["+group+"]"
			continue
		}
		fields := strings.Fields(line)
		if !in || len(fields) != 2 || !strings.HasPrefix(fields[1], "ansible_host=") {
			continue
		}
		hosts[fields[0]] = strings.TrimPrefix(fields[1], "ansible_host=")
	}
	return hosts
}

func runLab(t *testing.T, n, prefix string) {
	inv := filepath.Join(t.TempDir(), "lab.ini")
	t.Cleanup(func() {
		// Best effort when the test failed half-way; the real down is checked below.
		_ = exec.Command("./lab.sh", "down", "--prefix", prefix).Run()
	})
	labSh(t, inv, "up", n, "--prefix", prefix, "--group", prefix)

	hosts := groupHosts(t, inv, prefix)
	if want, _ := strconv.Atoi(n); len(hosts) != want {
		t.Fatalf("inventory [%s] lists %d hosts, want %s: %v", prefix, len(hosts), n, hosts)
	}
	for name := range hosts {
		comm := strings.TrimSpace(labSh(t, inv, "ssh", name, "cat /proc/1/comm"))
		if comm != "systemd" {
			t.Errorf("%s: PID 1 is %q, want systemd", name, comm)
		}
		hn := strings.TrimSpace(labSh(t, inv, "ssh", name, "hostname"))
		if hn != name {
			t.Errorf("%s: hostname is %q", name, hn)
		}
	}

	labSh(t, inv, "down", "--prefix", prefix)
	assertGone(t, prefix, hosts)
	if got := groupHosts(t, inv, prefix); len(got) != 0 {
		t.Errorf("inventory still lists %v after down", got)
	}
}

// assertGone checks what a user would look for after `down`: namespaces,
// links, mounts and processes of those hosts.
func assertGone(t *testing.T, prefix string, hosts map[string]string) {
	t.Helper()
	out, err := exec.Command("ip", "netns", "list").Output()
	if err != nil {
		t.Fatalf("ip netns list: %v", err)
	}
	if strings.Contains(string(out), "play-"+prefix+"-") {
		t.Errorf("network namespaces left behind:\n%s", out)
	}
	for name, ip := range hosts {
		veth := "pl-" + ip[strings.LastIndex(ip, ".")+1:]
		if exec.Command("ip", "link", "show", veth).Run() == nil {
			t.Errorf("%s: veth %s left behind", name, veth)
		}
	}
	mounts, err := os.ReadFile("/proc/mounts")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(mounts), "/hosts/"+prefix+"-") {
		t.Errorf("overlay mounts left behind:\n%s", mounts)
	}
	procs, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, p := range procs {
		b, err := os.ReadFile(p)
		if err != nil {
			continue // process exited meanwhile
		}
		cmd := strings.ReplaceAll(string(b), "\x00", " ")
		if strings.Contains(cmd, "systemd-nspawn") && strings.Contains(cmd, "-M "+prefix+"-") {
			t.Errorf("nspawn process left behind: %s", cmd)
		}
	}
	if _, err := os.Stat("/var/lib/play-lab/hosts/" + prefix + "-1"); err == nil {
		t.Errorf("host directory %s-1 left behind", prefix)
	}
}

func TestUpDownTwoHosts(t *testing.T) {
	requireLab(t)
	runLab(t, "2", "labtest")
}

func TestUpDownTenHosts(t *testing.T) {
	if requireLab(t) != "big" {
		t.Skip("10-host lab test runs with PLAY_LAB_TEST=big")
	}
	runLab(t, "10", "labbig")
}
