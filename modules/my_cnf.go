package modules

import (
	"context"
	"fmt"
	"sort"
	"strings"
)

func init() { Register(&myCnfModule{}) }

// myCnfModule sets or removes options in a MySQL/MariaDB option file,
// editing only the lines concerned and warning when the same option is
// also set elsewhere in the files the server reads.
type myCnfModule struct{}

func (*myCnfModule) Spec() *Spec {
	return &Spec{
		Name: "my_cnf",
		Doc:  "Manage options in MySQL/MariaDB option files (my.cnf), include-aware",
		Params: append([]Param{
			{Name: "path", Type: TypePath, Required: true, Aliases: []string{"file", "dest"}, Help: "the option file to edit"},
			{Name: "section", Default: "mysqld", Help: "the [group] the options belong to"},
			{Name: "option", Aliases: []string{"name"}, Help: "one option name; '-' and '_' are equivalent"},
			{Name: "value", Type: TypeRaw, Help: "the option's value; omit for a bare option (skip-name-resolve)"},
			{Name: "options", Type: TypeDict, Help: "several options at once: {name: value}; a null value is a bare option"},
			{Name: "state", Default: "present", Choices: []string{"present", "absent"}, Help: "absent removes every occurrence in the section"},
			{Name: "create", Type: TypeBool, Default: true, Help: "create the file when it is missing"},
			{Name: "include_root", Type: TypePath, Help: "root option file whose !include/!includedir tree is checked for duplicate settings; default /etc/mysql/my.cnf, else /etc/my.cnf"},
			{Name: "backup", Type: TypeBool, Default: false, Help: "keep a timestamped copy of the old file"},
		}, attrParams()...),
		MutuallyExclusive: [][]string{{"option", "options"}, {"value", "options"}},
		RequiredOneOf:     [][]string{{"option", "options"}},
	}
}

// cnfValue renders a YAML value as option-file text: booleans become the
// ON/OFF the server prints back.
func cnfValue(v any) *string {
	if v == nil {
		return nil
	}
	var s string
	switch x := v.(type) {
	case bool:
		s = "OFF"
		if x {
			s = "ON"
		}
	case float64:
		s = strings.TrimSuffix(fmt.Sprintf("%f", x), ".000000")
	default:
		s = fmt.Sprint(x)
	}
	return &s
}

// cnfSettings turns option/value or options into the desired settings,
// in a stable order.
func cnfSettings(args map[string]any) []cnfSetting {
	if Has(args, "option") {
		return []cnfSetting{{Name: Str(args, "option"), Value: cnfValue(args["value"])}}
	}
	opts := Dict(args, "options")
	names := make([]string, 0, len(opts))
	for k := range opts {
		names = append(names, k)
	}
	sort.Strings(names)
	out := make([]cnfSetting, 0, len(names))
	for _, k := range names {
		out = append(out, cnfSetting{Name: k, Value: cnfValue(opts[k])})
	}
	return out
}

func (*myCnfModule) Run(ctx context.Context, t *Task) (*Result, error) {
	p := Str(t.Args, "path")
	section := Str(t.Args, "section")
	present := Str(t.Args, "state") == "present"
	settings := cnfSettings(t.Args)
	res := &Result{Data: map[string]any{"path": p, "section": section}}

	before, exists, err := readRemote(ctx, t, p)
	if err != nil {
		return nil, err
	}
	if !exists && !present {
		res.Msg = "file does not exist: nothing to remove"
		return res, nil
	}
	if !exists && !Bool(t.Args, "create") {
		return failf("Destination %s does not exist (create: no)", p), nil
	}
	edit := editCnf(parseCnf(string(before)), section, settings, present)
	after := edit.text()
	if exists && !edit.Changed {
		after = string(before) // keep a missing final newline as it was
	}
	pr, err := putFile(ctx, t, res, putSpec{
		Path: p, Data: []byte(after), Attrs: attrsFromArgs(t.Args), Backup: Bool(t.Args, "backup"),
		Before: before, BeforeKnown: true, BeforeMissing: !exists,
	})
	if err != nil {
		return failf("%v", err), nil
	}
	for k, v := range writeData(p, pr, []byte(after)) {
		res.Data[k] = v
	}
	res.Data["added"] = strSlice(edit.Added)
	res.Data["updated"] = strSlice(edit.Updated)
	res.Data["removed"] = strSlice(edit.Removed)
	if err := cnfCheckIncludes(ctx, t, res, p, section, settings, after); err != nil {
		return nil, err
	}
	switch {
	case !res.Changed:
		res.Msg = "options already as wanted"
	case t.Check:
		res.Msg = "options would change"
	default:
		res.Msg = "options changed"
	}
	return res, nil
}

func strSlice(s []string) []any {
	out := make([]any, len(s))
	for i, x := range s {
		out[i] = x
	}
	return out
}

// cnfCheckIncludes walks the server's option files as they will be after
// the edit, records where each option is set (Data["sites"]) and warns
// about duplicates and about a file the server never reads.
func cnfCheckIncludes(ctx context.Context, t *Task, res *Result, file, section string, settings []cnfSetting, after string) error {
	src := &remoteCnf{t: t}
	root := Str(t.Args, "include_root")
	if root == "" {
		for _, r := range cnfRoots {
			if _, ok, err := src.read(ctx, r); err != nil {
				return err
			} else if ok {
				root = r
				break
			}
		}
	}
	if root == "" {
		return nil // no server configuration to compare with
	}
	tree, err := walkCnf(ctx, src, root, map[string]string{file: after})
	if err != nil {
		return err
	}
	sites := map[string]any{}
	for _, s := range settings {
		var where []any
		for _, st := range tree.sites(section, s.Name) {
			where = append(where, st.String())
		}
		sites[s.Name] = where
	}
	res.Data["sites"] = sites
	res.Data["include_root"] = root
	if _, read := tree.Lines[file]; !read && Str(t.Args, "state") == "present" {
		res.Warnings = append(res.Warnings, fmt.Sprintf("%s is not read by the server: it is not included from %s", file, root))
	}
	res.Warnings = append(res.Warnings, cnfWarnings(tree, file, section, settings)...)
	return nil
}

// remoteCnf reads option files over the task's connection.
type remoteCnf struct{ t *Task }

func (r *remoteCnf) read(ctx context.Context, p string) (string, bool, error) {
	b, ok, err := readRemote(ctx, r.t, p)
	return string(b), ok, err
}

func (r *remoteCnf) list(ctx context.Context, dir string) ([]string, error) {
	o, err := sysRun(ctx, r.t, "ls -1A -- "+sysQuote(dir)+" 2>/dev/null", nil, cEnv)
	if err != nil {
		return nil, err
	}
	if o.rc != 0 {
		return nil, nil
	}
	return strings.Fields(o.stdout), nil
}
