package conn

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"syscall"
	"time"
)

// Local is a Conn for this machine: commands run with /bin/sh, files are
// read and written directly, and become uses sudo only to reach another
// user than the one play runs as.
type Local struct {
	host       string
	user       string
	cmdTimeout time.Duration
}

// NewLocal returns a Conn running on this machine for inventory host name.
func NewLocal(host string) (*Local, error) {
	u, err := user.Current()
	if err != nil {
		return nil, fmt.Errorf("local connection: %w", err)
	}
	if host == "" {
		host = "localhost"
	}
	return &Local{host: host, user: u.Username}, nil
}

func (l *Local) Host() string { return l.host }
func (l *Local) Close() error { return nil }

func (l *Local) direct(b Become) bool { return !b.Enabled || becomeUser(b) == l.user }

// localProcess adapts exec.Cmd to process. The command gets its own
// process group so cancellation kills what it started, too.
type localProcess struct {
	c *exec.Cmd
}

func (p *localProcess) setOutput(stdout, stderr io.Writer) { p.c.Stdout, p.c.Stderr = stdout, stderr }
func (p *localProcess) stdinPipe() (io.WriteCloser, error) { return p.c.StdinPipe() }
func (p *localProcess) start(string) error                 { return p.c.Start() }

func (p *localProcess) kill() {
	if p.c.Process != nil {
		_ = syscall.Kill(-p.c.Process.Pid, syscall.SIGKILL)
	}
}

func (p *localProcess) wait() (int, string, error) {
	err := p.c.Wait()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) && !errors.Is(err, exec.ErrWaitDelay) {
		return 0, "", err
	}
	st, ok := p.c.ProcessState.Sys().(syscall.WaitStatus)
	if ok && st.Signaled() {
		return 128 + int(st.Signal()), "command killed by signal " + st.Signal().String(), nil
	}
	return p.c.ProcessState.ExitCode(), "", nil
}

// Run executes cmd with /bin/sh on this machine.
func (l *Local) Run(ctx context.Context, cmd Cmd) (*Result, error) {
	return withCommandTimeout(ctx, l.cmdTimeout, func(ctx context.Context) (*Result, error) {
		return l.run(ctx, cmd)
	})
}

func (l *Local) run(ctx context.Context, cmd Cmd) (*Result, error) {
	inner, err := innerScript(cmd)
	if err != nil {
		return nil, err
	}
	var plan *becomePlan
	if !l.direct(cmd.Become) {
		if plan, err = newBecomePlan(cmd.Become); err != nil {
			return nil, err
		}
	}
	script := inner
	if plan != nil {
		script = wrapScript(inner, plan)
	}
	c := exec.Command("/bin/sh", "-c", script)
	c.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	// A daemon started by the command may keep stdout open forever; stop
	// waiting for it shortly after the command itself has exited.
	c.WaitDelay = 2 * time.Second
	return runProcess(ctx, &localProcess{c: c}, l.host, script, cmd, plan)
}

func (l *Local) ReadFile(ctx context.Context, p string, become Become) ([]byte, error) {
	if !l.direct(become) {
		return cmdReadFile(ctx, l.Run, l.host, p, become)
	}
	return os.ReadFile(p) // *PathError matches fs.ErrNotExist
}

func (l *Local) Stat(ctx context.Context, p string, become Become) (*FileInfo, error) {
	if !l.direct(become) {
		return cmdStat(ctx, l.Run, l.host, p, become)
	}
	st, err := os.Lstat(p)
	if errors.Is(err, fs.ErrNotExist) {
		return &FileInfo{Path: p}, nil
	}
	if err != nil {
		return nil, err
	}
	fi := &FileInfo{Path: p, Exists: true, Mode: st.Mode(), Size: st.Size(), ModTime: st.ModTime(), IsDir: st.IsDir()}
	fi.IsLink = st.Mode()&fs.ModeSymlink != 0
	if sys, ok := st.Sys().(*syscall.Stat_t); ok {
		fi.UID, fi.GID = int(sys.Uid), int(sys.Gid)
		if u, err := user.LookupId(strconv.Itoa(fi.UID)); err == nil {
			fi.Owner = u.Username
		}
		if g, err := user.LookupGroupId(strconv.Itoa(fi.GID)); err == nil {
			fi.Group = g.Name
		}
	}
	if fi.IsLink {
		if fi.LinkTarget, err = os.Readlink(p); err != nil {
			return nil, err
		}
	}
	return fi, nil
}

func (l *Local) WriteFile(ctx context.Context, p string, data []byte, opts WriteOpts) error {
	if !l.direct(opts.Become) {
		return cmdWriteFile(ctx, l.Run, l.host, p, data, opts)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	tmp := filepath.Join(filepath.Dir(p), ".play-tmp-"+randHex(8))
	if err := localWrite(p, tmp, data, opts); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", p, err)
	}
	return nil
}

func localWrite(p, tmp string, data []byte, opts WriteOpts) error {
	old, err := os.Stat(p)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	mode := opts.Mode
	if mode == 0 {
		mode = 0o644
		if old != nil {
			mode = old.Mode() & (fs.ModePerm | fs.ModeSetuid | fs.ModeSetgid | fs.ModeSticky)
		}
	}
	if err := os.Chmod(tmp, mode); err != nil {
		return err
	}
	uid, gid := -1, -1
	if old != nil {
		if sys, ok := old.Sys().(*syscall.Stat_t); ok {
			uid, gid = int(sys.Uid), int(sys.Gid)
		}
	}
	explicit := opts.Owner != "" || opts.Group != ""
	if opts.Owner != "" {
		if uid, err = localID(opts.Owner, false); err != nil {
			return err
		}
	}
	if opts.Group != "" {
		if gid, err = localID(opts.Group, true); err != nil {
			return err
		}
	}
	if uid != -1 || gid != -1 {
		if err := os.Lchown(tmp, uid, gid); err != nil && explicit {
			return err
		}
	}
	return os.Rename(tmp, p)
}

func localID(name string, group bool) (int, error) {
	if id, err := strconv.Atoi(name); err == nil {
		return id, nil
	}
	if group {
		g, err := user.LookupGroup(name)
		if err != nil {
			return 0, err
		}
		return strconv.Atoi(g.Gid)
	}
	u, err := user.Lookup(name)
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(u.Uid)
}
