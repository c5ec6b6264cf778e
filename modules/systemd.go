package modules

import "context"

func init() {
	Register(&systemdModule{name: "systemd"})
	Register(&systemdModule{name: "systemd_service"})
}

// systemdModule manages units with systemctl, including masking and
// daemon-reload, like Ansible's systemd_service module.
type systemdModule struct{ name string }

func (m *systemdModule) Spec() *Spec {
	return &Spec{
		Name: m.name,
		Doc:  "Manage systemd units: state, enabled, masked, daemon-reload",
		Params: []Param{
			{Name: "name", Aliases: []string{"service", "unit"}, Help: "the unit name"},
			{Name: "state", Choices: []string{"started", "stopped", "restarted", "reloaded"}, Help: "the desired state"},
			{Name: "enabled", Type: TypeBool, Help: "whether the unit starts at boot"},
			{Name: "masked", Type: TypeBool, Help: "whether the unit is masked"},
			{Name: "daemon_reload", Type: TypeBool, Default: false, Aliases: []string{"daemon-reload"}, Help: "run systemctl daemon-reload first"},
			{Name: "daemon_reexec", Type: TypeBool, Default: false, Aliases: []string{"daemon-reexec"}, Help: "run systemctl daemon-reexec first"},
			{Name: "scope", Default: "system", Choices: []string{"system"}, Help: "only system units are supported"},
			{Name: "no_block", Type: TypeBool, Default: false, Help: "do not wait for the job to finish"},
			{Name: "force", Type: TypeBool, Help: "accepted for compatibility"},
		},
		RequiredOneOf: [][]string{{"name", "daemon_reload", "daemon_reexec"}},
	}
}

// svcSystemdNoBlock adds --no-block to start/stop style actions.
type svcSystemdNoBlock struct{ svcSystemd }

func (b svcSystemdNoBlock) act(ctx context.Context, t *Task, svc, action string) error {
	switch action {
	case "start", "stop", "restart", "reload":
		action = "--no-block " + action
	}
	return b.svcSystemd.act(ctx, t, svc, action)
}

func (m *systemdModule) Run(ctx context.Context, t *Task) (*Result, error) {
	var b svcBackend = svcSystemd{}
	if Bool(t.Args, "no_block") {
		b = svcSystemdNoBlock{}
	}
	if Bool(t.Args, "daemon_reexec") && !t.Check {
		if err := b.act(ctx, t, "", "daemon-reexec"); err != nil {
			return &Result{Failed: true, Msg: err.Error()}, nil
		}
	}
	name := Str(t.Args, "name")
	return svcConverge(ctx, t, b, svcWant{
		name:         name,
		state:        Str(t.Args, "state"),
		enabled:      svcOptBool(t.Args, "enabled"),
		masked:       svcOptBool(t.Args, "masked"),
		daemonReload: Bool(t.Args, "daemon_reload"),
	})
}
