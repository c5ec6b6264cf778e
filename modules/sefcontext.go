package modules

import (
	"context"
	"fmt"
	"strings"
)

func init() { Register(&sefcontextModule{}) }

// sefcontextModule manages a local file-context rule (semanage fcontext):
// which SELinux type files matching a path regex get when labelled.
// Existing files keep their label until restorecon relabels them.
type sefcontextModule struct{}

// seFtypes maps Ansible's ftype letters to semanage's listing words.
var seFtypes = map[string]string{
	"a": "all files", "b": "block device", "c": "character device", "d": "directory",
	"f": "regular file", "l": "symbolic link", "p": "named pipe", "s": "socket",
}

func (*sefcontextModule) Spec() *Spec {
	return &Spec{
		Name: "sefcontext",
		Doc:  "Manage SELinux file context rules (semanage fcontext)",
		Params: []Param{
			{Name: "target", Required: true, Aliases: []string{"path"}, Help: "path regular expression, e.g. '/var/www/repos(/.*)?'"},
			{Name: "ftype", Default: "a", Choices: []string{"a", "b", "c", "d", "f", "l", "p", "s"}, Help: "file type the rule applies to (a = all)"},
			{Name: "setype", Required: true, Help: "SELinux type, e.g. httpd_sys_content_t"},
			{Name: "seuser", Help: "SELinux user (default: the policy's, system_u)"},
			{Name: "selevel", Aliases: []string{"serange"}, Help: "MLS/MCS level (s0)"},
			{Name: "state", Default: "present", Choices: []string{"present", "absent"}},
			{Name: "reload", Type: TypeBool, Default: true, Help: "reload the policy after the change (semanage without -N)"},
			{Name: "ignore_selinux_state", Type: TypeBool, Default: false, Help: "try even when SELinux is disabled"},
		},
	}
}

// seFcontext is one local rule from `semanage fcontext -l -C -n`.
type seFcontext struct {
	target, ftype           string // ftype as a letter
	seuser, setype, selevel string
}

// seParseFcontexts reads local rules: "/srv/www(/.*)?   all files   system_u:object_r:httpd_sys_content_t:s0".
func seParseFcontexts(out string) []seFcontext {
	var rules []seFcontext
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) < 3 || !strings.HasPrefix(f[0], "/") {
			continue
		}
		ctx := f[len(f)-1]
		kind := strings.Join(f[1:len(f)-1], " ")
		r := seFcontext{target: f[0]}
		for letter, word := range seFtypes {
			if word == kind {
				r.ftype = letter
			}
		}
		if p := strings.Split(ctx, ":"); len(p) >= 3 {
			r.seuser, r.setype = p[0], p[2]
			if len(p) > 3 {
				r.selevel = strings.Join(p[3:], ":")
			}
		}
		rules = append(rules, r)
	}
	return rules
}

func (*sefcontextModule) Run(ctx context.Context, t *Task) (*Result, error) {
	want := seFcontext{target: Str(t.Args, "target"), ftype: Str(t.Args, "ftype"), setype: Str(t.Args, "setype"),
		seuser: Str(t.Args, "seuser"), selevel: Str(t.Args, "selevel")}
	present := Str(t.Args, "state") == "present"
	run, err := seProbe(ctx, t)
	if err != nil {
		return nil, err
	}
	if !run.enabled && !Bool(t.Args, "ignore_selinux_state") {
		return seDisabledResult("file context " + want.target), nil
	}
	o, err := sysRun(ctx, t, "semanage fcontext -l -C -n", nil, cEnv)
	if err != nil {
		return nil, err
	}
	if o.rc != 0 {
		return failf("semanage fcontext -l failed: %s", o.text()), nil
	}
	var cur *seFcontext
	for _, r := range seParseFcontexts(o.stdout) {
		if r.target == want.target && r.ftype == want.ftype {
			r := r
			cur = &r
		}
	}
	res := &Result{Data: map[string]any{"target": want.target, "ftype": want.ftype, "setype": want.setype, "state": Str(t.Args, "state")}}
	label := "sefcontext " + want.target + " (" + seFtypes[want.ftype] + ")"
	var cmd string
	flags := ""
	if !Bool(t.Args, "reload") {
		flags = "-N "
	}
	switch {
	case present && cur == nil:
		cmd = "semanage fcontext " + flags + "-a" + seFcontextArgs(want)
		res.Diffs = append(res.Diffs, stateDiff(label, map[string]any{"state": "absent"}, seFcontextState(want)))
	case present && (cur.setype != want.setype || want.seuser != "" && cur.seuser != want.seuser || want.selevel != "" && cur.selevel != want.selevel):
		cmd = "semanage fcontext " + flags + "-m" + seFcontextArgs(want)
		res.Diffs = append(res.Diffs, stateDiff(label, seFcontextState(*cur), seFcontextState(want)))
	case !present && cur != nil:
		cmd = "semanage fcontext " + flags + "-d -f " + want.ftype + " -- " + sysQuote(want.target)
		res.Diffs = append(res.Diffs, stateDiff(label, seFcontextState(*cur), map[string]any{"state": "absent"}))
	default:
		return res, nil
	}
	res.Changed = true
	res.Msg = fmt.Sprintf("file context rule for %s %s; run restorecon to relabel existing files", want.target, map[bool]string{true: "set", false: "removed"}[present])
	if t.Check {
		return res, nil
	}
	o, err = sysRun(ctx, t, cmd, nil, cEnv)
	if err != nil {
		return nil, err
	}
	if o.rc != 0 {
		res.Failed, res.Msg = true, cmd+" failed: "+o.text()
	}
	return res, nil
}

func seFcontextArgs(r seFcontext) string {
	s := " -f " + r.ftype + " -t " + sysQuote(r.setype)
	if r.seuser != "" {
		s += " -s " + sysQuote(r.seuser)
	}
	if r.selevel != "" {
		s += " -r " + sysQuote(r.selevel)
	}
	return s + " -- " + sysQuote(r.target)
}

func seFcontextState(r seFcontext) map[string]any {
	m := map[string]any{"state": "present", "setype": r.setype}
	if r.seuser != "" {
		m["seuser"] = r.seuser
	}
	if r.selevel != "" {
		m["selevel"] = r.selevel
	}
	return m
}
