package modules

import (
	"context"
	"fmt"
	"strings"
)

// svcSystemd drives services through systemctl.
type svcSystemd struct{}

func (svcSystemd) name() string { return "systemd" }

func (svcSystemd) read(ctx context.Context, t *Task, svc string) (*svcState, error) {
	q := sysQuote(svc)
	// One round trip: the unit's properties, then is-enabled and its rc.
	o, err := sysRun(ctx, t, "systemctl show "+q+" --no-pager --property=LoadState,ActiveState,SubState,UnitFileState,MainPID,Description; "+
		"echo @@enabled; systemctl is-enabled "+q+" 2>/dev/null; echo rc=$?", nil, cEnv)
	if err != nil {
		return nil, err
	}
	if o.rc != 0 && !strings.Contains(o.stdout, "@@enabled") {
		return nil, fmt.Errorf("systemctl failed: %s", o.text())
	}
	props, rest, _ := strings.Cut(o.stdout, "@@enabled")
	kv := setupKV(props)
	status := map[string]any{}
	for k, v := range kv {
		status[k] = v
	}
	st := &svcState{status: status}
	if kv["LoadState"] == "" {
		st.problem = "systemctl could not report on " + svc + ": " + o.text()
		return st, nil
	}
	st.exists = kv["LoadState"] != "" && kv["LoadState"] != "not-found"
	st.masked = kv["LoadState"] == "masked" || kv["UnitFileState"] == "masked"
	st.running = kv["ActiveState"] == "active" || kv["ActiveState"] == "activating" || kv["ActiveState"] == "reloading"
	lines := strings.Fields(rest)
	rc := ""
	word := ""
	for _, l := range lines {
		if strings.HasPrefix(l, "rc=") {
			rc = strings.TrimPrefix(l, "rc=")
		} else if word == "" {
			word = l
		}
	}
	// As Ansible: rc 0 means enabled, except units only pulled in
	// indirectly or by an alias.
	st.enabled = rc == "0" && word != "indirect" && word != "alias"
	return st, nil
}

func (svcSystemd) act(ctx context.Context, t *Task, svc, action string) error {
	cmd := "systemctl " + action
	if svc != "" {
		cmd += " " + sysQuote(svc)
	}
	o, err := sysRun(ctx, t, cmd, nil, cEnv)
	if err != nil {
		return err
	}
	if o.rc != 0 {
		return fmt.Errorf("Unable to %s service %s: %s", action, svc, o.text())
	}
	return nil
}
