package conn

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"
)

// Keepalive settings: a probe every KeepaliveInterval; a connection that
// misses KeepaliveMaxMissed in a row is declared dead.
var (
	KeepaliveInterval  = 15 * time.Second
	KeepaliveMaxMissed = 3
)

// DefaultMaxConnections is how many TCP connections one host may get when
// its sshd refuses more sessions (MaxSessions, 10 by default). One keeps
// the "one client per host" rule; extra commands queue for a session.
const DefaultMaxConnections = 1

// SSHConn is a Conn over SSH. Sessions are multiplexed on one client; when
// the server refuses a session the per-client limit is learned and further
// commands wait for a free session (or get an extra connection when
// SetMaxConnections allows it).
type SSHConn struct {
	ep         *endpoint
	cmdTimeout time.Duration

	mu       sync.Mutex
	clients  []*sshClient
	wake     chan struct{} // closed and replaced whenever a slot frees up
	dialing  bool
	maxConns int
	closed   bool
	opened   atomic.Int64 // TCP connections opened, for Connections()
	reused   atomic.Int64 // connections the holder already had open

	sftpMu   sync.Mutex
	sftp     *sftp.Client
	sftpSess *ssh.Session
	sftpCl   *sshClient
	ctr      counters  // remote work asked for, see Stats
	names    nameCache // uid/gid <-> names, for Stat and chown over SFTP
}

// sshClient is one TCP connection and its session bookkeeping.
type sshClient struct {
	client  *ssh.Client
	closers []io.Closer // jump hosts, closed after the client
	open    int         // channels in use (sessions and the SFTP subsystem)
	limit   int         // learned MaxSessions; 0 while unknown
	slot    int         // which of the host's held connections (see heldOpen.Slot)
	dead    bool
	stop    chan struct{}
	once    sync.Once
}

func (cl *sshClient) shutdown() {
	cl.once.Do(func() {
		close(cl.stop)
		cl.client.Close()
		for i := len(cl.closers) - 1; i >= 0; i-- {
			cl.closers[i].Close()
		}
	})
}

// DialSSH connects to opts' host over SSH.
func DialSSH(ctx context.Context, opts Options) (*SSHConn, error) {
	ep, err := resolveEndpoint(opts)
	if err != nil {
		return nil, unreachable(opts.Host, err)
	}
	c := &SSHConn{ep: ep, cmdTimeout: opts.CommandTimeout, wake: make(chan struct{}), maxConns: DefaultMaxConnections}
	cl, err := c.newClient(ctx)
	if err != nil {
		return nil, err
	}
	c.clients = append(c.clients, cl)
	return c, nil
}

func (c *SSHConn) newClient(ctx context.Context) (*sshClient, error) {
	slot := c.freeSlot()
	client, closers, err := c.dial(ctx, slot)
	if err != nil {
		return nil, err
	}
	cl := &sshClient{client: client, closers: closers, slot: slot, stop: make(chan struct{})}
	markDead := func() {
		c.mu.Lock()
		cl.dead = true
		c.notifyLocked()
		c.mu.Unlock()
		cl.shutdown()
	}
	go func() {
		_ = client.Wait() // returns when the server or network drops us
		markDead()
	}()
	go keepalive(client, KeepaliveInterval, KeepaliveMaxMissed, cl.stop, markDead)
	return cl, nil
}

// dial opens one connection: through the holder when the endpoint
// persists, else directly. A holder that cannot serve (none can be
// started, its directory is unsafe) costs a warning, never the run.
func (c *SSHConn) dial(ctx context.Context, slot int) (*ssh.Client, []io.Closer, error) {
	if c.ep.persist > 0 {
		client, reused, err := dialHeld(ctx, c.ep, slot)
		switch {
		case err == nil:
			if reused {
				c.reused.Add(1)
			} else {
				c.opened.Add(1)
			}
			return client, nil, nil
		case !errors.Is(err, errNoHolder) || ctx.Err() != nil:
			return nil, nil, err
		}
		warnNoHolder(err)
	}
	client, closers, err := dialClient(ctx, c.ep)
	if err == nil {
		c.opened.Add(1)
	}
	return client, closers, err
}

var warnHolderOnce sync.Once

func warnNoHolder(err error) {
	warnHolderOnce.Do(func() {
		fmt.Fprintf(os.Stderr, "[WARNING]: connecting directly, connections will not persist: %v\n", err)
	})
}

// freeSlot is the lowest slot no live client of this host holds, so each
// of a host's connections is a different held connection.
func (c *SSHConn) freeSlot() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	used := map[int]bool{}
	for _, cl := range c.clients {
		if !cl.dead {
			used[cl.slot] = true
		}
	}
	slot := 0
	for used[slot] {
		slot++
	}
	return slot
}

// Host is the inventory name this connection serves.
func (c *SSHConn) Host() string { return c.ep.host }

// User is the login user.
func (c *SSHConn) User() string { return c.ep.user }

// Connections reports how many TCP connections this Conn has opened so
// far (reconnects included).
func (c *SSHConn) Connections() int { return int(c.opened.Load()) }

// SetMaxConnections lets the host get up to n TCP connections when its
// sshd limits sessions per connection (n < 1 means 1).
func (c *SSHConn) SetMaxConnections(n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.maxConns = max(n, 1)
}

func (c *SSHConn) notifyLocked() {
	close(c.wake)
	c.wake = make(chan struct{})
}

// isProhibited reports a channel refused for lack of room. OpenSSH answers
// a session beyond MaxSessions with connect-failed "open failed"; other
// servers say "administratively prohibited". A forwarded TCP connect that
// fails is also connect-failed but with the OS error as message ("Connection
// refused"): that is not a limit and must not lower it.
func isProhibited(err error) bool {
	var oce *ssh.OpenChannelError
	if !errors.As(err, &oce) {
		return false
	}
	return oce.Reason == ssh.Prohibited || oce.Reason == ssh.ResourceShortage ||
		oce.Reason == ssh.ConnectionFailed && oce.Message == "open failed"
}

// withChannel finds a client with a free channel and calls open on it.
// open must open exactly one channel. Refusals teach the per-client
// limit; a dead client is replaced by a new connection.
func (c *SSHConn) withChannel(ctx context.Context, open func(*ssh.Client) error) (*sshClient, error) {
	failedDials := 0
	for {
		c.mu.Lock()
		if c.closed {
			c.mu.Unlock()
			return nil, fmt.Errorf("connection to %s is closed", c.ep.host)
		}
		live := 0
		var pick *sshClient
		for _, cl := range c.clients {
			if cl.dead {
				continue
			}
			live++
			if (cl.limit == 0 || cl.open < cl.limit) && (pick == nil || cl.open < pick.open) {
				pick = cl
			}
		}
		if pick != nil {
			pick.open++
			c.mu.Unlock()
			err := open(pick.client)
			if err == nil {
				return pick, nil
			}
			c.mu.Lock()
			pick.open--
			switch {
			case isProhibited(err) && pick.open > 0:
				// The server's MaxSessions: remember it, never raise it.
				if pick.limit == 0 || pick.open < pick.limit {
					pick.limit = pick.open
				}
				c.mu.Unlock()
			case isProhibited(err):
				c.mu.Unlock()
				return nil, fmt.Errorf("host %s refuses SSH sessions: %w", c.ep.host, err)
			default:
				c.mu.Unlock()
				// A live connection answers a global request: then the
				// failure was the channel's own (e.g. no sftp subsystem).
				if alive(pick.client) {
					return nil, err
				}
				c.mu.Lock()
				pick.dead = true
				c.notifyLocked()
				c.mu.Unlock()
				pick.shutdown()
			}
			continue
		}
		c.clients = pruneDead(c.clients)
		if live < c.maxConns && !c.dialing {
			c.dialing = true
			c.mu.Unlock()
			cl, err := c.newClient(ctx)
			c.mu.Lock()
			c.dialing = false
			c.notifyLocked()
			if err == nil {
				c.clients = append(c.clients, cl)
				c.mu.Unlock()
				continue
			}
			failedDials++
			if live == 0 || failedDials > 1 || ctx.Err() != nil {
				c.mu.Unlock()
				return nil, err
			}
			// Others still work: stop trying to grow and queue on them.
			c.maxConns = live
			c.mu.Unlock()
			continue
		}
		wake := c.wake
		c.mu.Unlock()
		select {
		case <-wake:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

func pruneDead(cls []*sshClient) []*sshClient {
	out := cls[:0]
	for _, cl := range cls {
		if !cl.dead {
			out = append(out, cl)
		}
	}
	return out
}

// release returns a channel slot taken by withChannel.
func (c *SSHConn) release(cl *sshClient) {
	c.mu.Lock()
	cl.open--
	c.notifyLocked()
	c.mu.Unlock()
}

// sftpClient returns the host's SFTP client, opening it on first use (and
// again if its connection died).
func (c *SSHConn) sftpClient(ctx context.Context) (*sftp.Client, error) {
	c.sftpMu.Lock()
	defer c.sftpMu.Unlock()
	if c.sftp != nil {
		c.mu.Lock()
		dead := c.sftpCl.dead
		c.mu.Unlock()
		if !dead {
			return c.sftp, nil
		}
		c.closeSFTPLocked()
	}
	var client *sftp.Client
	var sess *ssh.Session
	cl, err := c.withChannel(ctx, func(sc *ssh.Client) error {
		var err error
		client, sess, err = c.openSFTP(sc)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("opening SFTP on %s: %w", c.ep.host, err)
	}
	c.sftp, c.sftpSess, c.sftpCl = client, sess, cl
	return client, nil
}

// openSFTP starts the sftp subsystem the way sftp.NewClient does, with
// the request stream passing through a counter (Stats.SFTPOps).
func (c *SSHConn) openSFTP(sc *ssh.Client) (*sftp.Client, *ssh.Session, error) {
	s, err := sc.NewSession()
	if err != nil {
		return nil, nil, err
	}
	fail := func(err error) (*sftp.Client, *ssh.Session, error) {
		s.Close()
		return nil, nil, err
	}
	pw, err := s.StdinPipe()
	if err != nil {
		return fail(err)
	}
	pr, err := s.StdoutPipe()
	if err != nil {
		return fail(err)
	}
	if err := s.RequestSubsystem("sftp"); err != nil {
		return fail(err)
	}
	c.ctr.session("sftp-subsystem")
	client, err := sftp.NewClientPipe(pr, &sftpCounter{w: pw, count: c.ctr.sftpRequest})
	if err != nil {
		return fail(err)
	}
	return client, s, nil
}

// closeSFTPLocked ends the SFTP client and its session; sftpMu is held.
func (c *SSHConn) closeSFTPLocked() {
	if c.sftp == nil {
		return
	}
	c.sftp.Close()
	c.sftpSess.Close()
	c.sftp, c.sftpSess = nil, nil
}

// Stats reports the remote work this connection asked for so far.
func (c *SSHConn) Stats() Stats {
	s := c.ctr.snapshot(c.ep.host, c.opened.Load())
	s.Reused = c.reused.Load()
	return s
}

// Close ends every connection of this host.
func (c *SSHConn) Close() error {
	c.sftpMu.Lock()
	c.closeSFTPLocked()
	c.sftpMu.Unlock()
	c.mu.Lock()
	c.closed = true
	cls := c.clients
	c.clients = nil
	c.notifyLocked()
	c.mu.Unlock()
	for _, cl := range cls {
		cl.shutdown()
	}
	return nil
}

// alive probes a connection with a global request, bounded so a silent
// peer cannot hang the caller.
func alive(c *ssh.Client) bool { return aliveWithin(c, 5*time.Second) }

func aliveWithin(c *ssh.Client, limit time.Duration) bool {
	reply := make(chan error, 1)
	go func() {
		_, _, err := c.SendRequest("keepalive@openssh.com", true, nil)
		reply <- err
	}()
	select {
	case err := <-reply:
		return err == nil
	case <-time.After(limit):
		return false
	}
}
