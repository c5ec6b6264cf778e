package conn

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"github.com/playbook/play/engine/shellquote"
	"io/fs"
	"sort"
	"strings"
)

// shq quotes s for a POSIX shell. Single quotes keep everything literal, so
// the only character needing care is the single quote itself.
func shq(s string) string { return shellquote.Quote(s) }

// validEnvName reports whether name can be exported by a POSIX shell.
func validEnvName(name string) bool {
	if name == "" {
		return false
	}
	for i, r := range name {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

// innerScript is the script run by `sh -c` on the target: environment and
// working directory are set by the script itself, because sshd drops
// variables not listed in AcceptEnv and sudo resets the environment.
func innerScript(cmd Cmd) (string, error) {
	var b strings.Builder
	keys := make([]string, 0, len(cmd.Env))
	for k := range cmd.Env {
		if !validEnvName(k) {
			return "", fmt.Errorf("invalid environment variable name %q", k)
		}
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		b.WriteString("export " + k + "=" + shq(cmd.Env[k]) + "; ")
	}
	if cmd.Dir != "" {
		// `|| exit` rather than `&&`: the command may be several statements.
		b.WriteString("cd " + shq(cmd.Dir) + " || exit 1; ")
	}
	b.WriteString(cmd.Command)
	return b.String(), nil
}

// becomePlan describes how one command escalates with sudo.
type becomePlan struct {
	user     string
	password string
	prompt   string // random sudo prompt, recognised and removed from stderr
	marker   string // printed by the escalated shell once sudo let it run
}

func newBecomePlan(b Become) (*becomePlan, error) {
	if b.Method != "" && b.Method != "sudo" {
		return nil, fmt.Errorf("become method %q is not supported (only sudo)", b.Method)
	}
	return &becomePlan{
		user:     becomeUser(b),
		password: b.Password,
		prompt:   "[play-sudo-" + randHex(8) + "] ",
		marker:   "PLAY-BECOME-OK-" + randHex(8),
	}, nil
}

func becomeUser(b Become) string {
	if b.User == "" {
		return "root"
	}
	return b.User
}

// wrapScript turns the inner script into the command line handed to the
// login shell (remote) or /bin/sh (local).
func wrapScript(inner string, plan *becomePlan) string {
	if plan == nil {
		return "sh -c " + shq(inner)
	}
	// The marker line on both streams tells us sudo accepted us and that
	// everything before it on stderr was sudo talking (lecture, prompt).
	pre := "echo " + plan.marker + "; echo " + plan.marker + " >&2; "
	if plan.password != "" {
		return "sudo -H -S -p " + shq(plan.prompt) + " -u " + shq(plan.user) + " -- sh -c " + shq(pre+inner)
	}
	return "sudo -H -n -u " + shq(plan.user) + " -- sh -c " + shq(pre+inner)
}

func randHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on Linux
	}
	return hex.EncodeToString(b)
}

// UnixMode converts a Go file mode to the octal mode chmod expects
// (setuid/setgid/sticky included); modules use it too.
func UnixMode(m fs.FileMode) uint32 {
	u := uint32(m.Perm())
	if m&fs.ModeSetuid != 0 {
		u |= 0o4000
	}
	if m&fs.ModeSetgid != 0 {
		u |= 0o2000
	}
	if m&fs.ModeSticky != 0 {
		u |= 0o1000
	}
	return u
}

// fileModeFromUnix converts a raw st_mode to a Go file mode.
func fileModeFromUnix(raw uint32) fs.FileMode {
	m := fs.FileMode(raw & 0o777)
	switch raw & 0o170000 {
	case 0o040000:
		m |= fs.ModeDir
	case 0o120000:
		m |= fs.ModeSymlink
	case 0o010000:
		m |= fs.ModeNamedPipe
	case 0o140000:
		m |= fs.ModeSocket
	case 0o020000:
		m |= fs.ModeDevice | fs.ModeCharDevice
	case 0o060000:
		m |= fs.ModeDevice
	}
	if raw&0o4000 != 0 {
		m |= fs.ModeSetuid
	}
	if raw&0o2000 != 0 {
		m |= fs.ModeSetgid
	}
	if raw&0o1000 != 0 {
		m |= fs.ModeSticky
	}
	return m
}

// signalNumbers maps the SSH signal names (RFC 4254 §6.10) to Linux numbers
// so a signal-killed command reports 128+n like a shell would.
var signalNumbers = map[string]int{
	"HUP": 1, "INT": 2, "QUIT": 3, "ILL": 4, "ABRT": 6, "FPE": 8, "KILL": 9,
	"USR1": 10, "SEGV": 11, "USR2": 12, "PIPE": 13, "ALRM": 14, "TERM": 15,
}
