package modules

import (
	"context"
	"fmt"

	"github.com/playbook/play/engine/pyre"
)

func init() { Register(&lineinfileModule{}) }

// lineinfileModule ensures one line is present (or absent) in a text file,
// with Ansible's exact matching and insertion rules (files_lines.go).
type lineinfileModule struct{}

func (lineinfileModule) Spec() *Spec {
	return &Spec{
		Name: "lineinfile",
		Doc:  "Ensure a particular line is in a file, or replace a line matched by a regular expression",
		Params: append([]Param{
			{Name: "path", Type: TypePath, Required: true, Aliases: []string{"dest", "destfile", "name"}, Help: "file to modify"},
			{Name: "state", Default: "present", Choices: []string{"absent", "present"}},
			{Name: "regexp", Aliases: []string{"regex"}, Help: "regular expression (Python syntax, RE2 subset) matching the line to replace or remove; the last match wins"},
			{Name: "search_string", Help: "literal string matching the line to replace or remove"},
			{Name: "line", Aliases: []string{"value"}, Help: "the line to insert or replace with; \\1 and \\g<name> refer to regexp groups with backrefs=yes"},
			{Name: "backrefs", Type: TypeBool, Default: false, Help: "expand groups of regexp in line; without a match the file is left unchanged"},
			{Name: "insertafter", Help: "regex (last match) after which to insert, or EOF (default) / BOF"},
			{Name: "insertbefore", Help: "regex (last match) before which to insert, or BOF"},
			{Name: "firstmatch", Type: TypeBool, Default: false, Help: "use the first match of insertafter/insertbefore/regexp instead of the last"},
			{Name: "create", Type: TypeBool, Default: false, Help: "create the file (and missing parent directories) if missing"},
			{Name: "backup", Type: TypeBool, Default: false, Help: "keep a timestamped copy of the old file"},
			{Name: "validate", Help: "command run on the new content before it replaces the file; %s is the temp file"},
			{Name: "unsafe_writes", Type: TypeBool, Default: false, Help: "accepted for compatibility; writes are always atomic"},
		}, attrParams()...),
		MutuallyExclusive: [][]string{{"insertbefore", "insertafter"}, {"regexp", "search_string"}, {"backrefs", "search_string"}},
	}
}

func (lineinfileModule) Run(ctx context.Context, t *Task) (*Result, error) {
	t, err := withHostPaths(ctx, t, "path")
	if err != nil {
		return failf("%v", err), nil
	}
	s, err := lineSpecFromArgs(t.Args)
	if err != nil {
		return failf("%v", err), nil
	}
	present := Str(t.Args, "state") != "absent"
	return editFile(ctx, t, Str(t.Args, "path"), present, Bool(t.Args, "create"),
		func(content string, _ bool) (string, string, error) {
			lines := splitLines(content)
			if !present {
				out, n := lineAbsent(lines, s)
				if n == 0 {
					return content, "", nil
				}
				return joinLines(out), fmt.Sprintf("%d line(s) removed", n), nil
			}
			out, msg, err := linePresent(lines, s)
			return joinLines(out), msg, err
		})
}

func joinLines(l []string) string {
	n := 0
	for _, s := range l {
		n += len(s)
	}
	b := make([]byte, 0, n)
	for _, s := range l {
		b = append(b, s...)
	}
	return string(b)
}

// lineSpecFromArgs checks the parameter combinations Ansible rejects and
// compiles the regular expressions.
func lineSpecFromArgs(args map[string]any) (lineSpec, error) {
	s := lineSpec{
		Line: Str(args, "line"), InsertAfter: Str(args, "insertafter"), InsertBefore: Str(args, "insertbefore"),
		Backrefs: Bool(args, "backrefs"), Firstmatch: Bool(args, "firstmatch"),
	}
	present := Str(args, "state") != "absent"
	if Has(args, "search_string") {
		ss := Str(args, "search_string")
		s.Search = &ss
	}
	if Has(args, "regexp") {
		re, err := pyre.CompileLine(Str(args, "regexp"))
		if err != nil {
			return s, err
		}
		s.Regexp = re
	}
	switch {
	case present && !Has(args, "line"):
		return s, fmt.Errorf("line is required with state=present")
	case s.Backrefs && s.Regexp == nil:
		return s, fmt.Errorf("regexp is required with backrefs=true")
	case !present && s.Regexp == nil && s.Search == nil && !Has(args, "line"):
		return s, fmt.Errorf("one of line, search_string, or regexp is required with state=absent")
	}
	var err error
	s.insRe, err = anchorRe(s.InsertAfter, s.InsertBefore)
	return s, err
}

// anchorRe compiles the insertafter/insertbefore regex, which BOF/EOF are not.
func anchorRe(after, before string) (*pyre.Line, error) {
	expr := ""
	switch {
	case after != "" && after != "EOF" && after != "BOF":
		expr = after
	case before != "" && before != "BOF":
		expr = before
	default:
		return nil, nil
	}
	return pyre.CompileLine(expr)
}
