package conn

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

type nopWriteCloser struct{ n int }

func (w *nopWriteCloser) Write(b []byte) (int, error) { w.n += len(b); return len(b), nil }
func (w *nopWriteCloser) Close() error                { return nil }

// sftpPacket frames one SFTP packet: uint32 length, type, body.
func sftpPacket(kind byte, body []byte) []byte {
	b := binary.BigEndian.AppendUint32(nil, uint32(1+len(body)))
	return append(append(b, kind), body...)
}

func TestSFTPCounterFraming(t *testing.T) {
	var stream []byte
	stream = append(stream, sftpPacket(1, []byte{0, 0, 0, 3})...) // init: not a request
	stream = append(stream, sftpPacket(7, []byte("\x00\x00\x00\x01\x00\x00\x00\x04/etc"))...)
	stream = append(stream, sftpPacket(6, make([]byte, 70000))...) // a write larger than one chunk
	stream = append(stream, sftpPacket(4, []byte{0, 0, 0, 9})...)
	// The client may split its writes anywhere, even inside a header.
	for _, chunk := range []int{1, 3, 5, 4096, len(stream)} {
		got := map[string]int{}
		w := &nopWriteCloser{}
		c := &sftpCounter{w: w, count: func(k byte) { got[sftpPacketName(k)]++ }}
		for rest := stream; len(rest) > 0; {
			n := min(chunk, len(rest))
			if _, err := c.Write(rest[:n]); err != nil {
				t.Fatal(err)
			}
			rest = rest[n:]
		}
		if w.n != len(stream) {
			t.Fatalf("chunk %d: passed %d of %d bytes", chunk, w.n, len(stream))
		}
		want := map[string]int{"lstat": 1, "write": 1, "close": 1}
		if len(got) != len(want) || got["lstat"] != 1 || got["write"] != 1 || got["close"] != 1 {
			t.Errorf("chunk %d: counted %v, want %v", chunk, got, want)
		}
	}
}

func TestParseAccounts(t *testing.T) {
	in := "root:x:0:0:root:/root:/bin/bash\n" +
		"toor:x:0:0:second name of uid 0:/root:/bin/sh\n" +
		"+nisuser::::::\n" +
		"broken line\n" +
		"app:x:1001:1001::/srv/app:/bin/sh\n" +
		"app:x:1002:1002:duplicate name, first wins::\n"
	got := parseAccounts([]byte(in))
	want := []account{{"root", 0, true}, {"toor", 0, false}, {"app", 1001, true}}
	if len(got) != len(want) {
		t.Fatalf("parseAccounts = %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("entry %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	var n nameCache
	n.seed(context.Background(), func(_ context.Context, p string) ([]byte, error) {
		if p == "/etc/passwd" {
			return []byte(in), nil
		}
		return nil, fs.ErrNotExist // no group file: group names stay unknown
	})
	if name, ok := n.get(false, 0); !ok || name != "root" {
		t.Errorf("uid 0 = %q, %v; want root (the first line, like getent)", name, ok)
	}
	if id, ok := n.id(false, "toor"); !ok || id != 0 {
		t.Errorf("toor = %d, %v; want 0", id, ok)
	}
	if _, ok := n.get(true, 0); ok {
		t.Error("gid 0 named without a group file")
	}
}

func TestCommandLabel(t *testing.T) {
	for in, want := range map[string]string{
		"mkdir -- '/x'":                     "mkdir",
		"p='/etc/shadow'\nstat ...":         "p",
		"export PASSWORD='s3cret'; run":     "export",
		"PGPASSWORD=s3cret psql -c 'x'":     "PGPASSWORD",
		"  sh":                              "sh",
		"averyveryverylongcommandname12345": "averyveryverylongcommand",
	} {
		if got := commandLabel(in); got != want {
			t.Errorf("commandLabel(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestSSHStatsAndPathOps checks, on a real sshd, that the file steps a
// converged task needs cost SFTP requests and no exec session, and that
// mkdir/chmod/symlink over SFTP do what the commands did.
func TestSSHStatsAndPathOps(t *testing.T) {
	d := startSSHD(t)
	c := d.dial(t, "root")
	ctx := context.Background()
	dir := t.TempDir()

	fi, err := c.Stat(ctx, "/etc/passwd", Become{})
	if err != nil || fi.Owner != "root" || fi.Group != "root" {
		t.Fatalf("stat /etc/passwd: %+v, %v", fi, err)
	}
	s := c.Stats()
	if s.Sessions != 1 || s.Commands["sftp-subsystem"] != 1 {
		t.Errorf("owner names must come from the account files over SFTP, not a command: %+v", s)
	}
	if s.SFTP["lstat"] != 1 || s.SFTPOps < 3 {
		t.Errorf("sftp requests %v (total %d): want the lstat and the account file reads", s.SFTP, s.SFTPOps)
	}

	sub := filepath.Join(dir, "sub")
	if err := c.Mkdir(ctx, sub, Become{}); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(sub); err != nil || !st.IsDir() || st.Mode().Perm() != 0o755 {
		t.Errorf("mkdir: %v, %v; want a 0755 directory (0777 less umask 022, like mkdir(1))", st, err)
	}
	if err := c.Mkdir(ctx, sub, Become{}); err == nil {
		t.Error("mkdir of an existing directory must fail")
	}
	if err := c.Chmod(ctx, sub, 0o750|fs.ModeSetgid, Become{}); err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(sub); st.Mode().Perm() != 0o750 || st.Mode()&fs.ModeSetgid == 0 {
		t.Errorf("chmod: mode %v, want g+s 0750", st.Mode())
	}
	link := filepath.Join(dir, "link")
	if err := c.Symlink(ctx, "sub", link, Become{}); err != nil {
		t.Fatal(err)
	}
	if target, err := os.Readlink(link); err != nil || target != "sub" {
		t.Errorf("symlink: target %q, %v; want sub (not reversed)", target, err)
	}
	if err := c.Chmod(ctx, filepath.Join(dir, "missing"), 0o644, Become{}); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("chmod of a missing path: %v, want fs.ErrNotExist", err)
	}

	// A uid that no account file lists still gets a name if getent has
	// one; here it has none, and the lookup costs exactly one command.
	f := filepath.Join(dir, "orphan")
	if err := os.WriteFile(f, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(f, 54321, 54321); err != nil {
		t.Fatal(err)
	}
	sessions := c.Stats().Sessions
	fi, err = c.Stat(ctx, f, Become{})
	if err != nil || fi.UID != 54321 || fi.Owner != "" {
		t.Errorf("orphan: %+v, %v", fi, err)
	}
	if got := c.Stats().Sessions - sessions; got != 1 {
		t.Errorf("unknown uid: %d commands, want 1 getent fallback", got)
	}

	// A small file is read with open, read, read (EOF), close; a big one
	// (more than one chunk) comes back whole through the concurrent reader.
	small, big := filepath.Join(dir, "small"), filepath.Join(dir, "big")
	bigData := bytes.Repeat([]byte("0123456789abcdef"), (1<<20)/16)
	bigData = append(bigData, "tail"...)
	if err := os.WriteFile(small, []byte("x=1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(big, bigData, 0o644); err != nil {
		t.Fatal(err)
	}
	before := c.Stats()
	if got, err := c.ReadFile(ctx, small, Become{}); err != nil || string(got) != "x=1\n" {
		t.Errorf("read small: %q, %v", got, err)
	}
	after := c.Stats()
	if n := after.SFTPOps - before.SFTPOps; n != 4 || after.SFTP["stat"] != before.SFTP["stat"] || after.SFTP["fstat"] != before.SFTP["fstat"] {
		t.Errorf("small read: %d requests (%v), want 4 and no size query", n, after.SFTP)
	}
	if got, err := c.ReadFile(ctx, big, Become{}); err != nil || !bytes.Equal(got, bigData) {
		t.Errorf("read big: %d bytes, %v; want %d equal bytes", len(got), err, len(bigData))
	}
	if got, err := c.ReadFile(ctx, filepath.Join(dir, "empty-missing"), Become{}); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("read missing: %q, %v", got, err)
	}

	if err := c.Mkdir(ctx, filepath.Join(dir, "x"), Become{Enabled: true, User: "nobody"}); !errors.Is(err, ErrNeedsCommand) {
		t.Errorf("mkdir as another user: %v, want ErrNeedsCommand (SFTP runs as the login user)", err)
	}
	sessions = c.Stats().Sessions
	mustRun(t, c, Cmd{Command: "true"})
	if s := c.Stats(); s.Sessions != sessions+1 || s.Commands["true"] != 1 {
		t.Errorf("one command: %+v", s)
	}
}

func TestPoolWritesStatsFile(t *testing.T) {
	d := startSSHD(t)
	out := filepath.Join(t.TempDir(), "stats.jsonl")
	t.Setenv(StatsFileEnv, out)
	p := NewPool()
	c, err := p.Get(context.Background(), d.opts("root"))
	if err != nil {
		t.Fatal(err)
	}
	mustRun(t, c, Cmd{Command: "true"})
	p.CloseAll()
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	var lines []Stats
	for sc.Scan() {
		var s Stats
		if err := json.Unmarshal(sc.Bytes(), &s); err != nil {
			t.Fatalf("%s: %v", sc.Text(), err)
		}
		lines = append(lines, s)
	}
	if len(lines) != 1 || lines[0].Host != "testhost" || lines[0].Connections != 1 || lines[0].Sessions != 1 {
		t.Errorf("stats file: %+v, want one line for testhost with 1 connection and 1 session", lines)
	}
}
