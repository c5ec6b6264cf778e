package modules

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/playbook/play/engine/conn"
)

// These tests drive real Galera nodes: the [galera] group of the INI
// inventory named by PLAY_LAB_INVENTORY. They reset the nodes' MariaDB
// (datadir and config), so point the variable at hosts nobody else is
// using at the moment.

// galeraLab is the [galera] group, dialed.
type galeraLab struct {
	inv   string
	names []string
	conns map[string]conn.Conn
}

func galeraLabHosts(t *testing.T) *galeraLab {
	t.Helper()
	return labGroup(t, "galera")
}

// labGroup dials the hosts of one group of the lab inventory.
func labGroup(t *testing.T, group string) *galeraLab {
	t.Helper()
	inv := os.Getenv("PLAY_LAB_INVENTORY")
	if inv == "" {
		t.Skip("PLAY_LAB_INVENTORY not set: no lab hosts")
	}
	if testing.Short() {
		t.Skip("these lab tests take minutes; skipped with -short")
	}
	f, err := os.Open(inv)
	if err != nil {
		t.Skipf("lab inventory: %v", err)
	}
	defer f.Close()
	vars := map[string]string{}
	addrs := map[string]string{}
	var names []string
	section := ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || line[0] == '#' || line[0] == ';':
		case line[0] == '[':
			section = strings.Trim(line, "[]")
		case section == "all:vars":
			k, v, _ := strings.Cut(line, "=")
			vars[strings.TrimSpace(k)] = strings.TrimSpace(v)
		case section == group:
			fields := strings.Fields(line)
			names = append(names, fields[0])
			addrs[fields[0]] = fields[0]
			for _, kv := range fields[1:] {
				if k, v, ok := strings.Cut(kv, "="); ok && k == "ansible_host" {
					addrs[fields[0]] = v
				}
			}
		}
	}
	if len(names) < 2 {
		t.Skipf("the lab inventory has fewer than 2 hosts in [%s]", group)
	}
	lab := &galeraLab{inv: inv, names: names, conns: map[string]conn.Conn{}}
	for _, n := range names {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		c, err := conn.Dial(ctx, conn.Options{Host: n, Address: addrs[n], User: vars["ansible_user"],
			PrivateKeyFile: vars["ansible_ssh_private_key_file"], KnownHostsFile: vars["ansible_ssh_known_hosts_file"],
			HostKeyPolicy: "accept-new"})
		cancel()
		if err != nil {
			t.Skipf("lab host %s: %v", n, err)
		}
		t.Cleanup(func() { c.Close() })
		lab.conns[n] = c
	}
	return lab
}

// sh runs a command on one node and fails the test when it fails.
func (l *galeraLab) sh(t *testing.T, host, cmd string) string {
	t.Helper()
	r, err := l.conns[host].Run(context.Background(), conn.Cmd{Command: cmd})
	if err != nil || r.ExitCode != 0 {
		t.Fatalf("%s: %s: %v rc=%d %s", host, cmd, err, r.ExitCode, r.Stderr)
	}
	return string(r.Stdout)
}

// reset makes every node "fresh": packages installed, stock config, a new
// empty datadir, service stopped and disabled.
func (l *galeraLab) reset(t *testing.T) {
	t.Helper()
	stock := map[string][]byte{}
	for _, f := range []string{"50-server.cnf", "60-galera.cnf"} {
		b, err := os.ReadFile(filepath.Join("testdata/galera/stock", f))
		if err != nil {
			t.Fatal(err)
		}
		stock[f] = b
	}
	for _, h := range l.names {
		l.sh(t, h, "systemctl stop mariadb; systemctl disable mariadb 2>/dev/null; systemctl reset-failed mariadb 2>/dev/null; true")
		for f, b := range stock {
			if err := l.conns[h].WriteFile(context.Background(), "/etc/mysql/mariadb.conf.d/"+f, b, conn.WriteOpts{Mode: 0o644}); err != nil {
				t.Fatal(err)
			}
		}
		l.sh(t, h, "rm -rf /var/lib/mysql/* && mariadb-install-db --user=mysql --datadir=/var/lib/mysql >/dev/null")
	}
}

// status reads one node's wsrep status with the mysql client.
func (l *galeraLab) status(t *testing.T, host string) map[string]string {
	t.Helper()
	out := l.sh(t, host, `mysql -N -B -e "SHOW GLOBAL STATUS WHERE Variable_name IN ('wsrep_cluster_size','wsrep_local_state_comment','wsrep_cluster_status')"`)
	m := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if k, v, ok := strings.Cut(line, "\t"); ok {
			m[k] = v
		}
	}
	return m
}

func (l *galeraLab) requireSynced(t *testing.T) {
	t.Helper()
	for _, h := range l.names {
		st := l.status(t, h)
		if st["wsrep_cluster_size"] != strconv.Itoa(len(l.names)) || st["wsrep_local_state_comment"] != "Synced" || st["wsrep_cluster_status"] != "Primary" {
			t.Fatalf("%s: %v, want a Synced member of a %d-node Primary component", h, st, len(l.names))
		}
	}
}

// playBinary builds the play command once per test run.
func playBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "play")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/play")
	cmd.Dir = ".."
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Skipf("cannot build play (a package is mid-edit?): %v\n%s", err, out)
	}
	return bin
}

var recapLine = regexp.MustCompile(`(?m)^(\S+)\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)`)

// play runs the galera playbook and returns changed= per host; a failed
// host or a non-zero exit fails the test.
func (l *galeraLab) play(t *testing.T, bin string, extra ...string) map[string]int {
	t.Helper()
	return l.playbook(t, bin, "playbooks/galera.yml", extra...)
}

// playbook runs a playbook of the repository on the lab inventory.
func (l *galeraLab) playbook(t *testing.T, bin, pb string, extra ...string) map[string]int {
	t.Helper()
	args := append([]string{"run", "-i", l.inv, pb}, extra...)
	cmd := exec.Command(bin, args...)
	cmd.Dir = ".."
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("play %v: %v\n%s", extra, err, out)
	}
	changed := map[string]int{}
	for _, m := range recapLine.FindAllStringSubmatch(string(out), -1) {
		n, _ := strconv.Atoi(m[3])
		changed[m[1]] = n
		if m[4] != "0" || m[5] != "0" {
			t.Fatalf("play %v: host %s failed or unreachable:\n%s", extra, m[1], out)
		}
	}
	for _, h := range l.names {
		if _, ok := changed[h]; !ok {
			t.Fatalf("play %v: no recap for %s:\n%s", extra, h, out)
		}
	}
	return changed
}

// TestGaleraPlaybookOnLab: fresh nodes -> --check passes -> apply builds
// a synced cluster -> a second run and --check change nothing.
func TestGaleraPlaybookOnLab(t *testing.T) {
	lab := galeraLabHosts(t)
	bin := playBinary(t)
	lab.reset(t)

	lab.play(t, bin, "--check")
	if out := lab.sh(t, lab.names[0], "systemctl is-active mariadb || true"); strings.TrimSpace(out) != "inactive" {
		t.Fatalf("check mode started mariadb: %s", out)
	}
	for h, n := range lab.play(t, bin) {
		if n == 0 {
			t.Errorf("first run on fresh %s changed nothing", h)
		}
	}
	lab.requireSynced(t)
	for h, n := range lab.play(t, bin) {
		if n != 0 {
			t.Errorf("second run: %s changed=%d, want 0", h, n)
		}
	}
	for h, n := range lab.play(t, bin, "--check") {
		if n != 0 {
			t.Errorf("check on a converged cluster: %s changed=%d, want 0", h, n)
		}
	}
}

// galeraModule runs galera_bootstrap from the first node, with ConnFor
// serving the others.
func (l *galeraLab) galeraModule(t *testing.T, check bool) *Result {
	t.Helper()
	m, _ := Get("galera_bootstrap")
	args, errs := Normalize(m.Spec(), map[string]any{"hosts": anyList(l.names), "timeout": 300}, false)
	if len(errs) > 0 {
		t.Fatal(errs[0])
	}
	task := &Task{Host: l.names[0], Conn: l.conns[l.names[0]], Args: args, Check: check, Diff: true,
		ConnFor: func(h string) (conn.Conn, error) {
			if c, ok := l.conns[h]; ok {
				return c, nil
			}
			return nil, fmt.Errorf("no host %s", h)
		}}
	res, err := m.Run(context.Background(), task)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func anyList(s []string) []any { return strSlice(s) }

// TestGaleraBootstrapRecoveryOnLab needs a configured cluster (it makes
// one with the playbook when the nodes are not configured) and takes it
// through the restart cases galera_bootstrap must get right.
func TestGaleraBootstrapRecoveryOnLab(t *testing.T) {
	lab := galeraLabHosts(t)
	if r, _ := lab.conns[lab.names[0]].Run(context.Background(), conn.Cmd{Command: "grep -q '^wsrep_on' /etc/mysql/mariadb.conf.d/60-galera.cnf"}); r == nil || r.ExitCode != 0 {
		lab.reset(t)
		lab.play(t, playBinary(t))
	}
	if res := lab.galeraModule(t, false); res.Failed || res.Changed {
		t.Fatalf("running cluster: %+v", res)
	}
	last := lab.names[len(lab.names)-1]

	// One node down: the others are Primary, it just rejoins.
	lab.sh(t, last, "systemctl stop mariadb")
	res := lab.galeraModule(t, true)
	if !res.Changed || res.Data["bootstrap_node"] != "" || !strings.Contains(res.Msg, "start "+last) {
		t.Fatalf("check with one node down: %+v", res)
	}
	if res := lab.galeraModule(t, false); res.Failed || !res.Changed || res.Data["bootstrap_node"] != "" {
		t.Fatalf("rejoin: %+v", res)
	}
	lab.requireSynced(t)

	// Clean full shutdown, first node first: the last one to leave has
	// safe_to_bootstrap: 1 and must be the one that bootstraps.
	for _, h := range lab.names {
		lab.sh(t, h, "systemctl stop mariadb")
	}
	res = lab.galeraModule(t, true)
	if res.Data["bootstrap_node"] != last || !strings.Contains(res.Msg, "safe_to_bootstrap") {
		t.Fatalf("check after clean shutdown: want %s to bootstrap: %+v", last, res)
	}
	if out := lab.sh(t, last, "systemctl is-active mariadb || true"); strings.TrimSpace(out) != "inactive" {
		t.Fatal("check mode started a node")
	}
	if res := lab.galeraModule(t, false); res.Failed || res.Data["bootstrap_node"] != last {
		t.Fatalf("bootstrap after clean shutdown: %+v", res)
	}
	lab.requireSynced(t)

	// Crash-like state: every grastate.dat says seqno -1, nobody is safe.
	// The module must recover positions (galera_recovery) and pick one.
	for _, h := range lab.names {
		lab.sh(t, h, "systemctl stop mariadb && sed -i 's/^seqno:.*/seqno:   -1/; s/^safe_to_bootstrap:.*/safe_to_bootstrap: 0/' /var/lib/mysql/grastate.dat")
	}
	res = lab.galeraModule(t, false)
	if res.Failed || !strings.Contains(fmt.Sprint(res.Data["actions"]), "recovered") || res.Data["bootstrap_node"] == "" {
		t.Fatalf("bootstrap after crash: %+v", res)
	}
	lab.requireSynced(t)
}

// TestReplicationPlaybookOnLab: the [db] group of the lab inventory,
// reset to fresh servers, becomes a primary/replica pair; a second run and
// --check change nothing, and a database created on the primary shows up
// on the replicas.
func TestReplicationPlaybookOnLab(t *testing.T) {
	lab := labGroup(t, "db")
	bin := playBinary(t)
	lab.reset(t)
	lab.playbook(t, bin, "playbooks/replication.yml", "--check")
	for h, n := range lab.playbook(t, bin, "playbooks/replication.yml") {
		if n == 0 {
			t.Errorf("first run on fresh %s changed nothing", h)
		}
	}
	for _, extra := range [][]string{nil, {"--check"}} {
		for h, n := range lab.playbook(t, bin, "playbooks/replication.yml", extra...) {
			if n != 0 {
				t.Errorf("run %v: %s changed=%d, want 0", extra, h, n)
			}
		}
	}
	primary := lab.names[0]
	lab.sh(t, primary, `mysql -e "CREATE DATABASE play_repl_check"`)
	t.Cleanup(func() { lab.sh(t, primary, `mysql -e "DROP DATABASE IF EXISTS play_repl_check"`) })
	for _, r := range lab.names[1:] {
		st := lab.sh(t, r, `mysql -e "SHOW SLAVE STATUS\G"`)
		for _, want := range []string{"Slave_IO_Running: Yes", "Slave_SQL_Running: Yes"} {
			if !strings.Contains(st, want) {
				t.Errorf("%s: %s missing from\n%s", r, want, st)
			}
		}
		// The statement is applied asynchronously: poll briefly.
		found := false
		for i := 0; i < 20 && !found; i++ {
			found = strings.TrimSpace(lab.sh(t, r, `mysql -N -e "SHOW DATABASES LIKE 'play_repl_check'"`)) == "play_repl_check"
			if !found {
				time.Sleep(500 * time.Millisecond)
			}
		}
		if !found {
			t.Errorf("%s: database created on the primary did not replicate", r)
		}
	}
}
