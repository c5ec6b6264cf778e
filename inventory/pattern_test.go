package inventory

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func names(hosts []*Host) string {
	out := make([]string, len(hosts))
	for i, h := range hosts {
		out[i] = h.Name
	}
	return strings.Join(out, " ")
}

// Expected answers are what `ansible PATTERN -i testdata/equiv/lab.ini
// --list-hosts` prints with ansible-core 2.14, except for replica:galera,
// which we return in inventory order where Ansible keeps pattern order.
func TestSelectPatterns(t *testing.T) {
	inv := mustLoad(t, "testdata/equiv/lab.ini")
	all := "bastion galera-1 galera-2 galera-3 db-primary db-replica"
	cases := []struct{ pattern, want string }{
		{"all", all},
		{"*", all},
		{"bastion", "bastion"},
		{"galera", "galera-1 galera-2 galera-3"},
		{"ungrouped", "bastion"},
		{"db", "galera-1 galera-2 galera-3 db-primary db-replica"},
		{"g*", "galera-1 galera-2 galera-3"},
		{"*-1", "galera-1"},
		{"galera-?", "galera-1 galera-2 galera-3"},
		{"galera-[!1]", "galera-2 galera-3"},
		{"galera:replica", "galera-1 galera-2 galera-3 db-primary db-replica"},
		{"galera,replica", "galera-1 galera-2 galera-3 db-primary db-replica"},
		{"replica:galera", "galera-1 galera-2 galera-3 db-primary db-replica"},
		{"bastion:galera-2", "bastion galera-2"},
		{"db:&replica", "db-primary db-replica"},
		{"db:!galera", "db-primary db-replica"},
		{"!galera:db", "db-primary db-replica"},
		{"db-*:&replica:!db-replica", "db-primary"},
		{"!galera", "bastion db-primary db-replica"},
		{"&galera", "galera-1 galera-2 galera-3"},
		{"~^gal.*", "galera-1 galera-2 galera-3"},
		{"~db-(p|r)", "db-primary db-replica"},
		{"galera[0]", "galera-1"},
		{"galera[0:1]", "galera-1 galera-2"},
		{"galera[-1]", "galera-3"},
		{"galera[1:]", "galera-2 galera-3"},
		{"db[3]", "db-primary"},
		{"gal*[0]", "galera-1"},
		{"nomatch*", ""},
		{"all:!bastion:!galera[0]", "galera-2 galera-3 db-primary db-replica"},
	}
	for _, c := range cases {
		hosts, err := inv.Select(c.pattern)
		if err != nil {
			t.Errorf("Select(%q): %v", c.pattern, err)
			continue
		}
		if got := names(hosts); got != c.want {
			t.Errorf("Select(%q) = %q, want %q", c.pattern, got, c.want)
		}
	}
}

func TestSelectUnknownNames(t *testing.T) {
	inv := mustLoad(t, "testdata/equiv/lab.ini")
	cases := []struct{ pattern, msg, hint string }{
		{"galra", "no host or group named 'galra'", "did you mean 'galera'?"},
		{"galera:replca", "'replca'", "did you mean 'replica'?"},
		{"all:!bastoin", "'bastoin'", "did you mean 'bastion'?"},
		{"galera-7", "'galera-7'", "did you mean 'galera-1'?"},
		{"galera[5]", "no hosts matched the subscripted pattern 'galera[5]'", ""},
		{"~(unclosed", "invalid host list pattern", ""},
	}
	for _, c := range cases {
		_, err := inv.Select(c.pattern)
		if err == nil || !strings.Contains(err.Error(), c.msg) || !strings.Contains(err.Error(), c.hint) {
			t.Errorf("Select(%q) error = %v, want %q and %q", c.pattern, err, c.msg, c.hint)
		}
	}
}

func TestImplicitLocalhost(t *testing.T) {
	inv := mustLoad(t, "testdata/equiv/lab.ini")
	hosts, err := inv.Select("localhost")
	if err != nil || len(hosts) != 1 || !hosts[0].Implicit {
		t.Fatalf("Select(localhost) = %v, %v", hosts, err)
	}
	v := inv.HostVars("localhost")
	if v["ansible_connection"] != "local" || v["ansible_user"] != "adam" {
		t.Errorf("implicit localhost vars = %v, want local connection and all's vars", v)
	}
	if all, _ := inv.Select("all"); strings.Contains(names(all), "localhost") {
		t.Error("implicit localhost must not be in all")
	}
}

func TestLimit(t *testing.T) {
	inv := mustLoad(t, "testdata/equiv/lab.ini")
	if err := inv.Limit("galera:!galera-2"); err != nil {
		t.Fatal(err)
	}
	check := func(pattern, want string) {
		t.Helper()
		hosts, err := inv.Select(pattern)
		if err != nil {
			t.Fatal(err)
		}
		if got := names(hosts); got != want {
			t.Errorf("Select(%q) with limit = %q, want %q", pattern, got, want)
		}
	}
	check("all", "galera-1 galera-3")
	check("db", "galera-1 galera-3")
	check("replica", "")

	file := filepath.Join(t.TempDir(), "retry")
	if err := os.WriteFile(file, []byte("db-replica\n\ngalera-3\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := inv.Limit("@" + file); err != nil {
		t.Fatal(err)
	}
	check("all", "galera-3 db-replica")

	if err := inv.Limit("galrea"); err == nil || !strings.Contains(err.Error(), "did you mean 'galera'?") {
		t.Errorf("Limit(galrea) = %v, want a did-you-mean error", err)
	}
	check("all", "galera-3 db-replica") // a failed Limit keeps the previous one
	if err := inv.Limit(""); err != nil {
		t.Fatal(err)
	}
	check("replica", "db-primary db-replica")
}

func TestSplitPattern(t *testing.T) {
	cases := map[string]string{
		"a:b":          "a|b",
		"a,b:c":        "a|b:c", // with a comma, only commas separate (as Ansible)
		"a:&b:!c":      "a|&b|!c",
		"db[1:2]:web":  "db[1:2]|web",
		"fe80::1":      "fe80::1",
		" a , b ,":     "a|b",
		"~^db.*":       "~^db.*",
		"web[0:1]:!db": "web[0:1]|!db",
	}
	for in, want := range cases {
		if got := strings.Join(splitPattern(in), "|"); got != want {
			t.Errorf("splitPattern(%q) = %q, want %q", in, got, want)
		}
	}
}
