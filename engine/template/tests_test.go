package template

import (
	"strings"
	"testing"
)

func TestJinjaTests(t *testing.T) {
	e := New()
	vars := facts(t)
	tests := []struct {
		expr string
		want bool
	}{
		{"nothing is none", true},
		{"mysql_port is none", false},
		{"ansible_distribution is match('Deb')", true},
		{"ansible_distribution is match('ebian')", false}, // match is anchored at the start
		{"ansible_distribution is search('ebian')", true},
		{"ansible_distribution is regex('^D.*n$')", true},
		{"'DEBIAN' is match('deb', true)", true}, // gonja cannot parse keyword args in test calls
		{"mysql_version is version('10.5', '>=')", true},
		{"mysql_version is version('10.5', 'ge')", true},
		{"mysql_version is version('10.11.6', '==')", true},
		{"mysql_version is version('10.11.6', 'eq')", true},
		{"mysql_version is version('10.12', '<')", true},
		{"mysql_version is version('10.12', 'lt')", true},
		{"mysql_version is version('10.9', 'le')", false},
		{"mysql_version is version('10.9', '>')", true},
		{"mysql_version is version('10.9', 'gt')", true},
		{"mysql_version is version('10.11.6', '!=')", false},
		{"mysql_version is version('10.11.7', 'ne')", true},
		{"'1.10' is version('1.9', '>')", true},   // numeric, not string, order
		{"'2.0rc1' is version('2.0', '>')", true}, // as Python's LooseVersion orders it
		{"mysql_version is version_compare('10', '>')", true},
		{"result_ok is succeeded", true},
		{"result_ok is success", true},
		{"result_ok is failed", false},
		{"result_bad is failed", true},
		{"result_bad is failure", true},
		{"result_bad is succeeded", false},
		{"result_ok is changed", true},
		{"result_bad is changed", false},
		{"result_skip is skipped", true},
		{"result_ok is skipped", false},
		{"'galera-4' is in packages", true},
		{"'x' is in packages", false},
		{"'galera-4' in packages", true},
		{"'mysqld' in config", true},
		{"'ria' in 'mariadb'", true},
		{"packages is contains('rsync')", true},
		{"ansible_distribution is string", true},
		{"mysql_port is string", false},
		{"mysql_port is number", true},
		{"ratio is number", true},
		{"mysql_port is integer", true},
		{"ratio is float", true},
		{"mysql_enabled is boolean", true},
		{"config is mapping", true},
		{"packages is mapping", false},
		{"packages is iterable", true},
		{"config is iterable", true},
		{"mysql_port is iterable", false},
		{"packages is sequence", true},
		{"mysql_port is sequence", false},
		{"mysql_port is equalto 3306", true},
		{"mysql_port is equalto(3306)", true},
		{"mysql_port is eq(3306.0)", true},
		{"mysql_port is ne(1)", true},
		{"mysql_port is gt(3000)", true},
		{"mysql_port is lt(3000)", false},
		{"mysql_port is ge(3306)", true},
		{"mysql_port is le(3305)", false},
		{"legacy_flag is truthy", true},
		{"empty_list is truthy", false},
		{"empty_list is falsy", true},
		{"[1, 2] is subset([1, 2, 3])", true},
		{"[1, 2, 3] is superset([1, 4])", false},
		{"[true, 1] is all", true},
		{"[0, ''] is any", false},
		{"mysql_port is divisibleby(3)", true},
		{"mysql_port is even", true},
		{"mysql_port > 3000", true},
		{"ansible_distribution > 'Arch'", true},
		{"ansible_distribution_major_version >= '12'", true},
		{"mysql_port != 3306", false},
	}
	for _, tt := range tests {
		got, err := e.EvalBool(tt.expr, vars)
		if err != nil || got != tt.want {
			t.Errorf("EvalBool(%q) = %v, %v; want %v", tt.expr, got, err, tt.want)
		}
	}
}

func TestJinjaTestErrors(t *testing.T) {
	e := New()
	vars := facts(t)
	for _, tt := range []struct{ expr, contains string }{
		{"mysql_port is changed", "registered task result"},
		{"mysql_port is gt('a')", "not supported"},
		{"undefined_thing is string", "undefined_thing"},
		{"undefined_thing is version('1', '>')", "undefined_thing"},
		{"mysql_version is version('1', 'bigger')", "unknown operator"},
	} {
		_, err := e.EvalBool(tt.expr, vars)
		if err == nil || !strings.Contains(err.Error(), tt.contains) {
			t.Errorf("EvalBool(%q) error = %v, want it to mention %q", tt.expr, err, tt.contains)
		}
	}
}
