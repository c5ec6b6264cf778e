package modules

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/playbook/play/engine/conn"
)

// mysqlLabHost returns the first lab host with MariaDB running, starting
// it for the test (and stopping it afterwards) when it was stopped.
func mysqlLabHost(t *testing.T) conn.Conn {
	t.Helper()
	c := sysLabHosts(t)[0]
	ctx := context.Background()
	r, err := c.Run(ctx, conn.Cmd{Command: "systemctl is-active mariadb"})
	if err != nil {
		t.Fatal(err)
	}
	if strings.TrimSpace(string(r.Stdout)) != "active" {
		r, err = c.Run(ctx, conn.Cmd{Command: "systemctl start mariadb"})
		if err != nil || r.ExitCode != 0 {
			t.Skipf("cannot start mariadb on %s: %v %s", c.Host(), err, r.Stderr)
		}
		t.Cleanup(func() { c.Run(ctx, conn.Cmd{Command: "systemctl stop mariadb"}) })
	}
	return c
}

func TestMySQLModulesOnLab(t *testing.T) {
	c := mysqlLabHost(t)
	run := func(name string, args map[string]any, check bool) *Result {
		t.Helper()
		res := sysRunModuleOn(t, c, name, args, check, nil)
		if res.Failed {
			t.Fatalf("%s %v: %s", name, args, res.Msg)
		}
		return res
	}
	t.Cleanup(func() {
		sysRunModuleOn(t, c, "mysql_user", map[string]any{"name": "play_t", "host_all": true, "state": "absent"}, false, nil)
		sysRunModuleOn(t, c, "mysql_db", map[string]any{"name": "play_t", "state": "absent"}, false, nil)
	})

	// mysql_db: check, create, idempotent, alter collation.
	db := map[string]any{"name": "play_t", "encoding": "utf8mb4", "collation": "utf8mb4_general_ci"}
	if res := run("mysql_db", db, true); !res.Changed || res.Diffs[0].BeforeState["state"] != "absent" {
		t.Fatalf("db check: %+v", res)
	}
	if res := run("mysql_query", map[string]any{"query": "SHOW DATABASES LIKE 'play_t'"}, false); len(res.Data["query_result"].([]any)[0].([]any)) != 0 {
		t.Fatal("check mode created the database")
	}
	run("mysql_db", db, false)
	if res := run("mysql_db", db, false); res.Changed {
		t.Errorf("db second run changed: %+v", res.Diffs)
	}
	db["collation"] = "utf8mb4_bin"
	if res := run("mysql_db", db, false); !res.Changed || res.Diffs[0].AfterState["collation"] != "utf8mb4_bin" {
		t.Errorf("collation change: %+v", res)
	}

	// mysql_user: create with password and privileges, then idempotence.
	const pw = "s3cret'pw\\x"
	user := map[string]any{"name": "play_t", "host": "%", "password": pw, "priv": "play_t.*:ALL,GRANT/*.*:REPLICATION SLAVE"}
	res := run("mysql_user", user, true)
	if !res.Changed || strings.Contains(sprintResult(res), "s3cret") {
		t.Fatalf("user check: %+v", res)
	}
	run("mysql_user", user, false)
	if res := run("mysql_user", user, false); res.Changed {
		t.Errorf("user second run changed: %+v", res.Diffs)
	}
	q := run("mysql_query", map[string]any{"query": "SHOW GRANTS FOR 'play_t'@'%'"}, false)
	grants := sprintResult(q)
	if !strings.Contains(grants, "REPLICATION SLAVE ON *.*") || !strings.Contains(grants, "ALL PRIVILEGES ON `play_t`.*") || !strings.Contains(grants, "WITH GRANT OPTION") {
		t.Errorf("grants: %s", grants)
	}
	// The password works: log in as the new user over TCP from the host.
	q = run("mysql_query", map[string]any{"query": "SELECT CURRENT_USER() AS u", "login_user": "play_t", "login_password": pw, "login_host": "127.0.0.1"}, false)
	if got := q.Data["query_result"].([]any)[0].([]any)[0].(map[string]any)["u"]; got != "play_t@%" {
		t.Errorf("login as play_t: %v", got)
	}
	// Changing the password and dropping a privilege is detected.
	user["password"] = "other"
	user["priv"] = "play_t.*:SELECT"
	res = run("mysql_user", user, false)
	if !res.Changed || res.Diffs[0].AfterState["password"] != "(changed)" || res.Diffs[0].AfterState["privs"].(map[string]any)["play_t.*"] != "SELECT" {
		t.Errorf("update: %+v", res.Diffs)
	}
	if res := run("mysql_user", user, false); res.Changed {
		t.Errorf("update second run changed: %+v", res.Diffs)
	}
	// A wrong password fails with a message that does not carry it.
	bad := sysRunModuleOn(t, c, "mysql_query", map[string]any{"query": "SELECT 1", "login_user": "play_t", "login_password": "wrong-pw-123", "login_host": "127.0.0.1"}, false, nil)
	if !bad.Failed || !strings.Contains(bad.Msg, "Access denied") || strings.Contains(bad.Msg, "wrong-pw-123") {
		t.Errorf("bad login: %+v", bad)
	}

	// mysql_query: args, rowcount, check mode skip for writes.
	q = run("mysql_query", map[string]any{"query": "SELECT %s + 1 AS n, %s AS s", "positional_args": []any{41, "x"}}, false)
	row := q.Data["query_result"].([]any)[0].([]any)[0].(map[string]any)
	if row["n"] != 42 || row["s"] != "x" {
		t.Errorf("positional args row: %#v", row)
	}
	w := map[string]any{"login_db": "play_t", "single_transaction": true, "query": []any{
		"CREATE TABLE IF NOT EXISTS t (id INT PRIMARY KEY)", "INSERT INTO t VALUES (1), (2)", "DELETE FROM t WHERE id = %(id)s"},
		"named_args": map[string]any{"id": 2}}
	if res := run("mysql_query", w, true); !res.Skipped {
		t.Errorf("write query in check mode: %+v", res)
	}
	q = run("mysql_query", w, false)
	if rc := q.Data["rowcount"].([]any); !q.Changed || rc[1] != 2 || rc[2] != 1 {
		t.Errorf("rowcount %v changed %v", rc, q.Changed)
	}
	// Anonymous-user style removal with host_all on a user that has none.
	if res := run("mysql_user", map[string]any{"name": "", "host_all": true, "state": "absent"}, false); res.Changed {
		t.Errorf("no anonymous users, yet changed: %+v", res)
	}
	if res := run("mysql_user", map[string]any{"name": "play_t", "host_all": true, "state": "absent"}, false); !res.Changed {
		t.Errorf("drop: %+v", res)
	}
}

func sprintResult(r *Result) string {
	var b strings.Builder
	b.WriteString(r.Msg)
	for _, d := range r.Diffs {
		b.WriteString(strings.ReplaceAll(strings.TrimSpace(fmtAny(d.BeforeState)+fmtAny(d.AfterState)), "\n", " "))
	}
	b.WriteString(fmtAny(r.Data))
	return b.String()
}

func fmtAny(v any) string { return fmt.Sprint(v) }

// TestDialRefusedOnLab: sshd refuses a forward to a missing socket with
// "administratively prohibited"; that must come back as an error at once,
// not be taken for the session limit (which made later dials and commands
// wait for a slot that the SFTP channel never frees).
func TestDialRefusedOnLab(t *testing.T) {
	c := sysLabHosts(t)[0]
	ctx := context.Background()
	if _, err := c.ReadFile(ctx, "/etc/hostname", conn.Become{}); err != nil { // opens the SFTP channel
		t.Fatal(err)
	}
	d, ok := c.(conn.Dialer)
	if !ok {
		t.Skip("transport cannot dial")
	}
	for i := 0; i < 3; i++ {
		dctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		_, err := d.DialContext(dctx, "unix", "/run/play-no-such.sock")
		cancel()
		if err == nil || errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("dial %d: %v, want a prompt refusal", i, err)
		}
	}
	if r, err := c.Run(ctx, conn.Cmd{Command: "true"}); err != nil || r.ExitCode != 0 {
		t.Fatalf("commands after refused dials: %v", err)
	}
}
