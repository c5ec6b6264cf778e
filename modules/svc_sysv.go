package modules

import (
	"context"
	"fmt"
	"strings"
)

// sysvRoot is where init.d and rcN.d live; tests point it at a temp
// directory so a real init script can be driven without touching /etc.
var sysvRoot = "/etc"

// svcSysV drives SysV init scripts (hosts without systemd as PID 1, such
// as the lab's namespaced hosts).
type svcSysV struct{ root string }

func (svcSysV) name() string { return "sysvinit" }

func (s svcSysV) script(svc string) string { return sysQuote(s.root + "/init.d/" + svc) }

func (s svcSysV) read(ctx context.Context, t *Task, svc string) (*svcState, error) {
	q := s.script(svc)
	var links []string
	for _, rl := range []string{"2", "3", "4", "5"} {
		links = append(links, sysQuote(s.root+"/rc"+rl+".d/")+"S[0-9][0-9]"+sysQuote(svc))
	}
	// LSB status: 0 running, 3 (or 1, 2, 4) not running.
	script := "if [ ! -e " + q + " ]; then echo missing; exit 0; fi; " + q + " status >/dev/null 2>&1; echo status=$?; " +
		"for f in " + strings.Join(links, " ") + `; do [ -e "$f" ] && echo enabled=yes; done; exit 0`
	o, err := sysRun(ctx, t, script, nil, cEnv)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(o.stdout) == "missing" {
		return &svcState{}, nil
	}
	kv := setupKV(o.stdout)
	return &svcState{
		exists:  true,
		running: kv["status"] == "0",
		enabled: kv["enabled"] == "yes",
		status:  map[string]any{"rc": kv["status"]},
	}, nil
}

func (s svcSysV) act(ctx context.Context, t *Task, svc, action string) error {
	var cmd string
	switch action {
	case "start", "stop", "restart", "reload":
		// Output goes to a temp file, not our pipe: a daemon that inherits
		// the script's stdout would otherwise hold the command open.
		cmd = `out=$(mktemp) || exit 1; ` + s.script(svc) + " " + action + ` </dev/null >"$out" 2>&1; rc=$?; cat "$out"; rm -f "$out"; exit $rc`
	case "enable", "disable":
		cmd = s.rcLinks(svc, action == "enable")
	case "daemon-reload":
		return nil
	default:
		return fmt.Errorf("%s is not supported for SysV init scripts", action)
	}
	o, err := sysRun(ctx, t, cmd, nil, nil)
	if err != nil {
		return err
	}
	if o.rc != 0 {
		return fmt.Errorf("Unable to %s service %s: %s", action, svc, o.text())
	}
	return nil
}

// rcLinks enables or disables boot start: update-rc.d or chkconfig when
// the host has them, else the S/K symlinks they would create.
func (s svcSysV) rcLinks(svc string, enable bool) string {
	q := sysQuote(svc)
	var manual []string
	for _, rl := range []string{"0", "1", "2", "3", "4", "5", "6"} {
		dir := sysQuote(s.root + "/rc" + rl + ".d")
		kind := "K01"
		if enable && rl != "0" && rl != "1" && rl != "6" {
			kind = "S01"
		}
		manual = append(manual, "mkdir -p "+dir+" && rm -f "+dir+"/[SK][0-9][0-9]"+q+" && ln -s ../init.d/"+q+" "+dir+"/"+kind+q)
	}
	tool := "update-rc.d " + q + " defaults >/dev/null && update-rc.d " + q + " enable"
	chk := "chkconfig " + q + " on"
	if !enable {
		tool = "update-rc.d " + q + " defaults >/dev/null && update-rc.d " + q + " disable"
		chk = "chkconfig " + q + " off"
	}
	if s.root != "/etc" {
		return strings.Join(manual, " && ")
	}
	return "if command -v update-rc.d >/dev/null 2>&1; then " + tool + "; elif command -v chkconfig >/dev/null 2>&1; then " + chk +
		"; else " + strings.Join(manual, " && ") + "; fi"
}
