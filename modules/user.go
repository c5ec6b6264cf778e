package modules

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

func init() { Register(&userModule{}) }

// userModule manages local user accounts with useradd/usermod/userdel.
type userModule struct{}

func (*userModule) Spec() *Spec {
	return &Spec{
		Name: "user",
		Doc:  "Manage local user accounts",
		Params: []Param{
			{Name: "name", Required: true, Aliases: []string{"user"}, Help: "the user name"},
			{Name: "state", Default: "present", Choices: []string{"present", "absent"}, Help: "whether the user exists"},
			{Name: "uid", Type: TypeInt, Help: "the user id"},
			{Name: "group", Help: "the primary group (name or gid)"},
			{Name: "groups", Type: TypeList, Elem: TypeStr, Help: "supplementary groups; an empty list removes all"},
			{Name: "append", Type: TypeBool, Default: false, Help: "add to groups instead of setting them exactly"},
			{Name: "shell", Type: TypePath, Help: "the login shell"},
			{Name: "home", Type: TypePath, Help: "the home directory"},
			{Name: "create_home", Type: TypeBool, Default: true, Aliases: []string{"createhome"}, Help: "create the home directory for a new user"},
			{Name: "move_home", Type: TypeBool, Default: false, Help: "move the old home's content when home changes"},
			{Name: "system", Type: TypeBool, Default: false, Help: "create a system account"},
			{Name: "password", Secret: true, Help: "the password as a crypt hash (as in /etc/shadow)"},
			{Name: "update_password", Default: "always", Choices: []string{"always", "on_create"}, Help: "when to set the password"},
			{Name: "comment", Help: "the GECOS field"},
			{Name: "remove", Type: TypeBool, Default: false, Help: "with state=absent, remove the home directory too"},
			{Name: "force", Type: TypeBool, Default: false, Help: "with state=absent, remove the user even if logged in"},
		},
	}
}

// userInfo is what the host knows about an account.
type userInfo struct {
	exists              bool
	uid, gid            int
	comment, home, shel string
	primary             string
	groups              []string // supplementary, without the primary group
	hash                string
	knownGroups         map[string]bool
}

func userRead(ctx context.Context, t *Task, name string, groups []string) (*userInfo, error) {
	q := sysQuote(name)
	script := "echo @@passwd; getent passwd " + q + "; echo @@groups; id -Gn " + q + " 2>/dev/null; echo @@primary; id -gn " + q +
		" 2>/dev/null; echo @@shadow; getent shadow " + q + " 2>/dev/null | cut -d: -f2; echo @@known"
	if len(groups) > 0 {
		script += "; for g in " + sysQuoteAll(groups) + `; do getent group "$g" >/dev/null 2>&1 && echo "$g"; done`
	}
	script += "; exit 0"
	o, err := sysRun(ctx, t, script, nil, cEnv)
	if err != nil {
		return nil, err
	}
	s := sysSections(o.stdout)
	u := &userInfo{knownGroups: map[string]bool{}}
	for _, g := range strings.Fields(s["known"]) {
		u.knownGroups[g] = true
	}
	pw := strings.Split(strings.TrimSpace(s["passwd"]), ":")
	if len(pw) < 7 {
		return u, nil
	}
	u.exists = true
	u.uid, _ = strconv.Atoi(pw[2])
	u.gid, _ = strconv.Atoi(pw[3])
	u.comment, u.home, u.shel = pw[4], pw[5], pw[6]
	u.primary = strings.TrimSpace(s["primary"])
	for _, g := range strings.Fields(s["groups"]) {
		if g != u.primary {
			u.groups = append(u.groups, g)
		}
	}
	sort.Strings(u.groups)
	u.hash = strings.TrimSpace(s["shadow"])
	return u, nil
}

func (*userModule) Run(ctx context.Context, t *Task) (*Result, error) {
	a := t.Args
	name := Str(a, "name")
	wantGroups := []string{}
	for _, g := range List(a, "groups") {
		if g = strings.TrimSpace(g); g != "" {
			wantGroups = append(wantGroups, g)
		}
	}
	probe := append([]string{}, wantGroups...)
	if Has(a, "group") {
		probe = append(probe, Str(a, "group"))
	} else {
		probe = append(probe, name) // does a group named like the user exist?
	}
	u, err := userRead(ctx, t, name, probe)
	if err != nil {
		return nil, err
	}
	res := &Result{Data: map[string]any{"name": name, "state": Str(a, "state")}}
	label := "user " + name

	if Str(a, "state") == "absent" {
		if !u.exists {
			return res, nil
		}
		res.Changed = true
		res.Diffs = []Diff{{Path: label, BeforeState: map[string]any{"state": "present", "uid": u.uid, "home": u.home},
			AfterState: map[string]any{"state": "absent"}}}
		if t.Check {
			return res, nil
		}
		cmd := "userdel "
		if Bool(a, "remove") {
			cmd += "-r "
		}
		if Bool(a, "force") {
			cmd += "-f "
		}
		return userExec(ctx, t, res, cmd+"-- "+sysQuote(name), nil)
	}

	for _, g := range probe[:len(wantGroups)] {
		if !u.knownGroups[g] {
			return &Result{Failed: true, Msg: fmt.Sprintf("Group %s does not exist", g), Data: res.Data}, nil
		}
	}
	if Has(a, "group") && !u.knownGroups[Str(a, "group")] {
		return &Result{Failed: true, Msg: fmt.Sprintf("Group %s does not exist", Str(a, "group")), Data: res.Data}, nil
	}

	before, after := map[string]any{}, map[string]any{}
	var flags []string
	setPassword := false
	if Has(a, "password") {
		if p := Str(a, "password"); !strings.HasPrefix(p, "$") && p != "!" && p != "*" && !strings.HasPrefix(p, "!") {
			res.Warnings = append(res.Warnings, "the password of user "+name+" does not look like a crypt hash; it is stored as given")
		}
	}

	if !u.exists {
		before["state"], after["state"] = "absent", "present"
		if Has(a, "uid") {
			flags = append(flags, "-u", strconv.Itoa(Int(a, "uid")))
			after["uid"] = Int(a, "uid")
		}
		if Has(a, "group") {
			flags = append(flags, "-g", Str(a, "group"))
			after["group"] = Str(a, "group")
		} else if u.knownGroups[name] {
			// useradd refuses to create a user group that already exists.
			flags = append(flags, "-g", name)
		}
		if len(wantGroups) > 0 {
			flags = append(flags, "-G", strings.Join(wantGroups, ","))
			after["groups"] = strings.Join(wantGroups, ",")
		}
		for _, p := range [][2]string{{"shell", "-s"}, {"home", "-d"}, {"comment", "-c"}} {
			if Has(a, p[0]) {
				flags = append(flags, p[1], Str(a, p[0]))
				after[p[0]] = Str(a, p[0])
			}
		}
		if Bool(a, "create_home") {
			flags = append(flags, "-m")
		} else {
			flags = append(flags, "-M")
		}
		if Bool(a, "system") {
			flags = append(flags, "-r")
		}
		setPassword = Has(a, "password")
		res.Changed = true
		res.Diffs = []Diff{{Path: label, BeforeState: before, AfterState: after}}
		userData(res, a, nil)
		if t.Check {
			return res, nil
		}
		return userExec(ctx, t, res, "useradd "+sysQuoteAll(flags)+" -- "+sysQuote(name), userPasswd(a, name, setPassword))
	}

	if Has(a, "uid") && Int(a, "uid") != u.uid {
		before["uid"], after["uid"] = u.uid, Int(a, "uid")
		flags = append(flags, "-u", strconv.Itoa(Int(a, "uid")))
	}
	if g := Str(a, "group"); Has(a, "group") && g != u.primary && g != strconv.Itoa(u.gid) {
		before["group"], after["group"] = u.primary, g
		flags = append(flags, "-g", g)
	}
	if Has(a, "groups") {
		have := map[string]bool{}
		for _, g := range u.groups {
			have[g] = true
		}
		target := map[string]bool{}
		if Bool(a, "append") {
			for g := range have {
				target[g] = true
			}
		}
		for _, g := range wantGroups {
			if g != u.primary {
				target[g] = true
			}
		}
		var list []string
		for g := range target {
			list = append(list, g)
		}
		sort.Strings(list)
		if strings.Join(list, ",") != strings.Join(u.groups, ",") {
			before["groups"], after["groups"] = strings.Join(u.groups, ","), strings.Join(list, ",")
			flags = append(flags, "-G", strings.Join(list, ","))
		}
	}
	cur := map[string]string{"shell": u.shel, "home": u.home, "comment": u.comment}
	for _, p := range [][2]string{{"shell", "-s"}, {"home", "-d"}, {"comment", "-c"}} {
		if Has(a, p[0]) && Str(a, p[0]) != cur[p[0]] {
			before[p[0]], after[p[0]] = cur[p[0]], Str(a, p[0])
			flags = append(flags, p[1], Str(a, p[0]))
			if p[0] == "home" && Bool(a, "move_home") {
				flags = append(flags, "-m")
			}
		}
	}
	if Has(a, "password") && Str(a, "update_password") == "always" && Str(a, "password") != u.hash {
		before["password"], after["password"] = "********", "******** (changed)"
		setPassword = true
	}
	userData(res, a, u)
	if len(before) == 0 {
		return res, nil
	}
	res.Changed = true
	res.Diffs = []Diff{{Path: label, BeforeState: before, AfterState: after}}
	if t.Check {
		return res, nil
	}
	cmd := "true"
	if len(flags) > 0 {
		cmd = "usermod " + sysQuoteAll(flags) + " -- " + sysQuote(name)
	}
	return userExec(ctx, t, res, cmd, userPasswd(a, name, setPassword))
}

// userPasswd returns the chpasswd input that sets the hash: it travels on
// stdin so it never shows in a process list or a log.
func userPasswd(a map[string]any, name string, set bool) *string {
	if !set {
		return nil
	}
	s := name + ":" + Str(a, "password") + "\n"
	return &s
}

// userExec runs the change, then sets the password if needed.
func userExec(ctx context.Context, t *Task, res *Result, cmd string, passwd *string) (*Result, error) {
	o, err := sysRun(ctx, t, cmd, nil, cEnv)
	if err != nil {
		return nil, err
	}
	if o.rc != 0 {
		res.Failed = true
		res.Msg = fmt.Sprintf("%s failed (rc %d): %s", strings.Fields(cmd)[0], o.rc, o.text())
		return res, nil
	}
	if passwd != nil {
		o, err := sysRun(ctx, t, "chpasswd -e", strings.NewReader(*passwd), cEnv)
		if err != nil {
			return nil, err
		}
		if o.rc != 0 {
			res.Failed = true
			res.Msg = "chpasswd failed: " + o.text()
			return res, nil
		}
	}
	return res, nil
}

// userData fills Ansible's return values from the account as it is (or
// will be, for the params given).
func userData(res *Result, a map[string]any, u *userInfo) {
	d := res.Data
	if u != nil {
		d["uid"], d["group"], d["home"], d["shell"], d["comment"] = u.uid, u.gid, u.home, u.shel, u.comment
	}
	for _, k := range []string{"home", "shell", "comment"} {
		if Has(a, k) {
			d[k] = Str(a, k)
		}
	}
	if Has(a, "uid") {
		d["uid"] = Int(a, "uid")
	}
	if Has(a, "groups") {
		d["groups"] = strings.Join(List(a, "groups"), ",")
	}
	d["system"] = Bool(a, "system")
	d["create_home"] = Bool(a, "create_home")
	d["append"] = Bool(a, "append")
}
