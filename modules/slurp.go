package modules

import (
	"context"
	"encoding/base64"
)

func init() { Register(&slurpModule{}) }

// slurpModule returns a remote file's content, base64-encoded like
// Ansible's (templates use b64decode on it).
type slurpModule struct{}

func (slurpModule) Spec() *Spec {
	return &Spec{
		Name: "slurp",
		Doc:  "Slurp a file from the host (content is base64-encoded)",
		Params: []Param{
			{Name: "src", Type: TypePath, Required: true, Aliases: []string{"path"}, Help: "file on the host"},
		},
	}
}

func (slurpModule) Run(ctx context.Context, t *Task) (*Result, error) {
	t, err := withHostPaths(ctx, t, "src")
	if err != nil {
		return failf("%v", err), nil
	}
	src := Str(t.Args, "src")
	fi, err := statRemote(ctx, t, src)
	if err != nil {
		return nil, err
	}
	if fi.IsDir {
		return failf("source is a directory and must be a file: %s", src), nil
	}
	data, exists, err := readRemote(ctx, t, src)
	if err != nil {
		return nil, err
	}
	if !exists {
		return failf("file not found: %s", src), nil
	}
	return &Result{Data: map[string]any{
		"content":  base64.StdEncoding.EncodeToString(data),
		"encoding": "base64",
		"source":   src,
	}}, nil
}
