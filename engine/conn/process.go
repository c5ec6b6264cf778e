package conn

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// process is one started-on-demand command: an SSH session or a local
// exec.Cmd. runProcess drives both the same way so become, stdin and
// cancellation behave identically over SSH and locally.
type process interface {
	setOutput(stdout, stderr io.Writer)
	stdinPipe() (io.WriteCloser, error)
	start(command string) error
	// wait returns the exit code; note explains an abnormal end (signal).
	// err is set only when the command's fate is unknown (connection lost).
	wait() (code int, note string, err error)
	kill()
}

// killGrace is how long a cancelled Run waits for the killed command.
const killGrace = 2 * time.Second

// runProcess runs cmd (already wrapped into command) on p.
func runProcess(ctx context.Context, p process, host, command string, cmd Cmd, plan *becomePlan) (*Result, error) {
	var outBuf, errBuf bytes.Buffer
	var stdout, stderr io.Writer = &outBuf, &errBuf
	if cmd.Stdout != nil {
		stdout = cmd.Stdout
	}
	if cmd.Stderr != nil {
		stderr = cmd.Stderr
	}
	var bf *becomeFilter
	if plan != nil {
		bf = newBecomeFilter(plan)
		stdout = &stdoutWriter{f: bf, sink: stdout}
		stderr = &stderrWriter{f: bf, sink: stderr}
	}
	p.setOutput(stdout, stderr)
	stdin, err := p.stdinPipe()
	if err != nil {
		return nil, err
	}
	if bf != nil {
		bf.answer = func(pw string) { _, _ = io.WriteString(stdin, pw+"\n") }
		bf.kill = p.kill
	}
	if err := p.start(command); err != nil {
		return nil, err
	}

	done := make(chan struct{})
	go func() {
		// With become, the caller's stdin must not reach sudo: it could be
		// taken as the password. Wait until the escalated shell is running.
		if bf != nil {
			select {
			case <-bf.started:
			case <-done:
				stdin.Close()
				return
			}
		}
		if cmd.Stdin != nil {
			_, _ = io.Copy(stdin, cmd.Stdin)
		}
		stdin.Close()
	}()
	type waitResult struct {
		code int
		note string
		err  error
	}
	exited := make(chan waitResult, 1)
	go func() {
		code, note, err := p.wait()
		exited <- waitResult{code, note, err}
	}()
	var w waitResult
	select {
	case w = <-exited:
		close(done)
	case <-ctx.Done():
		close(done)
		p.kill()
		// Give the kill a moment to be seen so output writers go quiet,
		// but never let a process that ignores it hold the caller.
		select {
		case <-exited:
		case <-time.After(killGrace):
		}
		return nil, ctx.Err()
	}
	code, note, werr := w.code, w.note, w.err
	if bf != nil && !bf.ok.Load() {
		if bf.wrong.Load() {
			return nil, fmt.Errorf("become password incorrect for user %s on host %s", plan.user, host)
		}
		msg := bf.sudoMessages()
		if werr == nil {
			if strings.Contains(msg, "password is required") {
				return nil, fmt.Errorf("become to user %s on host %s needs a password (sudo: a password is required); set a become password", plan.user, host)
			}
			if strings.Contains(msg, "incorrect password") {
				return nil, fmt.Errorf("become password incorrect for user %s on host %s", plan.user, host)
			}
			if msg == "" {
				msg = fmt.Sprintf("exit code %d", code)
			}
			return nil, fmt.Errorf("become to user %s on host %s failed: %s", plan.user, host, msg)
		}
	}
	if werr != nil {
		return nil, werr
	}
	if note != "" {
		if cmd.Stderr != nil {
			_, _ = io.WriteString(cmd.Stderr, note+"\n")
		} else {
			errBuf.WriteString(note + "\n")
		}
	}
	res := &Result{ExitCode: code}
	if cmd.Stdout == nil {
		res.Stdout = outBuf.Bytes()
	}
	if cmd.Stderr == nil {
		res.Stderr = errBuf.Bytes()
	}
	return res, nil
}

// withCommandTimeout applies Options.CommandTimeout and turns its expiry
// into a readable error that still matches context.DeadlineExceeded.
func withCommandTimeout(ctx context.Context, timeout time.Duration, run func(context.Context) (*Result, error)) (*Result, error) {
	if timeout <= 0 {
		return run(ctx)
	}
	cctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	res, err := run(cctx)
	if err != nil && errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil {
		return nil, fmt.Errorf("command timed out after %s: %w", timeout, err)
	}
	return res, err
}
