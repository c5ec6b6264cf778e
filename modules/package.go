package modules

import (
	"context"
	"fmt"
	"strings"
)

func init() { Register(&packageModule{}) }

// packageModule installs packages with the host's own package manager,
// so one role serves Debian (apt) and CentOS (dnf) hosts.
type packageModule struct{}

func (*packageModule) Spec() *Spec {
	return &Spec{
		Name: "package",
		Doc:  "Manage packages with the host's package manager (apt or dnf)",
		Params: []Param{
			{Name: "name", Type: TypeList, Elem: TypeStr, Required: true, Aliases: []string{"pkg"}, Help: "packages to manage"},
			{Name: "state", Default: "present", Choices: []string{"present", "installed", "latest", "absent", "removed"}, Help: "the desired state"},
			{Name: "use", Default: "auto", Help: "the package manager module to use (auto: from facts)"},
		},
	}
}

// pkgDetect returns the host's package manager: the pkg_mgr fact, or one
// remote probe when facts were not gathered.
func pkgDetect(ctx context.Context, t *Task) (string, error) {
	if facts, ok := t.Vars["ansible_facts"].(map[string]any); ok {
		if s, ok := facts["pkg_mgr"].(string); ok && s != "" {
			return s, nil
		}
	}
	if s, ok := t.Vars["ansible_pkg_mgr"].(string); ok && s != "" {
		return s, nil
	}
	o, err := sysRun(ctx, t, "if command -v apt-get >/dev/null 2>&1; then echo apt; elif command -v dnf >/dev/null 2>&1; then echo dnf; elif command -v yum >/dev/null 2>&1; then echo yum; fi", nil, cEnv)
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(o.stdout), nil
}

func (*packageModule) Run(ctx context.Context, t *Task) (*Result, error) {
	mgr := Str(t.Args, "use")
	if mgr == "auto" || mgr == "" {
		var err error
		if mgr, err = pkgDetect(ctx, t); err != nil {
			return nil, err
		}
	}
	if mgr == "yum" || mgr == "dnf5" {
		mgr = "dnf" // one module serves the RPM family
	}
	if mgr == "" {
		return &Result{Failed: true, Msg: "could not detect the package manager of " + t.Host + " (no apt-get, dnf or yum)"}, nil
	}
	m, ok := Get(mgr)
	if !ok {
		return &Result{Failed: true, Msg: fmt.Sprintf("package manager %s not supported yet", mgr)}, nil
	}
	state := pkgState(t.Args)
	args, errs := Normalize(m.Spec(), map[string]any{"name": t.Args["name"], "state": state}, false)
	if len(errs) > 0 {
		return &Result{Failed: true, Msg: errs[0].Error()}, nil
	}
	sub := *t
	sub.Args = args
	return m.Run(ctx, &sub)
}

// pkgState is a package module's state with Ansible's aliases resolved
// (installed = present, removed = absent), shared by package, apt and dnf.
func pkgState(args map[string]any) string {
	switch s := Str(args, "state"); s {
	case "installed":
		return "present"
	case "removed":
		return "absent"
	default:
		return s
	}
}
