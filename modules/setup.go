package modules

import (
	"context"
	"fmt"
	"path"
	"strings"
)

func init() {
	Register(&setupModule{name: "setup"})
	Register(&setupModule{name: "gather_facts"})
}

// setupModule gathers facts in one remote round trip: a POSIX sh script
// prints "@@section" markers and the outputs of cat/ip/uname..., and the
// parsing happens here. A missing tool leaves its facts out; it never
// fails the task.
type setupModule struct{ name string }

func (m *setupModule) Spec() *Spec {
	return &Spec{
		Name: m.name,
		Doc:  "Gather facts about the host (OS, network, memory, CPUs, service and package managers)",
		Params: []Param{
			{Name: "gather_subset", Type: TypeList, Elem: TypeStr, Default: []any{"all"},
				Help: "all, min, hardware, network (prefix ! to exclude)"},
			{Name: "filter", Type: TypeList, Elem: TypeStr, Help: "only return facts whose names match these globs"},
			{Name: "gather_timeout", Type: TypeInt, Default: 10, Help: "accepted for compatibility"},
			{Name: "fact_path", Type: TypePath, Help: "accepted for compatibility; local facts are not read"},
		},
	}
}

// setupSubsets resolves gather_subset into the optional parts to collect;
// the minimal part (OS, user, date, managers) is always collected.
func setupSubsets(spec []string) (map[string]bool, error) {
	known := []string{"hardware", "network", "virtual"}
	on := map[string]bool{}
	for _, s := range spec {
		s = strings.TrimSpace(s)
		neg := strings.HasPrefix(s, "!")
		s = strings.TrimPrefix(s, "!")
		switch s {
		case "all":
			for _, k := range known {
				on[k] = !neg
			}
		case "min", "":
		case "hardware", "network", "virtual":
			on[s] = !neg
		case "facter", "ohai", "devices", "interfaces", "distribution", "env", "platform", "lsb", "selinux",
			"service_mgr", "pkg_mgr", "date_time", "user", "dns", "cmdline", "apparmor", "caps", "fips", "local",
			"mounts", "python", "ssh_pub_keys", "system", "processor", "memory":
			// finer Ansible subsets: the parts play collects belong to min,
			// hardware or network already
			if s == "mounts" || s == "processor" || s == "memory" || s == "devices" {
				on["hardware"] = on["hardware"] || !neg
			}
			if s == "interfaces" {
				on["network"] = on["network"] || !neg
			}
		default:
			return nil, fmt.Errorf("bad subset '%s' given to gather_subset; choose from all, min, hardware, network, virtual", s)
		}
	}
	return on, nil
}

// setupScript is the fact-gathering script for the chosen subsets.
func setupScript(on map[string]bool) string {
	var b strings.Builder
	sec := func(name, cmd string) { b.WriteString("echo '@@" + name + "'; " + cmd + "\n") }
	sec("os-release", "cat /etc/os-release 2>/dev/null || cat /usr/lib/os-release 2>/dev/null")
	sec("debian_version", "cat /etc/debian_version 2>/dev/null")
	sec("redhat-release", "cat /etc/redhat-release 2>/dev/null")
	sec("uname", "uname -s; uname -r; uname -v; uname -m; uname -n")
	sec("hostname", "hostname 2>/dev/null || cat /proc/sys/kernel/hostname")
	// hostname -f asks the resolver; do not let a dead DNS stall the play.
	sec("fqdn", "timeout 3 hostname -f 2>/dev/null")
	sec("pid1", "cat /proc/1/comm 2>/dev/null; [ -d /run/systemd/system ] && echo run-systemd; [ -d /etc/init.d ] && echo initd; [ -x /sbin/openrc ] && echo openrc")
	sec("pkg", "for p in apt-get dnf yum zypper apk pacman; do command -v $p >/dev/null 2>&1 && echo $p; done")
	sec("selinux", "if command -v getenforce >/dev/null 2>&1; then echo getenforce=$(getenforce 2>/dev/null); fi; "+
		"[ -r /sys/fs/selinux/enforce ] && echo enforce=$(cat /sys/fs/selinux/enforce); "+
		"[ -r /etc/selinux/config ] && grep -E '^SELINUX(TYPE)?=' /etc/selinux/config")
	sec("date", "date '+%Y|%m|%d|%H|%M|%S|%Z|%z|%s|%A|%w|%W|%j'; date -u '+%Y-%m-%dT%H:%M:%SZ'")
	sec("user", "id -un; id -u; id -g; getent passwd \"$(id -u)\"")
	sec("machine_id", "cat /etc/machine-id 2>/dev/null")
	if on["hardware"] {
		sec("meminfo", "cat /proc/meminfo 2>/dev/null")
		sec("nproc", "nproc 2>/dev/null")
		sec("cpuinfo", "grep -E '^(processor|vendor_id|model name|physical id|cpu cores|siblings)' /proc/cpuinfo 2>/dev/null")
		sec("uptime", "cat /proc/uptime 2>/dev/null")
		sec("mounts", "cat /proc/mounts 2>/dev/null")
		sec("df", "df -P -k 2>/dev/null")
	}
	if on["network"] {
		sec("route4", "ip -4 route get 8.8.8.8 2>/dev/null")
		sec("route6", "ip -6 route get 2001:4860:4860::8888 2>/dev/null")
		sec("addr", "ip -o addr show 2>/dev/null")
		sec("link", "ip -o link show 2>/dev/null")
	}
	if on["virtual"] {
		sec("virt", "systemd-detect-virt 2>/dev/null; systemd-detect-virt --container 2>/dev/null")
	}
	b.WriteString("exit 0\n")
	return b.String()
}

func (m *setupModule) Run(ctx context.Context, t *Task) (*Result, error) {
	subsets := List(t.Args, "gather_subset")
	on, err := setupSubsets(subsets)
	if err != nil {
		return &Result{Failed: true, Msg: err.Error()}, nil
	}
	o, err := sysRun(ctx, t, setupScript(on), nil, cEnv)
	if err != nil {
		return nil, err
	}
	secs := sysSections(o.stdout)
	facts := map[string]any{}
	setupOS(secs, facts)
	setupPlatform(secs, facts)
	setupManagers(secs, facts)
	setupSELinux(secs, facts)
	setupDateTime(secs, facts)
	setupUser(secs, facts)
	if on["hardware"] {
		setupMemory(secs, facts)
		setupCPU(secs, facts)
		setupMounts(secs, facts)
	}
	if on["network"] {
		setupNetwork(secs, facts)
	}
	if on["virtual"] {
		setupVirtual(secs, facts)
	}
	gs := make([]any, len(subsets))
	for i, s := range subsets {
		gs[i] = s
	}
	facts["gather_subset"] = gs
	facts["module_setup"] = true
	if pats := List(t.Args, "filter"); len(pats) > 0 {
		for k := range facts {
			keep := false
			for _, p := range pats {
				if ok, _ := path.Match(p, k); ok {
					keep = true
				} else if ok, _ := path.Match(p, "ansible_"+k); ok {
					keep = true
				}
			}
			if !keep {
				delete(facts, k)
			}
		}
	}
	return &Result{Facts: facts, Data: map[string]any{"ansible_facts": facts}}, nil
}
