package modules

import (
	"fmt"
	"strings"
)

// sysctl.d(5) syntax and key handling shared by the sysctl module: key
// spellings, value normalisation and the edit of one key in a file.

// sysctlKey returns the canonical dotted form of a key and its path under
// /proc/sys. sysctl.d(5) accepts "/" or "." as separators; when the first
// separator is a slash, slashes and dots swap roles, so a VLAN interface
// "net/ipv4/conf/eth0.100/forwarding" is "net.ipv4.conf.eth0/100.forwarding".
func sysctlKey(name string) (dotted, procPath string) {
	name = strings.TrimSpace(name)
	slash, dot := strings.IndexByte(name, '/'), strings.IndexByte(name, '.')
	if slash >= 0 && (dot < 0 || slash < dot) {
		dotted = sysctlSwap(name)
	} else {
		dotted = name
	}
	return dotted, "/proc/sys/" + sysctlSwap(dotted)
}

// sysctlSwap exchanges '.' and '/'.
func sysctlSwap(s string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case '.':
			return '/'
		case '/':
			return '.'
		}
		return r
	}, s)
}

// sysctlValue normalises a value the way it is compared: booleans as the
// kernel's 1/0 (as Ansible does, since YAML turns "yes" into true) and
// runs of blanks (tabs in /proc output, spaces in files) as one space.
func sysctlValue(v string) string {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "true", "yes", "on":
		return "1"
	case "false", "no", "off":
		return "0"
	}
	return strings.Join(strings.Fields(v), " ")
}

// sysctlLine is one assignment found in a sysctl.d file.
type sysctlLine struct {
	index int    // line number, 0-based
	key   string // canonical dotted key
	value string // normalised
}

// sysctlParseLine reads "key = value" (optionally "-key = value", whose
// errors sysctl ignores); comments and blank lines give ok=false.
func sysctlParseLine(line string) (key, value string, ok bool) {
	s := strings.TrimSpace(line)
	if s == "" || s[0] == '#' || s[0] == ';' {
		return "", "", false
	}
	k, v, found := strings.Cut(s, "=")
	if !found {
		return "", "", false
	}
	k = strings.TrimPrefix(strings.TrimSpace(k), "-")
	dotted, _ := sysctlKey(k)
	return dotted, sysctlValue(v), true
}

// sysctlFind lists the assignments of key in content, in file order.
func sysctlFind(content, key string) []sysctlLine {
	var out []sysctlLine
	for i, line := range strings.Split(content, "\n") {
		if k, v, ok := sysctlParseLine(line); ok && k == key {
			out = append(out, sysctlLine{index: i, key: k, value: v})
		}
	}
	return out
}

// sysctlEdit returns content with key set to value (present) or removed
// (absent). Other lines are kept byte for byte. A file that sets the key
// several times is collapsed to one line, because sysctl applies them in
// order and only the last one counts: leaving duplicates behind invites
// the next edit to change the wrong one. A line whose value already
// matches (whitespace aside) is kept as written.
func sysctlEdit(content, key, name, value string, present bool) string {
	found := sysctlFind(content, key)
	lines := strings.Split(content, "\n")
	keep := -1
	if present && len(found) > 0 {
		last := found[len(found)-1]
		keep = found[0].index
		if len(found) == 1 && last.value == sysctlValue(value) {
			return content
		}
		if last.value == sysctlValue(value) {
			keep = last.index // keep the user's spelling of the winning line
		} else {
			lines[keep] = fmt.Sprintf("%s=%s", name, value)
		}
	}
	var out []string
	drop := map[int]bool{}
	for _, f := range found {
		if f.index != keep {
			drop[f.index] = true
		}
	}
	for i, l := range lines {
		if !drop[i] {
			out = append(out, l)
		}
	}
	res := strings.Join(out, "\n")
	if present && len(found) == 0 {
		if res != "" && !strings.HasSuffix(res, "\n") {
			res += "\n"
		}
		res += fmt.Sprintf("%s=%s\n", name, value)
	}
	return res
}
