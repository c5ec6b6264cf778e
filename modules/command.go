package modules

import (
	"context"
	"fmt"
	"strings"
)

func init() { Register(&commandModule{}) }

// commandModule runs a program with arguments, without a shell: no
// variables, pipes or redirections, exactly like Ansible's command module.
type commandModule struct{}

func (*commandModule) Spec() *Spec {
	return &Spec{
		Name:     "command",
		FreeForm: true,
		Doc:      "Run a program with arguments on the target, without shell processing",
		Params: append([]Param{
			{Name: "cmd", Help: "the command line, split into words like a shell would (no expansion)"},
			{Name: "argv", Type: TypeList, Elem: TypeStr, Help: "the program and its arguments as a list"},
		}, cmdRunParams()...),
		MutuallyExclusive: [][]string{{"cmd", "argv"}},
		RequiredOneOf:     [][]string{{"cmd", "argv"}},
	}
}

func (*commandModule) Run(ctx context.Context, t *Task) (*Result, error) {
	var argv []string
	switch {
	case Has(t.Args, "argv"):
		argv = List(t.Args, "argv")
	default:
		line := Str(t.Args, "cmd")
		if raw, ok := t.Args["_raw_params"].(string); ok && line == "" {
			line = raw
		}
		var err error
		if argv, err = splitShellWords(line); err != nil {
			return &Result{Failed: true, Msg: err.Error()}, nil
		}
	}
	if len(argv) == 0 {
		return &Result{Failed: true, Msg: "no command given"}, nil
	}
	shown := make([]any, len(argv))
	for i, a := range argv {
		shown[i] = a
	}
	// exec keeps the program's exit status and signals as the command's own.
	c := &cmdCall{
		script:  "exec " + sysQuoteAll(argv),
		shown:   shown,
		chdir:   Str(t.Args, "chdir"),
		creates: Str(t.Args, "creates"),
		removes: Str(t.Args, "removes"),
		stdin:   cmdStdin(t.Args),
		strip:   Bool(t.Args, "strip_empty_ends"),
	}
	res, err := cmdExecute(ctx, t, c)
	if err == nil && res.Failed && res.Data["rc"] == 127 && cmdNotFound(res.Data["stderr"]) {
		res.Msg = fmt.Sprintf("[Errno 2] No such file or directory: %s", argv[0])
	}
	return res, err
}

// cmdNotFound tells the shell's "program not found" from a program that
// itself exited 127.
func cmdNotFound(stderr any) bool {
	s, _ := stderr.(string)
	return strings.HasPrefix(s, "sh: ") && (strings.Contains(s, "not found") || strings.Contains(s, "No such file"))
}
