package modules

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/playbook/play/engine/conn"
)

// seEnabledHost stands in for an SELinux-enforcing host, which this
// kernel (SELinux disabled) cannot be: it answers the commands seboolean
// and sefcontext send -- the probe, getsebool/setsebool, semanage boolean
// and fcontext -- from an in-memory policy, so the modules' apply,
// re-apply and check paths run against state that really changes. Any
// other command fails the test: the fake knows only what it models.
type seEnabledHost struct {
	conn.Conn // nil: only Run is used
	t         *testing.T
	booleans  map[string][2]bool // name -> {running, stored}
	fcontexts map[string]string  // "target\tftype letter" -> setype
	runs      []string
}

func newSeEnabledHost(t *testing.T) *seEnabledHost {
	return &seEnabledHost{t: t, booleans: map[string][2]bool{"httpd_can_network_connect": {false, false}}, fcontexts: map[string]string{}}
}

func (h *seEnabledHost) Host() string { return "selinux-host" }

func (h *seEnabledHost) Run(_ context.Context, cmd conn.Cmd) (*conn.Result, error) {
	h.runs = append(h.runs, cmd.Command)
	ok := func(out string) (*conn.Result, error) { return &conn.Result{Stdout: []byte(out)}, nil }
	if strings.Contains(cmd.Command, "selinuxenabled") { // seProbe
		return ok("@@tools\n@@enforce\n1\n@@sestatus\nSELinux status: enabled\nLoaded policy name: targeted\nCurrent mode: enforcing\n")
	}
	w, err := splitShellWords(cmd.Command)
	if err != nil {
		h.t.Fatalf("fake SELinux host: %q: %v", cmd.Command, err)
	}
	switch {
	case len(w) == 3 && w[0] == "getsebool":
		b, found := h.booleans[w[2]]
		if !found {
			return &conn.Result{ExitCode: 1, Stderr: []byte("Error getting active value for " + w[2] + "\n")}, nil
		}
		return ok(fmt.Sprintf("%s --> %s\n", w[2], onOff(b[0])))
	case strings.Join(w, " ") == "semanage boolean -l -n":
		var out strings.Builder
		for n, b := range h.booleans {
			fmt.Fprintf(&out, "%-40s (%-5s,%5s)  Allow something\n", n, onOff(b[0]), onOff(b[1]))
		}
		return ok(out.String())
	case w[0] == "setsebool":
		persistent := w[1] == "-P"
		if persistent {
			w = w[1:]
		}
		b := h.booleans[w[1]]
		b[0] = w[2] == "on"
		if persistent {
			b[1] = b[0]
		}
		h.booleans[w[1]] = b
		return ok("")
	case strings.Join(w, " ") == "semanage fcontext -l -C -n":
		var lines []string
		for k, typ := range h.fcontexts {
			target, ft, _ := strings.Cut(k, "\t")
			lines = append(lines, fmt.Sprintf("%-40s %-18s system_u:object_r:%s:s0", target, seFtypes[ft], typ))
		}
		sort.Strings(lines)
		return ok(strings.Join(lines, "\n") + "\n")
	case len(w) > 3 && w[0] == "semanage" && w[1] == "fcontext":
		args := map[string]string{}
		op := ""
		for i := 2; i < len(w); i++ {
			switch w[i] {
			case "-a", "-m", "-d", "-N":
				if w[i] != "-N" {
					op = w[i]
				}
			case "--":
				args["target"] = w[i+1]
				i = len(w)
			default:
				args[w[i]] = w[i+1]
				i++
			}
		}
		key := args["target"] + "\t" + args["-f"]
		_, exists := h.fcontexts[key]
		switch {
		case op == "-a" && !exists, op == "-m" && exists:
			h.fcontexts[key] = args["-t"]
		case op == "-d" && exists:
			delete(h.fcontexts, key)
		default:
			return &conn.Result{ExitCode: 1, Stderr: []byte("ValueError: File context for " + args["target"] + " is not defined / already defined\n")}, nil
		}
		return ok("")
	}
	h.t.Fatalf("fake SELinux host: unexpected command %q", cmd.Command)
	return nil, nil
}

// TestSebooleanOnEnabledHost: check predicts running and stored values
// and changes neither; apply sets them; re-apply is ok; an unknown
// boolean fails.
func TestSebooleanOnEnabledHost(t *testing.T) {
	h := newSeEnabledHost(t)
	args := map[string]any{"name": "httpd_can_network_connect", "state": true, "persistent": true}
	res := sysRunModuleOn(t, h, "seboolean", args, true, nil)
	if !res.Changed || res.Failed || len(res.Diffs) != 1 || res.Diffs[0].BeforeState["value"] != "off" ||
		res.Diffs[0].AfterState["value"] != "on" || res.Diffs[0].AfterState["persistent_value"] != "on" {
		t.Fatalf("check: %+v", res)
	}
	if h.booleans["httpd_can_network_connect"] != [2]bool{false, false} {
		t.Fatalf("check mode set the boolean: %v", h.booleans)
	}
	if res := sysRunModuleOn(t, h, "seboolean", args, false, nil); !res.Changed || res.Failed {
		t.Fatalf("apply: %+v", res)
	}
	if h.booleans["httpd_can_network_connect"] != [2]bool{true, true} {
		t.Errorf("after apply (setsebool -P): %v", h.booleans)
	}
	if res := sysRunModuleOn(t, h, "seboolean", args, false, nil); res.Changed || res.Failed {
		t.Errorf("re-apply: %+v", res)
	}
	// Running value only: the stored one is left as it is.
	off := map[string]any{"name": "httpd_can_network_connect", "state": false}
	if res := sysRunModuleOn(t, h, "seboolean", off, false, nil); !res.Changed || res.Diffs[0].AfterState["persistent_value"] != nil {
		t.Errorf("non-persistent apply: %+v", res)
	}
	if h.booleans["httpd_can_network_connect"] != [2]bool{false, true} {
		t.Errorf("after setsebool without -P: %v", h.booleans)
	}
	res = sysRunModuleOn(t, h, "seboolean", map[string]any{"name": "httpd_no_such_bool", "state": true}, true, nil)
	if !res.Failed || !strings.Contains(res.Msg, "httpd_no_such_bool is not defined") {
		t.Errorf("unknown boolean: %+v", res)
	}
}

// TestSefcontextOnEnabledHost: add, re-apply, change the type, remove --
// each predicted in check mode with the rule left as it was.
func TestSefcontextOnEnabledHost(t *testing.T) {
	h := newSeEnabledHost(t)
	key := "/var/www/repos(/.*)?\ta"
	rule := func(setype, state string) map[string]any {
		return map[string]any{"target": "/var/www/repos(/.*)?", "setype": setype, "state": state}
	}
	steps := []struct {
		args          map[string]any
		before, after string // the rule's type ("" = no rule)
	}{
		{rule("httpd_sys_content_t", "present"), "", "httpd_sys_content_t"},
		{rule("httpd_sys_content_t", "present"), "httpd_sys_content_t", "httpd_sys_content_t"},
		{rule("public_content_t", "present"), "httpd_sys_content_t", "public_content_t"},
		{rule("public_content_t", "absent"), "public_content_t", ""},
		{rule("public_content_t", "absent"), "", ""},
	}
	for i, s := range steps {
		changes := s.before != s.after
		res := sysRunModuleOn(t, h, "sefcontext", s.args, true, nil)
		if res.Changed != changes || res.Failed {
			t.Fatalf("step %d check: %+v", i, res)
		}
		if changes && (res.Diffs[0].BeforeState["setype"] != nilIfEmpty(s.before) || res.Diffs[0].AfterState["setype"] != nilIfEmpty(s.after)) {
			t.Errorf("step %d check diff: %+v -> %+v", i, res.Diffs[0].BeforeState, res.Diffs[0].AfterState)
		}
		if h.fcontexts[key] != s.before {
			t.Fatalf("step %d: check mode changed the rule to %q", i, h.fcontexts[key])
		}
		res = sysRunModuleOn(t, h, "sefcontext", s.args, false, nil)
		if res.Changed != changes || res.Failed {
			t.Fatalf("step %d apply: %+v", i, res)
		}
		if h.fcontexts[key] != s.after {
			t.Errorf("step %d: rule is %q after apply, want %q", i, h.fcontexts[key], s.after)
		}
	}
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}
