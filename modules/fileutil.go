package modules

// Small helpers shared by the file modules (copy, template, file,
// lineinfile, blockinfile, stat, slurp, fetch). Everything that touches the
// host goes through t.Conn with t.Become, so the same code works over SSH,
// locally and against test doubles.

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"github.com/playbook/play/engine/shellquote"
	"io/fs"
	"os"
	"path"
	"strings"
	"time"

	"github.com/playbook/play/engine/conn"
)

// shq quotes s as one word for the remote POSIX shell (see engine/shellquote).
func shq(s string) string { return shellquote.Quote(s) }

// runRemote runs a shell command on the host with the task's become.
func runRemote(ctx context.Context, t *Task, command string) (*conn.Result, error) {
	return t.Conn.Run(ctx, conn.Cmd{Command: command, Become: t.Become})
}

// runRemoteOK runs a command and turns a non-zero exit into an error that
// carries the command's own message, which is what a user needs to fix it.
func runRemoteOK(ctx context.Context, t *Task, command string) (string, error) {
	r, err := runRemote(ctx, t, command)
	if err != nil {
		return "", err
	}
	if r.ExitCode != 0 {
		msg := strings.TrimSpace(string(r.Stderr))
		if msg == "" {
			msg = strings.TrimSpace(string(r.Stdout))
		}
		return "", fmt.Errorf("%s: exit %d: %s", firstWord(command), r.ExitCode, msg)
	}
	return string(r.Stdout), nil
}

// firstWord names a command in error messages (scripts are just "sh").
func firstWord(s string) string {
	if strings.Contains(s, "\n") {
		return "sh"
	}
	if i := strings.IndexByte(s, ' '); i > 0 {
		return s[:i]
	}
	return s
}

// statRemote is Conn.Stat with the task's become.
func statRemote(ctx context.Context, t *Task, p string) (*conn.FileInfo, error) {
	fi, err := t.Conn.Stat(ctx, p, t.Become)
	if err != nil {
		return nil, fmt.Errorf("stat %s: %w", p, err)
	}
	return fi, nil
}

// readRemote returns a file's content and whether it exists.
func readRemote(ctx context.Context, t *Task, p string) ([]byte, bool, error) {
	b, err := t.Conn.ReadFile(ctx, p, t.Become)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("read %s: %w", p, err)
	}
	return b, true, nil
}

// The *Direct helpers do one small change without a command when the
// connection can (conn.PathOps: an SFTP request over SSH, where a command
// costs the host an exec session, a shell and the tool). done=false means
// the caller must run the command itself: the connection cannot (local,
// check-mode wrapper) or not for this become user.

func mkdirDirect(ctx context.Context, t *Task, d string) (bool, error) {
	po, ok := t.Conn.(conn.PathOps)
	if !ok {
		return false, nil
	}
	err := po.Mkdir(ctx, d, t.Become)
	return !errors.Is(err, conn.ErrNeedsCommand), err
}

func chmodDirect(ctx context.Context, t *Task, p string, mode uint32) (bool, error) {
	po, ok := t.Conn.(conn.PathOps)
	if !ok {
		return false, nil
	}
	err := po.Chmod(ctx, p, goMode(mode), t.Become)
	return !errors.Is(err, conn.ErrNeedsCommand), err
}

func symlinkDirect(ctx context.Context, t *Task, target, link string) (bool, error) {
	po, ok := t.Conn.(conn.PathOps)
	if !ok {
		return false, nil
	}
	err := po.Symlink(ctx, target, link, t.Become)
	return !errors.Is(err, conn.ErrNeedsCommand), err
}

// realPath resolves symlinks on the host (readlink -f). Content modules
// write through a link to its target, so /etc/resolv.conf-style links stay
// links.
func realPath(ctx context.Context, t *Task, p string) (string, error) {
	out, err := runRemoteOK(ctx, t, "readlink -f -- "+shq(p))
	if err != nil {
		return "", err
	}
	return strings.TrimRight(out, "\n"), nil
}

func sha1Hex(b []byte) string {
	h := sha1.Sum(b)
	return hex.EncodeToString(h[:])
}

// permBits converts Go's FileMode to the Unix permission word (with
// setuid/setgid/sticky), the number users write as 04755.
func permBits(m fs.FileMode) uint32 { return conn.UnixMode(m) }

// goMode is the inverse of permBits.
func goMode(b uint32) fs.FileMode {
	m := fs.FileMode(b & 0o777)
	if b&0o4000 != 0 {
		m |= fs.ModeSetuid
	}
	if b&0o2000 != 0 {
		m |= fs.ModeSetgid
	}
	if b&0o1000 != 0 {
		m |= fs.ModeSticky
	}
	return m
}

func octal(b uint32) string { return fmt.Sprintf("%04o", b) }

// fileState names what is at a path the way Ansible's file module does.
func fileState(fi *conn.FileInfo) string {
	switch {
	case fi == nil || !fi.Exists:
		return "absent"
	case fi.IsLink:
		return "link"
	case fi.IsDir:
		return "directory"
	}
	return "file"
}

// backupName is Ansible's backup naming: dest.<pid>.<YYYY-MM-DD@HH:MM:SS~>.
func backupName(p string, now time.Time) string {
	return fmt.Sprintf("%s.%d.%s", p, os.Getpid(), now.Format("2006-01-02@15:04:05~"))
}

// backupRemote copies p to a timestamped sibling, keeping mode and owner.
func backupRemote(ctx context.Context, t *Task, p string) (string, error) {
	b := backupName(p, time.Now())
	if _, err := runRemoteOK(ctx, t, "cp -p -- "+shq(p)+" "+shq(b)); err != nil {
		return "", fmt.Errorf("backup of %s: %w", p, err)
	}
	return b, nil
}

// validateRemote writes data to a temp file beside dest, runs the user's
// validate command on it (%s = temp path) and removes it. Validating a
// sibling keeps the file on the same filesystem with the same context, as
// Ansible does.
func validateRemote(ctx context.Context, t *Task, dest string, data []byte, validate string) error {
	if !strings.Contains(validate, "%s") {
		return fmt.Errorf("validate must contain %%s: %s", validate)
	}
	tmp := path.Join(path.Dir(dest), fmt.Sprintf(".%s.play-validate.%d.%d", path.Base(dest), os.Getpid(), time.Now().UnixNano()))
	if err := t.Conn.WriteFile(ctx, tmp, data, conn.WriteOpts{Mode: 0o600, Become: t.Become}); err != nil {
		return fmt.Errorf("validate: write temp file: %w", err)
	}
	defer runRemote(context.WithoutCancel(ctx), t, "rm -f -- "+shq(tmp))
	r, err := runRemote(ctx, t, strings.ReplaceAll(validate, "%s", shq(tmp)))
	if err != nil {
		return fmt.Errorf("validate: %w", err)
	}
	if r.ExitCode != 0 {
		return fmt.Errorf("failed to validate: %s (rc=%d): %s", validate, r.ExitCode,
			strings.TrimSpace(string(r.Stderr)+" "+string(r.Stdout)))
	}
	return nil
}

// statData is the common part of registered results for a file: what
// Ansible's file-ish modules return (path/dest, mode, owner, state, ...).
func statData(fi *conn.FileInfo) map[string]any {
	d := map[string]any{"state": fileState(fi)}
	if fi == nil || !fi.Exists {
		return d
	}
	d["mode"] = octal(permBits(fi.Mode))
	d["uid"] = fi.UID
	d["gid"] = fi.GID
	d["owner"] = fi.Owner
	d["group"] = fi.Group
	d["size"] = fi.Size
	return d
}

// failf builds a failed Result; modules return it with a nil error for
// problems that are the user's (bad state on the host), keeping errors for
// transport failures.
func failf(format string, args ...any) *Result {
	return &Result{Failed: true, Msg: fmt.Sprintf(format, args...), Data: map[string]any{}}
}

// hostPath expands a leading ~ or ~user the way Ansible's modules do on
// the host (as the user the task runs as, so become changes whose home it
// is). Conn file operations take literal paths, so this has to happen
// before them.
func hostPath(ctx context.Context, t *Task, p string) (string, error) {
	if !strings.HasPrefix(p, "~") {
		return p, nil
	}
	user, rest, _ := strings.Cut(p[1:], "/")
	who := "$(id -un)"
	if user != "" {
		who = shq(user)
	}
	out, err := runRemoteOK(ctx, t, "getent passwd "+who+" | cut -d: -f6")
	if err != nil {
		return "", err
	}
	home := strings.TrimSpace(out)
	if home == "" {
		return "", fmt.Errorf("cannot expand %s: no such user on the host", p)
	}
	if rest == "" {
		return home, nil
	}
	return path.Join(home, rest), nil
}

// withHostPaths returns t with ~ expanded in the named path args, so a
// module's code sees only literal host paths. The engine's args map is
// left alone (it is copied when something changes).
func withHostPaths(ctx context.Context, t *Task, names ...string) (*Task, error) {
	var args map[string]any
	for _, n := range names {
		p := Str(t.Args, n)
		if !strings.HasPrefix(p, "~") {
			continue
		}
		x, err := hostPath(ctx, t, p)
		if err != nil {
			return nil, err
		}
		if strings.HasSuffix(p, "/") && !strings.HasSuffix(x, "/") {
			x += "/" // keep copy's trailing-slash meaning
		}
		if args == nil {
			args = make(map[string]any, len(t.Args))
			for k, v := range t.Args {
				args[k] = v
			}
		}
		args[n] = x
	}
	if args == nil {
		return t, nil
	}
	t2 := *t
	t2.Args = args
	return &t2, nil
}
