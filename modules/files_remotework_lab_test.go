package modules

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/playbook/play/engine/conn"
)

// TestFileTasksCostNoCommandOnLab pins what common file tasks ask of a
// real host over SSH. An exec session (sshd child, shell, tool) is what a
// run's remote cost is made of, far more than an SFTP request (see
// docs/bench.md), so: creating a directory with a mode, writing a file,
// editing a line, making a symlink, and a creates= guard on a plain path
// run no command at all; converged and in check mode none of them do;
// the results on the host are what the commands used to produce.
func TestFileTasksCostNoCommandOnLab(t *testing.T) {
	c := sysLabHosts(t)[0]
	sr, ok := c.(conn.StatsReporter)
	if !ok {
		t.Skipf("%T does not count its remote work", c)
	}
	ctx := context.Background()
	e := &ftEnv{t: t, c: c, ctrl: t.TempDir(), vars: map[string]string{}}
	dir := fmt.Sprintf("/tmp/play-remotework-%d-%d", os.Getpid(), time.Now().UnixNano())
	t.Cleanup(func() { runRemote(context.Background(), &Task{Conn: c}, "rm -rf -- "+shq(dir)) })
	// The SFTP channel is opened once per connection: not a task's cost.
	if _, err := c.Stat(ctx, "/", conn.Become{}); err != nil {
		t.Fatal(err)
	}

	type task struct {
		name, mod string
		args      map[string]any
		commands  int64 // exec sessions on the first, applying run
	}
	tasks := []task{
		{"directory with parents and a mode", "file", map[string]any{"path": dir + "/etc/app", "state": "directory", "mode": "0750"}, 0},
		{"file from content", "copy", map[string]any{"dest": dir + "/etc/app/app.conf", "content": "a=1\n", "mode": "0640"}, 0},
		{"line edit creating the file", "lineinfile", map[string]any{"path": dir + "/etc/app/limits.conf", "regexp": "^max=", "line": "max=2", "create": true, "mode": "0644"}, 0},
		{"symlink", "file", map[string]any{"src": dir + "/etc/app/app.conf", "dest": dir + "/current", "state": "link"}, 0},
		{"guarded command", "command", map[string]any{"cmd": "touch " + dir + "/.done", "creates": dir + "/.done"}, 1},
		{"relative guard under chdir", "command", map[string]any{"cmd": "false", "chdir": dir, "creates": ".done"}, 0},
	}
	cost := func(tk task, check bool) (*Result, int64) {
		before := sr.Stats().Sessions
		r := e.must(tk.mod, tk.args, check)
		return r, sr.Stats().Sessions - before
	}
	for _, tk := range tasks {
		r, n := cost(tk, false)
		if n != tk.commands {
			t.Errorf("%s (apply): %d exec sessions, want %d", tk.name, n, tk.commands)
		}
		if tk.name != "relative guard under chdir" && !r.Changed {
			t.Errorf("%s (apply): not changed", tk.name)
		}
	}
	for _, check := range []bool{false, true} {
		for _, tk := range tasks {
			r, n := cost(tk, check)
			if n != 0 || r.Changed {
				t.Errorf("%s (converged, check=%v): %d exec sessions, changed=%v; want 0 and false", tk.name, check, n, r.Changed)
			}
		}
	}

	// What the SFTP requests made is what mkdir/chmod/ln -s made (the
	// file module gives created parents the mode too, as Ansible does).
	for p, want := range map[string]string{dir + "/etc": "0750", dir + "/etc/app": "0750",
		dir + "/etc/app/app.conf": "0640", dir + "/etc/app/limits.conf": "0644"} {
		st := e.must("stat", map[string]any{"path": p}, false).Data["stat"].(map[string]any)
		if st["mode"] != want || st["pw_name"] != "root" {
			t.Errorf("%s: mode %v owner %v, want %s root", p, st["mode"], st["pw_name"], want)
		}
	}
	st := e.must("stat", map[string]any{"path": dir + "/current"}, false).Data["stat"].(map[string]any)
	if st["islnk"] != true || st["lnk_target"] != dir+"/etc/app/app.conf" {
		t.Errorf("symlink: %v", st)
	}
	if got, _, err := readRemote(ctx, &Task{Conn: c}, dir+"/etc/app/limits.conf"); err != nil || string(got) != "max=2\n" {
		t.Errorf("content %q, %v", got, err)
	}

	// Guards keep the shell's meaning: a dangling symlink counts as
	// existing (test -L), and a glob still goes to the shell.
	if _, err := runRemoteOK(ctx, &Task{Conn: c}, "ln -s "+shq(dir+"/nowhere")+" "+shq(dir+"/dangling")); err != nil {
		t.Fatal(err)
	}
	for _, g := range []struct {
		creates  string
		commands int64
	}{{dir + "/dangling", 0}, {dir + "/.do*", 1}} {
		r, n := cost(task{mod: "command", args: map[string]any{"cmd": "false", "creates": g.creates}}, false)
		if r.Changed || r.Failed || n != g.commands {
			t.Errorf("creates=%s: changed=%v failed=%v with %d exec sessions; want skipped with %d", g.creates, r.Changed, r.Failed, n, g.commands)
		}
	}
}
