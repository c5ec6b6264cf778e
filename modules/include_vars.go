package modules

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
)

func init() { Register(&includeVarsModule{}) }

// includeVarsModule loads variables from YAML/JSON files on the control
// machine into the host's variables, like Ansible's include_vars: a file
// found in the role's vars/ (then next to the task file), or every file
// of a directory in sorted order, optionally under one name.
type includeVarsModule struct{}

func (*includeVarsModule) Spec() *Spec {
	return &Spec{
		Name:            "include_vars",
		FreeForm:        true,
		RunOnController: true,
		Doc:             "Load variables from YAML/JSON files on the control machine",
		Params: []Param{
			{Name: "file", Type: TypePath, Help: "the file: absolute, or looked up in the role's vars/, then next to the task file"},
			{Name: "dir", Type: TypePath, Help: "load every file of this directory (same lookup), in sorted order"},
			{Name: "name", Help: "put the variables under this one variable instead of at the top level"},
			{Name: "files_matching", Help: "with dir: only file names matching this regular expression"},
			{Name: "ignore_files", Type: TypeList, Elem: TypeStr, Help: "with dir: file names to skip"},
			{Name: "extensions", Type: TypeList, Elem: TypeStr, Default: []any{"json", "yaml", "yml"}, Help: "with dir: the extensions to load"},
			{Name: "ignore_unknown_extensions", Type: TypeBool, Default: false, Help: "with dir: skip other files silently instead of failing"},
			{Name: "depth", Type: TypeInt, Default: 0, Help: "with dir: how deep to descend (0 = all the way)"},
			{Name: "hash_behaviour", Choices: []string{"replace"}, Help: "only replace: a variable loaded again replaces the earlier value"},
		},
		MutuallyExclusive: [][]string{{"file", "dir"}},
		RequiredOneOf:     [][]string{{"file", "dir"}},
	}
}

func (*includeVarsModule) Run(ctx context.Context, t *Task) (*Result, error) {
	if t.LoadVars == nil || t.FindFile == nil {
		return nil, fmt.Errorf("include_vars: the engine gave no file access")
	}
	file := Str(t.Args, "file")
	if raw, ok := t.Args["_raw_params"].(string); ok && file == "" && !Has(t.Args, "dir") {
		file = strings.TrimSpace(raw)
	}
	var files []string
	if file != "" {
		path, err := t.FindFile("vars", file)
		if err != nil {
			return failf("include_vars: %v", err), nil
		}
		files = []string{path}
	} else {
		var err error
		if files, err = includeVarsDir(t); err != nil {
			return failf("include_vars: %v", err), nil
		}
	}
	vars := map[string]any{}
	for _, f := range files {
		loaded, err := t.LoadVars(f)
		if err != nil {
			return failf("include_vars: %v", err), nil
		}
		for k, v := range loaded {
			vars[k] = v
		}
	}
	if name := Str(t.Args, "name"); name != "" {
		if !varName.MatchString(name) {
			return failf("include_vars: name '%s' is not a valid variable name: use letters, digits and underscores", name), nil
		}
		vars = map[string]any{name: vars}
	}
	included := make([]any, len(files))
	for i, f := range files {
		included[i] = f
	}
	return &Result{Vars: vars, Data: map[string]any{"ansible_facts": vars, "ansible_included_var_files": included}}, nil
}

// includeVarsDir lists the files of dir to load, sorted by path as
// Ansible does, filtered by extension, files_matching and ignore_files.
func includeVarsDir(t *Task) ([]string, error) {
	dir, err := t.FindFile("vars", Str(t.Args, "dir"))
	if err != nil {
		return nil, err
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return nil, err
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("%s is not a directory", dir)
	}
	var match *regexp.Regexp
	if m := Str(t.Args, "files_matching"); m != "" {
		if match, err = regexp.Compile(m); err != nil {
			return nil, fmt.Errorf("files_matching %q: %v", m, err)
		}
	}
	exts := List(t.Args, "extensions")
	ignore := List(t.Args, "ignore_files")
	depth := Int(t.Args, "depth")
	var files []string
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		level := strings.Count(rel, string(filepath.Separator)) + 1
		if d.IsDir() {
			if path != dir && depth > 0 && level > depth {
				return filepath.SkipDir
			}
			return nil
		}
		if depth > 0 && level > depth {
			return nil
		}
		name := d.Name()
		if slices.Contains(ignore, name) || match != nil && !match.MatchString(name) {
			return nil
		}
		ext := strings.TrimPrefix(filepath.Ext(name), ".")
		if !slices.Contains(exts, ext) {
			if Bool(t.Args, "ignore_unknown_extensions") {
				return nil
			}
			return fmt.Errorf("%s: extension %q is not one of %s (set ignore_unknown_extensions or extensions)", path, ext, strings.Join(exts, ", "))
		}
		files = append(files, path)
		return nil
	})
	sort.Strings(files)
	return files, err
}
