package template

import "testing"

func TestPythonMethods(t *testing.T) {
	runRenderCases(t, []renderCase{
		{"{{ 'a,b,c'.split(',') }}", []any{"a", "b", "c"}},
		{"{{ ' a  b '.split() }}", []any{"a", "b"}},
		{"{{ 'a b c'.split(' ', 1) }}", []any{"a", "b c"}},
		{"{{ 'a.b.c'.rsplit('.', 1) }}", []any{"a.b", "c"}},
		{"{{ '  x  '.strip() }}", "x"},
		{"{{ '--x--'.strip('-') }}", "x"},
		{"{{ '  x  '.lstrip() }}", "x  "},
		{"{{ '  x  '.rstrip() }}", "  x"},
		{"{{ 'a-b-c'.replace('-', '+') }}", "a+b+c"},
		{"{{ 'a-b-c'.replace('-', '+', 1) }}", "a+b-c"},
		{"{{ ansible_distribution.startswith('Deb') }}", true},
		{"{{ ansible_distribution.endswith('ian') }}", true},
		{"{{ ansible_distribution.upper() }}", "DEBIAN"},
		{"{{ ansible_distribution.lower() }}", "debian"},
		{"{{ ','.join(packages) }}", "mariadb-server,galera-4,rsync"},
		{"{{ '{}:{}'.format('db', 3306) }}", "db:3306"},
		{"{{ config.client.get('port') }}", 3306},
		{"{{ config.client.get('host', 'localhost') }}", "localhost"},
		{"{{ config.client.get('host') }}", nil},
		{"{{ config.keys() | sort }}", []any{"client", "mysqld"}},
		{"{{ config.client.values() | list }}", []any{3306}},
		{"{{ config.client.items() | list }}", []any{[]any{"port", 3306}}},
		{"{{ packages.index('rsync') }}", 2},
		{"{{ [1, 2, 1].count(1) }}", 2},
		// Fully qualified builtin filter names work too.
		{"{{ packages | ansible.builtin.join(' ') }}", "mariadb-server galera-4 rsync"},
		{"{{ mysql_port is ansible.builtin.number }}", true},
	})
}
