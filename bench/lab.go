package bench

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// TargetGroup is the group the bench playbooks run on (hosts: bench_targets);
// each workload gets an inventory with only its own hosts in it.
const TargetGroup = "bench_targets"

// Lab drives lab/lab.sh for hosts under one prefix.
type Lab struct {
	Script  string // path to lab/lab.sh
	WorkDir string // where inventories are written
	Log     *os.File
}

// Up brings up n hosts named prefix-1..n and returns the path of an
// inventory holding exactly those hosts in TargetGroup.
//
// lab.sh writes an inventory of every lab host (other engineers' too); we
// point it at a private file (PLAY_LAB_INVENTORY_OUT) so the shared
// inventory/lab.ini is left alone, and keep only our hosts.
func (l *Lab) Up(ctx context.Context, n int, prefix string, ipBase, bootTimeout int) (string, error) {
	raw := filepath.Join(l.WorkDir, "lab-"+prefix+".ini")
	args := []string{"up", fmt.Sprint(n), "--prefix", prefix, "--group", prefix}
	if ipBase > 0 {
		// A fixed range keeps clear of hosts others pick from .100 upward.
		args = append(args, "--ip-base", fmt.Sprint(ipBase))
	}
	cmd := exec.CommandContext(ctx, l.Script, args...)
	cmd.Env = append(os.Environ(), "PLAY_LAB_INVENTORY_OUT="+raw, fmt.Sprintf("PLAY_LAB_BOOT_TIMEOUT=%d", bootTimeout))
	cmd.Stdout, cmd.Stderr = l.Log, l.Log
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("lab.sh up %d --prefix %s: %w", n, prefix, err)
	}
	b, err := os.ReadFile(raw)
	if err != nil {
		return "", err
	}
	inv, hosts := FilterInventory(string(b), prefix)
	if hosts != n {
		return "", fmt.Errorf("lab inventory %s lists %d hosts in group %s, want %d", raw, hosts, prefix, n)
	}
	path := filepath.Join(l.WorkDir, prefix+".ini")
	return path, os.WriteFile(path, []byte(inv), 0o644)
}

// Down stops the hosts of one prefix. It lets lab.sh rewrite the shared
// inventory/lab.ini, so that file stops listing our hosts.
func (l *Lab) Down(ctx context.Context, prefix string) error {
	cmd := exec.CommandContext(ctx, l.Script, "down", "--prefix", prefix)
	cmd.Stdout, cmd.Stderr = l.Log, l.Log
	return cmd.Run()
}

// FilterInventory keeps, from an INI inventory written by lab.sh, the hosts
// of one group (renamed TargetGroup) and the [all:vars] section, and returns
// the new text and the number of hosts kept.
func FilterInventory(ini, group string) (string, int) {
	var hosts, vars []string
	section := ""
	sc := bufio.NewScanner(strings.NewReader(ini))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, ";") {
			continue
		}
		if strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]") {
			section = line[1 : len(line)-1]
			continue
		}
		switch section {
		case group:
			hosts = append(hosts, line)
		case "all:vars":
			vars = append(vars, line)
		}
	}
	var b strings.Builder
	b.WriteString("# Written by playbench from lab.sh's inventory: only this workload's hosts.\n")
	fmt.Fprintf(&b, "[%s]\n%s\n\n[all:vars]\n%s\n", TargetGroup, strings.Join(hosts, "\n"), strings.Join(vars, "\n"))
	return b.String(), len(hosts)
}
