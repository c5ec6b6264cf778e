package modules

import (
	"strconv"
	"strings"
)

// Fact parsers for the minimal and hardware subsets. Each one reads its
// sections and sets only the facts it could determine.

// setupKV parses KEY=value lines (os-release), unquoting values.
func setupKV(s string) map[string]string {
	kv := map[string]string{}
	for _, line := range strings.Split(s, "\n") {
		k, v, ok := strings.Cut(strings.TrimSpace(line), "=")
		if !ok || strings.HasPrefix(k, "#") {
			continue
		}
		v = strings.TrimSpace(v)
		if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
			v = v[1 : len(v)-1]
		}
		kv[k] = v
	}
	return kv
}

// setupDistNames maps os-release IDs to Ansible's distribution names.
var setupDistNames = map[string]string{
	"debian": "Debian", "ubuntu": "Ubuntu", "centos": "CentOS", "rhel": "RedHat", "fedora": "Fedora",
	"rocky": "Rocky", "almalinux": "AlmaLinux", "ol": "OracleLinux", "amzn": "Amazon", "alpine": "Alpine",
	"arch": "Archlinux", "opensuse-leap": "openSUSE Leap", "opensuse-tumbleweed": "openSUSE Tumbleweed",
	"sles": "SLES", "linuxmint": "Linux Mint", "raspbian": "Debian", "kali": "Kali", "devuan": "Devuan",
}

// setupFamilies maps distributions to Ansible's os_family.
var setupFamilies = map[string]string{
	"Debian": "Debian", "Ubuntu": "Debian", "Kali": "Debian", "Devuan": "Debian", "Linux Mint": "Debian",
	"RedHat": "RedHat", "CentOS": "RedHat", "Fedora": "RedHat", "Rocky": "RedHat", "AlmaLinux": "RedHat",
	"OracleLinux": "RedHat", "Amazon": "RedHat", "openSUSE Leap": "Suse", "openSUSE Tumbleweed": "Suse",
	"SLES": "Suse", "Alpine": "Alpine", "Archlinux": "Archlinux",
}

func setupOS(secs map[string]string, f map[string]any) {
	osr := setupKV(secs["os-release"])
	id := osr["ID"]
	dist, ok := setupDistNames[id]
	if !ok && id != "" {
		dist = strings.ToUpper(id[:1]) + id[1:]
	}
	if dist == "" {
		if strings.TrimSpace(secs["debian_version"]) != "" {
			dist = "Debian"
		} else if rr := strings.TrimSpace(secs["redhat-release"]); rr != "" {
			dist = strings.Fields(rr)[0]
		}
	}
	if dist == "" {
		return
	}
	version := osr["VERSION_ID"]
	release := osr["VERSION_CODENAME"]
	if dist == "Debian" {
		// Ansible reports the point release from /etc/debian_version (12.5).
		if dv := strings.TrimSpace(secs["debian_version"]); dv != "" && dv[0] >= '0' && dv[0] <= '9' {
			version = dv
		}
	}
	if dist == "CentOS" && strings.Contains(osr["NAME"], "Stream") {
		release = "Stream"
	}
	major, _, _ := strings.Cut(version, ".")
	family, ok := setupFamilies[dist]
	if !ok {
		like := osr["ID_LIKE"]
		switch {
		case strings.Contains(like, "debian"):
			family = "Debian"
		case strings.Contains(like, "rhel"), strings.Contains(like, "fedora"):
			family = "RedHat"
		case strings.Contains(like, "suse"):
			family = "Suse"
		default:
			family = dist
		}
	}
	f["distribution"] = dist
	f["distribution_version"] = version
	f["distribution_major_version"] = major
	f["distribution_release"] = release
	f["os_family"] = family
	if osr["PRETTY_NAME"] != "" {
		f["distribution_pretty_name"] = osr["PRETTY_NAME"] // not in Ansible, handy in messages
	}
}

func setupPlatform(secs map[string]string, f map[string]any) {
	u := strings.Split(strings.TrimRight(secs["uname"], "\n"), "\n")
	if len(u) >= 5 {
		f["system"] = u[0]
		f["kernel"] = u[1]
		f["kernel_version"] = u[2]
		f["architecture"] = u[3]
		f["machine"] = u[3]
		f["nodename"] = u[4]
	}
	host := strings.TrimSpace(secs["hostname"])
	if host != "" {
		short, _, _ := strings.Cut(host, ".")
		f["hostname"] = short
	}
	fqdn := strings.TrimSpace(secs["fqdn"])
	if fqdn == "" {
		fqdn = host
	}
	if fqdn != "" {
		f["fqdn"] = fqdn
		_, domain, _ := strings.Cut(fqdn, ".")
		f["domain"] = domain
	}
	if id := strings.TrimSpace(secs["machine_id"]); id != "" {
		f["machine_id"] = id
	}
}

func setupManagers(secs map[string]string, f map[string]any) {
	lines := strings.Fields(secs["pid1"])
	has := func(w string) bool {
		for _, l := range lines {
			if l == w {
				return true
			}
		}
		return false
	}
	switch {
	case len(lines) > 0 && lines[0] == "systemd", has("run-systemd"):
		f["service_mgr"] = "systemd"
	case has("openrc"):
		f["service_mgr"] = "openrc"
	case has("initd"):
		f["service_mgr"] = "sysvinit"
	case len(lines) > 0:
		f["service_mgr"] = "service"
	}
	found := strings.Fields(secs["pkg"])
	if len(found) == 0 {
		return
	}
	name := map[string]string{"apt-get": "apt", "dnf": "dnf", "yum": "yum", "zypper": "zypper", "apk": "apk", "pacman": "pacman"}
	pick := found[0]
	// A Debian host with dnf installed (to build RPM repos) still manages
	// its own packages with apt; pick by family first, as Ansible does.
	prefer := map[string][]string{"Debian": {"apt-get"}, "RedHat": {"dnf", "yum"}, "Suse": {"zypper"}, "Alpine": {"apk"}, "Archlinux": {"pacman"}}
	if fam, ok := f["os_family"].(string); ok {
	outer:
		for _, p := range prefer[fam] {
			for _, x := range found {
				if x == p {
					pick = p
					break outer
				}
			}
		}
	}
	f["pkg_mgr"] = name[pick]
}

func setupSELinux(secs map[string]string, f map[string]any) {
	kv := setupKV(secs["selinux"])
	se := map[string]any{}
	mode := ""
	switch {
	case kv["getenforce"] != "":
		mode = strings.ToLower(kv["getenforce"])
	case kv["enforce"] == "1":
		mode = "enforcing"
	case kv["enforce"] == "0":
		mode = "permissive"
	}
	if mode == "" || mode == "disabled" {
		se["status"] = "disabled"
	} else {
		se["status"] = "enabled"
		se["mode"] = mode
	}
	if c := kv["SELINUX"]; c != "" {
		se["config_mode"] = c
	}
	if c := kv["SELINUXTYPE"]; c != "" {
		se["type"] = c
	}
	f["selinux"] = se
}

func setupDateTime(secs map[string]string, f map[string]any) {
	lines := strings.Split(strings.TrimSpace(secs["date"]), "\n")
	p := strings.Split(lines[0], "|")
	if len(p) < 13 {
		return
	}
	dt := map[string]any{
		"year": p[0], "month": p[1], "day": p[2], "hour": p[3], "minute": p[4], "second": p[5],
		"tz": p[6], "tz_offset": p[7], "epoch": p[8], "epoch_int": p[8], "weekday": p[9],
		"weekday_number": p[10], "weeknumber": p[11], "julian_day": p[12],
		"date": p[0] + "-" + p[1] + "-" + p[2], "time": p[3] + ":" + p[4] + ":" + p[5],
		"iso8601_basic_short": p[0] + p[1] + p[2] + "T" + p[3] + p[4] + p[5],
	}
	if len(lines) > 1 {
		dt["iso8601"] = strings.TrimSpace(lines[1])
	}
	f["date_time"] = dt
}

func setupUser(secs map[string]string, f map[string]any) {
	l := strings.Split(strings.TrimSpace(secs["user"]), "\n")
	if len(l) < 3 {
		return
	}
	f["user_id"] = l[0]
	if n, err := strconv.Atoi(l[1]); err == nil {
		f["user_uid"] = n
	}
	if n, err := strconv.Atoi(l[2]); err == nil {
		f["user_gid"] = n
	}
	if len(l) > 3 {
		if pw := strings.Split(l[3], ":"); len(pw) >= 7 {
			f["user_gecos"] = pw[4]
			f["user_dir"] = pw[5]
			f["user_shell"] = pw[6]
		}
	}
}

func setupMemory(secs map[string]string, f map[string]any) {
	kb := map[string]int{}
	for _, line := range strings.Split(secs["meminfo"], "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		if n, err := strconv.Atoi(strings.Fields(v + " 0")[0]); err == nil {
			kb[k] = n
		}
	}
	total, ok := kb["MemTotal"]
	if !ok {
		return
	}
	mb := func(k string) int { return kb[k] / 1024 }
	f["memtotal_mb"] = mb("MemTotal")
	f["memfree_mb"] = mb("MemFree")
	f["swaptotal_mb"] = mb("SwapTotal")
	f["swapfree_mb"] = mb("SwapFree")
	nocacheFree := (kb["MemFree"] + kb["Buffers"] + kb["Cached"]) / 1024
	f["memory_mb"] = map[string]any{
		"real":    map[string]any{"total": total / 1024, "free": mb("MemFree"), "used": (total - kb["MemFree"]) / 1024},
		"nocache": map[string]any{"free": nocacheFree, "used": total/1024 - nocacheFree},
		"swap": map[string]any{"total": mb("SwapTotal"), "free": mb("SwapFree"),
			"used": (kb["SwapTotal"] - kb["SwapFree"]) / 1024, "cached": mb("SwapCached")},
	}
}

func setupCPU(secs map[string]string, f map[string]any) {
	var procs []any
	sockets := map[string]bool{}
	cores, vcpus := 0, 0
	for _, line := range strings.Split(secs["cpuinfo"], "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		switch k {
		case "processor":
			vcpus++
			procs = append(procs, v)
		case "vendor_id":
			procs = append(procs, v)
		case "model name":
			procs = append(procs, v)
		case "physical id":
			sockets[v] = true
		case "cpu cores":
			cores, _ = strconv.Atoi(v)
		}
	}
	if n, err := strconv.Atoi(strings.TrimSpace(secs["nproc"])); err == nil && vcpus == 0 {
		vcpus = n
	}
	if vcpus == 0 {
		return
	}
	count := len(sockets)
	if count == 0 {
		count = 1
	}
	if cores == 0 {
		cores = vcpus / count
	}
	threads := 1
	if cores > 0 && vcpus/(count*cores) > 1 {
		threads = vcpus / (count * cores)
	}
	f["processor_vcpus"] = vcpus
	f["processor_count"] = count
	f["processor_cores"] = cores
	f["processor_threads_per_core"] = threads
	f["processor_nproc"] = vcpus
	if n, err := strconv.Atoi(strings.TrimSpace(secs["nproc"])); err == nil {
		f["processor_nproc"] = n
	}
	if procs != nil {
		f["processor"] = procs
	}
	if up := strings.Fields(secs["uptime"]); len(up) > 0 {
		if s, err := strconv.ParseFloat(up[0], 64); err == nil {
			f["uptime_seconds"] = int(s)
		}
	}
}

// setupPseudoFS are filesystems that are not storage; Ansible's mounts
// fact leaves them out too.
var setupPseudoFS = map[string]bool{"proc": true, "sysfs": true, "devtmpfs": true, "devpts": true, "cgroup": true,
	"cgroup2": true, "securityfs": true, "pstore": true, "bpf": true, "debugfs": true, "tracefs": true, "mqueue": true,
	"hugetlbfs": true, "configfs": true, "fusectl": true, "autofs": true, "binfmt_misc": true, "rpc_pipefs": true,
	"nsfs": true, "efivarfs": true, "selinuxfs": true}

func setupMounts(secs map[string]string, f map[string]any) {
	type dfRow struct{ total, avail int64 }
	df := map[string]dfRow{}
	for _, line := range strings.Split(secs["df"], "\n")[1:] {
		p := strings.Fields(line)
		if len(p) < 6 {
			continue
		}
		t, _ := strconv.ParseInt(p[1], 10, 64)
		a, _ := strconv.ParseInt(p[3], 10, 64)
		df[p[5]] = dfRow{t * 1024, a * 1024}
	}
	mounts := []any{}
	for _, line := range strings.Split(secs["mounts"], "\n") {
		p := strings.Fields(line)
		if len(p) < 4 || setupPseudoFS[p[2]] {
			continue
		}
		// /proc/mounts escapes spaces in paths as \040.
		mp := strings.ReplaceAll(p[1], `\040`, " ")
		m := map[string]any{"device": p[0], "mount": mp, "fstype": p[2], "options": p[3]}
		if r, ok := df[mp]; ok {
			m["size_total"] = r.total
			m["size_available"] = r.avail
		}
		mounts = append(mounts, m)
	}
	if secs["mounts"] != "" {
		f["mounts"] = mounts
	}
}

func setupVirtual(secs map[string]string, f map[string]any) {
	l := strings.Fields(secs["virt"])
	if len(l) == 0 {
		return
	}
	role, typ := "guest", l[0]
	if typ == "none" {
		role = "host"
		typ = ""
		if len(l) > 1 && l[1] != "none" {
			role, typ = "guest", l[1]
		}
	}
	f["virtualization_role"] = role
	f["virtualization_type"] = typ
}
