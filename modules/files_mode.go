package modules

import (
	"fmt"
	"strconv"
	"strings"
)

// resolveMode turns a mode parameter into permission bits. Octal modes are
// absolute; symbolic modes ("u=rwx,g=rx,o=", "u+x", "a-w", "g=u") are
// applied to cur, the path's current bits, the way chmod(1) and Ansible
// do. isDir matters for X (execute only on directories or files that
// already have an execute bit).
func resolveMode(mode string, cur uint32, isDir bool) (uint32, error) {
	mode = strings.TrimSpace(mode)
	if mode == "" {
		return 0, fmt.Errorf("empty mode")
	}
	if mode[0] >= '0' && mode[0] <= '9' {
		n, err := strconv.ParseUint(mode, 8, 32)
		if err != nil || n > 0o7777 {
			return 0, fmt.Errorf("mode '%s' is not a valid octal mode", mode)
		}
		return uint32(n), nil
	}
	return applySymbolic(mode, cur, isDir)
}

// assumedUmask stands in for the host's umask in "who"-less clauses
// ("=rw", "+x"): 022 is what non-interactive SSH and sudo sessions get on
// Debian and CentOS. Write "a=rw" to be independent of it.
const assumedUmask = 0o022

// Per-class bit positions: the rwx bits of u, g and o, and the special
// bit (setuid, setgid, sticky) that belongs to each class.
var (
	classShift   = map[byte]uint{'u': 6, 'g': 3, 'o': 0}
	classSpecial = map[byte]uint32{'u': 0o4000, 'g': 0o2000, 'o': 0o1000}
)

func applySymbolic(mode string, cur uint32, isDir bool) (uint32, error) {
	m := cur & 0o7777
	for _, clause := range strings.Split(mode, ",") {
		bad := fmt.Errorf("mode '%s' is neither octal nor symbolic (bad clause '%s'; e.g. u=rw,g=r,o= or u+x)", mode, clause)
		i := 0
		for i < len(clause) && strings.IndexByte("ugoa", clause[i]) >= 0 {
			i++
		}
		who := clause[:i]
		// No "who" means all classes, but (as chmod and Ansible do) bits
		// set in the umask are not affected.
		var umask uint32
		if who == "" {
			umask = assumedUmask
		}
		if who == "" || strings.Contains(who, "a") {
			who = "ugo"
		}
		if i == len(clause) {
			return 0, bad
		}
		// One or more op+perms groups: "u=rw+x" is u=rw then u+x.
		for i < len(clause) {
			op := clause[i]
			if op != '+' && op != '-' && op != '=' {
				return 0, bad
			}
			i++
			j := i
			for j < len(clause) && strings.IndexByte("+-=", clause[j]) < 0 {
				j++
			}
			perms := clause[i:j]
			i = j
			add, err := permsFor(perms, who, m, isDir)
			if err != nil {
				return 0, bad
			}
			add &^= umask
			var mask uint32
			for k := 0; k < len(who); k++ {
				c := who[k]
				mask |= 0o7<<classShift[c] | classSpecial[c]
			}
			switch op {
			case '+':
				m |= add
			case '-':
				m &^= add
			case '=':
				m = m&^mask | add
			}
		}
	}
	return m, nil
}

// permsFor computes the bits that perms ("rwxXst" letters, or one of
// u/g/o to copy a class) stand for, for each class in who. cur is the mode
// before this clause, which X and the class copies read.
func permsFor(perms, who string, cur uint32, isDir bool) (uint32, error) {
	var rwx uint32 // in "other" position (0..7)
	var special uint32
	if len(perms) == 1 && strings.IndexByte("ugo", perms[0]) >= 0 {
		rwx = (cur >> classShift[perms[0]]) & 0o7
	} else {
		for k := 0; k < len(perms); k++ {
			switch perms[k] {
			case 'r':
				rwx |= 4
			case 'w':
				rwx |= 2
			case 'x':
				rwx |= 1
			case 'X':
				if isDir || cur&0o111 != 0 {
					rwx |= 1
				}
			case 's':
				special |= 0o4000 | 0o2000
			case 't':
				special |= 0o1000
			default:
				return 0, fmt.Errorf("bad permission letter %q", perms[k])
			}
		}
	}
	var out uint32
	for k := 0; k < len(who); k++ {
		c := who[k]
		out |= rwx << classShift[c]
		out |= special & classSpecial[c]
	}
	return out, nil
}

// validMode reports a mode the file modules cannot apply, before anything
// is touched.
func validMode(mode string) error {
	if mode == "" || mode == "preserve" {
		return nil
	}
	_, err := resolveMode(mode, 0o644, false)
	return err
}
