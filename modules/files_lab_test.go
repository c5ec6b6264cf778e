package modules

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestFileModulesOverSSH runs the file modules against a real lab host
// (PLAY_LAB_INVENTORY): the SSH transport's Stat/ReadFile/WriteFile and
// remote commands, not just the local connection.
func TestFileModulesOverSSH(t *testing.T) {
	c := sysLabHosts(t)[0]
	e := &ftEnv{t: t, c: c, ctrl: t.TempDir(), vars: map[string]string{}}
	dir := fmt.Sprintf("/tmp/play-files-lab-%d-%d", os.Getpid(), time.Now().UnixNano())
	t.Cleanup(func() { runRemote(context.Background(), &Task{Conn: c}, "rm -rf -- "+shq(dir)) })
	exists := func(p string) bool {
		st := e.must("stat", map[string]any{"path": p}, false).Data["stat"].(map[string]any)
		return st["exists"] == true
	}
	conf := dir + "/etc/app.conf"

	// Directory with parents, check mode first.
	d := map[string]any{"path": dir + "/etc", "state": "directory", "mode": "0755", "owner": "nobody"}
	if r := e.must("file", d, true); !r.Changed || exists(dir) {
		t.Fatalf("check mode created %s (changed=%v)", dir, r.Changed)
	}
	e.must("file", d, false)
	if r := e.must("file", d, false); r.Changed {
		t.Errorf("second directory run changed: %+v", r.Diffs)
	}

	// copy: check, apply, idempotent, owner by name.
	cp := map[string]any{"content": "a=1\nb=2\n", "dest": conf, "mode": "0640", "owner": "nobody"}
	if r := e.must("copy", cp, true); !r.Changed || exists(conf) {
		t.Fatalf("copy check mode wrote the file")
	}
	e.must("copy", cp, false)
	st := e.must("stat", map[string]any{"path": conf}, false).Data["stat"].(map[string]any)
	if st["mode"] != "0640" || st["pw_name"] != "nobody" || st["checksum"] != sha1Hex([]byte("a=1\nb=2\n")) {
		t.Errorf("copied file stat: %v", st)
	}
	if r := e.must("copy", cp, false); r.Changed {
		t.Errorf("second copy changed: %+v", r.Diffs)
	}

	// lineinfile and blockinfile edit it in place.
	li := map[string]any{"path": conf, "regexp": "^b=", "line": "b=3"}
	e.must("lineinfile", li, false)
	if r := e.must("lineinfile", li, false); r.Changed {
		t.Errorf("second lineinfile changed")
	}
	bi := map[string]any{"path": conf, "block": "c=4"}
	e.must("blockinfile", bi, false)
	if r := e.must("blockinfile", bi, false); r.Changed {
		t.Errorf("second blockinfile changed")
	}

	// Fetch it back and compare with what the modules should have written.
	out := t.TempDir()
	r := e.must("fetch", map[string]any{"src": conf, "dest": out + "/", "flat": true}, false)
	want := "a=1\nb=3\n# BEGIN ANSIBLE MANAGED BLOCK\nc=4\n# END ANSIBLE MANAGED BLOCK\n"
	if got := readFile(t, filepath.Join(out, "app.conf")); got != want || !r.Changed {
		t.Errorf("fetched %q, want %q", got, want)
	}
	sl := e.must("slurp", map[string]any{"src": conf}, false)
	if !strings.HasPrefix(sl.Data["content"].(string), "YT0xCm") { // base64 of "a=1\n"
		t.Errorf("slurp content %v", sl.Data["content"])
	}
	// Mode and owner survived the rewrites.
	st = e.must("stat", map[string]any{"path": conf}, false).Data["stat"].(map[string]any)
	if st["mode"] != "0640" || st["pw_name"] != "nobody" {
		t.Errorf("after edits: mode %v owner %v", st["mode"], st["pw_name"])
	}
}
