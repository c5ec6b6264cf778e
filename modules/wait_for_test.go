package modules

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestWaitForPort(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("no bash for /dev/tcp")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			c.Write([]byte("SSH-2.0-test\r\n"))
			c.Close()
		}
	}()
	port := l.Addr().(*net.TCPAddr).Port
	if res := sysRunModule(t, "wait_for", map[string]any{"port": port, "timeout": 10}, true); res.Failed {
		t.Errorf("open port: %s", res.Msg)
	}
	if res := sysRunModule(t, "wait_for", map[string]any{"port": port, "search_regex": "^SSH-2", "timeout": 10}, false); res.Failed {
		t.Errorf("banner regex: %s", res.Msg)
	}

	closed, _ := net.Listen("tcp", "127.0.0.1:0")
	cport := closed.Addr().(*net.TCPAddr).Port
	closed.Close()
	res := sysRunModule(t, "wait_for", map[string]any{"port": cport, "timeout": 1}, false)
	if !res.Failed || !strings.HasPrefix(res.Msg, "Timeout when waiting for 127.0.0.1:") {
		t.Errorf("closed port: failed=%v msg=%q", res.Failed, res.Msg)
	}
	if res := sysRunModule(t, "wait_for", map[string]any{"port": cport, "state": "stopped", "timeout": 5}, false); res.Failed {
		t.Errorf("stopped on a closed port: %s", res.Msg)
	}
	res = sysRunModule(t, "wait_for", map[string]any{"port": cport, "timeout": 1, "msg": "db not up"}, false)
	if res.Msg != "db not up" {
		t.Errorf("custom msg: %q", res.Msg)
	}
	if res := sysRunModule(t, "wait_for", map[string]any{"port": cport, "state": "drained", "timeout": 5}, false); res.Failed {
		t.Errorf("drained on an idle port: %s", res.Msg)
	}
}

func TestWaitForPath(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "ready file")
	os.WriteFile(f, []byte("status: READY\n"), 0o644)
	if res := sysRunModule(t, "wait_for", map[string]any{"path": f, "search_regex": "READY$", "timeout": 5}, false); res.Failed {
		t.Errorf("regex in file: %s", res.Msg)
	}
	os.WriteFile(filepath.Join(dir, "log"), []byte("starting\nready for connections on port 3306\n"), 0o644)
	if res := sysRunModule(t, "wait_for", map[string]any{"path": filepath.Join(dir, "log"), "search_regex": `port \d+$`, "timeout": 5}, false); res.Failed {
		t.Errorf("Python-style regex in file: %s", res.Msg)
	}
	res := sysRunModule(t, "wait_for", map[string]any{"path": f, "state": "absent", "timeout": 1}, false)
	if !res.Failed || !strings.Contains(res.Msg, "to be absent") {
		t.Errorf("absent on an existing file: %+v", res)
	}
	res = sysRunModule(t, "wait_for", map[string]any{"path": filepath.Join(dir, "never"), "timeout": 1}, false)
	if !res.Failed || !strings.Contains(res.Msg, "Timeout when waiting for file") {
		t.Errorf("missing file: %q", res.Msg)
	}
}
