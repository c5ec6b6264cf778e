package modules

import (
	"context"
	"strings"
)

// seStatus is the running SELinux state of a host, as the selinux,
// seboolean and sefcontext modules need it.
type seStatus struct {
	enabled bool   // a policy is loaded (selinuxenabled, /sys/fs/selinux)
	mode    string // enforcing, permissive or disabled (running)
	policy  string // loaded policy name, "" when disabled
	tools   bool   // getenforce/selinuxenabled are installed
}

// seProbe reads the running SELinux state in one round trip. A kernel
// without SELinux and one booted with it disabled look the same here:
// no selinuxfs, so nothing can change before a reboot.
func seProbe(ctx context.Context, t *Task) (*seStatus, error) {
	script := `command -v selinuxenabled >/dev/null 2>&1 && echo @@tools
if [ -r /sys/fs/selinux/enforce ]; then echo @@enforce; cat /sys/fs/selinux/enforce; fi
if command -v sestatus >/dev/null 2>&1; then echo @@sestatus; sestatus 2>/dev/null; fi`
	o, err := sysRun(ctx, t, script, nil, cEnv)
	if err != nil {
		return nil, err
	}
	secs := sysctlSections(o.stdout)
	return seParse(secs), nil
}

func seParse(secs map[string]string) *seStatus {
	s := &seStatus{mode: "disabled"}
	_, s.tools = secs["tools"]
	if e, ok := secs["enforce"]; ok {
		s.enabled = true
		s.mode = "permissive"
		if strings.TrimSpace(e) == "1" {
			s.mode = "enforcing"
		}
	}
	for _, line := range strings.Split(secs["sestatus"], "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		switch strings.TrimSpace(k) {
		case "Loaded policy name":
			s.policy = strings.TrimSpace(v)
		case "Current mode":
			if m := strings.TrimSpace(v); s.enabled && (m == "enforcing" || m == "permissive") {
				s.mode = m
			}
		}
	}
	return s
}

// seDisabledResult is the report of seboolean/sefcontext on a host where
// SELinux is not running: nothing to read or set, which is not a failure
// of the play (the same role serves Debian and CentOS hosts), so the task
// is skipped with the reason, unless the user asked to fail.
func seDisabledResult(what string) *Result {
	return &Result{Skipped: true,
		Msg:      "SELinux is disabled on this host: " + what + " cannot be read or set (set ignore_selinux_state: true to manage the persistent policy store anyway)",
		Data:     map[string]any{"selinux_enabled": false},
		Warnings: []string{"SELinux is disabled on this host; " + what + " was not managed"}}
}
