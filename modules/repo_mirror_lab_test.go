package modules

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/playbook/play/engine/conn"
)

// TestRepoMirrorPlaybookOnLab is the local-mirror workflow end to end, on
// three lab hosts of its own: rm-1 serves an RPM repository built here
// (the "upstream"), playbooks/repo-mirror.yml makes rm-2 mirror it with
// reposync and serve it with apache2, and rm-3 install a package from the
// mirror with the dnf module. A new version published upstream reaches
// the client on the next run; converged runs and --check change nothing.
func TestRepoMirrorPlaybookOnLab(t *testing.T) {
	if os.Getenv("PLAY_LAB_TEST") == "" {
		t.Skip("lab test disabled: set PLAY_LAB_TEST=1 (or big) to boot nspawn hosts")
	}
	if os.Geteuid() != 0 {
		t.Skip("lab test needs root (network namespaces, overlay mounts, systemd-nspawn)")
	}
	for _, tool := range []string{"systemd-nspawn", "rpmbuild", "createrepo_c"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("needs %s (lab/lab.sh deps; apt-get install rpm createrepo-c)", tool)
		}
	}
	bin := os.Getenv("PLAY_BIN")
	if bin == "" {
		bin = playBinary(t)
	}
	m := upRepoMirrorLab(t)

	// Upstream: a plain directory apache2 already serves.
	pkgs := t.TempDir()
	m.publish(t, pkgs, "1.0")

	// --check on fresh hosts: what depends on earlier changes says so
	// instead of failing, and nothing is touched.
	for h, n := range m.play(t, bin, "--check") {
		if n == 0 {
			t.Errorf("--check on fresh %s predicted no change", h)
		}
	}
	if out := m.sh(t, "rm-2", "ls -d /var/www/repos /etc/yum.repos.d 2>/dev/null || true"); strings.TrimSpace(out) != "" {
		t.Fatalf("--check created on the mirror: %s", out)
	}
	if got := m.rpmQ(t); strings.Contains(got, "playmirror-") {
		t.Fatalf("--check installed on the client: %s", got)
	}

	first := m.play(t, bin)
	for _, h := range []string{"rm-2", "rm-3"} {
		if first[h] == 0 {
			t.Errorf("first run on fresh %s changed nothing", h)
		}
	}
	if got := m.rpmQ(t); got != "playmirror-1.0-1.noarch" {
		t.Fatalf("client after the first run: rpm -q says %q, want playmirror-1.0-1.noarch", got)
	}
	m.requireServed(t, "playmirror-1.0-1.noarch.rpm")
	m.requireConverged(t, bin)

	// A new version upstream: --check predicts the mirror's download and
	// fetches nothing; the next run brings it to the client.
	m.publish(t, pkgs, "1.1")
	if n := m.play(t, bin, "--check")["rm-2"]; n == 0 {
		t.Errorf("--check after publishing 1.1: mirror changed=0, want the sync predicted")
	}
	if out := m.sh(t, "rm-2", "find "+repoMirrorPath+" -name 'playmirror-1.1*'"); strings.TrimSpace(out) != "" {
		t.Fatalf("--check downloaded into the mirror: %s", out)
	}
	if got := m.rpmQ(t); got != "playmirror-1.0-1.noarch" {
		t.Fatalf("--check changed the client: %q", got)
	}
	m.play(t, bin)
	if got := m.rpmQ(t); got != "playmirror-1.1-1.noarch" {
		t.Fatalf("client after publishing 1.1 upstream: rpm -q says %q, want playmirror-1.1-1.noarch", got)
	}
	m.requireServed(t, "playmirror-1.1-1.noarch.rpm")
	m.requireConverged(t, bin)

	// The daily job the role installs runs as cron would run it (bare
	// environment) and leaves a mirror the playbook finds converged.
	m.sh(t, "rm-2", "env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root /etc/cron.daily/update-repo")
	for h, n := range m.play(t, bin, "--check") {
		if n != 0 {
			t.Errorf("--check after the daily job: %s changed=%d, want 0", h, n)
		}
	}
}

// repoMirrorPath is where the inventory below makes the mirror keep the
// repository: the role's layout, repository id playup.
const repoMirrorPath = "/var/www/repos/lab/playup"

// repoMirrorLab is the three hosts: rm-1 upstream, rm-2 mirror, rm-3 client.
type repoMirrorLab struct {
	inv   string // the play inventory (groups upstream, repo_mirror, repo_clients)
	addr  map[string]string
	conns map[string]conn.Conn
}

// upRepoMirrorLab boots rm-1..3 with lab.sh, under a prefix and addresses
// (.151-.153) nobody else uses, and takes exactly those down at the end.
func upRepoMirrorLab(t *testing.T) *repoMirrorLab {
	t.Helper()
	dir := t.TempDir()
	labInv := filepath.Join(dir, "lab.ini")
	lab := func(args ...string) error {
		cmd := exec.Command("./lab.sh", args...)
		cmd.Dir = "../lab"
		cmd.Env = append(os.Environ(), "PLAY_LAB_INVENTORY_OUT="+labInv, "N=")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Logf("lab.sh %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return err
	}
	t.Cleanup(func() { lab("down", "--prefix", "rm") })
	if err := lab("up", "3", "--prefix", "rm", "--group", "rm", "--ip-base", "150"); err != nil {
		t.Fatal("lab.sh up failed")
	}

	// lab.sh's inventory lists every group on the machine; ours names
	// only rm-* and sets the role's variables as a user's would.
	m := &repoMirrorLab{inv: filepath.Join(dir, "repo-mirror.yml"), addr: map[string]string{}, conns: map[string]conn.Conn{}}
	vars := map[string]string{}
	f, err := os.Open(labInv)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	section := ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case strings.HasPrefix(line, "["):
			section = strings.Trim(line, "[]")
		case section == "all:vars" && strings.Contains(line, "="):
			k, v, _ := strings.Cut(line, "=")
			vars[k] = v
		case section == "rm" && strings.Contains(line, "ansible_host="):
			fields := strings.Fields(line)
			m.addr[fields[0]] = strings.TrimPrefix(fields[1], "ansible_host=")
		}
	}
	if len(m.addr) != 3 {
		t.Fatalf("lab inventory lists %v in [rm], want rm-1..3", m.addr)
	}
	inv := `all:
  vars:
    ansible_user: root
    ansible_ssh_private_key_file: ` + vars["ansible_ssh_private_key_file"] + `
    ansible_ssh_known_hosts_file: ` + vars["ansible_ssh_known_hosts_file"] + `
    repo_mirror_path: /var/www/repos/lab
    repo_mirror_repos: [playup]
  children:
    upstream:
      hosts:
        rm-1: {ansible_host: ` + m.addr["rm-1"] + `}
    repo_mirror:
      hosts:
        rm-2: {ansible_host: ` + m.addr["rm-2"] + `}
      vars:
        repo_mirror_upstreams:
          - {id: playup, baseurl: "http://` + m.addr["rm-1"] + `/upstream/", gpgcheck: false}
    repo_clients:
      hosts:
        rm-3: {ansible_host: ` + m.addr["rm-3"] + `}
      vars:
        repo_mirror_client_packages: [playmirror]
        # The test's packages are not signed.
        repo_mirror_gpgcheck: false
`
	if err := os.WriteFile(m.inv, []byte(inv), 0o644); err != nil {
		t.Fatal(err)
	}
	for name, addr := range m.addr {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		c, err := conn.Dial(ctx, conn.Options{Host: name, Address: addr, User: "root",
			PrivateKeyFile: vars["ansible_ssh_private_key_file"], KnownHostsFile: vars["ansible_ssh_known_hosts_file"]})
		cancel()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		t.Cleanup(func() { c.Close() })
		m.conns[name] = c
	}
	return m
}

// sh runs a command on one host and fails the test when it fails.
func (m *repoMirrorLab) sh(t *testing.T, host, cmd string) string {
	t.Helper()
	r, err := m.conns[host].Run(context.Background(), conn.Cmd{Command: cmd})
	if err != nil {
		t.Fatalf("%s: %s: %v", host, cmd, err)
	}
	if r.ExitCode != 0 {
		t.Fatalf("%s: %s: rc=%d %s", host, cmd, r.ExitCode, r.Stderr)
	}
	return string(r.Stdout)
}

// publish builds playmirror-VERSION with rpmbuild, adds it to the
// repository kept in dir, regenerates the metadata with createrepo_c and
// uploads the repository to the upstream host, replacing its metadata.
func (m *repoMirrorLab) publish(t *testing.T, dir, version string) {
	t.Helper()
	tmpl, err := os.ReadFile("testdata/dnf/pkg.spec")
	if err != nil {
		t.Fatal(err)
	}
	spec := strings.NewReplacer("@NAME@", "playmirror", "@VERSION@", version, "@REQUIRES@", "").Replace(string(tmpl))
	build := t.TempDir()
	sp := filepath.Join(build, "playmirror.spec")
	if err := os.WriteFile(sp, []byte(spec), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("rpmbuild", "--define", "_topdir "+build, "--define", "_build_id_links none", "-bb", sp).CombinedOutput(); err != nil {
		t.Fatalf("rpmbuild: %v\n%s", err, out)
	}
	rpm := "playmirror-" + version + "-1.noarch.rpm"
	if out, err := exec.Command("cp", filepath.Join(build, "RPMS/noarch", rpm), dir).CombinedOutput(); err != nil {
		t.Fatalf("cp: %v %s", err, out)
	}
	os.RemoveAll(filepath.Join(dir, "repodata"))
	if out, err := exec.Command("createrepo_c", "-q", dir).CombinedOutput(); err != nil {
		t.Fatalf("createrepo_c: %v %s", err, out)
	}
	m.sh(t, "rm-1", "rm -rf /var/www/html/upstream/repodata && mkdir -p /var/www/html/upstream/repodata")
	err = filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil || fi.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		return m.conns["rm-1"].WriteFile(context.Background(), "/var/www/html/upstream/"+rel, b, conn.WriteOpts{Mode: 0o644})
	})
	if err != nil {
		t.Fatalf("upload to rm-1: %v", err)
	}
}

// play runs playbooks/repo-mirror.yml and returns changed= per host; a
// failed or unreachable host, or a non-zero exit, fails the test.
func (m *repoMirrorLab) play(t *testing.T, bin string, extra ...string) map[string]int {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"run", "-i", m.inv, "playbooks/repo-mirror.yml"}, extra...)...)
	cmd.Dir = ".."
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("play run %v: %v\n%s", extra, err, out)
	}
	changed := map[string]int{}
	for _, r := range recapLine.FindAllStringSubmatch(string(out), -1) {
		n, _ := strconv.Atoi(r[3])
		changed[r[1]] = n
		if r[4] != "0" || r[5] != "0" {
			t.Fatalf("play run %v: %s failed or unreachable:\n%s", extra, r[1], out)
		}
	}
	for _, h := range []string{"rm-2", "rm-3"} {
		if _, ok := changed[h]; !ok {
			t.Fatalf("play run %v: no recap for %s:\n%s", extra, h, out)
		}
	}
	t.Logf("play run %v: changed %v", extra, changed)
	return changed
}

// requireConverged: a second run and --check change nothing anywhere.
func (m *repoMirrorLab) requireConverged(t *testing.T, bin string) {
	t.Helper()
	for _, extra := range [][]string{nil, {"--check"}} {
		for h, n := range m.play(t, bin, extra...) {
			if n != 0 {
				t.Errorf("run %v on converged hosts: %s changed=%d, want 0", extra, h, n)
			}
		}
	}
}

// rpmQ is the client's installed playmirror, as rpm reports it. HOME=/
// because Debian's rpm would otherwise read ~/.rpmdb: the role points the
// database at /var/lib/rpm, where every user (and cron) finds it.
func (m *repoMirrorLab) rpmQ(t *testing.T) string {
	t.Helper()
	r, err := m.conns["rm-3"].Run(context.Background(), conn.Cmd{Command: "HOME=/ rpm -q playmirror"})
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(r.Stdout))
}

// requireServed fetches the mirror's metadata and a package over HTTP from
// the mirror's address, as a client does.
func (m *repoMirrorLab) requireServed(t *testing.T, rpm string) {
	t.Helper()
	base := "http://" + m.addr["rm-2"] + "/repos/lab/playup/"
	for _, p := range []string{"repodata/repomd.xml", rpm} {
		resp, err := http.Get(base + p)
		if err != nil {
			t.Fatalf("GET %s: %v", base+p, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("GET %s: %s", base+p, resp.Status)
		}
		if p == "repodata/repomd.xml" && !strings.Contains(string(body), "<repomd") {
			t.Errorf("GET %s: not repository metadata:\n%.300s", base+p, body)
		}
	}
}
