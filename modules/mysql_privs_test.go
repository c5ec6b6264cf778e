package modules

import (
	"strings"
	"testing"
)

func TestMySQLPrivsParseAndPlan(t *testing.T) {
	want, err := parseMySQLPrivs("app.*:select, insert,GRANT/*.*:REPLICATION SLAVE")
	if err != nil {
		t.Fatal(err)
	}
	if got := privString(want["app.*"]); got != "GRANT,INSERT,SELECT" {
		t.Errorf("app.* = %s", got)
	}
	if _, err := parseMySQLPrivs("app:ALL"); err == nil {
		t.Error("object without db.table accepted")
	}
	// MariaDB 10.11 SHOW GRANTS output.
	cur := parseShowGrants([]string{
		"GRANT REPLICATION SLAVE ON *.* TO `u`@`%` IDENTIFIED BY PASSWORD '*0123'",
		"GRANT SELECT, INSERT ON `app`.* TO `u`@`%` WITH GRANT OPTION",
		"GRANT ALL PRIVILEGES ON `old`.* TO `u`@`%`",
		"GRANT PROXY ON ''@'%' TO 'u'@'%' WITH GRANT OPTION",
	})
	if privString(cur["app.*"]) != "GRANT,INSERT,SELECT" || privString(cur["old.*"]) != "ALL PRIVILEGES" {
		t.Fatalf("parsed %v", cur)
	}
	acct := mysqlAccount("u", "%")
	// Same app/*.* privileges; old.* is not wanted: only its revoke.
	stmts := planGrants(acct, cur, want, false)
	if len(stmts) != 1 || stmts[0] != "REVOKE ALL PRIVILEGES ON `old`.* FROM 'u'@'%'" {
		t.Errorf("plan %q", stmts)
	}
	// append_privs never revokes, and adds only what is missing.
	add, _ := parseMySQLPrivs("app.*:UPDATE")
	stmts = planGrants(acct, cur, add, true)
	if strings.Join(stmts, ";") != "GRANT UPDATE ON `app`.* TO 'u'@'%'" {
		t.Errorf("append plan %q", stmts)
	}
	// Changing a set revokes and re-grants it (and its grant option).
	chg, _ := parseMySQLPrivs("app.*:SELECT/*.*:REPLICATION SLAVE/old.*:ALL")
	stmts = planGrants(acct, cur, chg, false)
	if strings.Join(stmts, ";") != "REVOKE ALL PRIVILEGES ON `app`.* FROM 'u'@'%';REVOKE GRANT OPTION ON `app`.* FROM 'u'@'%';GRANT SELECT ON `app`.* TO 'u'@'%'" {
		t.Errorf("change plan %q", stmts)
	}
}

func TestMySQLNativeHashAndQuoting(t *testing.T) {
	// The well-known hash of "password" under mysql_native_password.
	if h := mysqlNativeHash("password"); h != "*2470C0C06DEE42FD1618BB99005ADCA2EC9D1E19" {
		t.Errorf("hash %s", h)
	}
	if q := mysqlQuoteString(`it's a \ test`); q != `'it\'s a \\ test'` {
		t.Errorf("quote %s", q)
	}
	if e := mysqlScrub(errString("near 'pw123' at line 1"), "pw123"); strings.Contains(e, "pw123") {
		t.Errorf("scrub kept the secret: %s", e)
	}
}

type errString string

func (e errString) Error() string { return string(e) }
