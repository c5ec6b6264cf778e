package modules

import (
	"context"
	"fmt"
	"os"
	"path"
	"strings"
)

func init() { Register(&templateModule{}) }

// templateModule renders a Jinja2 template from templates/ with the host's
// variables and writes the result like copy.
type templateModule struct{}

func (templateModule) Spec() *Spec {
	return &Spec{
		Name: "template",
		Doc:  "Render a Jinja2 template to a file on the host",
		Params: append([]Param{
			{Name: "src", Type: TypePath, Required: true, Help: "template on the controller (searched in templates/)"},
			{Name: "dest", Type: TypePath, Required: true, Help: "path on the host; an existing directory means dest/<basename of src>"},
			{Name: "follow", Type: TypeBool, Default: false, Help: "accepted for compatibility; symlinked destinations are always written through"},
			{Name: "newline_sequence", Default: "\n", Choices: []string{"\n", "\r", "\r\n", `\n`, `\r`, `\r\n`},
				Help: "line ending of the rendered file (escaped spellings like '\\r\\n' are accepted, as in Ansible)"},
		}, writeParams()...),
	}
}

func (templateModule) Run(ctx context.Context, t *Task) (*Result, error) {
	t, err := withHostPaths(ctx, t, "dest")
	if err != nil {
		return failf("%v", err), nil
	}
	res := &Result{Data: map[string]any{}}
	src := Str(t.Args, "src")
	local, err := findFile(t, "templates", src)
	if err != nil {
		return failf("could not find or access '%s': %v", src, err), nil
	}
	text, err := os.ReadFile(local)
	if err != nil {
		return nil, err
	}
	if t.Render == nil {
		return nil, fmt.Errorf("template: no template renderer in this context")
	}
	out, err := t.Render(string(text))
	if err != nil {
		return failf("template %s: %v", src, err), nil
	}
	// Single-quoted YAML gives the escaped spelling; Ansible accepts it.
	nl := strings.NewReplacer(`\r`, "\r", `\n`, "\n").Replace(Str(t.Args, "newline_sequence"))
	if nl != "" && nl != "\n" {
		out = strings.ReplaceAll(out, "\n", nl)
	}
	attrs := attrsFromArgs(t.Args)
	if attrs.Mode == "preserve" {
		st, err := os.Stat(local)
		if err != nil {
			return nil, err
		}
		attrs.Mode = octal(permBits(st.Mode()))
	}
	dest := Str(t.Args, "dest")
	fi, err := statRemote(ctx, t, dest)
	if err != nil {
		return nil, err
	}
	if fi.IsDir {
		dest = path.Join(dest, path.Base(src)) // like Ansible: the name is kept, .j2 and all
		fi = nil
	}
	return copyOne(ctx, t, res, dest, fi, []byte(out), attrs, false, local)
}
