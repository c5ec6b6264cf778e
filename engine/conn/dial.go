package conn

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"time"

	"golang.org/x/crypto/ssh"
)

// Dial opens a connection per opts. Connection "local" runs commands on
// this machine; anything else ("ssh" or empty) connects over SSH. Errors
// reaching the host are *UnreachableError (errors.Is(err, ErrUnreachable)).
func Dial(ctx context.Context, opts Options) (Conn, error) {
	switch opts.Connection {
	case "local":
		l, err := NewLocal(opts.Host)
		if err != nil {
			return nil, err // not a typed nil inside the interface
		}
		l.cmdTimeout = opts.CommandTimeout
		return l, nil
	case "", "ssh":
		c, err := DialSSH(ctx, opts)
		if err != nil {
			return nil, err
		}
		return c, nil
	default:
		return nil, fmt.Errorf("host %s: connection type %q is not supported (ssh or local)", opts.Host, opts.Connection)
	}
}

func unreachable(host string, err error) error {
	var ue *UnreachableError
	if errors.As(err, &ue) {
		return err
	}
	return &UnreachableError{Host: host, Reason: err}
}

// dialClient opens one TCP connection (through ProxyJump hops when set)
// and completes the SSH handshake. ConnectTimeout covers the whole of it.
// The returned closers are the jump hosts' clients, to close after it.
func dialClient(ctx context.Context, e *endpoint) (*ssh.Client, []io.Closer, error) {
	dctx, cancel := context.WithTimeout(ctx, e.timeout)
	defer cancel()
	var closers []io.Closer
	fail := func(err error) (*ssh.Client, []io.Closer, error) {
		for i := len(closers) - 1; i >= 0; i-- {
			closers[i].Close()
		}
		if ctx.Err() != nil {
			return nil, nil, ctx.Err()
		}
		if dctx.Err() != nil && !strings.Contains(err.Error(), "timed out") {
			err = fmt.Errorf("timed out after %s: %w", e.timeout, err)
		}
		return nil, nil, unreachable(e.host, err)
	}

	// via dials the next hop: directly for the first, through the previous
	// hop's client afterwards.
	var via *ssh.Client
	dialTCP := func(hostport string) (net.Conn, error) {
		if via != nil {
			return via.DialContext(dctx, "tcp", hostport)
		}
		var d net.Dialer
		return d.DialContext(dctx, "tcp", hostport)
	}
	if e.proxyJump != "" {
		for _, hop := range strings.Split(e.proxyJump, ",") {
			je, err := jumpEndpoint(e, strings.TrimSpace(hop))
			if err != nil {
				return fail(err)
			}
			nc, err := dialTCP(je.hostport())
			if err != nil {
				return fail(fmt.Errorf("jump host %s: %w", je.hostport(), err))
			}
			jc, err := handshake(dctx, nc, je)
			if err != nil {
				return fail(fmt.Errorf("jump host %s: %w", je.hostport(), err))
			}
			closers = append(closers, jc)
			via = jc
		}
	}
	nc, err := dialTCP(e.hostport())
	if err != nil {
		return fail(err)
	}
	c, err := handshake(dctx, nc, e)
	if err != nil {
		return fail(err)
	}
	return c, closers, nil
}

// jumpEndpoint resolves one ProxyJump hop with the same host key policy
// and known_hosts file as the target.
func jumpEndpoint(target *endpoint, hop string) (*endpoint, error) {
	user, host, port, err := parseJump(hop)
	if err != nil {
		return nil, err
	}
	je, err := resolveEndpoint(Options{
		Host: host, User: user, Port: port,
		KnownHostsFile: target.knownFile, HostKeyPolicy: target.policy, ConnectTimeout: target.timeout,
	})
	if err != nil {
		return nil, err
	}
	je.host = target.host
	je.agentSock = target.agentSock
	je.proxyJump = "" // hops are chained explicitly above
	if target.explicit != "" {
		// The inventory's key usually opens the bastion too.
		je.keyFiles = append([]string{target.explicit}, je.keyFiles...)
	}
	return je, nil
}

// handshake runs the SSH handshake on nc; closing nc when ctx ends is what
// bounds a server that accepts TCP but never speaks SSH.
func handshake(ctx context.Context, nc net.Conn, e *endpoint) (*ssh.Client, error) {
	auth, err := buildAuth(e)
	if err != nil {
		nc.Close()
		return nil, err
	}
	defer auth.close()
	hostport := e.hostport()
	cb, algos, err := hostKeySetup(e, hostport)
	if err != nil {
		nc.Close()
		return nil, err
	}
	cfg := &ssh.ClientConfig{
		User:              e.user,
		Auth:              auth.methods,
		HostKeyCallback:   cb,
		HostKeyAlgorithms: algos,
		Timeout:           e.timeout,
	}
	stop := context.AfterFunc(ctx, func() { nc.Close() })
	c, chans, reqs, err := ssh.NewClientConn(nc, hostport, cfg)
	if !stop() {
		nc.Close()
		if err == nil {
			c.Close()
		}
		return nil, fmt.Errorf("ssh handshake with %s timed out after %s", hostport, e.timeout)
	}
	if err != nil {
		nc.Close()
		if strings.Contains(err.Error(), "unable to authenticate") {
			return nil, fmt.Errorf("authentication as %s@%s failed: %w%s", e.user, hostport, err, auth.hint())
		}
		return nil, fmt.Errorf("ssh %s@%s: %w", e.user, hostport, err)
	}
	return ssh.NewClient(c, chans, reqs), nil
}

// keepalive probes the server; a connection that misses maxMissed probes in
// a row is closed, which fails its sessions instead of hanging them.
func keepalive(c *ssh.Client, interval time.Duration, maxMissed int, stop <-chan struct{}, dead func()) {
	t := time.NewTicker(interval)
	defer t.Stop()
	missed := 0
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		reply := make(chan error, 1)
		go func() {
			_, _, err := c.SendRequest("keepalive@openssh.com", true, nil)
			reply <- err
		}()
		select {
		case <-stop:
			return
		case err := <-reply:
			if err != nil {
				dead()
				return
			}
			missed = 0
		case <-time.After(interval):
			missed++
			if missed >= maxMissed {
				dead()
				return
			}
		}
	}
}
