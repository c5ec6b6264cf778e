package modules

import (
	"bufio"
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/playbook/play/engine/conn"
)

// sysLabHosts dials the hosts of the INI inventory named by
// PLAY_LAB_INVENTORY (lines "name ansible_host=IP" and an [all:vars]
// section), or skips the test when it is unset.
func sysLabHosts(t *testing.T) []conn.Conn {
	t.Helper()
	path := os.Getenv("PLAY_LAB_INVENTORY")
	if path == "" {
		t.Skip("PLAY_LAB_INVENTORY not set: no lab hosts")
	}
	f, err := os.Open(path)
	if err != nil {
		t.Skipf("lab inventory: %v", err)
	}
	defer f.Close()
	type host struct{ name, addr string }
	var hosts []host
	vars := map[string]string{}
	section := ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' || line[0] == ';' {
			continue
		}
		if line[0] == '[' {
			section = strings.Trim(line, "[]")
			continue
		}
		fields := strings.Fields(line)
		if strings.HasSuffix(section, ":vars") {
			k, v, _ := strings.Cut(line, "=")
			vars[strings.TrimSpace(k)] = strings.TrimSpace(v)
			continue
		}
		h := host{name: fields[0], addr: fields[0]}
		for _, kv := range fields[1:] {
			if k, v, ok := strings.Cut(kv, "="); ok && k == "ansible_host" {
				h.addr = v
			}
		}
		hosts = append(hosts, h)
	}
	var conns []conn.Conn
	for _, h := range hosts {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		c, err := conn.Dial(ctx, conn.Options{Host: h.name, Address: h.addr, User: vars["ansible_user"],
			PrivateKeyFile: vars["ansible_ssh_private_key_file"], KnownHostsFile: vars["ansible_ssh_known_hosts_file"]})
		cancel()
		if err != nil {
			t.Skipf("lab host %s: %v", h.name, err)
		}
		t.Cleanup(func() { c.Close() })
		conns = append(conns, c)
	}
	if len(conns) == 0 {
		t.Skip("no hosts in the lab inventory")
	}
	return conns
}

// TestSystemdOnLab drives a throwaway unit through the systemd module on a
// real systemd host.
func TestSystemdOnLab(t *testing.T) {
	c := sysLabHosts(t)[0]
	ctx := context.Background()
	r, err := c.Run(ctx, conn.Cmd{Command: "cat /proc/1/comm"})
	if err != nil || strings.TrimSpace(string(r.Stdout)) != "systemd" {
		t.Skip("first lab host does not run systemd")
	}
	// Not in /etc/systemd/system: systemd cannot mask a unit defined there.
	unit := "/usr/local/lib/systemd/system/play-modtest.service"
	if _, err := c.Run(ctx, conn.Cmd{Command: "mkdir -p /usr/local/lib/systemd/system"}); err != nil {
		t.Fatal(err)
	}
	err = c.WriteFile(ctx, unit, []byte("[Unit]\nDescription=play test\n[Service]\nExecStart=/bin/sleep 600\n[Install]\nWantedBy=multi-user.target\n"), conn.WriteOpts{Mode: 0o644})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c.Run(ctx, conn.Cmd{Command: "systemctl disable --now play-modtest; systemctl unmask play-modtest; rm -f " + unit + "; systemctl daemon-reload"})
	})
	vars := map[string]any{}
	want := map[string]any{"name": "play-modtest", "state": "started", "enabled": true, "daemon_reload": true}
	res := sysRunModuleOn(t, c, "systemd", want, true, vars)
	if !res.Changed || res.Diffs[0].BeforeState["state"] != "stopped" {
		t.Fatalf("check: %+v", res)
	}
	if res := sysRunModuleOn(t, c, "systemd_service", want, false, vars); !res.Changed || res.Failed {
		t.Fatalf("apply: %+v", res)
	}
	if res := sysRunModuleOn(t, c, "service", map[string]any{"name": "play-modtest", "state": "started", "enabled": true}, false, vars); res.Changed || res.Failed {
		t.Errorf("service module on systemd host not idempotent: %+v", res)
	}
	r, _ = c.Run(ctx, conn.Cmd{Command: "systemctl is-active play-modtest; systemctl is-enabled play-modtest"})
	if got := strings.Fields(string(r.Stdout)); len(got) != 2 || got[0] != "active" || got[1] != "enabled" {
		t.Errorf("unit state after apply: %q", r.Stdout)
	}
	res = sysRunModuleOn(t, c, "systemd", map[string]any{"name": "play-modtest", "state": "stopped", "masked": true}, false, vars)
	if !res.Changed || res.Failed {
		t.Errorf("stop+mask: %+v", res)
	}
	r, _ = c.Run(ctx, conn.Cmd{Command: "systemctl is-enabled play-modtest"})
	if strings.TrimSpace(string(r.Stdout)) != "masked" {
		t.Errorf("not masked: %q", r.Stdout)
	}
}

// TestSetupOnLab gathers facts over SSH from every lab host.
func TestSetupOnLab(t *testing.T) {
	for _, c := range sysLabHosts(t) {
		f := sysRunModuleOn(t, c, "setup", map[string]any{}, false, nil).Facts
		if f["service_mgr"] != "systemd" || f["os_family"] == nil || f["hostname"] == nil {
			t.Errorf("%s: service_mgr=%v os_family=%v hostname=%v", c.Host(), f["service_mgr"], f["os_family"], f["hostname"])
		}
		if d, _ := f["default_ipv4"].(map[string]any); d["address"] == nil {
			if ifs, _ := f["all_ipv4_addresses"].([]any); len(ifs) == 0 {
				t.Errorf("%s: no IPv4 address facts", c.Host())
			}
		}
	}
}
