package conn

import (
	"context"
	"errors"
	"io/fs"

	"github.com/pkg/sftp"
)

// PathOps is implemented by connections that can create directories and
// symlinks and change modes without running a command: over SSH they are
// single SFTP requests, where a `mkdir`/`chmod`/`ln -s` command costs the
// host an exec session (an sshd child, a shell and the tool). Each method
// returns ErrNeedsCommand when it cannot act directly for become (SFTP
// runs as the login user), and the caller then runs the command.
type PathOps interface {
	// Mkdir creates one directory with the default mode (0777 less the
	// server's umask, as mkdir(1) does); it fails if p exists.
	Mkdir(ctx context.Context, p string, become Become) error
	// Chmod sets p's permission bits (setuid/setgid/sticky included),
	// following a final symlink as chmod(1) does.
	Chmod(ctx context.Context, p string, mode fs.FileMode, become Become) error
	// Symlink creates link pointing at target (ln -s target link).
	Symlink(ctx context.Context, target, link string, become Become) error
}

// ErrNeedsCommand says a PathOps call cannot be done without a command.
var ErrNeedsCommand = errors.New("needs a command")

// Mkdir creates one directory over SFTP (see PathOps).
func (c *SSHConn) Mkdir(ctx context.Context, p string, become Become) error {
	return c.sftpPathOp(ctx, become, "mkdir", p, func(sc *sftp.Client) error { return sc.Mkdir(p) })
}

// Chmod sets a mode over SFTP (see PathOps).
func (c *SSHConn) Chmod(ctx context.Context, p string, mode fs.FileMode, become Become) error {
	return c.sftpPathOp(ctx, become, "chmod", p, func(sc *sftp.Client) error { return sc.Chmod(p, mode) })
}

// Symlink creates a symlink over SFTP (see PathOps).
func (c *SSHConn) Symlink(ctx context.Context, target, link string, become Become) error {
	return c.sftpPathOp(ctx, become, "symlink", link, func(sc *sftp.Client) error { return sc.Symlink(target, link) })
}

// sftpPathOp runs one SFTP request on path, or says ErrNeedsCommand when
// become rules SFTP out; op names the request in errors.
func (c *SSHConn) sftpPathOp(ctx context.Context, become Become, op, path string, do func(*sftp.Client) error) error {
	if !c.useSFTP(become) {
		return ErrNeedsCommand
	}
	sc, err := c.sftpClient(ctx)
	if err != nil {
		return err
	}
	if err := do(sc); err != nil {
		return sftpErr(op, path, c.ep.host, err)
	}
	return nil
}
