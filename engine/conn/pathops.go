package conn

import (
	"context"
	"errors"
	"io/fs"
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
	if !c.useSFTP(become) {
		return ErrNeedsCommand
	}
	sc, err := c.sftpClient(ctx)
	if err != nil {
		return err
	}
	if err := sc.Mkdir(p); err != nil {
		return sftpErr("mkdir", p, c.ep.host, err)
	}
	return nil
}

// Chmod sets a mode over SFTP (see PathOps).
func (c *SSHConn) Chmod(ctx context.Context, p string, mode fs.FileMode, become Become) error {
	if !c.useSFTP(become) {
		return ErrNeedsCommand
	}
	sc, err := c.sftpClient(ctx)
	if err != nil {
		return err
	}
	if err := sc.Chmod(p, mode); err != nil {
		return sftpErr("chmod", p, c.ep.host, err)
	}
	return nil
}

// Symlink creates a symlink over SFTP (see PathOps).
func (c *SSHConn) Symlink(ctx context.Context, target, link string, become Become) error {
	if !c.useSFTP(become) {
		return ErrNeedsCommand
	}
	sc, err := c.sftpClient(ctx)
	if err != nil {
		return err
	}
	if err := sc.Symlink(target, link); err != nil {
		return sftpErr("symlink", link, c.ep.host, err)
	}
	return nil
}
