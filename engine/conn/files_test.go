package conn

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// fileBasics checks ReadFile/WriteFile/Stat semantics against any Conn
// that can reach dir on this machine's filesystem (SSH to 127.0.0.1 or
// Local), so results are checked with the os package directly.
func fileBasics(t *testing.T, c Conn, dir string, become Become) {
	ctx := context.Background()
	p := filepath.Join(dir, "f.txt")

	t.Run("new file default mode", func(t *testing.T) {
		if err := c.WriteFile(ctx, p, []byte("one\n"), WriteOpts{Become: become}); err != nil {
			t.Fatal(err)
		}
		st, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != 0o644 {
			t.Errorf("new file mode %v, want 0644", st.Mode())
		}
		got, err := c.ReadFile(ctx, p, become)
		if err != nil || string(got) != "one\n" {
			t.Errorf("read back %q, %v", got, err)
		}
	})
	t.Run("explicit mode and owner", func(t *testing.T) {
		if err := c.WriteFile(ctx, p, []byte("two\n"), WriteOpts{Mode: 0o600, Owner: "nobody", Group: "nogroup", Become: become}); err != nil {
			t.Fatal(err)
		}
		fi, err := c.Stat(ctx, p, become)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode.Perm() != 0o600 || fi.Owner != "nobody" || fi.Group != "nogroup" || fi.Size != 4 {
			t.Errorf("stat after write: mode %v owner %q group %q size %d", fi.Mode, fi.Owner, fi.Group, fi.Size)
		}
	})
	t.Run("keeps mode and owner", func(t *testing.T) {
		if err := c.WriteFile(ctx, p, []byte("three\n"), WriteOpts{Become: become}); err != nil {
			t.Fatal(err)
		}
		fi, err := c.Stat(ctx, p, become)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode.Perm() != 0o600 || fi.Owner != "nobody" || fi.Group != "nogroup" {
			t.Errorf("rewrite must keep mode/owner: mode %v owner %q group %q", fi.Mode, fi.Owner, fi.Group)
		}
		if got, _ := os.ReadFile(p); string(got) != "three\n" {
			t.Errorf("content %q", got)
		}
	})
	t.Run("setuid bits", func(t *testing.T) {
		q := filepath.Join(dir, "suid")
		if err := c.WriteFile(ctx, q, []byte("x"), WriteOpts{Mode: 0o755 | fs.ModeSetgid, Become: become}); err != nil {
			t.Fatal(err)
		}
		st, _ := os.Stat(q)
		if st.Mode()&fs.ModeSetgid == 0 || st.Mode().Perm() != 0o755 {
			t.Errorf("mode %v, want g+s 0755", st.Mode())
		}
	})
	t.Run("no temp files left", func(t *testing.T) {
		if err := c.WriteFile(ctx, filepath.Join(dir, "missing-dir", "x"), []byte("x"), WriteOpts{Become: become}); err == nil {
			t.Error("writing into a missing directory must fail")
		}
		if err := c.WriteFile(ctx, p, []byte("x"), WriteOpts{Owner: "no-such-user-play", Become: become}); err == nil {
			t.Error("an unknown owner must fail")
		}
		ents, _ := os.ReadDir(dir)
		for _, e := range ents {
			if strings.HasPrefix(e.Name(), ".play-tmp-") {
				t.Errorf("temp file left behind: %s", e.Name())
			}
		}
		if got, _ := os.ReadFile(p); string(got) != "three\n" {
			t.Errorf("failed write changed the file: %q", got)
		}
	})
	t.Run("stat kinds", func(t *testing.T) {
		link := filepath.Join(dir, "link")
		os.Remove(link)
		if err := os.Symlink("f.txt", link); err != nil {
			t.Fatal(err)
		}
		fi, err := c.Stat(ctx, link, become)
		if err != nil || !fi.Exists || !fi.IsLink || fi.LinkTarget != "f.txt" || fi.IsDir {
			t.Errorf("symlink: %+v, %v", fi, err)
		}
		fi, err = c.Stat(ctx, dir, become)
		if err != nil || !fi.IsDir || fi.Mode&fs.ModeDir == 0 {
			t.Errorf("dir: %+v, %v", fi, err)
		}
		fi, err = c.Stat(ctx, filepath.Join(dir, "nope"), become)
		if err != nil || fi.Exists {
			t.Errorf("missing: %+v, %v", fi, err)
		}
		if _, err := c.ReadFile(ctx, filepath.Join(dir, "nope"), become); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("read missing: %v, want fs.ErrNotExist", err)
		}
		fi, err = c.Stat(ctx, "/etc/passwd", become)
		if err != nil || fi.Owner != "root" || fi.Group != "root" || fi.UID != 0 || fi.Size == 0 || fi.ModTime.IsZero() {
			t.Errorf("/etc/passwd: %+v, %v", fi, err)
		}
	})
}

// atomicWrites rewrites a file many times while a reader loop checks that
// every read is one complete version.
func atomicWrites(t *testing.T, c Conn, dir string) {
	p := filepath.Join(dir, "atomic")
	a := bytes.Repeat([]byte("a"), 1<<20)
	b := bytes.Repeat([]byte("b"), 1<<20)
	if err := c.WriteFile(context.Background(), p, a, WriteOpts{}); err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var reads, bad int
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			got, err := os.ReadFile(p)
			reads++
			if err != nil || !(bytes.Equal(got, a) || bytes.Equal(got, b)) {
				bad++
			}
		}
	}()
	for i := 0; i < 20; i++ {
		data := a
		if i%2 == 0 {
			data = b
		}
		if err := c.WriteFile(context.Background(), p, data, WriteOpts{}); err != nil {
			t.Error(err)
		}
	}
	close(stop)
	wg.Wait()
	if bad > 0 {
		t.Errorf("%d of %d reads saw a missing or partial file", bad, reads)
	}
}

func TestSSHFiles(t *testing.T) {
	d := startSSHD(t)
	c := d.dial(t, "root")
	t.Run("sftp", func(t *testing.T) { fileBasics(t, c, t.TempDir(), Become{}) })
	t.Run("atomic", func(t *testing.T) { atomicWrites(t, c, t.TempDir()) })
	if c.sftp == nil {
		t.Error("file operations without become must use SFTP")
	}
}
