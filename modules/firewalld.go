package modules

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/playbook/play/engine/diag"
)

func init() { Register(&firewalldModule{}) }

// firewalldModule enables or disables one firewalld setting (a service,
// port, source, rich rule, interface or masquerading) in a zone, or
// creates/deletes a zone. It talks to the daemon with firewall-cmd when
// it runs and edits the permanent configuration with firewall-offline-cmd
// when it does not, so a host can be configured before its first boot.
type firewalldModule struct{}

// fwItems are the mutually exclusive things one task can manage, in the
// order they are looked for; the value is firewall-cmd's option suffix.
var fwItems = []struct{ param, option string }{
	{"service", "service"}, {"port", "port"}, {"source", "source"},
	{"rich_rule", "rich-rule"}, {"interface", "interface"}, {"masquerade", "masquerade"},
}

func (*firewalldModule) Spec() *Spec {
	return &Spec{
		Name: "firewalld",
		Doc:  "Manage firewalld services, ports, sources, rich rules, interfaces, masquerading and zones",
		Params: []Param{
			{Name: "service", Help: "a service name (firewall-cmd --get-services), e.g. mysql, http"},
			{Name: "port", Help: "PORT/PROTOCOL or FROM-TO/PROTOCOL, e.g. 4567/tcp, 161-162/udp"},
			{Name: "source", Help: "a source address or network, e.g. 10.77.0.0/24"},
			{Name: "rich_rule", Help: "a rich rule, e.g. 'rule family=ipv4 source address=10.77.0.0/24 service name=mysql accept'"},
			{Name: "interface", Help: "a network interface to bind to the zone (moved from its current zone)"},
			{Name: "masquerade", Type: TypeBool, Help: "true: manage masquerading of the zone (state enabled/disabled)"},
			{Name: "zone", Help: "the zone; default: the default zone. With state present/absent, the zone to create or delete"},
			{Name: "state", Required: true, Choices: []string{"enabled", "disabled", "present", "absent"},
				Help: "enabled/disabled for a setting; present/absent create or delete the zone itself"},
			{Name: "permanent", Type: TypeBool, Default: false, Help: "change the permanent configuration (survives reloads and reboots)"},
			{Name: "immediate", Type: TypeBool, Default: false, Help: "with permanent, also change the running configuration"},
			{Name: "offline", Type: TypeBool, Default: false, Help: "edit the permanent configuration with firewall-offline-cmd even if the daemon runs"},
			{Name: "timeout", Type: TypeInt, Default: 0, Help: "runtime only: seconds after which the setting is removed again"},
		},
		MutuallyExclusive: [][]string{{"service", "port", "source", "rich_rule", "interface", "masquerade"}},
	}
}

// fwTarget is what one task manages: option "service" with value "mysql",
// or option "zone" for the zone itself.
type fwTarget struct{ option, value string }

func (x fwTarget) label(zone string) string {
	if x.option == "zone" {
		return "firewalld zone " + zone
	}
	if x.option == "masquerade" {
		return "firewalld zone " + zone + ": masquerade"
	}
	return fmt.Sprintf("firewalld zone %s: %s %s", zone, x.option, x.value)
}

var fwPortRe = regexp.MustCompile(`^[0-9]+(-[0-9]+)?/(tcp|udp|sctp|dccp)$`)

func fwTargetFromArgs(args map[string]any, state string) (fwTarget, error) {
	zoneOp := state == "present" || state == "absent"
	for _, it := range fwItems {
		if !Has(args, it.param) {
			continue
		}
		if zoneOp {
			return fwTarget{}, fmt.Errorf("state %s creates or deletes a zone; use enabled/disabled for %s", state, it.param)
		}
		if it.param == "masquerade" {
			if !Bool(args, "masquerade") {
				return fwTarget{}, fmt.Errorf("use masquerade: true with state: disabled to turn masquerading off")
			}
			return fwTarget{option: "masquerade"}, nil
		}
		v := strings.TrimSpace(Str(args, it.param))
		if v == "" {
			return fwTarget{}, fmt.Errorf("%s must not be empty", it.param)
		}
		if it.param == "port" && !fwPortRe.MatchString(v) {
			return fwTarget{}, fmt.Errorf("port %q must be PORT/PROTOCOL or FROM-TO/PROTOCOL (tcp, udp, sctp, dccp), e.g. 4567/tcp", v)
		}
		return fwTarget{option: it.option, value: v}, nil
	}
	if zoneOp {
		if Str(args, "zone") == "" {
			return fwTarget{}, fmt.Errorf("state %s needs zone", state)
		}
		return fwTarget{option: "zone", value: Str(args, "zone")}, nil
	}
	return fwTarget{}, fmt.Errorf("one of service, port, source, rich_rule, interface, masquerade is required with state %s", state)
}

// fwScope is one configuration firewalld keeps: the running one, the
// permanent one through the daemon, or the permanent one on disk.
type fwScope struct {
	name string // "runtime" or "permanent"
	cmd  string // command prefix
}

var (
	fwRuntime   = fwScope{"runtime", "firewall-cmd"}
	fwPermanent = fwScope{"permanent", "firewall-cmd --permanent"}
	fwOffline   = fwScope{"permanent", "firewall-offline-cmd"}
)

// fwRun runs a firewall-cmd command; exit 0 and 1 are answers of --query-*.
func fwRun(ctx context.Context, t *Task, cmd string) (*sysOut, error) {
	return sysRun(ctx, t, cmd, nil, cEnv)
}

// fwQuery asks one scope whether the target is enabled.
func fwQuery(ctx context.Context, t *Task, sc fwScope, zone string, x fwTarget) (bool, error) {
	var cmd string
	if x.option == "zone" {
		cmd = sc.cmd + " --get-zones"
	} else {
		cmd = sc.cmd + " --zone=" + sysQuote(zone) + " --query-" + x.option
		if x.value != "" {
			cmd += "=" + sysQuote(x.value)
		}
	}
	o, err := fwRun(ctx, t, cmd)
	if err != nil {
		return false, err
	}
	if x.option == "zone" {
		if o.rc != 0 {
			return false, fmt.Errorf("%s: %s", cmd, o.text())
		}
		for _, z := range strings.Fields(o.stdout) {
			if z == x.value {
				return true, nil
			}
		}
		return false, nil
	}
	switch {
	case o.rc == 0:
		return true, nil
	case o.rc == 1 && strings.TrimSpace(o.stdout) == "no":
		return false, nil
	}
	return false, fmt.Errorf("%s: %s", cmd, o.text())
}

// fwChange enables or disables the target in one scope.
func fwChange(ctx context.Context, t *Task, sc fwScope, zone string, x fwTarget, enable bool, timeout int) error {
	var cmd string
	switch {
	case x.option == "zone" && enable:
		cmd = sc.cmd + " --new-zone=" + sysQuote(x.value)
	case x.option == "zone":
		cmd = sc.cmd + " --delete-zone=" + sysQuote(x.value)
	default:
		verb := "--remove-"
		if enable {
			verb = "--add-"
			// An interface belongs to one zone: change moves it from
			// wherever it is, where add would fail with ZONE_CONFLICT.
			if x.option == "interface" && sc != fwOffline {
				verb = "--change-"
			}
		}
		cmd = sc.cmd + " --zone=" + sysQuote(zone) + " " + verb + x.option
		if x.value != "" {
			cmd += "=" + sysQuote(x.value)
		}
		if enable && timeout > 0 && sc == fwRuntime {
			cmd += fmt.Sprintf(" --timeout=%d", timeout)
		}
	}
	o, err := fwRun(ctx, t, cmd)
	if err != nil {
		return err
	}
	if o.rc != 0 {
		return fmt.Errorf("%s failed: %s", cmd, o.text())
	}
	return nil
}

func fwWord(on bool, zoneOp bool) string {
	switch {
	case zoneOp && on:
		return "present"
	case zoneOp:
		return "absent"
	case on:
		return "enabled"
	}
	return "disabled"
}

func (*firewalldModule) Run(ctx context.Context, t *Task) (*Result, error) {
	state := Str(t.Args, "state")
	x, err := fwTargetFromArgs(t.Args, state)
	if err != nil {
		return failf("%v", err), nil
	}
	permanent, immediate, offline := Bool(t.Args, "permanent"), Bool(t.Args, "immediate"), Bool(t.Args, "offline")
	timeout := Int(t.Args, "timeout")
	zoneOp := x.option == "zone"
	want := state == "enabled" || state == "present"
	if zoneOp && !permanent && !offline {
		return failf("creating or deleting a zone needs permanent: true"), nil
	}
	if timeout > 0 && (permanent || offline) {
		return failf("timeout applies to the running configuration only; it cannot be combined with permanent or offline"), nil
	}

	o, err := fwRun(ctx, t, "command -v firewall-cmd >/dev/null 2>&1 && firewall-cmd --state; echo; command -v firewall-offline-cmd >/dev/null 2>&1 && echo @@offline-cmd")
	if err != nil {
		return nil, err
	}
	running := !offline && strings.HasPrefix(strings.TrimSpace(o.stdout), "running")
	hasOffline := strings.Contains(o.stdout, "@@offline-cmd")
	res := &Result{Data: map[string]any{"state": state, "daemon_running": running}}
	var scopes []fwScope
	switch {
	case running && zoneOp:
		scopes = []fwScope{fwPermanent} // the runtime learns zones by reload
	case running && permanent && immediate:
		scopes = []fwScope{fwPermanent, fwRuntime}
	case running && permanent:
		scopes = []fwScope{fwPermanent}
	case running:
		scopes = []fwScope{fwRuntime}
	case !hasOffline:
		return failf("firewalld is not running and firewall-offline-cmd is missing: is firewalld installed?"), nil
	case !permanent && !offline:
		return failf("firewalld is not running: only the permanent configuration can be changed (set permanent: true, or start firewalld)"), nil
	default:
		// immediate has nothing to act on: the permanent configuration is
		// what the daemon loads when it starts (daemon_running says so).
		scopes = []fwScope{fwOffline}
	}
	zone := Str(t.Args, "zone")
	if zone == "" {
		// A stand-alone option: firewall-cmd refuses it with --permanent.
		cmd := "firewall-cmd --get-default-zone"
		if !running {
			cmd = "firewall-offline-cmd --get-default-zone"
		}
		o, err := fwRun(ctx, t, cmd)
		if err != nil {
			return nil, err
		}
		if o.rc != 0 {
			return failf("cannot read the default zone: %s", o.text()), nil
		}
		zone = strings.TrimSpace(o.stdout)
	}
	res.Data["zone"] = zone
	if !zoneOp {
		res.Data[strings.ReplaceAll(x.option, "-", "_")] = x.value
	}

	if x.option == "service" && want {
		// An unknown service queries as "not enabled" and fails only when
		// added: check it now so check mode does not promise a change.
		o, err := fwRun(ctx, t, scopes[0].cmd+" --get-services")
		if err != nil {
			return nil, err
		}
		known := strings.Fields(o.stdout)
		if o.rc == 0 && !fwContains(known, x.value) {
			msg := fmt.Sprintf("firewalld has no service %q", x.value)
			if h := diag.DidYouMean(x.value, known); h != "" {
				msg += "; " + h
			}
			return failf("%s (firewall-cmd --get-services lists them; use port: for others)", msg), nil
		}
	}

	before, after := map[string]any{}, map[string]any{}
	var todo []fwScope
	for _, sc := range scopes {
		have, err := fwQuery(ctx, t, sc, zone, x)
		if err != nil {
			return failf("%v", err), nil
		}
		res.Data[sc.name] = fwWord(have, zoneOp)
		if have != want {
			before[sc.name], after[sc.name] = fwWord(have, zoneOp), fwWord(want, zoneOp)
			todo = append(todo, sc)
		}
	}
	if len(todo) == 0 {
		res.Msg = fmt.Sprintf("%s already %s", x.label(zone), fwWord(want, zoneOp))
		return res, nil
	}
	res.Changed = true
	res.Diffs = append(res.Diffs, stateDiff(x.label(zone), before, after))
	var names []string
	for _, sc := range todo {
		names = append(names, sc.name)
	}
	res.Msg = fmt.Sprintf("%s %s (%s)", x.label(zone), fwWord(want, zoneOp), strings.Join(names, ", "))
	// A zone created in the permanent configuration exists in the running
	// one only after a reload; nothing else here needs one, because each
	// scope is changed directly.
	reload := zoneOp && running && immediate
	if reload {
		res.Msg += "; firewalld reloaded"
	}
	if t.Check {
		return res, nil
	}
	for _, sc := range todo {
		if err := fwChange(ctx, t, sc, zone, x, want, timeout); err != nil {
			res.Failed, res.Msg = true, err.Error()
			return res, nil
		}
		res.Data[sc.name] = fwWord(want, zoneOp)
	}
	if reload {
		if err := fwReload(ctx, t); err != nil {
			res.Failed, res.Msg = true, err.Error()
		}
	}
	return res, nil
}

func fwReload(ctx context.Context, t *Task) error {
	o, err := fwRun(ctx, t, "firewall-cmd --reload")
	if err != nil {
		return err
	}
	if o.rc != 0 {
		return fmt.Errorf("firewall-cmd --reload failed: %s", o.text())
	}
	return nil
}

func fwContains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
