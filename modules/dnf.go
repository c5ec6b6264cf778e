package modules

import (
	"context"
	"fmt"
	"sort"
	"strings"
)

func init() { Register(&dnfModule{}) }

// dnfModule installs, upgrades and removes RPM packages with dnf. What
// would change is never guessed: check mode runs the same dnf command
// with --assumeno and reads dnf's own transaction table, so the
// prediction includes dependencies and exact versions.
type dnfModule struct{}

func (*dnfModule) Spec() *Spec {
	return &Spec{
		Name: "dnf",
		Doc:  "Install, upgrade and remove RPM packages with dnf",
		Params: []Param{
			{Name: "name", Type: TypeList, Elem: TypeStr, Aliases: []string{"pkg"}, Help: "package specs: name, name-version, name.arch, @group, a provide or a path"},
			{Name: "state", Default: "present", Choices: []string{"present", "installed", "latest", "absent", "removed"}, Help: "the desired state"},
			{Name: "enablerepo", Type: TypeList, Elem: TypeStr, Help: "repositories to enable for this task (globs allowed)"},
			{Name: "disablerepo", Type: TypeList, Elem: TypeStr, Help: "repositories to disable for this task (globs allowed)"},
			{Name: "update_cache", Type: TypeBool, Aliases: []string{"expire-cache"}, Help: "refresh the metadata first (--refresh)"},
			{Name: "disable_gpg_check", Type: TypeBool, Default: false, Help: "do not check package signatures (--nogpgcheck)"},
			{Name: "installroot", Type: TypePath, Default: "/", Help: "install into this root (a chroot, an image being built)"},
			{Name: "releasever", Help: "the $releasever to use (needed with an empty installroot)"},
			{Name: "conf_file", Type: TypePath, Help: "the dnf configuration file (-c)"},
			{Name: "disable_plugin", Type: TypeList, Elem: TypeStr, Help: "plugins to disable for this task"},
			{Name: "enable_plugin", Type: TypeList, Elem: TypeStr, Help: "plugins to enable for this task"},
			{Name: "exclude", Type: TypeList, Elem: TypeStr, Help: "packages never to install or upgrade"},
			{Name: "autoremove", Type: TypeBool, Default: false, Help: "with state absent, also remove dependencies nothing needs any more"},
			{Name: "allowerasing", Type: TypeBool, Default: false, Help: "allow removing installed packages to resolve conflicts"},
			{Name: "install_weak_deps", Type: TypeBool, Default: true, Help: "also install weak dependencies (Recommends)"},
			{Name: "lock_timeout", Type: TypeInt, Default: 30, Help: "accepted for compatibility; dnf waits for its own lock"},
		},
		RequiredOneOf: [][]string{{"name", "update_cache"}},
	}
}

// dnfOptions are the options shared by the prediction and the real run,
// so both resolve the same transaction.
func dnfOptions(args map[string]any) []string {
	var o []string
	if f := Str(args, "conf_file"); f != "" {
		o = append(o, "-c", f)
	}
	if r := Str(args, "installroot"); r != "" && r != "/" {
		o = append(o, "--installroot="+r)
	}
	if v := Str(args, "releasever"); v != "" {
		o = append(o, "--releasever="+v)
	}
	for _, r := range List(args, "disablerepo") {
		o = append(o, "--disablerepo="+r)
	}
	for _, r := range List(args, "enablerepo") {
		o = append(o, "--enablerepo="+r)
	}
	for _, p := range List(args, "disable_plugin") {
		o = append(o, "--disableplugin="+p)
	}
	for _, p := range List(args, "enable_plugin") {
		o = append(o, "--enableplugin="+p)
	}
	for _, x := range List(args, "exclude") {
		o = append(o, "--exclude="+x)
	}
	if Bool(args, "disable_gpg_check") {
		o = append(o, "--nogpgcheck")
	}
	if Bool(args, "allowerasing") {
		o = append(o, "--allowerasing")
	}
	if !Bool(args, "install_weak_deps") {
		o = append(o, "--setopt=install_weak_deps=False")
	}
	if Bool(args, "update_cache") {
		o = append(o, "--refresh")
	}
	return o
}

// dnfQueryRoot is rpm's --root for the task's installroot.
func dnfQueryRoot(args map[string]any) string {
	if r := Str(args, "installroot"); r != "" && r != "/" {
		return "--root " + sysQuote(r) + " "
	}
	return ""
}

func (*dnfModule) Run(ctx context.Context, t *Task) (*Result, error) {
	state := pkgState(t.Args)
	var specs []string
	for _, n := range List(t.Args, "name") {
		if n = strings.TrimSpace(n); n != "" {
			specs = append(specs, n)
		}
	}
	opts := dnfOptions(t.Args)
	res := &Result{Data: map[string]any{"results": []any{}, "installed": []any{}, "removed": []any{}, "upgraded": []any{}}}
	if len(specs) == 0 {
		// update_cache alone: the metadata is not the system's state.
		o, err := sysRun(ctx, t, "dnf "+sysQuoteAll(opts)+" makecache", nil, cEnv)
		if err != nil {
			return nil, err
		}
		if o.rc != 0 {
			return failf("dnf makecache failed: %s", o.text()), nil
		}
		res.Msg = "Cache updated"
		return res, nil
	}

	script, err := dnfScript(ctx, t, state, specs)
	if err != nil {
		return nil, err
	}
	sim, err := sysRun(ctx, t, "dnf "+sysQuoteAll(opts)+" --assumeno "+script, nil, cEnv)
	if err != nil {
		return nil, err
	}
	changes := dnfParseTable(sim.stdout)
	errs := dnfErrors(sim.stderr)
	if len(errs) > 0 || sim.rc != 0 && !(len(changes) > 0 && strings.Contains(sim.stdout+sim.stderr, "Operation aborted")) {
		msg := strings.Join(errs, "; ")
		if msg == "" {
			msg = sim.text()
		}
		return failf("dnf cannot %s %s: %s", dnfVerb(state), strings.Join(specs, ", "), msg), nil
	}
	if len(changes) == 0 {
		res.Msg = "Nothing to do"
		return res, nil
	}
	if err := dnfOldVersions(ctx, t, changes); err != nil {
		return nil, err
	}
	dnfReport(res, changes)
	if t.Check {
		return res, nil
	}
	o, err := sysRun(ctx, t, "dnf "+sysQuoteAll(opts)+" -y "+script, nil, cEnv)
	if err != nil {
		return nil, err
	}
	res.Data["stdout"], res.Data["stderr"] = o.stdout, o.stderr
	if o.rc != 0 {
		res.Failed = true
		res.Msg = fmt.Sprintf("dnf %s failed (rc %d): %s", dnfVerb(state), o.rc, o.text())
		return res, nil
	}
	// Report what dnf did, which is what it showed before going ahead.
	if done := dnfParseTable(o.stdout); len(done) > 0 {
		for i := range done {
			for _, c := range changes {
				if c.name == done[i].name && c.arch == done[i].arch {
					done[i].old = c.old
				}
			}
		}
		res.Diffs = nil
		dnfReport(res, done)
	}
	return res, nil
}

func dnfVerb(state string) string {
	return map[string]string{"present": "install", "latest": "install or upgrade", "absent": "remove"}[state]
}

// dnfScript is the dnf sub-command for the wanted state. latest must
// install what is missing and upgrade what is there in one transaction;
// plain dnf has no such command, so that case uses a dnf shell script
// ("install ...; upgrade ...; run"), fed on stdin.
func dnfScript(ctx context.Context, t *Task, state string, specs []string) (string, error) {
	switch state {
	case "absent":
		// dnf's own default removes unneeded dependencies too; Ansible
		// (and this module) do that only with autoremove.
		clean := "False"
		if Bool(t.Args, "autoremove") {
			clean = "True"
		}
		return "remove --setopt=clean_requirements_on_remove=" + clean + " " + sysQuoteAll(specs), nil
	case "present":
		return "install " + sysQuoteAll(specs), nil
	}
	missing, installed, err := dnfSplitInstalled(ctx, t, specs)
	if err != nil {
		return "", err
	}
	switch {
	case len(installed) == 0:
		return "install " + sysQuoteAll(missing), nil
	case len(missing) == 0:
		return "upgrade " + sysQuoteAll(installed), nil
	}
	body := "install " + sysQuoteAll(missing) + "\nupgrade " + sysQuoteAll(installed) + "\nrun\n"
	return "shell <<'PLAY_DNF_EOF'\n" + body + "PLAY_DNF_EOF", nil
}

// dnfSplitInstalled asks rpm which specs name installed packages. Groups,
// provides and paths go to the install side, where dnf resolves them.
func dnfSplitInstalled(ctx context.Context, t *Task, specs []string) (missing, installed []string, err error) {
	var b strings.Builder
	var plain []string
	for _, s := range specs {
		if strings.ContainsAny(s, "@/()") {
			missing = append(missing, s)
			continue
		}
		plain = append(plain, s)
		fmt.Fprintf(&b, "rpm -q %s--qf x -- %s >/dev/null 2>&1 && echo %s\n", dnfQueryRoot(t.Args), sysQuote(s), sysQuote("I\t"+s))
	}
	if len(plain) == 0 {
		return missing, nil, nil
	}
	o, err := sysRun(ctx, t, b.String(), nil, cEnv)
	if err != nil {
		return nil, nil, err
	}
	have := map[string]bool{}
	for _, line := range strings.Split(o.stdout, "\n") {
		if s, ok := strings.CutPrefix(line, "I\t"); ok {
			have[s] = true
		}
	}
	for _, s := range plain {
		if have[s] {
			installed = append(installed, s)
		} else {
			missing = append(missing, s)
		}
	}
	return missing, installed, nil
}

// dnfOldVersions fills the installed version of upgraded, downgraded and
// removed packages: the table shows only one version.
func dnfOldVersions(ctx context.Context, t *Task, changes []dnfChange) error {
	var names []string
	for _, c := range changes {
		if c.op != "install" {
			names = append(names, c.name)
		}
	}
	if len(names) == 0 {
		return nil
	}
	o, err := sysRun(ctx, t, "rpm -q "+dnfQueryRoot(t.Args)+`--qf '%{NAME}\t%{VERSION}-%{RELEASE}\n' -- `+sysQuoteAll(names), nil, cEnv)
	if err != nil {
		return err
	}
	have := dnfParseRPMQuery(o.stdout)
	for i := range changes {
		if v := have[changes[i].name]; len(v) > 0 && changes[i].op != "install" {
			changes[i].old = v[len(v)-1]
		}
	}
	return nil
}

// dnfReport fills changed, diffs, results and the package lists.
func dnfReport(res *Result, changes []dnfChange) {
	sort.SliceStable(changes, func(i, j int) bool { return changes[i].name < changes[j].name })
	var results, installed, removed, upgraded []any
	for _, c := range changes {
		full := c.name + "-" + c.version + "." + c.arch
		label := "package " + c.name
		switch c.op {
		case "install":
			results = append(results, "Installed: "+full)
			installed = append(installed, map[string]any{"name": c.name, "version": c.version, "arch": c.arch, "repo": c.repo})
			res.Diffs = append(res.Diffs, stateDiff(label, map[string]any{"state": "absent"}, map[string]any{"state": "present", "version": c.version}))
		case "remove":
			results = append(results, "Removed: "+full)
			removed = append(removed, map[string]any{"name": c.name, "version": c.version, "arch": c.arch})
			res.Diffs = append(res.Diffs, stateDiff(label, map[string]any{"state": "present", "version": c.version}, map[string]any{"state": "absent"}))
		default: // upgrade, downgrade, reinstall
			word := map[string]string{"upgrade": "Upgraded", "downgrade": "Downgraded", "reinstall": "Reinstalled"}[c.op]
			results = append(results, word+": "+full)
			upgraded = append(upgraded, map[string]any{"name": c.name, "version": c.version, "arch": c.arch, "from": c.old, "repo": c.repo})
			res.Diffs = append(res.Diffs, stateDiff(label, map[string]any{"state": "present", "version": c.old}, map[string]any{"state": "present", "version": c.version}))
		}
	}
	res.Changed = len(changes) > 0
	res.Data["results"] = nonNil(results)
	res.Data["installed"] = nonNil(installed)
	res.Data["removed"] = nonNil(removed)
	res.Data["upgraded"] = nonNil(upgraded)
	res.Msg = strings.Join(toStrings(results), "; ")
}

func nonNil(l []any) []any {
	if l == nil {
		return []any{}
	}
	return l
}

func toStrings(l []any) []string {
	out := make([]string, len(l))
	for i, v := range l {
		out[i] = fmt.Sprint(v)
	}
	return out
}

// dnfErrors returns dnf's "Error:" lines except the refusal --assumeno
// causes. dnf shell exits 0 even when a command in it failed, so these
// lines are the only sign of, say, a package that does not exist.
func dnfErrors(stderr string) []string {
	var errs []string
	for _, line := range strings.Split(stderr, "\n") {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "Error:") && !strings.Contains(line, "Operation aborted") {
			errs = append(errs, line)
		}
	}
	return errs
}
