package template

import (
	"strings"
	"testing"
)

func TestFiltersCollections(t *testing.T) {
	runRenderCases(t, []renderCase{
		{"{{ packages | join(',') }}", "mariadb-server,galera-4,rsync"},
		{"{{ [1, 'a', true] | join('-') }}", "1-a-True"},
		{"{{ users | join(', ', attribute='name') }}", "alice, bob, carol"},
		{"{{ users | map(attribute='name') | list }}", []any{"alice", "bob", "carol"}},
		{"{{ groups.galera | map('extract', hostvars, 'ansible_host') | list }}", []any{"10.0.0.11", "10.0.0.12", "10.0.0.13"}},
		{"{{ groups['galera'] | map('extract', hostvars) | map(attribute='server_id') | list }}", []any{1, 2, 3}},
		{"{{ 'db2' | extract(hostvars, 'ansible_host') }}", "10.0.0.12"},
		{"{{ ['1', '2'] | map('int') | list }}", []any{1, 2}},
		{"{{ packages | map('upper') | list }}", []any{"MARIADB-SERVER", "GALERA-4", "RSYNC"}},
		{"{{ packages | map('regex_replace', '-.*', '') | list }}", []any{"mariadb", "galera", "rsync"}},
		{"{{ packages | select('match', 'gal') | list }}", []any{"galera-4"}},
		{"{{ packages | reject('search', 'a') | list }}", []any{"rsync"}},
		{"{{ [1, 2, 3, 2] | select('equalto', 2) | list }}", []any{2, 2}},
		{"{{ [0, 1, '', 'a', none] | select | list }}", []any{1, "a"}},
		{"{{ users | selectattr('admin') | map(attribute='name') | list }}", []any{"alice", "carol"}},
		{"{{ users | rejectattr('admin') | map(attribute='name') | list }}", []any{"bob"}},
		{"{{ users | selectattr('name', 'equalto', 'bob') | map(attribute='shell') | first }}", "/bin/sh"},
		{"{{ users | selectattr('groups', 'contains', 'adm') | map(attribute='name') | list }}", []any{"alice", "carol"}},
		{"{{ 'abc' | list }}", []any{"a", "b", "c"}},
		{"{{ config | list }}", []any{"client", "mysqld"}},
		{"{{ packages | length }}", 3},
		{"{{ config | count }}", 2},
		{"{{ 'héllo' | length }}", 5},
		{"{{ packages | first }}", "mariadb-server"},
		{"{{ packages | last }}", "rsync"},
		{"{{ [3, 1, 2, 3, 1] | unique }}", []any{3, 1, 2}},
		{"{{ ['b', 'A', 'c'] | sort }}", []any{"A", "b", "c"}},
		{"{{ ['b', 'A', 'c'] | sort(case_sensitive=true) }}", []any{"A", "b", "c"}},
		{"{{ [3, 1, 2] | sort(reverse=true) }}", []any{3, 2, 1}},
		{"{{ users | sort(attribute='name', reverse=true) | map(attribute='name') | list }}", []any{"carol", "bob", "alice"}},
		{"{{ [3, 1.5, 2] | min }}", 1.5},
		{"{{ [3, 1.5, 2] | max }}", 3},
		{"{{ (users | max(attribute='name')).name }}", "carol"},
		{"{{ [1, [2, [3, [4]]]] | flatten }}", []any{1, 2, 3, 4}},
		{"{{ [1, [2, [3, [4]]]] | flatten(levels=1) }}", []any{1, 2, []any{3, []any{4}}}},
		{"{{ [1, none, [none, 2]] | flatten }}", []any{1, 2}},
		{"{{ [1, 2, 3] | zip(['a', 'b']) | list }}", []any{[]any{1, "a"}, []any{2, "b"}}},
		{"{{ [1, 2] | zip_longest(['a'], fillvalue='-') | list }}", []any{[]any{1, "a"}, []any{2, "-"}}},
		{"{{ [1, 2] | union([2, 3]) }}", []any{1, 2, 3}},
		{"{{ [1, 2] | intersect([2, 3]) }}", []any{2}},
		{"{{ [1, 2] | difference([2, 3]) }}", []any{1}},
		{"{{ [1, 2] | symmetric_difference([2, 3]) }}", []any{1, 3}},
		{"{{ range(1, 7, 2) | list }}", []any{1, 3, 5}},
		{"{{ [1, 2, 3] | sum }}", 6},
		{"{{ [3, 1] | reverse | list }}", []any{1, 3}},
		{"{{ 'abc' | reverse }}", "cba"},
		{"{{ users | subelements('groups') | map('last') | list }}", []any{"sudo", "adm", "adm"}},
		{"{{ packages.index('galera-4') }}", 1},
	})
}

func TestFiltersDicts(t *testing.T) {
	runRenderCases(t, []renderCase{
		{"{{ config.client | combine({'host': 'x'}) }}", map[string]any{"port": 3306, "host": "x"}},
		{"{{ {'a': 1} | combine({'a': 2}, {'b': 3}) }}", map[string]any{"a": 2, "b": 3}},
		{"{{ config | combine({'mysqld': {'port': 1}}) }}", map[string]any{"client": map[string]any{"port": 3306}, "mysqld": map[string]any{"port": 1}}},
		{"{{ (config | combine({'mysqld': {'port': 1}}, recursive=true)).mysqld }}",
			map[string]any{"bind_address": "0.0.0.0", "max_connections": 100, "port": 1}},
		{"{{ {'l': [1]} | combine({'l': [2]}, list_merge='append') }}", map[string]any{"l": []any{1, 2}}},
		{"{{ config.client | dict2items }}", []any{map[string]any{"key": "port", "value": 3306}}},
		{"{{ config.client | dict2items(key_name='k', value_name='v') }}", []any{map[string]any{"k": "port", "v": 3306}}},
		{"{{ [{'key': 'a', 'value': 1}] | items2dict }}", map[string]any{"a": 1}},
		{"{{ users | items2dict(key_name='name', value_name='admin') }}", map[string]any{"alice": true, "bob": false, "carol": true}},
		{"{{ dict(a=1, b='x') }}", map[string]any{"a": 1, "b": "x"}},
		{"{{ dict(['a', 'b'] | zip([1, 2])) }}", map[string]any{"a": 1, "b": 2}},
		{"{{ config.client.get('port') }}", 3306},
		{"{{ config.client.get('nope', 'dflt') }}", "dflt"},
		{"{{ config.keys() | list | sort }}", []any{"client", "mysqld"}},
		{"{{ config.client.items() | list }}", []any{[]any{"port", 3306}}},
		{"{% for k, v in config.client.items() %}{{ k }}={{ v }}{% endfor %}", "port=3306"},
		{"{{ config.mysqld | dictsort | first }}", []any{"bind_address", "0.0.0.0"}},
	})
}

func TestFiltersScalars(t *testing.T) {
	runRenderCases(t, []renderCase{
		{"{{ '42' | int }}", 42},
		{"{{ '4.7' | int }}", 4},
		{"{{ 'abc' | int }}", 0},
		{"{{ 'abc' | int(7) }}", 7},
		{"{{ '0x1A' | int(base=16) }}", 26},
		{"{{ ansible_distribution_major_version | int >= 12 }}", true},
		{"{{ '1.5' | float }}", 1.5},
		{"{{ 3 | float }}", 3.0},
		{"{{ 'x' | float }}", 0.0},
		{"{{ 'yes' | bool }}", true},
		{"{{ 'On' | bool }}", true},
		{"{{ '1' | bool }}", true},
		{"{{ 'no' | bool }}", false},
		{"{{ 'banana' | bool }}", false},
		{"{{ 1 | bool }}", true},
		{"{{ legacy_flag | bool }}", true},
		{"{{ 5 | string }}", "5"},
		{"{{ nothing | string }}", "None"},
		{"{{ true | string }}", "True"},
		{"{{ mysql_enabled | ternary('on', 'off') }}", "on"},
		{"{{ false | ternary('on', 'off') }}", "off"},
		{"{{ nothing | ternary('t', 'f', 'n') }}", "n"},
		{"{{ 'Debian' | lower }}", "debian"},
		{"{{ 'Debian' | upper }}", "DEBIAN"},
		{"{{ 'a-b-c' | replace('-', '_') }}", "a_b_c"},
		{"{{ 'a-b-c' | replace('-', '_', 1) }}", "a_b-c"},
		{"{{ '  pad \n' | trim }}", "pad"},
		{"{{ 'xxhixx' | trim('x') }}", "hi"},
		{"{{ 'a,b,,c' | split(',') }}", []any{"a", "b", "", "c"}},
		{"{{ ' a  b ' | split }}", []any{"a", "b"}},
		{"{{ 'a,b,c' | split(',', 1) }}", []any{"a", "b,c"}},
		{"{{ 'a,b'.split(',') }}", []any{"a", "b"}},
		{"{{ 'Debian'.startswith('Deb') }}", true},
		{"{{ '  x '.strip() }}", "x"},
		{"{{ 'x'.upper() }}", "X"},
		{"{{ '/etc/mysql/my.cnf' | basename }}", "my.cnf"},
		{"{{ '/etc/mysql/my.cnf' | dirname }}", "/etc/mysql"},
		{"{{ 'my.cnf' | dirname }}", ""},
		{"{{ '/my.cnf' | dirname }}", "/"},
		{"{{ 'hello' | b64encode }}", "aGVsbG8="},
		{"{{ 'aGVsbG8=' | b64decode }}", "hello"},
		{"{{ 'abc' | hash('sha1') }}", "a9993e364706816aba3e25717850c26c9cd0d89d"},
		{"{{ 'abc' | hash('md5') }}", "900150983cd24fb0d6963f7d28e17f72"},
		{"{{ 'abc' | hash('sha256') }}", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
		{"{{ 'abc' | checksum }}", "a9993e364706816aba3e25717850c26c9cd0d89d"},
		{"{{ 'abc' | md5 }}", "900150983cd24fb0d6963f7d28e17f72"},
		{"{{ 'simple' | quote }}", "simple"},
		{"{{ 'two words' | quote }}", "'two words'"},
		{"{{ \"it's\" | quote }}", `'it'"'"'s'`},
		{"{{ '' | quote }}", "''"},
		{"{{ '%s:%d' | format('db', 3306) }}", "db:3306"},
		{"{{ '%05.1f%%' | format(2.25) }}", "002.2%"},
		{"{{ 'db' ~ mysql_port }}", "db3306"},
		{"{{ mysql_port | type_debug }}", "int"},
		{"{{ lookup('env', 'PLAY_TEMPLATE_TEST_UNSET') }}", ""},
		{"{{ lookup('env', 'PLAY_TEMPLATE_TEST_UNSET', default='d') }}", "d"},
		{"{{ query('env', 'PLAY_TEMPLATE_TEST_UNSET') }}", []any{""}},
	})
}

func TestFiltersRegex(t *testing.T) {
	runRenderCases(t, []renderCase{
		{"{{ 'mariadb-10.11.6' | regex_replace('^mariadb-', '') }}", "10.11.6"},
		{`{{ 'host:3306' | regex_replace('^(\\w+):(\\d+)$', '\\2@\\1') }}`, "3306@host"},
		{`{{ 'host:3306' | regex_replace('^(?P<h>\\w+):(?P<p>\\d+)$', '\\g<p>/\\g<h>') }}`, "3306/host"},
		{"{{ 'aaa' | regex_replace('a', 'b', count=2) }}", "bba"},
		{"{{ 'ABC' | regex_replace('b', 'x', ignorecase=true) }}", "AxC"},
		{"{{ 'a\nb' | regex_replace('^', '> ', multiline=true) }}", "> a\n> b"},
		{"{{ 'cost 5$' | regex_replace('(\\\\d)', '$\\\\1') }}", "cost $5$"},
		{"{{ 'version 10.11.6' | regex_search('\\\\d+\\\\.\\\\d+') }}", "10.11"},
		{"{{ 'version 10.11.6' | regex_search('(\\\\d+)\\\\.(\\\\d+)', '\\\\2', '\\\\1') }}", []any{"11", "10"}},
		{"{{ 'nothing here' | regex_search('\\\\d') }}", nil},
		{"{{ 'a1b22c333' | regex_findall('\\\\d+') }}", []any{"1", "22", "333"}},
		{"{{ 'k1=v1 k2=v2' | regex_findall('(\\\\w+)=(\\\\w+)') }}", []any{[]any{"k1", "v1"}, []any{"k2", "v2"}}},
		{"{{ 'a.b' | regex_escape }}", `a\.b`},
	})
}

func TestFiltersIPAddr(t *testing.T) {
	runRenderCases(t, []renderCase{
		{"{{ '10.0.0.11' | ipaddr }}", "10.0.0.11"},
		{"{{ 'db1' | ipaddr }}", false},
		{"{{ ['10.0.0.1', 'x', '::1', '192.168.1.0/24'] | ipaddr }}", []any{"10.0.0.1", "::1", "192.168.1.0/24"}},
		{"{{ ['10.0.0.1', '::1'] | ipv4 }}", []any{"10.0.0.1"}},
		{"{{ ['10.0.0.1', '::1'] | ipv6 }}", []any{"::1"}},
		{"{{ '192.168.1.17/24' | ipaddr('address') }}", "192.168.1.17"},
		{"{{ '192.168.1.17/24' | ipaddr('network') }}", "192.168.1.0"},
		{"{{ '192.168.1.17/24' | ipaddr('netmask') }}", "255.255.255.0"},
		{"{{ '192.168.1.17/24' | ipaddr('prefix') }}", 24},
		{"{{ '192.168.1.17/24' | ipaddr('broadcast') }}", "192.168.1.255"},
		{"{{ '192.168.1.17/24' | ipaddr('subnet') }}", "192.168.1.0/24"},
		{"{{ '192.168.1.0/24' | ipaddr('1') }}", "192.168.1.1/24"},
		{"{{ '192.168.1.0/24' | ipaddr('size') }}", 256},
		{"{{ ['10.1.1.1', '8.8.8.8'] | ipaddr('private') }}", []any{"10.1.1.1"}},
		{"{{ ['10.1.1.1', '8.8.8.8'] | ipaddr('public') }}", []any{"8.8.8.8"}},
		{"{{ '10.0.0.1' | ansible.utils.ipv4('address') }}", "10.0.0.1"},
	})
}

func TestFiltersSerialisation(t *testing.T) {
	runRenderCases(t, []renderCase{
		{"{{ config.client | to_json }}", `{"port": 3306}`},
		{"{{ {'b': [1, 2.5, none, true], 'a': 'é<>'} | to_json }}", `{"a": "\u00e9<>", "b": [1, 2.5, null, true]}`},
		{"{{ config.client | to_nice_json }}", "{\n    \"port\": 3306\n}"},
		{"{{ [1, {'a': []}] | to_nice_json(indent=2) }}", "[\n  1,\n  {\n    \"a\": []\n  }\n]"},
		{"{{ '{\"a\": [1, 2.5, \"x\", null]}' | from_json }}", map[string]any{"a": []any{1, 2.5, "x", nil}}},
		{"{{ config.client | to_yaml }}", "port: 3306\n"},
		{"{{ {'l': [1, 2]} | to_nice_yaml }}", "l:\n    - 1\n    - 2\n"},
		{"{{ 'a: 1\nb: [x, y]' | from_yaml }}", map[string]any{"a": 1, "b": []any{"x", "y"}}},
		{"{{ config | to_json | from_json == config }}", true},
		{"{{ users | to_yaml | from_yaml == users }}", true},
	})
}

func TestPasswordHash(t *testing.T) {
	// Expected values are `openssl passwd -6|-5 -salt SALT PASSWORD`.
	vectors := []struct{ tmpl, want string }{
		{"{{ 'secret' | password_hash('sha512', 'saltsalt') }}",
			"$6$saltsalt$TVLlQcbpFVof5W3Yz4DTP6gRstiNuHwwTt6GLc1E5n0U0aDehy0S5knV8wiOQSpT0Y77vwPZN.Pq.H91p5hVO1"},
		{"{{ 'Hello world!' | password_hash('sha512', 'abcdefghijklmnopq') }}",
			"$6$abcdefghijklmnop$QHIFY5kc1kz.IbvL93uE1dch/by2Y7vCuMbwuEBxMP1NEAB5NvpcgGSpdKQkNYQUZ54mM9gicC5bYr2OQXmkh."},
		{"{{ 'secret' | password_hash('sha256', 'saltsalt') }}",
			"$5$saltsalt$0IyaXrmV7.sGNS6tirgqHLqX/G.FBvgkYA.lpPdS5sA"},
		{"{{ 'Hello world!' | password_hash('sha256', 'saltstringsaltstring', rounds=10000) }}",
			"$5$rounds=10000$saltstringsaltst$3xv.VbSHBb41AL9AvLeujZkZRBAwqFMz2.opqey6IcA"},
		// The example from Drepper's specification.
		{"{{ 'Hello world!' | password_hash('sha512', 'saltstring') }}",
			"$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1"},
	}
	e := New()
	for _, v := range vectors {
		got, err := e.Render(v.tmpl, nil)
		if err != nil || got != v.want {
			t.Errorf("%s = %v, %v\nwant %s", v.tmpl, got, err, v.want)
		}
	}
	a, _ := e.RenderString("{{ 'pw' | password_hash('sha512') }}", nil)
	b, _ := e.RenderString("{{ 'pw' | password_hash('sha512') }}", nil)
	if !strings.HasPrefix(a, "$6$") || a == b {
		t.Errorf("password_hash without salt should use a fresh random salt: %q %q", a, b)
	}
}

func TestLookupEnv(t *testing.T) {
	t.Setenv("PLAY_TEMPLATE_TEST_VAR", "from-env")
	e := New()
	got, err := e.Render("{{ lookup('env', 'PLAY_TEMPLATE_TEST_VAR') }}", nil)
	if err != nil || got != "from-env" {
		t.Fatalf("lookup env = %#v, %v", got, err)
	}
	if _, err := e.Render("{{ lookup('file', '/etc/hostname') }}", nil); err == nil || !strings.Contains(err.Error(), "not supported") {
		t.Fatalf("unsupported lookup plugin error = %v", err)
	}
}
