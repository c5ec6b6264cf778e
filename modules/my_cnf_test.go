package modules

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// dirCnf serves option files from testdata/my_cnf, mapping the absolute
// paths the files name (/etc/mysql/...) under that directory.
type dirCnf struct{ root string }

func (d dirCnf) read(_ context.Context, p string) (string, bool, error) {
	b, err := os.ReadFile(filepath.Join(d.root, p))
	if errors.Is(err, fs.ErrNotExist) {
		return "", false, nil
	}
	return string(b), err == nil, err
}

func (d dirCnf) list(_ context.Context, dir string) ([]string, error) {
	ents, err := os.ReadDir(filepath.Join(d.root, dir))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	var out []string
	for _, e := range ents {
		out = append(out, e.Name())
	}
	return out, err
}

func strp(s string) *string { return &s }

func testdataCnf(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata/my_cnf", p))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestCnfEditKeepsCommentsAndAlignment(t *testing.T) {
	in := testdataCnf(t, "/etc/mysql/mariadb.conf.d/50-server.cnf")
	e := editCnf(parseCnf(in), "mysqld", []cnfSetting{
		{Name: "bind_address", Value: strp("0.0.0.0")}, // '_' matches the file's '-'
		{Name: "max-connections", Value: strp("3000")},
		{Name: "skip_name_resolve"}, // bare, already there
	}, true)
	out := e.text()
	if !strings.Contains(out, "\nbind-address            = 0.0.0.0\n") {
		t.Errorf("bind-address not rewritten in place:\n%s", out)
	}
	if !strings.Contains(out, "\nmax_connections         = 3000\n") {
		t.Errorf("inline comment value not replaced:\n%s", out)
	}
	if strings.Count(out, "skip-name-resolve") != 1 {
		t.Errorf("bare option duplicated:\n%s", out)
	}
	if got, want := strings.Count(out, "\n"), strings.Count(in, "\n"); got != want {
		t.Errorf("line count %d, want %d (no lines added or lost)", got, want)
	}
	for _, keep := range []string{"# * Fine Tuning", "#key_buffer_size        = 128M", "[mariadb-10.11]"} {
		if !strings.Contains(out, keep) {
			t.Errorf("lost %q", keep)
		}
	}
	if len(e.Updated) != 2 || len(e.Added) != 0 {
		t.Errorf("updated %v added %v", e.Updated, e.Added)
	}
	again := editCnf(parseCnf(out), "mysqld", []cnfSetting{{Name: "bind-address", Value: strp("0.0.0.0")}}, true)
	if again.Changed {
		t.Error("second edit changed the file")
	}
}

func TestCnfInsertNextToCommentedExample(t *testing.T) {
	in := testdataCnf(t, "/etc/mysql/mariadb.conf.d/60-galera.cnf")
	e := editCnf(parseCnf(in), "galera", []cnfSetting{
		{Name: "wsrep_on", Value: strp("ON")},
		{Name: "wsrep_cluster_name", Value: strp("lab cluster")},
		{Name: "wsrep_sst_method", Value: strp("rsync")},
	}, true)
	lines := strings.Split(e.text(), "\n")
	idx := func(s string) int {
		for i, l := range lines {
			if l == s {
				return i
			}
		}
		t.Fatalf("line %q missing from:\n%s", s, e.text())
		return -1
	}
	if idx("wsrep_on = ON") != idx("#wsrep_on                 = ON")+1 {
		t.Error("wsrep_on not placed under its commented example")
	}
	// A value with a space is kept as one value; no quoting needed.
	if idx("wsrep_cluster_name = lab cluster") != idx(`#wsrep_cluster_name       = "MariaDB Galera Cluster"`)+1 {
		t.Error("wsrep_cluster_name misplaced")
	}
	// No example: after the last option of the section.
	if idx("wsrep_sst_method = rsync") != idx("wsrep_cluster_name = lab cluster")+1 {
		t.Error("wsrep_sst_method not after the last option")
	}
}

func TestCnfNewSectionAndAbsent(t *testing.T) {
	e := editCnf(parseCnf("[client]\nuser = x\n"), "mysqld", []cnfSetting{{Name: "server-id", Value: strp("1")}, {Name: "log-bin", Value: strp("mysql-bin")}}, true)
	if got, want := e.text(), "[client]\nuser = x\n\n[mysqld]\nserver-id = 1\nlog-bin = mysql-bin\n"; got != want {
		t.Errorf("got %q want %q", got, want)
	}
	// absent removes every occurrence in the section, only there.
	in := "[mysqld]\nport=3306\nloose-port = 3307\n[client]\nport=3306\n"
	e = editCnf(parseCnf(in), "mysqld", []cnfSetting{{Name: "port"}}, false)
	if got, want := e.text(), "[mysqld]\n[client]\nport=3306\n"; got != want {
		t.Errorf("absent: got %q want %q", got, want)
	}
	if e = editCnf(parseCnf(in), "mysqld", []cnfSetting{{Name: "socket"}}, false); e.Changed {
		t.Error("removing a missing option changed the file")
	}
}

func TestCnfQuotedAndCommentedValues(t *testing.T) {
	in := "[mysqld]\ninit_connect = \"SET NAMES utf8 # not a comment\"\nlog_error = /var/log/x.log # trailing\n"
	ls := parseCnf(in)
	if ls[1].Value != "SET NAMES utf8 # not a comment" || ls[2].Value != "/var/log/x.log" {
		t.Fatalf("values %q %q", ls[1].Value, ls[2].Value)
	}
	e := editCnf(ls, "mysqld", []cnfSetting{{Name: "init-connect", Value: strp("a#b")}}, true)
	if !strings.Contains(e.text(), `init_connect = "a#b"`) {
		t.Errorf("value with # not quoted: %s", e.text())
	}
}

func TestCnfIncludeWalkAndWarnings(t *testing.T) {
	src := dirCnf{root: "testdata/my_cnf"}
	ctx := context.Background()
	galera := "/etc/mysql/mariadb.conf.d/60-galera.cnf"
	in := testdataCnf(t, galera)
	set := []cnfSetting{{Name: "bind-address", Value: strp("0.0.0.0")}, {Name: "wsrep_on", Value: strp("ON")}}
	after := editCnf(parseCnf(in), "galera", set, true).text()
	tree, err := walkCnf(ctx, src, "/etc/mysql/my.cnf", map[string]string{galera: after})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"/etc/mysql/my.cnf", "/etc/mysql/conf.d/mysql.cnf",
		"/etc/mysql/mariadb.conf.d/50-server.cnf", galera}
	if strings.Join(tree.Files, " ") != strings.Join(want, " ") {
		t.Errorf("read order %v, want %v (only *.cnf, sorted)", tree.Files, want)
	}
	sites := tree.sites("galera", "bind_address")
	if len(sites) != 2 || sites[0].Value != "127.0.0.1" || sites[1].File != galera {
		t.Fatalf("sites %v", sites)
	}
	w := cnfWarnings(tree, galera, "galera", set)
	if len(w) != 1 || !strings.Contains(w[0], "50-server.cnf:21 [mysqld] bind-address = 127.0.0.1") ||
		!strings.Contains(w[0], "last one read ("+galera) {
		t.Errorf("warnings %q", w)
	}
	// The same edit in an earlier file is overridden: the warning says so.
	srv := "/etc/mysql/mariadb.conf.d/50-server.cnf"
	tree, _ = walkCnf(ctx, src, "/etc/mysql/my.cnf", map[string]string{
		galera: after,
		srv:    editCnf(parseCnf(testdataCnf(t, srv)), "mysqld", set[:1], true).text(),
	})
	w = cnfWarnings(tree, srv, "mysqld", set[:1])
	if len(w) != 1 || !strings.Contains(w[0], "so the value in "+srv+" has no effect") {
		t.Errorf("override warning %q", w)
	}
	// [client] settings do not clash with server groups.
	if s := tree.sites("client", "bind-address"); len(s) != 0 {
		t.Errorf("client group sees server options: %v", s)
	}
}

func TestCnfFamilies(t *testing.T) {
	for _, c := range []struct {
		a, b string
		same bool
	}{
		{"mysqld", "galera", true}, {"mysqld", "mariadb-10.11", true}, {"client-server", "mysqld", true},
		{"client", "mysql", true}, {"client", "mysqld", false}, {"mysqldump", "mysqld", false},
	} {
		if got := cnfSameReader(c.a, c.b); got != c.same {
			t.Errorf("cnfSameReader(%s, %s) = %v", c.a, c.b, got)
		}
	}
}

// TestMyCnfModuleLocal runs the module over the local connection on a copy
// of the testdata tree, with include_root pointing into the copy.
func TestMyCnfModuleLocal(t *testing.T) {
	dir := t.TempDir()
	srv := filepath.Join(dir, "50-server.cnf")
	os.WriteFile(filepath.Join(dir, "my.cnf"), []byte("[client-server]\n!includedir "+dir+"/d\n"), 0o644)
	os.Mkdir(filepath.Join(dir, "d"), 0o755)
	os.WriteFile(filepath.Join(dir, "d", "50-server.cnf"), []byte(testdataCnf(t, "/etc/mysql/mariadb.conf.d/50-server.cnf")), 0o644)
	srv = filepath.Join(dir, "d", "50-server.cnf")
	gal := filepath.Join(dir, "d", "60-galera.cnf")
	os.WriteFile(gal, []byte(testdataCnf(t, "/etc/mysql/mariadb.conf.d/60-galera.cnf")), 0o644)
	args := map[string]any{"path": gal, "section": "galera", "include_root": filepath.Join(dir, "my.cnf"),
		"options": map[string]any{"bind-address": "0.0.0.0", "wsrep_on": true, "innodb_autoinc_lock_mode": 2}}

	before := readFile(t, gal)
	res := sysRunModule(t, "my_cnf", args, true)
	if !res.Changed || len(res.Diffs) != 1 || res.Diffs[0].Before != before || !strings.Contains(res.Diffs[0].After, "\nwsrep_on = ON\n") {
		t.Fatalf("check: %+v", res)
	}
	if readFile(t, gal) != before {
		t.Fatal("check mode wrote the file")
	}
	if len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], srv+":21") {
		t.Errorf("expected a bind-address duplicate warning, got %q", res.Warnings)
	}
	res = sysRunModule(t, "my_cnf", args, false)
	if !res.Changed || readFile(t, gal) != res.Diffs[0].After {
		t.Fatalf("apply: %+v", res)
	}
	if res = sysRunModule(t, "my_cnf", args, false); res.Changed {
		t.Errorf("second apply changed: %+v", res.Diffs)
	}
	// Removing the earlier setting clears the warning.
	res = sysRunModule(t, "my_cnf", map[string]any{"path": srv, "option": "bind_address", "state": "absent",
		"include_root": filepath.Join(dir, "my.cnf")}, false)
	if !res.Changed || strings.Contains(readFile(t, srv), "bind-address") || len(res.Warnings) != 0 {
		t.Errorf("absent: %+v", res)
	}
	// A file outside the include tree gets a warning.
	res = sysRunModule(t, "my_cnf", map[string]any{"path": filepath.Join(dir, "stray.cnf"), "option": "skip-name-resolve",
		"include_root": filepath.Join(dir, "my.cnf")}, false)
	if readFile(t, filepath.Join(dir, "stray.cnf")) != "[mysqld]\nskip-name-resolve\n" || len(res.Warnings) != 1 ||
		!strings.Contains(res.Warnings[0], "not read by the server") {
		t.Errorf("stray: %+v %q", res, readFile(t, filepath.Join(dir, "stray.cnf")))
	}
}
