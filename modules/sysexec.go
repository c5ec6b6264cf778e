package modules

import (
	"context"
	"fmt"
	"github.com/playbook/play/engine/shellquote"
	"io"
	"strings"

	"github.com/playbook/play/engine/conn"
)

// sysOut is the outcome of one remote command a system module ran.
type sysOut struct {
	rc             int
	stdout, stderr string
}

// text returns stdout and stderr joined, for error messages.
func (o *sysOut) text() string {
	return strings.TrimSpace(strings.TrimSpace(o.stdout) + "\n" + strings.TrimSpace(o.stderr))
}

// sysRun runs a command on the task's host with the task's become and
// environment. Every system module goes through it so none can forget
// either. extraEnv entries override the task environment (LC_ALL=C for
// commands whose output is parsed).
func sysRun(ctx context.Context, t *Task, command string, stdin io.Reader, extraEnv map[string]string) (*sysOut, error) {
	return sysRunIn(ctx, t, command, "", stdin, extraEnv)
}

// sysRunIn is sysRun in a working directory (command's chdir).
func sysRunIn(ctx context.Context, t *Task, command, dir string, stdin io.Reader, extraEnv map[string]string) (*sysOut, error) {
	env := make(map[string]string, len(t.Env)+len(extraEnv))
	for k, v := range t.Env {
		env[k] = v
	}
	for k, v := range extraEnv {
		env[k] = v
	}
	if t.Conn == nil {
		return nil, fmt.Errorf("internal: module needs a connection to %s", t.Host)
	}
	r, err := t.Conn.Run(ctx, conn.Cmd{Command: command, Dir: dir, Stdin: stdin, Env: env, Become: t.Become})
	if err != nil {
		return nil, err
	}
	return &sysOut{rc: r.ExitCode, stdout: string(r.Stdout), stderr: string(r.Stderr)}, nil
}

// cEnv makes tool output parseable regardless of the target's locale.
var cEnv = map[string]string{"LC_ALL": "C", "LANG": "C"}

// sysQuote quotes one word for POSIX sh: it is passed literally, with no
// expansion of $, `, globs or spaces.
func sysQuote(s string) string { return shellquote.Quote(s) }

// sysQuoteAll quotes each word and joins them with spaces.
func sysQuoteAll(words []string) string { return shellquote.Join(words) }

// sysGlobQuote quotes a path pattern for sh so that only the glob
// characters (* ? [ ]) and a leading ~ stay active: creates/removes take
// globs in Ansible, and a path with spaces must still be one word.
func sysGlobQuote(pattern string) string {
	var b strings.Builder
	rest := pattern
	if strings.HasPrefix(rest, "~") {
		end := strings.IndexByte(rest, '/')
		if end < 0 {
			end = len(rest)
		}
		user := rest[1:end]
		if strings.Trim(user, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.") == "" {
			b.WriteString(rest[:end])
			rest = rest[end:]
		}
	}
	lit := ""
	flush := func() {
		if lit != "" {
			b.WriteString("'" + strings.ReplaceAll(lit, "'", `'\''`) + "'")
			lit = ""
		}
	}
	for _, r := range rest {
		if strings.ContainsRune("*?[]", r) {
			flush()
			b.WriteRune(r)
			continue
		}
		lit += string(r)
	}
	flush()
	if b.Len() == 0 {
		return "''"
	}
	return b.String()
}

// sysLines splits output into lines without the trailing empty one.
func sysLines(s string) []any {
	s = strings.TrimRight(s, "\n")
	if s == "" {
		return []any{}
	}
	parts := strings.Split(s, "\n")
	out := make([]any, len(parts))
	for i, p := range parts {
		out[i] = strings.TrimSuffix(p, "\r")
	}
	return out
}

// sysSections splits the output of a script that prints "@@name" marker
// lines into name -> body, so one round trip can answer many questions.
func sysSections(out string) map[string]string {
	secs := map[string]string{}
	name := ""
	var body []string
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "@@") {
			if name != "" {
				secs[name] = strings.Join(body, "\n")
			}
			name, body = strings.TrimSpace(line[2:]), nil
			continue
		}
		body = append(body, line)
	}
	if name != "" {
		secs[name] = strings.Join(body, "\n")
	}
	return secs
}
