package conn

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/ssh"
)

// sshProcess adapts an ssh.Session to process.
type sshProcess struct {
	s      *ssh.Session
	host   string
	conn   *SSHConn
	prefix string       // announce line prefix carrying the process group
	pgid   atomic.Int64 // remote process group, once announced
}

func (p *sshProcess) setOutput(stdout, stderr io.Writer) {
	p.s.Stdout, p.s.Stderr = stdout, &pgidWriter{p: p, sink: stderr}
}
func (p *sshProcess) stdinPipe() (io.WriteCloser, error) { return p.s.StdinPipe() }
func (p *sshProcess) start(command string) error         { return p.s.Start(command) }

// announce prefixes command so the login shell reports its pid first. sshd
// makes that shell a session and process group leader, so the pid names
// the whole group the command runs in.
func (p *sshProcess) announce(command string) string {
	return "echo " + p.prefix + ":$$ >&2; exec " + command
}

func (p *sshProcess) kill() {
	// OpenSSH honours the signal request only for non-root logins (root
	// sessions have no privilege-separated child); for the rest, kill the
	// process group from a second session. Closing the channel last.
	_ = p.s.Signal(ssh.SIGKILL)
	if pgid := p.pgid.Load(); pgid > 1 && p.conn != nil {
		p.conn.killGroup(pgid)
	}
	_ = p.s.Close()
}

// killGroup kills a remote process group, best effort and bounded.
func (c *SSHConn) killGroup(pgid int64) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var sess *ssh.Session
	cl, err := c.withChannel(ctx, func(sc *ssh.Client) error {
		var err error
		sess, err = sc.NewSession()
		return err
	})
	if err != nil {
		return
	}
	c.ctr.session("kill")
	defer c.release(cl)
	defer sess.Close()
	_ = sess.Run(fmt.Sprintf("kill -KILL -- -%d 2>/dev/null", pgid))
}

// pgidWriter takes the announce line off the head of stderr.
type pgidWriter struct {
	p    *sshProcess
	sink io.Writer
	pend []byte
	done bool
}

func (w *pgidWriter) Write(b []byte) (int, error) {
	if w.done {
		return w.sink.Write(b)
	}
	w.pend = append(w.pend, b...)
	line, rest, found := bytes.Cut(w.pend, []byte("\n"))
	if !found && len(w.pend) < 256 {
		return len(b), nil
	}
	w.done = true
	out := w.pend
	if v, ok := strings.CutPrefix(string(line), w.p.prefix+":"); ok && found {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil {
			w.p.pgid.Store(n)
			out = rest
		}
	}
	w.pend = nil
	if len(out) > 0 {
		if _, err := w.sink.Write(out); err != nil {
			return 0, err
		}
	}
	return len(b), nil
}

func (p *sshProcess) wait() (int, string, error) {
	err := p.s.Wait()
	var ee *ssh.ExitError
	var missing *ssh.ExitMissingError
	switch {
	case err == nil:
		return 0, "", nil
	case errors.As(err, &ee):
		if sig := ee.Signal(); sig != "" {
			code := -1
			if n, ok := signalNumbers[sig]; ok {
				code = 128 + n
			}
			return code, fmt.Sprintf("command killed by signal %s", sig), nil
		}
		return ee.ExitStatus(), "", nil
	case errors.As(err, &missing):
		return -1, "command ended without reporting an exit status", nil
	default:
		return 0, "", unreachable(p.host, fmt.Errorf("connection lost while running a command: %w", err))
	}
}

// Run executes cmd with `sh -c` on the host (under sudo when cmd.Become
// asks for another user than the login user).
func (c *SSHConn) Run(ctx context.Context, cmd Cmd) (*Result, error) {
	return withCommandTimeout(ctx, c.cmdTimeout, func(ctx context.Context) (*Result, error) {
		return c.run(ctx, cmd)
	})
}

func (c *SSHConn) run(ctx context.Context, cmd Cmd) (*Result, error) {
	inner, err := innerScript(cmd)
	if err != nil {
		return nil, err
	}
	plan, err := c.becomePlan(cmd.Become)
	if err != nil {
		return nil, err
	}
	var sess *ssh.Session
	cl, err := c.withChannel(ctx, func(sc *ssh.Client) error {
		var err error
		sess, err = sc.NewSession()
		return err
	})
	if err != nil {
		return nil, err
	}
	c.ctr.session(cmd.Command)
	defer c.release(cl)
	defer sess.Close()
	p := &sshProcess{s: sess, host: c.ep.host, conn: c, prefix: "PLAY-PGID-" + randHex(6)}
	return runProcess(ctx, p, c.ep.host, p.announce(wrapScript(inner, plan)), cmd, plan)
}

// becomePlan returns nil when no escalation is needed: become disabled, or
// the target user is the login user already.
func (c *SSHConn) becomePlan(b Become) (*becomePlan, error) {
	if !b.Enabled || becomeUser(b) == c.ep.user {
		return nil, nil
	}
	return newBecomePlan(b)
}
