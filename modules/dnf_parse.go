package modules

import (
	"strings"
)

// dnfChange is one package line of dnf's transaction table.
type dnfChange struct {
	op      string // install, upgrade, downgrade, reinstall, remove
	name    string
	arch    string
	version string // the version the table shows: new for installs, current for removals
	repo    string
	old     string // the installed version before an upgrade/downgrade (from rpm -q)
}

// dnfParseTable reads the transaction table dnf prints before it asks
// (or, with --assumeno, refuses) to go ahead:
//
//	Installing:
//	 playhello        noarch      1.0-1        playtest      5.9 k
//	Installing dependencies:
//	 playdep          noarch      1.0-1        playtest      5.8 k
//	Removing:
//	 playhello        noarch      1.0-1        @playtest     3
//
// Sections listing packages that are *not* part of the transaction
// ("Skipping packages with conflicts") and group/module headers are
// ignored; a name too long for its column wraps onto its own line.
func dnfParseTable(out string) []dnfChange {
	var changes []dnfChange
	op, pending := "", ""
	for _, line := range strings.Split(out, "\n") {
		line = strings.TrimRight(line, "\r")
		if strings.HasPrefix(line, "Transaction Summary") {
			break
		}
		if line == "" || strings.HasPrefix(line, "===") {
			continue
		}
		if line[0] != ' ' {
			op = dnfSectionOp(line)
			pending = ""
			continue
		}
		if op == "" {
			continue
		}
		f := strings.Fields(line)
		if len(f) == 0 || f[0] == "replacing" {
			continue
		}
		if len(f) == 1 && pending == "" {
			pending = f[0]
			continue
		}
		if pending != "" {
			f = append([]string{pending}, f...)
			pending = ""
		}
		if len(f) < 4 {
			continue
		}
		changes = append(changes, dnfChange{op: op, name: f[0], arch: f[1], version: f[2], repo: strings.TrimPrefix(f[3], "@")})
	}
	return changes
}

// dnfSectionOp maps a table section header to the operation, "" for
// sections whose lines are not package changes.
func dnfSectionOp(header string) string {
	h := strings.TrimSuffix(strings.TrimSpace(header), ":")
	switch {
	// Lists of groups, module streams/profiles or packages left out are
	// not package changes ("Installing group/module packages" is).
	case strings.HasPrefix(h, "Skipping"), strings.Contains(h, "Groups"), strings.Contains(h, "module profiles"),
		strings.HasPrefix(h, "Enabling"), strings.HasPrefix(h, "Disabling"), strings.HasPrefix(h, "Resetting"),
		strings.HasPrefix(h, "Switching"):
		return ""
	case strings.HasPrefix(h, "Installing"):
		return "install"
	case strings.HasPrefix(h, "Upgrading"):
		return "upgrade"
	case strings.HasPrefix(h, "Downgrading"):
		return "downgrade"
	case strings.HasPrefix(h, "Reinstalling"):
		return "reinstall"
	case strings.HasPrefix(h, "Removing"):
		return "remove"
	}
	return ""
}

// dnfParseRPMQuery reads `rpm -q --qf '%{NAME}\t%{EVR}.%{ARCH}\n'` lines
// into name -> versions installed (several for multilib or kernels).
func dnfParseRPMQuery(out string) map[string][]string {
	have := map[string][]string{}
	for _, line := range strings.Split(out, "\n") {
		name, ver, ok := strings.Cut(strings.TrimSpace(line), "\t")
		if ok && name != "" {
			have[name] = append(have[name], ver)
		}
	}
	return have
}
