package template

import "testing"

// Benchmarks for the per-task-arg hot path (`go test -bench . ./engine/template/`).

func BenchmarkRenderPlain(b *testing.B) {
	e := New()
	for b.Loop() {
		_, _ = e.Render("/etc/mysql/my.cnf", nil)
	}
}

func BenchmarkRenderNativeExpr(b *testing.B) {
	e := New()
	vars := facts(b)
	for b.Loop() {
		if _, err := e.Render("{{ mysql_port | default(3306) | int }}", vars); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRenderMixed(b *testing.B) {
	e := New()
	vars := facts(b)
	for b.Loop() {
		if _, err := e.Render("--wsrep-cluster-address=gcomm://{{ groups.galera | map('extract', hostvars, 'ansible_host') | join(',') }}", vars); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEvalBool(b *testing.B) {
	e := New()
	vars := facts(b)
	for b.Loop() {
		if _, err := e.EvalBool("ansible_distribution == 'Debian' and mysql_port is defined", vars); err != nil {
			b.Fatal(err)
		}
	}
}
