package main

import (
	"bufio"
	"errors"
	"os/exec"
	"strings"
	"syscall"
	"testing"
)

// Ctrl-C ends the running remote command, still prints the recap, and
// exits 99 — as ansible-playbook does.
func TestInterruptStopsCleanly(t *testing.T) {
	cmd := exec.Command(playBin, "run", "-i", "local.ini", "sleep.yml")
	cmd.Dir = "testdata"
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stdout)
	var out strings.Builder
	for sc.Scan() {
		out.WriteString(sc.Text() + "\n")
		if strings.Contains(sc.Text(), "TASK [long command]") {
			break
		}
	}
	// The task has started; give the command a moment to be spawned.
	waitFor(t, func() bool { return exec.Command("pgrep", "-f", "play-interrupt-marker").Run() == nil })
	cmd.Process.Signal(syscall.SIGINT)
	for sc.Scan() {
		out.WriteString(sc.Text() + "\n")
	}
	err = cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 99 {
		t.Errorf("exit: %v, want 99", err)
	}
	if !strings.Contains(out.String(), "PLAY RECAP") || strings.Contains(out.String(), "never reached") {
		t.Errorf("output after Ctrl-C:\n%s", out.String())
	}
	if exec.Command("pgrep", "-f", "play-interrupt-marker").Run() == nil {
		exec.Command("pkill", "-f", "play-interrupt-marker").Run()
		t.Error("the remote command was left running after Ctrl-C")
	}
}

func waitFor(t *testing.T, cond func() bool) {
	for i := 0; i < 100; i++ {
		if cond() {
			return
		}
		exec.Command("sleep", "0.1").Run()
	}
	t.Fatal("condition not met")
}
