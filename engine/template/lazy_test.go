package template

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// Role defaults that refer to each other, as real roles write them.
const lazyYAML = `
mysql_dir: /etc/mysql
mysql_conf: "{{ mysql_dir }}/my.cnf"
mysql_conf_backup: "{{ mysql_conf }}.bak"
mysql_port: 3306
mysql_ports: "{{ [mysql_port, mysql_port + 1] }}"
mysql_settings:
  port: "{{ mysql_port }}"
  files: ["{{ mysql_conf }}", static]
uses_missing: "{{ not_set_anywhere }}/x"
loop_a: "{{ loop_b }}"
loop_b: "{{ loop_a }}"
shell_snippet: "echo ${HOME} {{ '{' }}"
braces_text: "literal {{ not jinja"
`

func lazyVars(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := yaml.Unmarshal([]byte(lazyYAML), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestVariablesAreTemplatedLazily(t *testing.T) {
	e := New()
	vars := lazyVars(t)
	tests := []struct {
		tmpl string
		want any
	}{
		{"{{ mysql_conf }}", "/etc/mysql/my.cnf"},
		{"{{ mysql_conf_backup }}", "/etc/mysql/my.cnf.bak"},
		{"cp {{ mysql_conf }} {{ mysql_conf_backup }}", "cp /etc/mysql/my.cnf /etc/mysql/my.cnf.bak"},
		{"{{ mysql_conf | basename }}", "my.cnf"},
		{"{{ mysql_ports }}", []any{3306, 3307}},
		{"{{ mysql_ports | length }}", 2},
		{"{{ mysql_settings.port }}", 3306},
		{"{{ mysql_settings.files[0] }}", "/etc/mysql/my.cnf"},
		{"{{ uses_missing is defined }}", false},
		{"{{ uses_missing | default('fallback') }}", "fallback"},
		{"{{ shell_snippet }}", "echo ${HOME} {"},
		{"{{ braces_text }}", "literal {{ not jinja"},
	}
	for _, tt := range tests {
		got, err := e.Render(tt.tmpl, vars)
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Render(%q) = %#v, %v; want %#v", tt.tmpl, got, err, tt.want)
		}
	}
	ok, err := e.EvalBool("mysql_conf.endswith('.cnf') and mysql_settings.port == 3306", vars)
	if err != nil || !ok {
		t.Errorf("EvalBool over lazily templated vars = %v, %v", ok, err)
	}
	if vars["mysql_conf"] != "{{ mysql_dir }}/my.cnf" {
		t.Errorf("caller's vars were modified: %#v", vars["mysql_conf"])
	}
}

func TestLazyVariableErrors(t *testing.T) {
	e := New()
	vars := lazyVars(t)
	_, err := e.Render("{{ uses_missing }}", vars)
	var u *UndefinedError
	if !errors.As(err, &u) || u.Name != "not_set_anywhere" {
		t.Errorf("using a var whose template is undefined: %v; want UndefinedError naming not_set_anywhere", err)
	}
	_, err = e.Render("{{ loop_a }}", vars)
	if err == nil || !strings.Contains(err.Error(), "recursive loop") {
		t.Errorf("self-referencing vars: %v; want a recursive loop error", err)
	}
	// Unused broken vars do not affect other templates.
	if got, err := e.Render("{{ mysql_dir }}", vars); err != nil || got != "/etc/mysql" {
		t.Errorf("Render = %#v, %v", got, err)
	}
}
