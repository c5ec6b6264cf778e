package modules

import (
	"context"
	"fmt"
	"path"
	"sort"
	"strconv"
	"strings"
)

func init() { Register(&aptModule{}) }

// aptModule manages Debian packages. The prediction comes from apt-get's
// own simulation (apt-get -s), so check mode reports exactly the packages
// (dependencies included) and versions that apply would install.
type aptModule struct{}

func (*aptModule) Spec() *Spec {
	return &Spec{
		Name: "apt",
		Doc:  "Install, upgrade and remove Debian packages with apt",
		Params: []Param{
			{Name: "name", Type: TypeList, Elem: TypeStr, Aliases: []string{"pkg", "package"}, Help: "packages, optionally name=version"},
			{Name: "state", Default: "present", Choices: []string{"present", "installed", "latest", "absent", "removed"}, Help: "the desired state"},
			{Name: "update_cache", Type: TypeBool, Default: false, Aliases: []string{"update-cache"}, Help: "run apt-get update first"},
			{Name: "cache_valid_time", Type: TypeInt, Default: 0, Help: "skip the cache update if it is younger than this many seconds"},
			{Name: "install_recommends", Type: TypeBool, Aliases: []string{"install-recommends"}, Help: "install recommended packages (default: apt's setting)"},
			{Name: "purge", Type: TypeBool, Default: false, Help: "remove configuration files too (state=absent)"},
			{Name: "autoremove", Type: TypeBool, Default: false, Help: "also remove dependencies no longer needed"},
			{Name: "default_release", Aliases: []string{"default-release"}, Help: "the release to install from (apt-get -t)"},
		},
		RequiredOneOf: [][]string{{"name", "update_cache"}},
	}
}

// aptEnv is the environment for every apt command: C locale to parse,
// no debconf questions.
var aptEnv = map[string]string{"LC_ALL": "C", "LANG": "C", "DEBIAN_FRONTEND": "noninteractive"}

// aptPkg is one requested package.
type aptPkg struct{ name, version string }

// aptInstalled is what dpkg knows about a package: "ii" installed, "rc"
// removed with configuration left.
type aptInstalled struct{ status, version string }

// aptChange is one line of apt-get's simulation.
type aptChange struct {
	op          string // Inst, Remv, Purg
	name        string
	old, newVer string
}

func (*aptModule) Run(ctx context.Context, t *Task) (*Result, error) {
	state := pkgState(t.Args)
	res := &Result{Data: map[string]any{"cache_updated": false}}
	if Bool(t.Args, "update_cache") {
		updated, err := aptUpdateCache(ctx, t, Int(t.Args, "cache_valid_time"))
		if err != nil {
			return &Result{Failed: true, Msg: err.Error()}, nil
		}
		res.Data["cache_updated"] = updated
		if !Has(t.Args, "name") || len(List(t.Args, "name")) == 0 {
			// A cache refresh alone is the task's change, as in Ansible.
			res.Changed = updated
			return res, nil
		}
	}
	var pkgs []aptPkg
	for _, n := range List(t.Args, "name") {
		n = strings.TrimSpace(n)
		if n == "" {
			continue
		}
		name, ver, _ := strings.Cut(n, "=")
		pkgs = append(pkgs, aptPkg{name: name, version: ver})
	}
	if len(pkgs) == 0 {
		return res, nil
	}
	have, err := aptQuery(ctx, t, pkgs)
	if err != nil {
		return nil, err
	}
	var targets []string
	for _, p := range pkgs {
		h, ok := have[p.name]
		// second letter of the abbreviated status: i = installed (ii, hi)
		installed := ok && len(h.status) >= 2 && h.status[1] == 'i'
		switch state {
		case "present":
			if !installed || (p.version != "" && !aptVersionMatch(p.version, h.version)) {
				targets = append(targets, aptTarget(p))
			}
		case "latest":
			targets = append(targets, aptTarget(p))
		case "absent":
			if installed || (ok && Bool(t.Args, "purge") && h.status != "") {
				targets = append(targets, p.name)
			}
		}
	}
	if len(targets) == 0 {
		return res, nil
	}
	action := "install"
	if state == "absent" {
		action = "remove"
		if Bool(t.Args, "purge") {
			action = "purge"
		}
	}
	opts := aptOptions(t.Args)
	sim, err := sysRun(ctx, t, "apt-get -s -q "+opts+action+" "+sysQuoteAll(targets), nil, aptEnv)
	if err != nil {
		return nil, err
	}
	if sim.rc != 0 {
		return &Result{Failed: true, Msg: "apt-get " + action + " would fail: " + sim.text(), Data: res.Data}, nil
	}
	changes := aptParseSim(sim.stdout)
	aptReport(res, changes)
	if t.Check || !res.Changed {
		return res, nil
	}
	cmd := "apt-get -y -q -o DPkg::Lock::Timeout=120 -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold " +
		opts + action + " " + sysQuoteAll(targets)
	o, err := sysRun(ctx, t, cmd, nil, aptEnv)
	if err != nil {
		return nil, err
	}
	res.Data["stdout"] = o.stdout
	res.Data["stderr"] = o.stderr
	if o.rc != 0 {
		res.Failed = true
		res.Msg = fmt.Sprintf("apt-get %s failed (rc %d): %s", action, o.rc, o.text())
	}
	return res, nil
}

func aptTarget(p aptPkg) string {
	if p.version != "" {
		return p.name + "=" + p.version
	}
	return p.name
}

// aptVersionMatch compares a requested version (which may end in a *
// wildcard, as apt accepts) with the installed one.
func aptVersionMatch(want, have string) bool {
	if strings.ContainsAny(want, "*?[") {
		ok, _ := path.Match(want, have)
		return ok
	}
	return want == have
}

// aptOptions builds the options shared by the simulation and the real run,
// so both compute the same transaction.
func aptOptions(args map[string]any) string {
	var o []string
	if Has(args, "install_recommends") {
		if Bool(args, "install_recommends") {
			o = append(o, "-o APT::Install-Recommends=yes")
		} else {
			o = append(o, "--no-install-recommends")
		}
	}
	if r := Str(args, "default_release"); r != "" {
		o = append(o, "-t "+sysQuote(r))
	}
	if Bool(args, "autoremove") {
		o = append(o, "--auto-remove")
	}
	if len(o) == 0 {
		return ""
	}
	return strings.Join(o, " ") + " "
}

// aptQuery reads the installed state of the packages with dpkg-query.
// Unknown packages are simply absent from the map (dpkg-query exits 1).
func aptQuery(ctx context.Context, t *Task, pkgs []aptPkg) (map[string]aptInstalled, error) {
	names := make([]string, len(pkgs))
	for i, p := range pkgs {
		names[i] = p.name
	}
	o, err := sysRun(ctx, t, `dpkg-query -W -f='${Package}\t${db:Status-Abbrev}\t${Version}\n' `+sysQuoteAll(names)+" 2>/dev/null", nil, aptEnv)
	if err != nil {
		return nil, err
	}
	out := map[string]aptInstalled{}
	for _, line := range strings.Split(o.stdout, "\n") {
		f := strings.Split(line, "\t")
		if len(f) != 3 {
			continue
		}
		out[f[0]] = aptInstalled{status: strings.TrimSpace(f[1]), version: f[2]}
	}
	return out, nil
}

// aptParseSim reads apt-get -s lines:
//
//	Inst sl (5.02-1+b1 Debian:12.11/stable [amd64])
//	Inst libc6 [2.36-9] (2.36-9+deb12u4 Debian:12.11/stable [amd64])
//	Remv sl [5.02-1+b1]
//	Purg sl [5.02-1+b1]
func aptParseSim(out string) []aptChange {
	var ch []aptChange
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) < 2 || (f[0] != "Inst" && f[0] != "Remv" && f[0] != "Purg") {
			continue
		}
		c := aptChange{op: f[0], name: f[1]}
		for _, w := range f[2:] {
			switch {
			case strings.HasPrefix(w, "[") && c.old == "" && c.newVer == "":
				c.old = strings.Trim(w, "[]")
			case strings.HasPrefix(w, "(") && c.newVer == "":
				c.newVer = strings.TrimPrefix(w, "(")
			}
		}
		ch = append(ch, c)
	}
	return ch
}

// aptReport fills changed, diffs and the installed/removed lists.
func aptReport(res *Result, changes []aptChange) {
	installed, removed := []any{}, []any{}
	sort.SliceStable(changes, func(i, j int) bool { return changes[i].name < changes[j].name })
	for _, c := range changes {
		before := map[string]any{"state": "absent"}
		if c.old != "" {
			before = map[string]any{"state": "present", "version": c.old}
		}
		var after map[string]any
		if c.op == "Inst" {
			after = map[string]any{"state": "present", "version": c.newVer}
			installed = append(installed, map[string]any{"name": c.name, "version": c.newVer})
		} else {
			after = map[string]any{"state": "absent"}
			if c.op == "Purg" {
				after["state"] = "purged"
			}
			removed = append(removed, map[string]any{"name": c.name, "version": c.old})
		}
		res.Diffs = append(res.Diffs, Diff{Path: "package " + c.name, BeforeState: before, AfterState: after})
	}
	res.Changed = len(changes) > 0
	res.Data["installed"] = installed
	res.Data["removed"] = removed
}

// aptUpdateCache runs apt-get update unless the cache is younger than
// validFor seconds. In check mode it only reports whether it would.
func aptUpdateCache(ctx context.Context, t *Task, validFor int) (bool, error) {
	if validFor > 0 {
		o, err := sysRun(ctx, t, "date +%s; stat -c %Y /var/lib/apt/periodic/update-success-stamp 2>/dev/null || stat -c %Y /var/lib/apt/lists", nil, aptEnv)
		if err != nil {
			return false, err
		}
		f := strings.Fields(o.stdout)
		if len(f) == 2 {
			now, _ := strconv.ParseInt(f[0], 10, 64)
			mtime, _ := strconv.ParseInt(f[1], 10, 64)
			if now-mtime < int64(validFor) {
				return false, nil
			}
		}
	}
	if t.Check {
		return true, nil
	}
	o, err := sysRun(ctx, t, "apt-get update -q -o DPkg::Lock::Timeout=120", nil, aptEnv)
	if err != nil {
		return false, err
	}
	if o.rc != 0 {
		return false, fmt.Errorf("apt-get update failed: %s", o.text())
	}
	return true, nil
}
