package conn

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// labHost is one host of the lab inventory: its own line, e.g.
// `galera-1 ansible_host=10.77.0.11 ansible_user=root`, plus the
// [group:vars] / [all:vars] it falls under.
type labHost struct {
	name string
	vars map[string]string
}

func parseLabInventory(t *testing.T, path string) []labHost {
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("PLAY_LAB_INVENTORY: %v", err)
	}
	defer f.Close()
	var hosts []labHost
	groupOf := map[string][]string{} // host -> groups
	groupVars := map[string]map[string]string{}
	section := "ungrouped"
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' || line[0] == ';' {
			continue
		}
		if strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]") {
			section = line[1 : len(line)-1]
			continue
		}
		if g, ok := strings.CutSuffix(section, ":vars"); ok {
			if k, v, ok := strings.Cut(line, "="); ok {
				if groupVars[g] == nil {
					groupVars[g] = map[string]string{}
				}
				groupVars[g][strings.TrimSpace(k)] = strings.TrimSpace(v)
			}
			continue
		}
		fields := strings.Fields(line)
		h := labHost{name: fields[0], vars: map[string]string{}}
		for _, kv := range fields[1:] {
			if k, v, ok := strings.Cut(kv, "="); ok {
				h.vars[k] = v
			}
		}
		groupOf[h.name] = append(groupOf[h.name], section)
		hosts = append(hosts, h)
	}
	for _, h := range hosts {
		for _, g := range append([]string{"all"}, groupOf[h.name]...) {
			for k, v := range groupVars[g] {
				if _, set := h.vars[k]; !set {
					h.vars[k] = v
				}
			}
		}
	}
	return hosts
}

// TestLabHosts runs against the lab (shared/LAB.md) when
// PLAY_LAB_INVENTORY names its inventory: every host must answer and run
// systemd as PID 1.
func TestLabHosts(t *testing.T) {
	inv := os.Getenv("PLAY_LAB_INVENTORY")
	if inv == "" {
		t.Skip("PLAY_LAB_INVENTORY not set: no lab hosts to test against")
	}
	hosts := parseLabInventory(t, inv)
	if len(hosts) == 0 {
		t.Fatalf("no host lines in %s", inv)
	}
	pool := NewPool()
	defer pool.CloseAll()
	for _, h := range hosts {
		t.Run(h.name, func(t *testing.T) {
			if h.vars["ansible_host"] == "" {
				t.Skip("no ansible_host on this line (ranges are not expanded here)")
			}
			port, _ := strconv.Atoi(h.vars["ansible_port"])
			// The lab's own known_hosts is checked strictly (never written);
			// without one, keys are recorded in a scratch file.
			known, policy := h.vars["ansible_ssh_known_hosts_file"], "strict"
			if known == "" {
				known, policy = filepath.Join(t.TempDir(), "known_hosts"), "accept-new"
			}
			c, err := pool.Get(context.Background(), Options{
				Host: h.name, Address: h.vars["ansible_host"], Port: port, User: h.vars["ansible_user"],
				PrivateKeyFile: h.vars["ansible_ssh_private_key_file"], Password: h.vars["ansible_password"],
				KnownHostsFile: known, HostKeyPolicy: policy,
			})
			if err != nil {
				t.Fatal(err)
			}
			res, err := c.Run(context.Background(), Cmd{Command: "cat /proc/1/comm"})
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.TrimSpace(string(res.Stdout)); res.ExitCode != 0 || got != "systemd" {
				t.Errorf("PID 1 is %q (exit %d, stderr %q), want systemd", got, res.ExitCode, res.Stderr)
			}
		})
	}
}

func TestParseLabInventory(t *testing.T) {
	p := filepath.Join(t.TempDir(), "lab.ini")
	body := "# comment\n[galera]\ngalera-1 ansible_host=10.77.0.11\ngalera-2 ansible_host=10.77.0.12 ansible_user=admin\n\n[all:vars]\nansible_user=root\nansible_ssh_private_key_file=/k\n"
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	hosts := parseLabInventory(t, p)
	if len(hosts) != 2 || hosts[0].name != "galera-1" || hosts[0].vars["ansible_host"] != "10.77.0.11" ||
		hosts[0].vars["ansible_user"] != "root" || hosts[1].vars["ansible_user"] != "admin" || hosts[1].vars["ansible_ssh_private_key_file"] != "/k" {
		t.Errorf("parsed %+v", hosts)
	}
}
