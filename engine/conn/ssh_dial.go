package conn

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"

	"golang.org/x/crypto/ssh"
)

// DialContext opens a connection from the host's side over the pooled SSH
// client: network "tcp" uses direct-tcpip, "unix" uses OpenSSH's
// direct-streamlocal extension (a server socket such as
// /run/mysqld/mysqld.sock). The channel counts against the host's session
// limit until the returned net.Conn is closed.
func (c *SSHConn) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	var nc net.Conn
	cl, err := c.withChannel(ctx, func(sc *ssh.Client) error {
		var err error
		if network == "unix" {
			// streamlocal has no context variant; a refused socket
			// answers at once, so this does not block for long.
			nc, err = sc.Dial("unix", addr)
		} else {
			nc, err = sc.DialContext(ctx, network, addr)
		}
		if err != nil {
			// sshd refuses a forward to a missing socket or closed port
			// with "administratively prohibited"; withChannel would take
			// that for the MaxSessions limit (which only counts sessions)
			// and wait for a free slot. Flatten it to a plain error.
			return errors.New(err.Error())
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("%s: dial %s %s through SSH: %w", c.ep.host, network, addr, err)
	}
	return &channelConn{Conn: nc, release: func() { c.release(cl) }}, nil
}

// channelConn gives the channel slot back exactly once when closed.
type channelConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (cc *channelConn) Close() error {
	err := cc.Conn.Close()
	cc.once.Do(cc.release)
	return err
}

// DialContext dials from the control machine itself, which is the host.
func (l *Local) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	var d net.Dialer
	return d.DialContext(ctx, network, addr)
}

var (
	_ Dialer = (*SSHConn)(nil)
	_ Dialer = (*Local)(nil)
)
