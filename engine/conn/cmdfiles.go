package conn

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"path"
	"strconv"
	"strings"
	"time"
)

// The functions here do file operations through shell commands. They are
// the path for become to another user: SFTP always runs as the login user,
// sudo does not. They only rely on coreutils and sh.

type runFunc func(ctx context.Context, cmd Cmd) (*Result, error)

// cEnv pins messages to English so "No such file" can be recognised.
var cEnv = map[string]string{"LC_ALL": "C"}

func cmdReadFile(ctx context.Context, run runFunc, host, p string, become Become) ([]byte, error) {
	res, err := run(ctx, Cmd{Command: "cat -- " + shq(p), Env: cEnv, Become: become})
	if err != nil {
		return nil, err
	}
	if res.ExitCode != 0 {
		msg := strings.TrimSpace(string(res.Stderr))
		if strings.Contains(msg, "No such file or directory") {
			return nil, fmt.Errorf("read %s on %s: %w", p, host, fs.ErrNotExist)
		}
		return nil, fmt.Errorf("read %s on %s: %s", p, host, msg)
	}
	return res.Stdout, nil
}

const statScript = `p=%s
if out=$(stat -c '%%f %%s %%u %%g %%Y %%U %%G' -- "$p" 2>&1); then
  printf '%%s\n' "$out"
  if [ -L "$p" ]; then readlink -- "$p"; fi
else
  case "$out" in
  *"No such file or directory"*|*"Not a directory"*) echo ABSENT ;;
  *) printf '%%s\n' "$out" >&2; exit 1 ;;
  esac
fi`

func cmdStat(ctx context.Context, run runFunc, host, p string, become Become) (*FileInfo, error) {
	res, err := run(ctx, Cmd{Command: fmt.Sprintf(statScript, shq(p)), Env: cEnv, Become: become})
	if err != nil {
		return nil, err
	}
	if res.ExitCode != 0 {
		return nil, fmt.Errorf("stat %s on %s: %s", p, host, strings.TrimSpace(string(res.Stderr)))
	}
	return parseStat(p, res.Stdout)
}

// parseStat reads the output of statScript.
func parseStat(p string, out []byte) (*FileInfo, error) {
	first, rest, _ := bytes.Cut(out, []byte("\n"))
	fi := &FileInfo{Path: p}
	if string(first) == "ABSENT" {
		return fi, nil
	}
	f := strings.SplitN(string(first), " ", 7)
	if len(f) != 7 {
		return nil, fmt.Errorf("stat %s: unexpected output %q", p, first)
	}
	raw, err1 := strconv.ParseUint(f[0], 16, 32)
	size, err2 := strconv.ParseInt(f[1], 10, 64)
	uid, err3 := strconv.Atoi(f[2])
	gid, err4 := strconv.Atoi(f[3])
	mtime, err5 := strconv.ParseInt(f[4], 10, 64)
	for _, err := range []error{err1, err2, err3, err4, err5} {
		if err != nil {
			return nil, fmt.Errorf("stat %s: unexpected output %q: %v", p, first, err)
		}
	}
	fi.Exists = true
	fi.Mode = fileModeFromUnix(uint32(raw))
	fi.Size, fi.UID, fi.GID = size, uid, gid
	fi.ModTime = time.Unix(mtime, 0)
	fi.IsDir = fi.Mode.IsDir()
	fi.IsLink = fi.Mode&fs.ModeSymlink != 0
	if f[5] != "UNKNOWN" {
		fi.Owner = f[5]
	}
	if f[6] != "UNKNOWN" {
		fi.Group = f[6]
	}
	if fi.IsLink {
		fi.LinkTarget = strings.TrimSuffix(string(rest), "\n")
	}
	return fi, nil
}

// writeScript replaces p atomically: temp file next to it, fsync, mode and
// owner (kept from the old file unless given), rename. The trap removes
// the temp file on any failure.
func writeScript(p string, opts WriteOpts) string {
	tmp := path.Join(path.Dir(p), ".play-tmp-"+randHex(8))
	var b strings.Builder
	fmt.Fprintf(&b, "set -e\nt=%s\np=%s\n", shq(tmp), shq(p))
	b.WriteString("trap 'rm -f -- \"$t\"' EXIT\numask 077\ncat > \"$t\"\n")
	b.WriteString("sync -- \"$t\" 2>/dev/null || sync\n")
	if opts.Mode != 0 {
		fmt.Fprintf(&b, "chmod %04o -- \"$t\"\n", UnixMode(opts.Mode))
	} else {
		b.WriteString("if [ -e \"$p\" ]; then chmod --reference=\"$p\" -- \"$t\"; else chmod 0644 -- \"$t\"; fi\n")
	}
	// Keeping the old owner may be impossible for a non-root user; that is
	// fine (the file then belongs to whoever wrote it), an explicit owner
	// or group is not.
	b.WriteString("if [ -e \"$p\" ]; then chown --reference=\"$p\" -- \"$t\" 2>/dev/null || true; fi\n")
	if opts.Owner != "" {
		fmt.Fprintf(&b, "chown %s -- \"$t\"\n", shq(opts.Owner))
	}
	if opts.Group != "" {
		fmt.Fprintf(&b, "chgrp %s -- \"$t\"\n", shq(opts.Group))
	}
	b.WriteString("mv -f -- \"$t\" \"$p\"\n")
	return b.String()
}

func cmdWriteFile(ctx context.Context, run runFunc, host, p string, data []byte, opts WriteOpts) error {
	res, err := run(ctx, Cmd{Command: writeScript(p, opts), Env: cEnv, Stdin: bytes.NewReader(data), Become: opts.Become})
	if err != nil {
		return err
	}
	if res.ExitCode != 0 {
		return fmt.Errorf("write %s on %s: %s", p, host, strings.TrimSpace(string(res.Stderr)))
	}
	return nil
}
