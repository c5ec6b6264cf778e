package modules

import (
	"context"
	"fmt"
	"path"
	"strings"
	"time"
)

// cmdCall is what command, shell and raw share: the shell text to run, how
// it is shown in the result, and the creates/removes guards.
type cmdCall struct {
	script  string // passed to sh -c on the target
	shown   any    // the result's "cmd": argv list (command) or string (shell)
	chdir   string
	creates string
	removes string
	stdin   *string
	strip   bool
}

// cmdGuard checks creates/removes like Ansible: creates=pattern skips the
// command when a match exists, removes=pattern skips it when none does.
// Returns a non-empty message when the command must not run.
func cmdGuard(ctx context.Context, t *Task, c *cmdCall) (string, string, error) {
	check := func(pattern string) (bool, error) {
		if found, ok := literalExists(ctx, t, c.chdir, pattern); ok {
			return found, nil
		}
		script := "for f in " + sysGlobQuote(pattern) + `; do if [ -e "$f" ] || [ -L "$f" ]; then exit 0; fi; done; exit 1`
		o, err := sysRunIn(ctx, t, script, c.chdir, nil, nil)
		if err != nil {
			return false, err
		}
		return o.rc == 0, nil
	}
	if c.creates != "" {
		found, err := check(c.creates)
		if err != nil {
			return "", "", err
		}
		if found {
			return fmt.Sprintf("Did not run command since '%s' exists", c.creates), "skipped, since " + c.creates + " exists", nil
		}
	}
	if c.removes != "" {
		found, err := check(c.removes)
		if err != nil {
			return "", "", err
		}
		if !found {
			return fmt.Sprintf("Did not run command since '%s' does not exist", c.removes), "skipped, since " + c.removes + " does not exist", nil
		}
	}
	return "", "", nil
}

// literalExists answers a creates/removes guard whose pattern is a plain
// path (no glob, no ~) with the connection's Stat: over SSH an SFTP
// request instead of an exec session, which costs the host a fork and a
// shell. ok=false leaves the question to the shell (patterns, and a Stat
// error such as a permission problem, where the shell's test is the
// reference). A relative path is relative to chdir, else to where
// commands start (the login directory), as in the shell.
func literalExists(ctx context.Context, t *Task, chdir, pattern string) (found, ok bool) {
	if t.Conn == nil || strings.ContainsAny(pattern, "*?[]~") {
		return false, false
	}
	p := pattern
	if chdir != "" && !path.IsAbs(p) {
		p = strings.TrimSuffix(chdir, "/") + "/" + p
	}
	fi, err := t.Conn.Stat(ctx, p, t.Become)
	if err != nil {
		return false, false
	}
	return fi.Exists, true
}

// cmdExecute runs a command-like call and fills Ansible's return values.
func cmdExecute(ctx context.Context, t *Task, c *cmdCall) (*Result, error) {
	res := &Result{Data: map[string]any{"cmd": c.shown}}
	msg, out, err := cmdGuard(ctx, t, c)
	if err != nil {
		return nil, err
	}
	if msg != "" {
		res.Msg = msg
		res.Data["rc"] = 0
		res.Data["stdout"] = out
		res.Data["stdout_lines"] = sysLines(out)
		res.Data["stderr"] = ""
		res.Data["stderr_lines"] = []any{}
		return res, nil
	}
	if t.Check {
		// A command's effect cannot be predicted; with creates/removes the
		// guard said it would run, so it would change something.
		if c.creates == "" && c.removes == "" {
			res.Skipped = true
			res.Msg = "skipped in check mode: command would run"
			return res, nil
		}
		res.Changed = true
		res.Msg = "Command would have run if not in check mode"
		return res, nil
	}
	var stdin *strings.Reader
	if c.stdin != nil {
		stdin = strings.NewReader(*c.stdin)
	}
	start := time.Now()
	var o *sysOut
	if stdin != nil {
		o, err = sysRunIn(ctx, t, c.script, c.chdir, stdin, nil)
	} else {
		o, err = sysRunIn(ctx, t, c.script, c.chdir, nil, nil)
	}
	end := time.Now()
	if err != nil {
		return nil, err
	}
	stdout, stderr := o.stdout, o.stderr
	if c.strip {
		stdout = strings.TrimRight(stdout, "\r\n")
		stderr = strings.TrimRight(stderr, "\r\n")
	}
	res.Changed = true
	res.Data["rc"] = o.rc
	res.Data["stdout"] = stdout
	res.Data["stderr"] = stderr
	res.Data["stdout_lines"] = sysLines(stdout)
	res.Data["stderr_lines"] = sysLines(stderr)
	res.Data["start"] = start.Format("2006-01-02 15:04:05.000000")
	res.Data["end"] = end.Format("2006-01-02 15:04:05.000000")
	res.Data["delta"] = cmdDelta(end.Sub(start))
	if o.rc != 0 {
		res.Failed = true
		res.Msg = "non-zero return code"
	}
	return res, nil
}

// cmdDelta formats a duration as Python's timedelta does ("0:00:00.003456").
func cmdDelta(d time.Duration) string {
	us := d.Microseconds()
	h := us / 3600e6
	us -= h * 3600e6
	m := us / 60e6
	us -= m * 60e6
	s := us / 1e6
	us -= s * 1e6
	return fmt.Sprintf("%d:%02d:%02d.%06d", h, m, s, us)
}

// cmdStdin applies stdin_add_newline.
func cmdStdin(args map[string]any) *string {
	if !Has(args, "stdin") {
		return nil
	}
	s := Str(args, "stdin")
	if Bool(args, "stdin_add_newline") {
		s += "\n"
	}
	return &s
}

// cmdRunParams are the parameters command and shell share: the guards
// (chdir, creates, removes) and input/output handling cmdExecute applies.
func cmdRunParams() []Param {
	return []Param{
		{Name: "chdir", Type: TypePath, Help: "change into this directory first"},
		{Name: "creates", Type: TypePath, Help: "a path or glob; when it exists the command is not run"},
		{Name: "removes", Type: TypePath, Help: "a path or glob; when it does not exist the command is not run"},
		{Name: "stdin", Help: "text fed to the command's standard input"},
		{Name: "stdin_add_newline", Type: TypeBool, Default: true, Help: "append a newline to stdin"},
		{Name: "strip_empty_ends", Type: TypeBool, Default: true, Help: "strip trailing newlines from stdout/stderr"},
	}
}
