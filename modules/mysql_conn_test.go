package modules

import (
	"path/filepath"
	"strings"
	"testing"
)

// With no server listening, check mode skips (the play's earlier tasks
// would start it) while apply fails with the reason.
func TestMySQLNoServerCheckSkipsApplyFails(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "mysqld.sock")
	args := map[string]any{"name": "app", "login_unix_socket": sock, "connect_timeout": 5}
	res := sysRunModule(t, "mysql_db", args, true)
	if !res.Skipped || res.Failed || !strings.Contains(res.Msg, "is the server running?") {
		t.Errorf("check: %+v", res)
	}
	res = sysRunModule(t, "mysql_db", args, false)
	if !res.Failed || !strings.Contains(res.Msg, sock) {
		t.Errorf("apply: %+v", res)
	}
	// Queries that would write are skipped in check mode before any connection.
	q := sysRunModule(t, "mysql_query", map[string]any{"query": "DELETE FROM t", "login_unix_socket": sock}, true)
	if !q.Skipped || !strings.Contains(q.Msg, "may change data") {
		t.Errorf("write query in check mode: %+v", q)
	}
}
