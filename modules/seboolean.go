package modules

import (
	"context"
	"fmt"
	"strings"
)

func init() { Register(&sebooleanModule{}) }

// sebooleanModule toggles an SELinux boolean, now (setsebool) and, with
// persistent, in the policy store (setsebool -P).
type sebooleanModule struct{}

func (*sebooleanModule) Spec() *Spec {
	return &Spec{
		Name: "seboolean",
		Doc:  "Toggle SELinux booleans",
		Params: []Param{
			{Name: "name", Required: true, Help: "the boolean (httpd_can_network_connect)"},
			{Name: "state", Type: TypeBool, Required: true, Help: "on (true) or off (false)"},
			{Name: "persistent", Type: TypeBool, Default: false, Help: "also store the value in the policy so it survives a reboot (setsebool -P)"},
			{Name: "ignore_selinux_state", Type: TypeBool, Default: false, Help: "try even when SELinux is disabled (the policy store may still be managed)"},
		},
	}
}

// seboolParseGet reads `getsebool NAME`: "httpd_can_network_connect --> off".
func seboolParseGet(out string) (bool, bool) {
	_, v, ok := strings.Cut(strings.TrimSpace(out), "-->")
	if !ok {
		return false, false
	}
	switch strings.TrimSpace(v) {
	case "on":
		return true, true
	case "off":
		return false, true
	}
	return false, false
}

// seboolParseSemanage finds the persistent (policy) value of a boolean in
// `semanage boolean -l -n`: "httpd_can_network_connect (off  ,  off)  Allow ...",
// where the pair is (current, persistent default).
func seboolParseSemanage(out, name string) (bool, bool) {
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) == 0 || f[0] != name {
			continue
		}
		open, close := strings.IndexByte(line, '('), strings.IndexByte(line, ')')
		if open < 0 || close < open {
			return false, false
		}
		_, def, ok := strings.Cut(line[open+1:close], ",")
		if !ok {
			return false, false
		}
		return strings.TrimSpace(def) == "on", true
	}
	return false, false
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

func (*sebooleanModule) Run(ctx context.Context, t *Task) (*Result, error) {
	name, want, persistent := Str(t.Args, "name"), Bool(t.Args, "state"), Bool(t.Args, "persistent")
	if strings.ContainsAny(name, " \t\n=") || name == "" {
		return failf("invalid SELinux boolean name %q", name), nil
	}
	run, err := seProbe(ctx, t)
	if err != nil {
		return nil, err
	}
	if !run.enabled && !Bool(t.Args, "ignore_selinux_state") {
		return seDisabledResult("boolean " + name), nil
	}
	o, err := sysRun(ctx, t, "getsebool -- "+sysQuote(name), nil, cEnv)
	if err != nil {
		return nil, err
	}
	cur, ok := seboolParseGet(o.stdout)
	if o.rc != 0 || !ok {
		return failf("SELinux boolean %s is not defined (getsebool: %s)", name, o.text()), nil
	}
	res := &Result{Data: map[string]any{"name": name, "state": want, "persistent": persistent}}
	before, after := map[string]any{}, map[string]any{}
	if cur != want {
		before["value"], after["value"] = onOff(cur), onOff(want)
	}
	if persistent {
		o, err := sysRun(ctx, t, "semanage boolean -l -n", nil, cEnv)
		if err != nil {
			return nil, err
		}
		stored, ok := seboolParseSemanage(o.stdout, name)
		if o.rc != 0 || !ok {
			return failf("cannot read the stored value of %s (semanage boolean -l: %s)", name, o.text()), nil
		}
		if stored != want {
			before["persistent_value"], after["persistent_value"] = onOff(stored), onOff(want)
		}
	}
	if len(before) == 0 {
		return res, nil
	}
	res.Changed = true
	res.Diffs = append(res.Diffs, stateDiff("seboolean "+name, before, after))
	res.Msg = fmt.Sprintf("boolean %s set to %s", name, onOff(want))
	if t.Check {
		return res, nil
	}
	cmd := "setsebool "
	if persistent {
		cmd += "-P "
	}
	o, err = sysRun(ctx, t, cmd+sysQuote(name)+" "+onOff(want), nil, cEnv)
	if err != nil {
		return nil, err
	}
	if o.rc != 0 {
		res.Failed, res.Msg = true, "setsebool failed: "+o.text()
	}
	return res, nil
}
