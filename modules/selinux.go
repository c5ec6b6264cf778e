package modules

import (
	"context"
	"fmt"
	"regexp"
	"strings"
)

func init() { Register(&selinuxModule{}) }

// selinuxModule sets the SELinux mode and policy: the config file (what
// the next boot uses) and, where SELinux runs, the current mode
// (setenforce). Changes across "disabled" need a reboot, which is
// reported, never done.
type selinuxModule struct{}

func (*selinuxModule) Spec() *Spec {
	return &Spec{
		Name: "selinux",
		Doc:  "Set the SELinux mode and policy (config file and running mode)",
		Params: []Param{
			{Name: "state", Required: true, Choices: []string{"enforcing", "permissive", "disabled"}, Help: "the SELinux mode"},
			{Name: "policy", Help: "the policy (targeted, mls, ...); default: the one in configfile, required when it names none and state is not disabled"},
			{Name: "configfile", Type: TypePath, Default: "/etc/selinux/config", Aliases: []string{"conf", "file"}, Help: "the SELinux config file"},
			{Name: "update_kernel_param", Type: TypeBool, Default: false, Help: "not supported: play does not edit the boot loader's kernel arguments"},
		},
	}
}

// seConfigSet returns content with KEY=value set: the last active
// assignment is replaced, later duplicates are dropped (the last one
// wins when the file is read), or the line is appended.
func seConfigSet(content, key, value string) string {
	re := regexp.MustCompile(`^\s*` + key + `\s*=`)
	lines := strings.Split(content, "\n")
	last := -1
	for i, l := range lines {
		if re.MatchString(l) {
			last = i
		}
	}
	want := key + "=" + value
	if last < 0 {
		if content != "" && !strings.HasSuffix(content, "\n") {
			content += "\n"
		}
		return content + want + "\n"
	}
	out := make([]string, 0, len(lines))
	for i, l := range lines {
		switch {
		case i == last:
			if strings.TrimSpace(l) == want {
				out = append(out, l)
			} else {
				out = append(out, want)
			}
		case re.MatchString(l):
			// an earlier assignment the last one overrides
		default:
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// seConfigGet reads the effective KEY= value of the config file.
func seConfigGet(content, key string) string {
	re := regexp.MustCompile(`^\s*` + key + `\s*=(.*)$`)
	v := ""
	for _, l := range strings.Split(content, "\n") {
		if m := re.FindStringSubmatch(l); m != nil {
			v = strings.Trim(strings.TrimSpace(m[1]), `"'`)
		}
	}
	return v
}

// sePlan is what the selinux module decides, independent of the host
// transport so every combination can be tested.
type sePlan struct {
	setenforce     string // "0" or "1" when the running mode changes now
	rebootRequired bool
	relabel        bool // touch /.autorelabel: the files were never labelled
	warnings       []string
}

// selinuxDecide compares the wanted state with the running one. Going to
// or from disabled cannot happen without a reboot; going to disabled
// switches to permissive now, the closest state available at run time.
func selinuxDecide(run *seStatus, confState, state, policy string) sePlan {
	var p sePlan
	switch {
	case !run.enabled && state != "disabled":
		p.rebootRequired = true
		if confState == "disabled" || confState == "" {
			p.relabel = true
		}
		if run.tools {
			p.warnings = append(p.warnings, fmt.Sprintf("SELinux is disabled in the running kernel: %s takes effect after a reboot", state))
		} else {
			p.warnings = append(p.warnings, fmt.Sprintf("SELinux is not available on this host (no selinuxfs, no SELinux tools): the config file says %s, which takes effect only on a kernel with SELinux, after a reboot", state))
		}
	case run.enabled && state == "disabled":
		p.rebootRequired = true
		if run.mode == "enforcing" {
			p.setenforce = "0"
		}
		p.warnings = append(p.warnings, "SELinux is running: it is set to permissive now and will be disabled after a reboot")
	case run.enabled && state != run.mode:
		p.setenforce = map[string]string{"enforcing": "1", "permissive": "0"}[state]
	}
	if run.enabled && state != "disabled" && policy != "" && run.policy != "" && policy != run.policy {
		p.rebootRequired = true
		p.warnings = append(p.warnings, fmt.Sprintf("the loaded policy is %s: %s is used after a reboot (a relabel may be needed)", run.policy, policy))
	}
	return p
}

func (*selinuxModule) Run(ctx context.Context, t *Task) (*Result, error) {
	state, policy, file := Str(t.Args, "state"), Str(t.Args, "policy"), Str(t.Args, "configfile")
	if Bool(t.Args, "update_kernel_param") {
		return failf("update_kernel_param is not supported: edit the kernel command line (grubby --update-kernel ALL --args selinux=0) separately"), nil
	}
	run, err := seProbe(ctx, t)
	if err != nil {
		return nil, err
	}
	before, exists, err := readRemote(ctx, t, file)
	if err != nil {
		return nil, err
	}
	confState := strings.ToLower(seConfigGet(string(before), "SELINUX"))
	confPolicy := seConfigGet(string(before), "SELINUXTYPE")
	if policy == "" {
		policy = confPolicy
	}
	if policy == "" && state != "disabled" {
		return failf("policy is required: %s names no SELINUXTYPE", file), nil
	}
	after := seConfigSet(string(before), "SELINUX", state)
	if policy != "" {
		after = seConfigSet(after, "SELINUXTYPE", policy)
	}
	plan := selinuxDecide(run, confState, state, policy)
	res := &Result{Warnings: plan.warnings, Data: map[string]any{
		"state": state, "policy": policy, "configfile": file, "reboot_required": plan.rebootRequired,
		"selinux_enabled": run.enabled, "running_mode": run.mode,
	}}
	var msgs []string
	if after != string(before) {
		msgs = append(msgs, fmt.Sprintf("config SELinux state changed from '%s' to '%s'", confState, state))
		if _, err := putFile(ctx, t, res, putSpec{Path: file, Data: []byte(after), Before: before, BeforeKnown: true, BeforeMissing: !exists}); err != nil {
			return failf("%v", err), nil
		}
	}
	if plan.setenforce != "" {
		to := map[string]string{"1": "enforcing", "0": "permissive"}[plan.setenforce]
		res.Changed = true
		res.Diffs = append(res.Diffs, stateDiff("selinux running mode", map[string]any{"mode": run.mode}, map[string]any{"mode": to}))
		msgs = append(msgs, fmt.Sprintf("running SELinux mode changed from '%s' to '%s'", run.mode, to))
	}
	// A config change from disabled means the files were never labelled;
	// the first boot with SELinux must relabel them or it denies everything.
	relabel := plan.relabel && after != string(before) && file == "/etc/selinux/config"
	if relabel {
		res.Diffs = append(res.Diffs, Diff{Path: "/.autorelabel", BeforeMissing: true})
		msgs = append(msgs, "/.autorelabel created for the next boot")
	}
	res.Msg = strings.Join(msgs, "; ")
	if t.Check {
		return res, nil
	}
	if plan.setenforce != "" {
		o, err := sysRun(ctx, t, "setenforce "+plan.setenforce, nil, cEnv)
		if err != nil {
			return nil, err
		}
		if o.rc != 0 {
			res.Failed, res.Msg = true, "setenforce "+plan.setenforce+" failed: "+o.text()
			return res, nil
		}
	}
	if relabel {
		if o, err := sysRun(ctx, t, "touch /.autorelabel", nil, cEnv); err != nil || o.rc != 0 {
			res.Warnings = append(res.Warnings, "could not create /.autorelabel; relabel with `fixfiles onboot` before rebooting")
		}
	}
	return res, nil
}
