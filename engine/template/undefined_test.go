package template

import (
	"errors"
	"strings"
	"testing"
)

func TestUndefinedIsAnError(t *testing.T) {
	e := New()
	vars := facts(t)
	tests := []struct {
		tmpl     string
		name     string // UndefinedError.Name
		contains string // text the message must show the user
	}{
		{"{{ foo }}", "foo", "undefined variable 'foo'"},
		{"port={{ foo }}", "foo", "'foo'"},
		{"{{ config.nope }}", "config.nope", "no attribute 'nope'"},
		{"{{ config.mysqld.nope }}", "config.mysqld.nope", "'config.mysqld.nope'"},
		{"{{ config['nope'] }}", "config['nope']", "no attribute 'nope'"},
		{"{{ packages[10] }}", "packages[10]", "packages[10]"},
		{"{{ foo.bar }}", "foo", "'foo'"},
		{"{{ foo | upper }}", "foo", "'foo'"},
		{"{{ foo | to_json }}", "foo", "'foo'"},
		{"{{ packages | join(sep) }}", "sep", "'sep'"},
		{"{% if foo %}x{% endif %}", "foo", "'foo'"},
		{"{% for x in foo %}{{ x }}{% endfor %}", "foo", "'foo'"},
		{"{{ foo is string }}", "foo", "'foo'"},
		{"{{ users | map(attribute='shell') | list }}", "item.shell", "shell"},
		{"{{ groups.galera | map('extract', hostvars, 'nope') | list }}", "db1.nope", "nope"},
		{"{{ empty_list | first }}", "first/last of an empty sequence", "empty"},
		{"{{ nothing.attr }}", "nothing.attr", "attr"},
	}
	for _, tt := range tests {
		t.Run(tt.tmpl, func(t *testing.T) {
			_, err := e.Render(tt.tmpl, vars)
			var u *UndefinedError
			if !errors.As(err, &u) {
				t.Fatalf("Render(%q) error = %v, want an UndefinedError", tt.tmpl, err)
			}
			if u.Name != tt.name {
				t.Errorf("UndefinedError.Name = %q, want %q", u.Name, tt.name)
			}
			if !strings.Contains(err.Error(), tt.contains) {
				t.Errorf("message %q does not mention %q", err.Error(), tt.contains)
			}
		})
	}
}

func TestUndefinedAllowedWhereJinjaAllowsIt(t *testing.T) {
	runRenderCases(t, []renderCase{
		{"{{ foo | default('x') }}", "x"},
		{"{{ foo | d('x') }}", "x"},
		{"{{ foo | default }}", ""},
		{"{{ foo.bar | default('x') }}", "x"},
		{"{{ config.nope | default('x') }}", "x"},
		{"{{ config.mysqld.nope.deeper | default(5) }}", 5},
		{"{{ config['nope'] | default('x') }}", "x"},
		{"{{ packages[10] | default('none') }}", "none"},
		{"{{ nothing.attr | default('d') }}", "d"},
		{"{{ foo | default(mysql_port) }}", 3306},
		{"{{ foo | default(omit) }}", Omit},
		{"{{ config.client.port | default(1) }}", 3306},
		// default leaves a defined null alone, unless boolean=true.
		{"{{ nothing | default('x') }}", nil},
		{"{{ nothing | default('x', true) }}", "x"},
		{"{{ '' | default('x', true) }}", "x"},
		{"{{ empty_list | default(['x'], boolean=true) }}", []any{"x"}},
		{"{{ foo is defined }}", false},
		{"{{ foo is undefined }}", true},
		{"{{ foo is not defined }}", true},
		{"{{ config.nope is defined }}", false},
		{"{{ config.mysqld is defined }}", true},
		{"{{ foo.bar is defined }}", false},
		{"{{ nothing is defined }}", true},
		{"{{ foo is defined and foo.x }}", false},
		{"{{ foo is undefined or foo.x }}", true},
		{"{{ users | selectattr('shell', 'defined') | map(attribute='name') | list }}", []any{"alice", "bob"}},
		{"{{ users | rejectattr('shell', 'defined') | map(attribute='name') | list }}", []any{"carol"}},
		{"{{ users | map(attribute='shell', default='/bin/false') | list }}", []any{"/bin/bash", "/bin/sh", "/bin/false"}},
		{"{% if foo is defined %}{{ foo }}{% else %}none{% endif %}", "none"},
	})
}

func TestRuntimeErrorsNameTheLine(t *testing.T) {
	e := New()
	vars := facts(t)
	_, err := e.Render("[client]\nport={{ config.client.port }}\n{% for u in users %}\nshell={{ u.shell }}\n{% endfor %}\n", vars)
	var u *UndefinedError
	if !errors.As(err, &u) || u.Line != 4 || !strings.Contains(err.Error(), "line 4") {
		t.Errorf("error = %v (%+v), want an UndefinedError at line 4", err, u)
	}
	_, err = e.Render("a\nb\n{{ 'x' | from_json }}", vars)
	var re *RenderError
	if !errors.As(err, &re) || re.Line != 3 || !strings.Contains(err.Error(), "from_json") {
		t.Errorf("error = %v, want a RenderError at line 3 about from_json", err)
	}
}

func TestMandatory(t *testing.T) {
	e := New()
	_, err := e.Render("{{ db_password | mandatory }}", map[string]any{})
	if err == nil || !strings.Contains(err.Error(), "db_password") {
		t.Fatalf("mandatory error = %v, want it to name db_password", err)
	}
	_, err = e.Render("{{ db_password | mandatory('set db_password in vault') }}", map[string]any{})
	if err == nil || !strings.Contains(err.Error(), "set db_password in vault") {
		t.Fatalf("mandatory custom message lost: %v", err)
	}
	got, err := e.Render("{{ db_password | mandatory }}", map[string]any{"db_password": "s"})
	if err != nil || got != "s" {
		t.Fatalf("mandatory on a defined value = %#v, %v", got, err)
	}
}

func TestErrorsAreReadable(t *testing.T) {
	e := New()
	vars := facts(t)
	tests := []struct{ tmpl, contains string }{
		{"{{ 'abc' | regex_replace('(?<=a)b', 'x') }}", "lookahead/lookbehind are not supported"},
		{"{{ 'x' | from_json }}", "from_json"},
		{"{{ 5 | dict2items }}", "dict2items requires a dictionary"},
		{"{{ 'x' | password_hash('blowfish', 'salt') }}", "unsupported scheme 'blowfish'"},
		{"{{ packages | map('nosuch') | list }}", "no filter named 'nosuch'"},
	}
	for _, tt := range tests {
		_, err := e.Render(tt.tmpl, vars)
		if err == nil || !strings.Contains(err.Error(), tt.contains) {
			t.Errorf("Render(%q) error = %v, want it to contain %q", tt.tmpl, err, tt.contains)
		}
		if err != nil && strings.Contains(err.Error(), "\x00") {
			t.Errorf("internal marker leaked into %q", err.Error())
		}
	}
}
