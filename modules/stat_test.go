package modules

import (
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"strings"
	"testing"
)

func TestStat(t *testing.T) {
	e := newFTEnv(t)
	dir := t.TempDir()
	f := filepath.Join(dir, "f.txt")
	os.WriteFile(f, []byte("hello\n"), 0o640)
	os.Symlink("f.txt", filepath.Join(dir, "l"))
	sum := sha1.Sum([]byte("hello\n"))

	st := e.must("stat", map[string]any{"path": f}, false).Data["stat"].(map[string]any)
	want := map[string]any{"exists": true, "isreg": true, "isdir": false, "islnk": false, "mode": "0640",
		"size": int64(6), "checksum": hex.EncodeToString(sum[:]), "rusr": true, "xusr": false, "roth": false,
		"uid": os.Getuid(), "path": f, "mimetype": "text/plain", "charset": "us-ascii"}
	for k, v := range want {
		if k == "mimetype" || k == "charset" {
			if _, err := os.Stat("/usr/bin/file"); err != nil {
				continue // file(1) not installed here
			}
		}
		if st[k] != v {
			t.Errorf("stat[%s] = %v (%T), want %v", k, st[k], st[k], v)
		}
	}
	if mt, _ := st["mtime"].(float64); mt < 1e9 {
		t.Errorf("mtime = %v", st["mtime"])
	}

	st = e.must("stat", map[string]any{"path": f, "checksum_algorithm": "sha256", "get_mime": false}, false).Data["stat"].(map[string]any)
	s256 := sha256.Sum256([]byte("hello\n"))
	if st["checksum"] != hex.EncodeToString(s256[:]) {
		t.Errorf("sha256 checksum = %v", st["checksum"])
	}
	if _, ok := st["mimetype"]; ok {
		t.Errorf("get_mime=no still reported a mimetype")
	}

	l := e.must("stat", map[string]any{"path": filepath.Join(dir, "l")}, false).Data["stat"].(map[string]any)
	if l["islnk"] != true || l["lnk_target"] != "f.txt" || l["lnk_source"] != f || l["checksum"] != nil {
		t.Errorf("link stat = %v", l)
	}
	lf := e.must("stat", map[string]any{"path": filepath.Join(dir, "l"), "follow": true}, false).Data["stat"].(map[string]any)
	if lf["islnk"] != false || lf["isreg"] != true || lf["checksum"] == nil {
		t.Errorf("followed link stat = %v", lf)
	}
	if st["blocks"] == nil || st["block_size"].(int64) <= 0 {
		t.Errorf("blocks/block_size = %v/%v", st["blocks"], st["block_size"])
	}
	// /dev/null is character device 1:3.
	if dn := e.must("stat", map[string]any{"path": "/dev/null"}, false).Data["stat"].(map[string]any); dn["ischr"] != true || dn["device_type"] != int64(259) {
		t.Errorf("/dev/null: ischr=%v device_type=%v", dn["ischr"], dn["device_type"])
	}
	d := e.must("stat", map[string]any{"path": dir}, false).Data["stat"].(map[string]any)
	if d["isdir"] != true || d["checksum"] != nil {
		t.Errorf("dir stat = %v", d)
	}
	m := e.must("stat", map[string]any{"path": filepath.Join(dir, "missing")}, false)
	if m.Data["stat"].(map[string]any)["exists"] != false || m.Changed {
		t.Errorf("missing stat = %v", m.Data)
	}
	// Odd names survive the shell round trip.
	odd := filepath.Join(dir, "it's a $file")
	os.WriteFile(odd, nil, 0o600)
	if st := e.must("stat", map[string]any{"path": odd}, false).Data["stat"].(map[string]any); st["exists"] != true {
		t.Errorf("odd name: %v", st)
	}
}

func TestSlurp(t *testing.T) {
	e := newFTEnv(t)
	f := filepath.Join(t.TempDir(), "bin")
	data := []byte{0, 1, 2, 'x', 0xff}
	os.WriteFile(f, data, 0o600)
	r := e.must("slurp", map[string]any{"src": f}, false)
	if r.Data["content"] != base64.StdEncoding.EncodeToString(data) || r.Data["encoding"] != "base64" || r.Changed {
		t.Errorf("slurp = %v", r.Data)
	}
	if msg := e.failed("slurp", map[string]any{"src": f + ".nope"}, false); !strings.Contains(msg, "not found") {
		t.Errorf("missing: %q", msg)
	}
}

func TestFetch(t *testing.T) {
	e := newFTEnv(t)
	src := filepath.Join(t.TempDir(), "etc", "app.conf")
	os.MkdirAll(filepath.Dir(src), 0o755)
	os.WriteFile(src, []byte("v=1\n"), 0o600)
	out := t.TempDir()
	args := map[string]any{"src": src, "dest": out}
	want := filepath.Join(out, "local", src)

	r := e.checkModeUnchanged(out, "fetch", args)
	if r.Data["dest"] != want || !r.Diffs[0].BeforeMissing {
		t.Errorf("check: %v %+v", r.Data, r.Diffs)
	}
	if r := e.must("fetch", args, false); !r.Changed || readFile(t, want) != "v=1\n" {
		t.Fatalf("fetch: %v", r.Data)
	}
	if r := e.must("fetch", args, false); r.Changed {
		t.Errorf("second fetch changed")
	}
	flat := filepath.Join(out, "flat") + "/"
	e.must("fetch", map[string]any{"src": src, "dest": flat, "flat": true}, false)
	if readFile(t, filepath.Join(flat, "app.conf")) != "v=1\n" {
		t.Errorf("flat fetch")
	}
	if msg := e.failed("fetch", map[string]any{"src": src + ".nope", "dest": out}, false); !strings.Contains(msg, "does not exist") {
		t.Errorf("missing src: %q", msg)
	}
	if r := e.must("fetch", map[string]any{"src": src + ".nope", "dest": out, "fail_on_missing": false}, false); r.Changed {
		t.Errorf("fail_on_missing=no changed")
	}
}

func TestContentThroughSymlinkAndBinaryDiff(t *testing.T) {
	e := newFTEnv(t)
	dir := t.TempDir()
	target := filepath.Join(dir, "real.conf")
	os.WriteFile(target, []byte("a\n"), 0o644)
	link := filepath.Join(dir, "link.conf")
	os.Symlink("real.conf", link)
	e.must("copy", map[string]any{"content": "b\n", "dest": link}, false)
	if got, _ := os.Readlink(link); got != "real.conf" || readFile(t, target) != "b\n" {
		t.Errorf("write through link: link %q, target %q", got, readFile(t, target))
	}
	r := e.must("copy", map[string]any{"content": "\x00\x01bin", "dest": filepath.Join(dir, "b")}, true)
	if !strings.Contains(r.Diffs[0].After, "binary content not shown") {
		t.Errorf("binary diff shows %q", r.Diffs[0].After)
	}
}

func TestTildeIsTheHostUsersHome(t *testing.T) {
	e := newFTEnv(t)
	u, err := user.Current()
	if err != nil {
		t.Skip(err)
	}
	name := fmt.Sprintf(".play-tilde-test-%d", os.Getpid())
	dest := filepath.Join(u.HomeDir, name)
	t.Cleanup(func() { os.Remove(dest) })
	e.must("copy", map[string]any{"content": "t\n", "dest": "~/" + name}, false)
	if readFile(t, dest) != "t\n" {
		t.Fatalf("~/ not expanded to %s", u.HomeDir)
	}
	st := e.must("stat", map[string]any{"path": "~" + u.Username + "/" + name}, false).Data["stat"].(map[string]any)
	if st["exists"] != true {
		t.Errorf("~user/ not expanded: %v", st)
	}
}
