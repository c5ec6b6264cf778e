package conn

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"strconv"

	"github.com/pkg/sftp"
)

// useSFTP reports whether file operations can go through SFTP: it runs as
// the login user, so only when no other user is asked for.
func (c *SSHConn) useSFTP(b Become) bool {
	return !b.Enabled || becomeUser(b) == c.ep.user
}

// ReadFile returns the content of path; fs.ErrNotExist when missing.
func (c *SSHConn) ReadFile(ctx context.Context, p string, become Become) ([]byte, error) {
	if !c.useSFTP(become) {
		return cmdReadFile(ctx, c.Run, c.ep.host, p, become)
	}
	sc, err := c.sftpClient(ctx)
	if err != nil {
		return nil, err
	}
	f, err := sc.Open(p)
	if err != nil {
		return nil, sftpErr("read", p, c.ep.host, err)
	}
	defer f.Close()
	b, err := readAllSFTP(f)
	if err != nil {
		return nil, sftpErr("read", p, c.ep.host, err)
	}
	return b, nil
}

// sftpChunk is what one read request asks for: pkg/sftp's packet size,
// which every server accepts.
const sftpChunk = 32 << 10

// readAllSFTP reads a file to its end. The client's WriteTo first asks
// for the file's size (one more round trip) to plan concurrent reads; the
// files modules read are mostly small, and for them open, read, read
// (EOF), close is the least a read can cost. A file that fills the first
// chunk is left to WriteTo's concurrent reads from there.
func readAllSFTP(f *sftp.File) ([]byte, error) {
	var buf bytes.Buffer
	chunk := make([]byte, sftpChunk)
	for {
		n, err := f.Read(chunk)
		buf.Write(chunk[:n])
		if errors.Is(err, io.EOF) {
			return buf.Bytes(), nil
		}
		if err != nil {
			return nil, err
		}
		if n == sftpChunk {
			// A full chunk: the file may be big; let the client's
			// concurrent reader take the rest.
			if _, err := f.WriteTo(&buf); err != nil {
				return nil, err
			}
			return buf.Bytes(), nil
		}
	}
}

func sftpErr(op, p, host string, err error) error {
	if errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("%s %s on %s: %w", op, p, host, fs.ErrNotExist)
	}
	return fmt.Errorf("%s %s on %s: %w", op, p, host, err)
}

// Stat reports on path without following a final symlink.
func (c *SSHConn) Stat(ctx context.Context, p string, become Become) (*FileInfo, error) {
	if !c.useSFTP(become) {
		return cmdStat(ctx, c.Run, c.ep.host, p, become)
	}
	sc, err := c.sftpClient(ctx)
	if err != nil {
		return nil, err
	}
	st, err := sc.Lstat(p)
	if errors.Is(err, os.ErrNotExist) {
		return &FileInfo{Path: p}, nil
	}
	if err != nil {
		return nil, sftpErr("stat", p, c.ep.host, err)
	}
	fi := &FileInfo{Path: p, Exists: true, Mode: st.Mode(), Size: st.Size(), ModTime: st.ModTime(), IsDir: st.IsDir()}
	fi.IsLink = st.Mode()&fs.ModeSymlink != 0
	if fs, ok := st.Sys().(*sftp.FileStat); ok {
		fi.UID, fi.GID = int(fs.UID), int(fs.GID)
	}
	fi.Owner, fi.Group = c.ownerNames(ctx, fi.UID, fi.GID)
	if fi.IsLink {
		if fi.LinkTarget, err = sc.ReadLink(p); err != nil {
			return nil, sftpErr("readlink", p, c.ep.host, err)
		}
	}
	return fi, nil
}

// WriteFile replaces path atomically (see Conn).
func (c *SSHConn) WriteFile(ctx context.Context, p string, data []byte, opts WriteOpts) error {
	if !c.useSFTP(opts.Become) {
		return cmdWriteFile(ctx, c.Run, c.ep.host, p, data, opts)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	sc, err := c.sftpClient(ctx)
	if err != nil {
		return err
	}
	tmp := path.Join(path.Dir(p), ".play-tmp-"+randHex(8))
	if err := c.sftpWrite(ctx, sc, p, tmp, data, opts); err != nil {
		_ = sc.Remove(tmp)
		return fmt.Errorf("write %s on %s: %w", p, c.ep.host, err)
	}
	return nil
}

func (c *SSHConn) sftpWrite(ctx context.Context, sc *sftp.Client, p, tmp string, data []byte, opts WriteOpts) error {
	old, err := sc.Stat(p)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	f, err := sc.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL)
	if err != nil {
		return err
	}
	if _, err := f.ReadFrom(bytes.NewReader(data)); err != nil {
		f.Close()
		return err
	}
	_, canFsync := sc.HasExtension("fsync@openssh.com")
	if canFsync {
		if err := f.Sync(); err != nil {
			f.Close()
			return err
		}
	}
	if err := f.Close(); err != nil {
		return err
	}
	if !canFsync {
		if res, err := c.Run(ctx, Cmd{Command: "sync -- " + shq(tmp) + " 2>/dev/null || sync"}); err != nil {
			return err
		} else if res.ExitCode != 0 {
			return fmt.Errorf("sync: %s", res.Stderr)
		}
	}

	mode := opts.Mode
	if mode == 0 {
		mode = 0o644
		if old != nil {
			mode = old.Mode() & (fs.ModePerm | fs.ModeSetuid | fs.ModeSetgid | fs.ModeSticky)
		}
	}
	if err := sc.Chmod(tmp, mode); err != nil {
		return fmt.Errorf("chmod: %w", err)
	}
	if err := c.sftpChown(ctx, sc, tmp, old, opts); err != nil {
		return err
	}
	if _, ok := sc.HasExtension("posix-rename@openssh.com"); ok {
		return sc.PosixRename(tmp, p)
	}
	// Plain SFTP rename refuses to replace an existing file.
	res, err := c.Run(ctx, Cmd{Command: "mv -f -- " + shq(tmp) + " " + shq(p)})
	if err != nil {
		return err
	}
	if res.ExitCode != 0 {
		return fmt.Errorf("rename: %s", res.Stderr)
	}
	return nil
}

// sftpChown gives tmp the requested owner/group, else the old file's.
func (c *SSHConn) sftpChown(ctx context.Context, sc *sftp.Client, tmp string, old os.FileInfo, opts WriteOpts) error {
	cur, err := sc.Lstat(tmp)
	if err != nil {
		return err
	}
	cst, ok := cur.Sys().(*sftp.FileStat)
	if !ok {
		return nil
	}
	uid, gid := int(cst.UID), int(cst.GID)
	if old != nil {
		if ost, ok := old.Sys().(*sftp.FileStat); ok {
			uid, gid = int(ost.UID), int(ost.GID)
		}
	}
	if opts.Owner != "" {
		if uid, err = c.accountID(ctx, false, opts.Owner); err != nil {
			return err
		}
	}
	if opts.Group != "" {
		if gid, err = c.accountID(ctx, true, opts.Group); err != nil {
			return err
		}
	}
	if uid == int(cst.UID) && gid == int(cst.GID) {
		return nil
	}
	if err := sc.Chown(tmp, uid, gid); err != nil {
		if opts.Owner == "" && opts.Group == "" {
			return nil // keeping someone else's ownership needs root; not asked for
		}
		return fmt.Errorf("chown %d:%d: %w", uid, gid, err)
	}
	return nil
}

// ownerNames names a uid and gid: from the host's account files (read
// once over SFTP), else with getent.
func (c *SSHConn) ownerNames(ctx context.Context, uid, gid int) (string, string) {
	if _, ok := c.names.get(false, uid); !ok {
		c.names.seed(ctx, c.readLoginFile)
	} else if _, ok := c.names.get(true, gid); !ok {
		c.names.seed(ctx, c.readLoginFile)
	}
	return c.names.lookup(ctx, c.Run, uid, gid)
}

// accountID resolves a user or group name like ownerNames does.
func (c *SSHConn) accountID(ctx context.Context, group bool, name string) (int, error) {
	if id, err := strconv.Atoi(name); err == nil {
		return id, nil // no need to read the account files
	}
	c.names.seed(ctx, c.readLoginFile)
	return c.names.resolveID(ctx, c.Run, group, name)
}

// readLoginFile reads a file as the login user over SFTP.
func (c *SSHConn) readLoginFile(ctx context.Context, p string) ([]byte, error) {
	return c.ReadFile(ctx, p, Become{})
}
