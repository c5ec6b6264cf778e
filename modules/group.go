package modules

import (
	"context"
	"fmt"
	"strconv"
	"strings"
)

func init() { Register(&groupModule{}) }

// groupModule manages local groups with groupadd/groupmod/groupdel.
type groupModule struct{}

func (*groupModule) Spec() *Spec {
	return &Spec{
		Name: "group",
		Doc:  "Manage local groups",
		Params: []Param{
			{Name: "name", Required: true, Help: "the group name"},
			{Name: "state", Default: "present", Choices: []string{"present", "absent"}, Help: "whether the group exists"},
			{Name: "gid", Type: TypeInt, Help: "the group id"},
			{Name: "system", Type: TypeBool, Default: false, Help: "create a system group"},
		},
	}
}

func (*groupModule) Run(ctx context.Context, t *Task) (*Result, error) {
	name := Str(t.Args, "name")
	o, err := sysRun(ctx, t, "getent group "+sysQuote(name)+"; exit 0", nil, cEnv)
	if err != nil {
		return nil, err
	}
	exists, gid := false, 0
	if f := strings.Split(strings.TrimSpace(o.stdout), ":"); len(f) >= 3 {
		exists = true
		gid, _ = strconv.Atoi(f[2])
	}
	state := Str(t.Args, "state")
	res := &Result{Data: map[string]any{"name": name, "state": state, "system": Bool(t.Args, "system")}}
	if exists {
		res.Data["gid"] = gid
	}
	label := "group " + name
	var cmd string
	switch {
	case state == "absent" && exists:
		res.Diffs = []Diff{{Path: label, BeforeState: map[string]any{"state": "present", "gid": gid}, AfterState: map[string]any{"state": "absent"}}}
		cmd = "groupdel -- " + sysQuote(name)
	case state == "present" && !exists:
		after := map[string]any{"state": "present"}
		var flags []string
		if Has(t.Args, "gid") {
			flags = append(flags, "-g", strconv.Itoa(Int(t.Args, "gid")))
			after["gid"] = Int(t.Args, "gid")
			res.Data["gid"] = Int(t.Args, "gid")
		}
		if Bool(t.Args, "system") {
			flags = append(flags, "-r")
		}
		res.Diffs = []Diff{{Path: label, BeforeState: map[string]any{"state": "absent"}, AfterState: after}}
		cmd = strings.TrimSpace("groupadd "+sysQuoteAll(flags)) + " -- " + sysQuote(name)
	case state == "present" && Has(t.Args, "gid") && Int(t.Args, "gid") != gid:
		res.Diffs = []Diff{{Path: label, BeforeState: map[string]any{"gid": gid}, AfterState: map[string]any{"gid": Int(t.Args, "gid")}}}
		cmd = "groupmod -g " + strconv.Itoa(Int(t.Args, "gid")) + " -- " + sysQuote(name)
		res.Data["gid"] = Int(t.Args, "gid")
	default:
		return res, nil
	}
	res.Changed = true
	if t.Check {
		return res, nil
	}
	o, err = sysRun(ctx, t, cmd, nil, cEnv)
	if err != nil {
		return nil, err
	}
	if o.rc != 0 {
		res.Failed = true
		res.Msg = fmt.Sprintf("%s failed (rc %d): %s", strings.Fields(cmd)[0], o.rc, o.text())
		return res, nil
	}
	if _, ok := res.Data["gid"]; !ok {
		if o, err := sysRun(ctx, t, "getent group "+sysQuote(name), nil, cEnv); err == nil {
			if f := strings.Split(strings.TrimSpace(o.stdout), ":"); len(f) >= 3 {
				res.Data["gid"], _ = strconv.Atoi(f[2])
			}
		}
	}
	return res, nil
}
