package modules

import "context"

func init() { Register(&rawModule{}) }

// rawModule sends a string to the target's shell as is: the escape hatch
// for hosts where nothing else works yet.
type rawModule struct{}

func (*rawModule) Spec() *Spec {
	return &Spec{
		Name:          "raw",
		FreeForm:      true,
		Doc:           "Run a command string on the target as is, with no processing",
		Params:        []Param{{Name: "executable", Type: TypePath, Help: "the shell to run the string with"}},
		RequiredOneOf: [][]string{{"_raw_params"}},
	}
}

func (*rawModule) Run(ctx context.Context, t *Task) (*Result, error) {
	line, _ := t.Args["_raw_params"].(string)
	if line == "" {
		return &Result{Failed: true, Msg: "no command given"}, nil
	}
	script := line
	if exe := Str(t.Args, "executable"); exe != "" {
		script = "exec " + sysQuote(exe) + " -c " + sysQuote(line)
	}
	// raw has no creates/removes, so check mode can only skip it, as Ansible does.
	return cmdExecute(ctx, t, &cmdCall{script: script, shown: line})
}
