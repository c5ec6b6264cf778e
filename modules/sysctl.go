package modules

import (
	"context"
	"fmt"
	"strings"
)

func init() { Register(&sysctlModule{}) }

// sysctlModule manages one kernel parameter: its line in a sysctl.d file
// and, optionally, its running value. The file is the boot-time truth, the
// runtime value what the kernel uses now; both are compared and diffed.
type sysctlModule struct{}

// sysctlDefaultFile is where settings go unless told otherwise. On Debian
// and RHEL it is a symlink to /etc/sysctl.conf (Ansible's default file),
// and the write goes through the link, so both defaults edit one file.
const sysctlDefaultFile = "/etc/sysctl.d/99-sysctl.conf"

func (*sysctlModule) Spec() *Spec {
	return &Spec{
		Name: "sysctl",
		Doc:  "Manage a kernel parameter in a sysctl.d file and, optionally, its running value",
		Params: []Param{
			{Name: "name", Required: true, Aliases: []string{"key"}, Help: "the key, dotted (net.core.somaxconn) or with slashes (net/core/somaxconn)"},
			{Name: "value", Aliases: []string{"val"}, Help: "the value; required with state=present. yes/no become 1/0; blanks are normalised when comparing"},
			{Name: "state", Default: "present", Choices: []string{"present", "absent"}, Help: "whether the key is set in sysctl_file"},
			{Name: "sysctl_file", Type: TypePath, Default: sysctlDefaultFile, Help: "the file to edit; created when missing"},
			{Name: "sysctl_set", Type: TypeBool, Default: false, Help: "also set the running value (sysctl -w) when it differs"},
			{Name: "reload", Type: TypeBool, Default: true, Help: "after changing the file, load it (sysctl -p FILE); this sets every key in the file"},
			{Name: "ignoreerrors", Type: TypeBool, Default: false, Help: "accept keys the kernel does not have (yet): warn instead of failing, and reload with sysctl -e"},
		},
	}
}

func (*sysctlModule) Run(ctx context.Context, t *Task) (*Result, error) {
	name := strings.TrimSpace(Str(t.Args, "name"))
	value := Str(t.Args, "value")
	present := Str(t.Args, "state") == "present"
	file := Str(t.Args, "sysctl_file")
	set, reload, ignore := Bool(t.Args, "sysctl_set"), Bool(t.Args, "reload"), Bool(t.Args, "ignoreerrors")
	switch {
	case name == "" || strings.ContainsAny(name, " \t\n=") || strings.HasPrefix(name, "-"):
		return failf("invalid sysctl name %q: a key looks like net.core.somaxconn", name), nil
	case present && !Has(t.Args, "value"):
		return failf("value is required with state=present"), nil
	case strings.ContainsAny(value, "\n\r"):
		return failf("the value of %s must be one line", name), nil
	case file == "":
		return failf("sysctl_file must not be empty"), nil
	}
	if present {
		// Store what the kernel will report: booleans as 1/0, one space
		// between fields, so the file reads like /proc and re-runs agree.
		value = sysctlValue(value)
	}
	key, procPath := sysctlKey(name)
	h, err := sysctlProbe(ctx, t, procPath, file)
	if err != nil {
		return nil, err
	}
	res := &Result{Data: map[string]any{"name": key, "sysctl_file": file, "state": Str(t.Args, "state")}}
	if present {
		res.Data["value"] = value
	}
	if h.isDir {
		return failf("%s is a group of kernel parameters (%s is a directory), not a single key", name, procPath), nil
	}
	if !h.exists && present {
		msg := fmt.Sprintf("the kernel has no parameter %s (no %s): misspelt, or provided by a module that is not loaded "+
			"(net.bridge.* needs br_netfilter, net.netfilter.* needs nf_conntrack)", key, procPath)
		if !ignore {
			return failf("%s; set ignoreerrors: true to write the file anyway", msg), nil
		}
		res.Warnings = append(res.Warnings, msg+"; only the file is managed")
	}
	if h.exists && h.readable {
		res.Data["runtime_value"] = h.runtime
	}

	before, exists, err := readRemote(ctx, t, h.real)
	if err != nil {
		return nil, err
	}
	found := sysctlFind(string(before), key)
	if len(found) > 0 {
		res.Data["file_value"] = found[len(found)-1].value
	}
	if present && len(found) > 1 {
		var nums []string
		for _, f := range found {
			nums = append(nums, fmt.Sprint(f.index+1))
		}
		res.Warnings = append(res.Warnings, fmt.Sprintf("%s is set %d times in %s (lines %s); sysctl uses the last one (%q); the extra lines are removed",
			key, len(found), file, strings.Join(nums, ", "), found[len(found)-1].value))
	}
	res.Warnings = append(res.Warnings, sysctlWarnings(h, key, file, value, present)...)

	after := sysctlEdit(string(before), key, name, value, present)
	fileChanged := after != string(before) && (exists || present)
	runtimeDiffers := present && h.exists && h.readable && h.runtime != value
	setNow := runtimeDiffers && set
	viaReload := runtimeDiffers && reload && fileChanged
	if h.exists && !h.writable && (setNow || (reload && fileChanged)) {
		// Refuse before writing anything: the apply would stop half way.
		return failf("%s cannot be set on this host: %s is read-only (a container without its own /proc/sys?); "+
			"use sysctl_set: false and reload: false to manage only the file", key, procPath), nil
	}
	if fileChanged {
		if _, err := putFile(ctx, t, res, putSpec{Path: h.real, Data: []byte(after), Before: before, BeforeKnown: true, BeforeMissing: !exists}); err != nil {
			return failf("%v", err), nil
		}
	}

	// The running value changes when asked to (sysctl_set) or as a side
	// effect of loading the changed file (reload).
	if setNow || viaReload {
		res.Changed = true
		res.Diffs = append(res.Diffs, stateDiff("sysctl "+key, map[string]any{"value": h.runtime}, map[string]any{"value": value}))
	}
	if t.Check {
		return res, nil
	}
	if reload && fileChanged {
		cmd := "sysctl -p -- " + sysQuote(h.real)
		if ignore {
			cmd = "sysctl -e -p -- " + sysQuote(h.real)
		}
		o, err := sysRun(ctx, t, cmd, nil, cEnv)
		if err != nil {
			return nil, err
		}
		if o.rc != 0 {
			return sysctlFail(res, "file written, but reloading it failed: %s: %s", cmd, o.text()), nil
		}
	}
	if setNow {
		o, err := sysRun(ctx, t, "sysctl -w -- "+sysQuote(key+"="+value), nil, cEnv)
		if err != nil {
			return nil, err
		}
		if o.rc != 0 {
			return sysctlFail(res, "setting %s=%s failed: %s", key, value, o.text()), nil
		}
	}
	if setNow || viaReload {
		// The kernel may clamp or refuse a value without an error
		// (somaxconn above its limit, an unknown qdisc): read it back.
		o, err := sysRun(ctx, t, "cat -- "+sysQuote(procPath), nil, cEnv)
		if err != nil {
			return nil, err
		}
		got := sysctlValue(o.stdout)
		res.Data["runtime_value"] = got
		if got != value {
			return sysctlFail(res, "set %s to %q but the kernel reports %q", key, value, got), nil
		}
	}
	return res, nil
}

// sysctlFail marks res failed, keeping what was already done (the diffs of
// a file that was written) so the report stays truthful.
func sysctlFail(res *Result, format string, args ...any) *Result {
	res.Failed = true
	res.Msg = fmt.Sprintf(format, args...)
	return res
}
