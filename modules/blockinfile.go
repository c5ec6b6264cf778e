package modules

import (
	"context"
	"strings"
)

func init() { Register(&blockinfileModule{}) }

// blockinfileModule keeps a block of lines between marker lines.
type blockinfileModule struct{}

func (blockinfileModule) Spec() *Spec {
	return &Spec{
		Name: "blockinfile",
		Doc:  "Insert, update or remove a block of lines surrounded by marker lines",
		Params: append([]Param{
			{Name: "path", Type: TypePath, Required: true, Aliases: []string{"dest", "destfile", "name"}, Help: "file to modify"},
			{Name: "state", Default: "present", Choices: []string{"absent", "present"}},
			{Name: "block", Default: "", Aliases: []string{"content"}, Help: "lines between the markers; empty removes the block"},
			{Name: "marker", Default: "# {mark} ANSIBLE MANAGED BLOCK", Help: "marker line template; {mark} becomes marker_begin/marker_end"},
			{Name: "marker_begin", Default: "BEGIN"},
			{Name: "marker_end", Default: "END"},
			{Name: "insertafter", Help: "regex (last match) after which a new block goes, or EOF (default)"},
			{Name: "insertbefore", Help: "regex (last match) before which a new block goes, or BOF"},
			{Name: "append_newline", Type: TypeBool, Default: false, Help: "ensure a blank line after the block"},
			{Name: "prepend_newline", Type: TypeBool, Default: false, Help: "ensure a blank line before the block"},
			{Name: "create", Type: TypeBool, Default: false, Help: "create the file (and missing parent directories) if missing"},
			{Name: "backup", Type: TypeBool, Default: false, Help: "keep a timestamped copy of the old file"},
			{Name: "validate", Help: "command run on the new content before it replaces the file; %s is the temp file"},
			{Name: "unsafe_writes", Type: TypeBool, Default: false, Help: "accepted for compatibility; writes are always atomic"},
		}, attrParams()...),
		MutuallyExclusive: [][]string{{"insertbefore", "insertafter"}},
	}
}

func (blockinfileModule) Run(ctx context.Context, t *Task) (*Result, error) {
	t, err := withHostPaths(ctx, t, "path")
	if err != nil {
		return failf("%v", err), nil
	}
	marker := Str(t.Args, "marker")
	s := blockSpec{
		Begin:          strings.ReplaceAll(marker, "{mark}", Str(t.Args, "marker_begin")),
		End:            strings.ReplaceAll(marker, "{mark}", Str(t.Args, "marker_end")),
		Block:          Str(t.Args, "block"),
		Present:        Str(t.Args, "state") != "absent",
		InsertAfter:    Str(t.Args, "insertafter"),
		InsertBefore:   Str(t.Args, "insertbefore"),
		AppendNewline:  Bool(t.Args, "append_newline"),
		PrependNewline: Bool(t.Args, "prepend_newline"),
	}
	if s.Begin == s.End {
		return failf("marker_begin and marker_end make the same marker line '%s'", s.Begin), nil
	}
	if s.insRe, err = anchorRe(s.InsertAfter, s.InsertBefore); err != nil {
		return failf("%v", err), nil
	}
	return editFile(ctx, t, Str(t.Args, "path"), s.Present, Bool(t.Args, "create"),
		func(content string, exists bool) (string, string, error) {
			out, msg := blockApply(content, s)
			if !exists && msg != "" {
				msg = "File created"
			}
			return out, msg, nil
		})
}
