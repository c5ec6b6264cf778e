package modules

import "context"

func init() { Register(&serviceModule{}) }

// serviceModule manages a service through whatever init system the host
// runs (systemd or SysV init scripts), like Ansible's service module.
type serviceModule struct{}

func (*serviceModule) Spec() *Spec {
	return &Spec{
		Name: "service",
		Doc:  "Start, stop, restart, reload and enable services (systemd or SysV init)",
		Params: []Param{
			{Name: "name", Required: true, Help: "the service name"},
			{Name: "state", Choices: []string{"started", "stopped", "restarted", "reloaded"}, Help: "the desired state"},
			{Name: "enabled", Type: TypeBool, Help: "whether the service starts at boot"},
			{Name: "use", Default: "auto", Choices: []string{"auto", "systemd", "sysvinit", "service"}, Help: "the service manager; auto detects it"},
			{Name: "pattern", Help: "accepted for compatibility; status comes from the init system"},
			{Name: "sleep", Type: TypeInt, Help: "accepted for compatibility"},
			{Name: "arguments", Aliases: []string{"args"}, Help: "accepted for compatibility"},
			{Name: "runlevel", Help: "accepted for compatibility"},
		},
		RequiredOneOf: [][]string{{"state", "enabled"}},
	}
}

func (*serviceModule) Run(ctx context.Context, t *Task) (*Result, error) {
	mgr := Str(t.Args, "use")
	if mgr == "auto" || mgr == "" {
		var err error
		if mgr, err = svcDetect(ctx, t); err != nil {
			return nil, err
		}
	}
	return svcConverge(ctx, t, svcBackendFor(mgr), svcWant{
		name:    Str(t.Args, "name"),
		state:   Str(t.Args, "state"),
		enabled: svcOptBool(t.Args, "enabled"),
	})
}
