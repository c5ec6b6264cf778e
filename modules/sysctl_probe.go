package modules

import (
	"context"
	"fmt"
	"path"
	"sort"
	"strconv"
	"strings"
)

// sysctlDirs are the sysctl.d directories in precedence order: a file in
// an earlier directory masks a file of the same name in a later one
// (sysctl.d(5)). /etc/sysctl.conf is applied after all of them by
// `sysctl --system`. A variable so tests can point it at temp dirs.
var sysctlDirs = []string{"/etc/sysctl.d", "/run/sysctl.d", "/usr/local/lib/sysctl.d", "/usr/lib/sysctl.d", "/lib/sysctl.d"}

var sysctlMainConf = "/etc/sysctl.conf"

// sysctlHost is what one probe learned about a key on the host.
type sysctlHost struct {
	exists   bool   // /proc/sys/<key> is a file
	isDir    bool   // the name is a group of keys, not a key
	readable bool   // the value could be read (some keys are write-only)
	writable bool   // false in containers with a read-only /proc/sys
	runtime  string // normalised current value
	real     string // sysctl_file with symlinks resolved
	confs    []sysctlConf
}

// sysctlConf is one configuration file `sysctl --system` would read, in
// the order it reads them, with the assignments it holds.
type sysctlConf struct {
	path, real string
	lines      []sysctlLine
}

// sysctlProbe reads the runtime value, resolves sysctl_file and collects
// every sysctl.d assignment in one round trip. Values are read with cat,
// not Conn.ReadFile: net.* keys belong to the network namespace of the
// reading process, which must be the host's shell.
func sysctlProbe(ctx context.Context, t *Task, procPath, file string) (*sysctlHost, error) {
	var b strings.Builder
	fmt.Fprintf(&b, "p=%s\n", sysQuote(procPath))
	b.WriteString(`if [ -d "$p" ]; then echo @@dir; elif [ -f "$p" ]; then [ -w "$p" ] && echo @@writable; echo @@value; cat "$p" 2>/dev/null || echo @@unreadable; fi` + "\n")
	fmt.Fprintf(&b, "echo @@real; readlink -f -- %s || echo %s\n", sysQuote(file), sysQuote(file))
	b.WriteString("echo @@confs\n")
	b.WriteString(`scan() { [ -f "$1" ] || return 0; printf 'F\t%s\t%s\n' "$1" "$(readlink -f -- "$1")"; grep -n '=' -- "$1" 2>/dev/null | sed 's/^/L\t/'; }` + "\n")
	for _, d := range sysctlDirs {
		fmt.Fprintf(&b, "for f in %s/*.conf; do scan \"$f\"; done\n", sysQuote(d))
	}
	fmt.Fprintf(&b, "scan %s\n", sysQuote(sysctlMainConf))
	o, err := sysRun(ctx, t, b.String(), nil, cEnv)
	if err != nil {
		return nil, err
	}
	secs := sysctlSections(o.stdout)
	h := &sysctlHost{real: strings.TrimSpace(secs["real"])}
	if h.real == "" {
		h.real = file
	}
	if _, ok := secs["dir"]; ok {
		h.exists, h.isDir = true, true
	}
	if v, ok := secs["value"]; ok {
		h.exists = true
		_, unreadable := secs["unreadable"]
		h.readable = !unreadable
		h.runtime = sysctlValue(v)
		_, h.writable = secs["writable"]
	}
	confs := sysctlParseConfs(secs["confs"])
	// A file this task creates takes its place in the boot order too.
	if !sysctlHas(confs, h.real) && strings.HasSuffix(file, ".conf") && sysctlDirRank(file) < len(sysctlDirs) {
		confs = append(confs, sysctlConf{path: file, real: h.real})
	}
	h.confs = sysctlOrder(confs)
	return h, nil
}

func sysctlHas(confs []sysctlConf, real string) bool {
	for _, c := range confs {
		if c.real == real {
			return true
		}
	}
	return false
}

// sysctlDirRank is the precedence of the directory holding p (0 highest);
// len(sysctlDirs) when it is in none of them.
func sysctlDirRank(p string) int {
	for i, d := range sysctlDirs {
		if path.Dir(p) == path.Clean(d) {
			return i
		}
	}
	return len(sysctlDirs)
}

// sysctlSections is sysSections that also records empty sections (a
// value of "" is still a value).
func sysctlSections(out string) map[string]string {
	secs := sysSections(out)
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "@@") {
			if _, ok := secs[line[2:]]; !ok {
				secs[line[2:]] = ""
			}
		}
	}
	return secs
}

// sysctlParseConfs reads the F/L lines of the probe.
func sysctlParseConfs(s string) []sysctlConf {
	var confs []sysctlConf
	for _, line := range strings.Split(s, "\n") {
		kind, rest, _ := strings.Cut(line, "\t")
		switch kind {
		case "F":
			p, real, _ := strings.Cut(rest, "\t")
			confs = append(confs, sysctlConf{path: p, real: real})
		case "L":
			if len(confs) == 0 {
				continue
			}
			num, text, _ := strings.Cut(rest, ":")
			n, err := strconv.Atoi(num)
			if err != nil {
				continue
			}
			if k, v, ok := sysctlParseLine(text); ok {
				c := &confs[len(confs)-1]
				c.lines = append(c.lines, sysctlLine{index: n - 1, key: k, value: v})
			}
		}
	}
	return confs
}

// sysctlOrder applies sysctl.d(5) precedence: a name seen in an earlier
// directory masks the same name later; the survivors are read sorted by
// file name.
func sysctlOrder(all []sysctlConf) []sysctlConf {
	byName := map[string]sysctlConf{}
	var main []sysctlConf
	for _, c := range all {
		if c.path == sysctlMainConf {
			main = append(main, c)
			continue
		}
		base := path.Base(c.path)
		if prev, seen := byName[base]; !seen || sysctlDirRank(c.path) < sysctlDirRank(prev.path) {
			byName[base] = c
		}
	}
	names := make([]string, 0, len(byName))
	for n := range byName {
		names = append(names, n)
	}
	sort.Strings(names)
	out := make([]sysctlConf, 0, len(names)+1)
	linked := map[string]bool{}
	for _, n := range names {
		out = append(out, byName[n])
		linked[byName[n].real] = true
	}
	// systemd-sysctl, which applies the settings at boot, reads
	// /etc/sysctl.conf only through the 99-sysctl.conf link Debian and
	// RHEL ship; `sysctl --system` reads it last. Without the link, last.
	for _, c := range main {
		if !linked[c.real] {
			out = append(out, c)
		}
	}
	return out
}

// sysctlWarnings explains where else the key is set and which value the
// boot-time `sysctl --system` ends up with, since a key set in two files
// silently takes the value of the one read last.
func sysctlWarnings(h *sysctlHost, key, file, value string, present bool) []string {
	ours := -1
	for i, c := range h.confs {
		if c.real == h.real {
			ours = i
		}
	}
	var warns []string
	seen := map[string]bool{h.real: true}
	for i, c := range h.confs {
		if seen[c.real] {
			continue
		}
		seen[c.real] = true
		for _, l := range c.lines {
			if l.key != key {
				continue
			}
			where := fmt.Sprintf("%s is also set in %s (line %d: %q)", key, c.path, l.index+1, l.value)
			switch {
			case !present:
				warns = append(warns, where+"; it stays in effect after this removal")
			case ours < 0:
				warns = append(warns, where+"; "+file+" is not read by `sysctl --system`, so that value applies at boot")
			case i > ours && l.value != sysctlValue(value):
				warns = append(warns, where+", which is read after "+file+": that value wins at boot")
			case i > ours:
				warns = append(warns, where+", which is read after "+file+" (same value)")
			default:
				warns = append(warns, where+"; "+file+" is read later and wins at boot")
			}
		}
	}
	return warns
}
