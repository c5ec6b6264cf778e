package modules

import (
	"context"
	"fmt"
	"strings"

	"github.com/playbook/play/engine/conn"
)

func init() { Register(&hostnameModule{}) }

// hostnameFile is the persistent hostname; tests point it elsewhere.
var hostnameFile = "/etc/hostname"

// hostnameModule sets the host name, now and across reboots.
type hostnameModule struct{}

func (*hostnameModule) Spec() *Spec {
	return &Spec{
		Name: "hostname",
		Doc:  "Set the host name (hostnamectl on systemd hosts, else /etc/hostname and hostname)",
		Params: []Param{
			{Name: "name", Required: true, Help: "the host name"},
			{Name: "use", Choices: []string{"systemd", "debian", "redhat", "generic", "file", "alpine", "openrc"},
				Help: "the strategy; default: systemd when hostnamectl works, else the file"},
		},
	}
}

func (*hostnameModule) Run(ctx context.Context, t *Task) (*Result, error) {
	name := strings.TrimSpace(Str(t.Args, "name"))
	if name == "" {
		return &Result{Failed: true, Msg: "hostname: name is empty"}, nil
	}
	o, err := sysRun(ctx, t, "hostname; echo @@file; cat "+sysQuote(hostnameFile)+" 2>/dev/null; echo @@ctl; "+
		"command -v hostnamectl >/dev/null 2>&1 && [ \"$(cat /proc/1/comm 2>/dev/null)\" = systemd ] && echo yes; exit 0", nil, cEnv)
	if err != nil {
		return nil, err
	}
	head, rest, _ := strings.Cut(o.stdout, "@@file")
	secs := sysSections("@@file" + rest)
	current := strings.TrimSpace(head)
	file := strings.TrimSpace(secs["file"])
	use := Str(t.Args, "use")
	if use == "" {
		use = "file"
		if strings.TrimSpace(secs["ctl"]) == "yes" {
			use = "systemd"
		}
	}
	short, _, _ := strings.Cut(name, ".")
	res := &Result{
		Data:  map[string]any{"name": name},
		Facts: map[string]any{"hostname": short, "nodename": name},
	}
	if current == name && file == name {
		return res, nil
	}
	res.Changed = true
	res.Diffs = []Diff{{Path: "hostname",
		BeforeState: map[string]any{"hostname": current, "persistent": file},
		AfterState:  map[string]any{"hostname": name, "persistent": name}}}
	if t.Check {
		return res, nil
	}
	if use == "systemd" {
		o, err := sysRun(ctx, t, "hostnamectl set-hostname "+sysQuote(name), nil, cEnv)
		if err != nil {
			return nil, err
		}
		if o.rc == 0 {
			return res, nil
		}
		res.Warnings = append(res.Warnings, "hostnamectl failed ("+strings.TrimSpace(o.text())+"); writing "+hostnameFile+" instead")
	}
	if err := t.Conn.WriteFile(ctx, hostnameFile, []byte(name+"\n"), conn.WriteOpts{Mode: 0o644, Become: t.Become}); err != nil {
		res.Failed, res.Msg = true, fmt.Sprintf("writing %s: %v", hostnameFile, err)
		return res, nil
	}
	o, err = sysRun(ctx, t, "hostname "+sysQuote(name), nil, cEnv)
	if err != nil {
		return nil, err
	}
	if o.rc != 0 {
		res.Failed, res.Msg = true, "hostname command failed: "+o.text()
	}
	return res, nil
}
