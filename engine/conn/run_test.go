package conn

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// runBasics checks what every Conn must do with a command; it runs
// against SSH and Local alike.
func runBasics(t *testing.T, c Conn) {
	ctx := context.Background()
	t.Run("exit codes", func(t *testing.T) {
		for _, code := range []int{0, 1, 3, 127} {
			res := mustRun(t, c, Cmd{Command: fmt.Sprintf("echo out; echo err >&2; exit %d", code)})
			if res.ExitCode != code || string(res.Stdout) != "out\n" || string(res.Stderr) != "err\n" {
				t.Errorf("exit %d: got code %d stdout %q stderr %q", code, res.ExitCode, res.Stdout, res.Stderr)
			}
		}
		res := mustRun(t, c, Cmd{Command: "no-such-command-play"})
		if res.ExitCode != 127 {
			t.Errorf("missing command: exit %d, want 127", res.ExitCode)
		}
	})
	t.Run("signal", func(t *testing.T) {
		res := mustRun(t, c, Cmd{Command: "kill -TERM $$"})
		if res.ExitCode != 128+15 {
			t.Errorf("killed by TERM: exit %d, want 143 (stderr %q)", res.ExitCode, res.Stderr)
		}
	})
	t.Run("stdin", func(t *testing.T) {
		in := strings.Repeat("line of input\n", 10000)
		res := mustRun(t, c, Cmd{Command: "wc -l; cat >/dev/null", Stdin: strings.NewReader(in)})
		if strings.TrimSpace(string(res.Stdout)) != "10000" {
			t.Errorf("stdin lines: %q", res.Stdout)
		}
		res = mustRun(t, c, Cmd{Command: "cat"})
		if res.ExitCode != 0 || len(res.Stdout) != 0 {
			t.Errorf("no stdin must read as empty: %+v", res)
		}
	})
	t.Run("env", func(t *testing.T) {
		val := `it's "quoted" $HOME; $(echo no) \ ` + "`x`"
		res := mustRun(t, c, Cmd{Command: `printf '%s|%s' "$PLAY_A" "$PLAY_B"`, Env: map[string]string{"PLAY_A": val, "PLAY_B": ""}})
		if string(res.Stdout) != val+"|" {
			t.Errorf("env: got %q want %q", res.Stdout, val+"|")
		}
		if _, err := c.Run(ctx, Cmd{Command: "true", Env: map[string]string{"BAD NAME": "x"}}); err == nil {
			t.Error("an invalid variable name must be an error")
		}
	})
	t.Run("cwd", func(t *testing.T) {
		res := mustRun(t, c, Cmd{Command: "pwd; echo second", Dir: "/usr/share"})
		if string(res.Stdout) != "/usr/share\nsecond\n" {
			t.Errorf("cwd: %q", res.Stdout)
		}
		res = mustRun(t, c, Cmd{Command: "echo must-not-run", Dir: "/nonexistent-play-dir"})
		if res.ExitCode == 0 || strings.Contains(string(res.Stdout), "must-not-run") {
			t.Errorf("missing dir: %+v", res)
		}
	})
	t.Run("cancel", func(t *testing.T) {
		sleepArg := fmt.Sprintf("%d.%d", 100+os.Getpid()%100, time.Now().Nanosecond())
		cctx, cancel := context.WithCancel(ctx)
		started := make(chan struct{})
		var errRun error
		done := make(chan struct{})
		go func() {
			defer close(done)
			_, errRun = c.Run(cctx, Cmd{Command: "echo up; sleep " + sleepArg + "; echo after", Stdout: signalWriter(started)})
		}()
		<-started
		cancel()
		<-done
		if !errors.Is(errRun, context.Canceled) {
			t.Errorf("cancelled run: err %v, want context.Canceled", errRun)
		}
		// The command runs on this machine (SSH to 127.0.0.1 or Local):
		// it must be gone, not orphaned.
		deadline := time.Now().Add(10 * time.Second)
		for {
			out, _ := exec.Command("pgrep", "-f", "sleep "+sleepArg).Output()
			if len(out) == 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Errorf("cancelled command still running: pids %s", out)
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
	})
}

// signalWriter closes ch on the first write.
type signalWriterT struct {
	ch   chan struct{}
	done bool
}

func signalWriter(ch chan struct{}) *signalWriterT { return &signalWriterT{ch: ch} }

func (w *signalWriterT) Write(p []byte) (int, error) {
	if !w.done {
		w.done = true
		close(w.ch)
	}
	return len(p), nil
}

// countWriter counts bytes without keeping them.
type countWriter struct{ n int64 }

func (w *countWriter) Write(p []byte) (int, error) { w.n += int64(len(p)); return len(p), nil }

func TestSSHRun(t *testing.T) {
	d := startSSHD(t)
	runBasics(t, d.dial(t, "root"))
}

func TestSSHLargeOutput(t *testing.T) {
	d := startSSHD(t)
	c := d.dial(t, "root")
	const mb = 1 << 20
	// Both streams at once: a reader that drained only stdout would stall
	// the remote side as soon as the stderr window filled.
	var out, errs countWriter
	res := mustRun(t, c, Cmd{Command: "head -c 104857600 /dev/zero & head -c 20971520 /dev/zero >&2; wait", Stdout: &out, Stderr: &errs})
	if res.ExitCode != 0 || out.n != 100*mb || errs.n != 20*mb {
		t.Errorf("streamed: exit %d stdout %d stderr %d bytes, want 100 MiB / 20 MiB", res.ExitCode, out.n, errs.n)
	}
	res = mustRun(t, c, Cmd{Command: "head -c 8388608 /dev/zero & head -c 8388608 /dev/zero >&2; wait"})
	if len(res.Stdout) != 8*mb || len(res.Stderr) != 8*mb {
		t.Errorf("buffered: stdout %d stderr %d bytes, want 8 MiB each", len(res.Stdout), len(res.Stderr))
	}
}
