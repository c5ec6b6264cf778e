package template

import (
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
)

func TestNativeTypes(t *testing.T) {
	runRenderCases(t, []renderCase{
		{"{{ mysql_port }}", 3306},
		{"  {{ mysql_port }}\n", 3306},
		{"{{ ratio }}", 0.5},
		{"{{ mysql_enabled }}", true},
		{"{{ nothing }}", nil},
		{"{{ packages }}", []any{"mariadb-server", "galera-4", "rsync"}},
		{"{{ config.client }}", map[string]any{"port": 3306}},
		{"{{ {'a': 1, 'b': [true, none]} }}", map[string]any{"a": 1, "b": []any{true, nil}}},
		{"{{ [1, 2] + [3] }}", []any{1, 2, 3}},
		{"{{ range(3) }}", []any{0, 1, 2}},
		{"{{ mysql_port + 1 }}", 3307},
		{"{{ mysql_port / 2 }}", 1653.0},
		{"{{ 'x' if mysql_enabled else 'y' }}", "x"},
		// More than one expression, or text around it, is a string.
		{"{{ mysql_port }}{{ mysql_port }}", "33063306"},
		{"port={{ mysql_port }}", "port=3306"},
		{"{{ packages }} installed", "['mariadb-server', 'galera-4', 'rsync'] installed"},
		{"on={{ mysql_enabled }}", "on=True"},
	})
}

func TestPlainStringsUnchanged(t *testing.T) {
	e := New()
	for _, s := range []string{"", "plain text", "50%", "a } b", "{ not: jinja }"} {
		got, err := e.Render(s, nil)
		if err != nil || got != s {
			t.Errorf("Render(%q) = %#v, %v; want it unchanged", s, got, err)
		}
		if IsTemplated(s) {
			t.Errorf("IsTemplated(%q) = true", s)
		}
	}
	for _, s := range []string{"{{ x }}", "{% if x %}{% endif %}", "{# c #}"} {
		if !IsTemplated(s) {
			t.Errorf("IsTemplated(%q) = false", s)
		}
	}
	allocs := testing.AllocsPerRun(100, func() { _, _ = e.Render("no markup here", nil) })
	// Boxing a string into `any` may allocate once; rendering must not.
	if allocs > 1 {
		t.Errorf("fast path allocates %v times per call", allocs)
	}
}

func TestRenderString(t *testing.T) {
	e := New()
	vars := facts(t)
	tests := []struct{ tmpl, want string }{
		{"{{ mysql_port }}", "3306"},
		{"{{ mysql_enabled }}", "True"},
		{"{% for u in users %}{{ u.name }}{% if not loop.last %},{% endif %}{% endfor %}", "alice,bob,carol"},
		// trim_blocks: the newline after a block tag is dropped, as in Ansible.
		{"a\n{% if mysql_enabled %}\nyes\n{% endif %}\nb\n", "a\nyes\nb\n"},
		{"{% set n = mysql_port + 1 %}{{ n }}", "3307"},
		{"{# comment #}x", "x"},
		{"{{ nothing }}", "None"},
		{" {{ packages | length }}\n", " 3\n"},
		{"{{ not mysql_port }}", "False"},
	}
	for _, tt := range tests {
		got, err := e.RenderString(tt.tmpl, vars)
		if err != nil || got != tt.want {
			t.Errorf("RenderString(%q) = %q, %v; want %q", tt.tmpl, got, err, tt.want)
		}
	}
}

func TestRenderValue(t *testing.T) {
	e := New()
	vars := facts(t)
	in := map[string]any{
		"name":  "{{ inventory_hostname }}",
		"port":  "{{ mysql_port }}",
		"items": []any{"{{ packages | first }}", 7, "static"},
		"nested": map[any]any{
			"{{ ansible_distribution | lower }}": "{{ config.client.port }}",
		},
	}
	got, err := e.RenderValue(in, vars)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"name":   "db1",
		"port":   3306,
		"items":  []any{"mariadb-server", 7, "static"},
		"nested": map[any]any{"debian": 3306},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("RenderValue = %#v\nwant %#v", got, want)
	}
	if in["name"] != "{{ inventory_hostname }}" {
		t.Fatal("RenderValue modified its input")
	}
	if _, err := e.RenderValue([]any{"ok", "{{ missing }}"}, vars); err == nil {
		t.Fatal("RenderValue ignored an undefined variable in a list")
	}
}

func TestEvalAndEvalBool(t *testing.T) {
	e := New()
	vars := facts(t)
	evals := []struct {
		expr string
		want any
	}{
		{"mysql_port", 3306},
		{"not mysql_port", false},
		{"not empty_list", true},
		{"packages | length", 3},
		{"users | selectattr('admin') | map(attribute='name') | list", []any{"alice", "carol"}},
		{"config.mysqld.max_connections > 50", true},
		{"{{ mysql_port }}", 3306}, // a templated when: is rendered, as Ansible tolerates
	}
	for _, tt := range evals {
		got, err := e.Eval(tt.expr, vars)
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Eval(%q) = %#v, %v; want %#v", tt.expr, got, err, tt.want)
		}
	}
	bools := []struct {
		expr string
		want bool
	}{
		{"mysql_enabled", true},
		{"legacy_flag", true},
		{"legacy_flag | bool", true},
		{"ansible_distribution == 'Debian'", true},
		{"ansible_distribution == 'Debian' and mysql_port == 3306", true},
		{"ansible_distribution_major_version | int >= 12", true},
		{"ansible_distribution_major_version | int < 11", false},
		{"mysql_version is version('10.5', '>=')", true},
		{"'galera-4' in packages", true},
		{"'nginx' not in packages", true},
		{"missing is defined and missing.x", false},
		{"missing is not defined", true},
		{"missing is undefined or missing.x", true},
		{"empty_list", false},
		{"nothing", false},
		{"not mysql_enabled", false},
		{"not missing is defined", true},
		{"result_bad is failed", true},
		{"inventory_hostname == groups['galera'][0]", true},
	}
	for _, tt := range bools {
		got, err := e.EvalBool(tt.expr, vars)
		if err != nil || got != tt.want {
			t.Errorf("EvalBool(%q) = %v, %v; want %v", tt.expr, got, err, tt.want)
		}
	}
	if _, err := e.EvalBool("missing", vars); err == nil {
		t.Error("EvalBool on an undefined variable must fail")
	}
	if _, err := e.Eval("", vars); err == nil {
		t.Error("Eval of an empty expression must fail")
	}
}

func TestTruthy(t *testing.T) {
	tests := []struct {
		in   any
		want bool
	}{
		{nil, false}, {true, true}, {false, false},
		{"yes", true}, {"True", true}, {"on", true}, {"1", true}, {"anything", true},
		{"no", false}, {"false", false}, {"OFF", false}, {"0", false}, {"", false},
		{0, false}, {2, true}, {0.0, false}, {0.1, true},
		{[]any{}, false}, {[]any{0}, true}, {map[string]any{}, false}, {map[string]any{"a": 1}, true},
	}
	for _, tt := range tests {
		if got := Truthy(tt.in); got != tt.want {
			t.Errorf("Truthy(%#v) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestVarsNotModified(t *testing.T) {
	e := New()
	vars := map[string]any{"l": []any{"a"}, "d": map[string]any{"k": "v"}}
	for _, s := range []string{"{% set x = 1 %}{{ x }}", "{{ l.append('b') }}", "{{ d.update({'z': 1}) }}", "{{ d.pop('k') }}"} {
		_, _ = e.Render(s, vars)
	}
	if len(vars) != 2 || len(vars["l"].([]any)) != 1 || len(vars["d"].(map[string]any)) != 1 {
		t.Fatalf("rendering changed the caller's vars: %#v", vars)
	}
}

func TestOmit(t *testing.T) {
	e := New()
	got, err := e.Render("{{ mode | default(omit) }}", map[string]any{})
	if err != nil || got != Omit {
		t.Fatalf("default(omit) = %#v, %v", got, err)
	}
	got, err = e.Render("{{ omit }}", map[string]any{"omit": "mine"})
	if err != nil || got != "mine" {
		t.Fatalf("a variable named omit must shadow the global: %#v, %v", got, err)
	}
}

// TestConcurrentRender runs under `go test -race`: one engine, many
// goroutines, shared cached templates and shared input vars.
func TestConcurrentRender(t *testing.T) {
	e := New()
	vars := facts(t)
	templates := []string{
		"{{ groups['galera'] | map('extract', hostvars, 'ansible_host') | join(',') }}",
		"{% for u in users %}{{ u.name | upper }}{% endfor %}",
		"{{ config | combine({'x': 1}) | to_json }}",
		"{{ missing | default(mysql_port) }}",
		"{% macro row(u) %}{{ u.name }}:{{ u.admin }}{% endmacro %}{% for u in users %}{{ row(u) }};{% endfor %}",
		"{% set ns = namespace(n=0) %}{% for u in users %}{% set ns.n = ns.n + 1 %}{% endfor %}{{ ns.n }}",
		"{{ 'a b'.split() | map('upper') | list }}",
	}
	want := make([]any, len(templates))
	for i, tmpl := range templates {
		v, err := e.Render(tmpl, vars)
		if err != nil {
			t.Fatal(err)
		}
		want[i] = v
	}
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 50 {
				k := (g + i) % len(templates)
				v, err := e.Render(templates[k], vars)
				if err != nil {
					errs <- err
					return
				}
				if !reflect.DeepEqual(v, want[k]) {
					errs <- fmt.Errorf("%q gave %#v, want %#v", templates[k], v, want[k])
					return
				}
				if _, err := e.EvalBool(fmt.Sprintf("mysql_port == %d", 3306), vars); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestCacheKeepsErrors(t *testing.T) {
	e := New()
	for range 2 {
		err := e.CheckTemplate("{{ x | nosuchfilter }}")
		var un *UnknownNameError
		if !errors.As(err, &un) || un.Name != "nosuchfilter" {
			t.Fatalf("got %v", err)
		}
	}
}
