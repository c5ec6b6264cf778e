package template

import (
	"reflect"
	"testing"

	"gopkg.in/yaml.v3"
)

// factsYAML is the kind of data real plays carry: inventory, facts and a
// registered result, decoded the way the playbook loader decodes YAML.
const factsYAML = `
inventory_hostname: db1
ansible_distribution: Debian
ansible_distribution_major_version: "12"
mysql_port: 3306
mysql_enabled: true
legacy_flag: yes     # yaml.v3 keeps this a string; when: must still treat it as true
mysql_version: "10.11.6"
ratio: 0.5
empty_list: []
nothing: null
packages: [mariadb-server, galera-4, rsync]
users:
  - {name: alice, shell: /bin/bash, admin: true, groups: [sudo, adm]}
  - {name: bob, shell: /bin/sh, admin: false, groups: []}
  - {name: carol, admin: true, groups: [adm]}
config:
  mysqld: {bind_address: 0.0.0.0, max_connections: 100}
  client: {port: 3306}
groups:
  galera: [db1, db2, db3]
hostvars:
  db1: {ansible_host: 10.0.0.11, server_id: 1}
  db2: {ansible_host: 10.0.0.12, server_id: 2}
  db3: {ansible_host: 10.0.0.13, server_id: 3}
result_ok: {changed: true, failed: false, rc: 0, stdout: "ok"}
result_bad: {changed: false, failed: true, rc: 2, msg: boom}
result_skip: {changed: false, skipped: true}
`

func facts(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := yaml.Unmarshal([]byte(factsYAML), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// renderCase is one template and the native value it must produce.
type renderCase struct {
	tmpl string
	want any
}

func runRenderCases(t *testing.T, cases []renderCase) {
	t.Helper()
	e := New()
	vars := facts(t)
	for _, c := range cases {
		t.Run(c.tmpl, func(t *testing.T) {
			got, err := e.Render(c.tmpl, vars)
			if err != nil {
				t.Fatalf("Render(%q): %v", c.tmpl, err)
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Fatalf("Render(%q) = %#v (%T), want %#v (%T)", c.tmpl, got, got, c.want, c.want)
			}
		})
	}
}
