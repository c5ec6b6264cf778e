package modules

import "context"

func init() { Register(&shellModule{}) }

// shellModule runs a command line through a shell: pipes, redirections
// and variables work, as with Ansible's shell module.
type shellModule struct{}

func (*shellModule) Spec() *Spec {
	return &Spec{
		Name:     "shell",
		FreeForm: true,
		Doc:      "Run a command line through /bin/sh (or another shell) on the target",
		Params: append([]Param{
			{Name: "cmd", Help: "the shell command line"},
			{Name: "executable", Type: TypePath, Help: "the shell to use instead of /bin/sh (e.g. /bin/bash)"},
		}, cmdRunParams()...),
		RequiredOneOf: [][]string{{"cmd"}},
	}
}

func (*shellModule) Run(ctx context.Context, t *Task) (*Result, error) {
	line := Str(t.Args, "cmd")
	if raw, ok := t.Args["_raw_params"].(string); ok && line == "" {
		line = raw
	}
	if line == "" {
		return &Result{Failed: true, Msg: "no command given"}, nil
	}
	script := line // the connection already runs it with sh -c
	if exe := Str(t.Args, "executable"); exe != "" {
		script = "exec " + sysQuote(exe) + " -c " + sysQuote(line)
	}
	return cmdExecute(ctx, t, &cmdCall{
		script:  script,
		shown:   line,
		chdir:   Str(t.Args, "chdir"),
		creates: Str(t.Args, "creates"),
		removes: Str(t.Args, "removes"),
		stdin:   cmdStdin(t.Args),
		strip:   Bool(t.Args, "strip_empty_ends"),
	})
}
