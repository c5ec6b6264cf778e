package modules

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
)

func init() { Register(&mysqlUserModule{}) }

// mysqlUserModule manages accounts: existence, password and privileges.
type mysqlUserModule struct{}

func (*mysqlUserModule) Spec() *Spec {
	return &Spec{
		Name: "mysql_user",
		Doc:  "Create, update or drop MySQL/MariaDB accounts and their privileges",
		Params: append([]Param{
			{Name: "name", Required: true, Aliases: []string{"user"}, Help: "user name ('' for anonymous users)"},
			{Name: "host", Default: "localhost", Help: "the account's host part"},
			{Name: "host_all", Type: TypeBool, Default: false, Help: "apply to every existing host of this user (e.g. to drop anonymous users)"},
			{Name: "password", Secret: true, Help: "the password; compared by its hash, never shown"},
			{Name: "encrypted", Type: TypeBool, Default: false, Help: "password is already a mysql_native_password hash (*...)"},
			{Name: "update_password", Default: "always", Choices: []string{"always", "on_create"}},
			{Name: "priv", Type: TypeRaw, Help: "privileges: 'db.*:ALL,GRANT/*.*:REPLICATION SLAVE', or a dict {object: privs}"},
			{Name: "append_privs", Type: TypeBool, Default: false, Help: "only add the privileges in priv, never revoke"},
			{Name: "state", Default: "present", Choices: []string{"present", "absent"}},
		}, mysqlLoginParams()...),
	}
}

// mysqlPrivArg accepts priv as the Ansible string or a dict.
func mysqlPrivArg(v any) (mysqlPrivs, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case string:
		return parseMySQLPrivs(x)
	case map[string]any:
		var parts []string
		for obj, p := range x {
			parts = append(parts, obj+":"+fmt.Sprint(p))
		}
		return parseMySQLPrivs(strings.Join(parts, "/"))
	}
	return nil, fmt.Errorf("priv: expected a string or a dict, got %s", typeName(v))
}

// mysqlAccountState is what the server knows about one account.
type mysqlAccountState struct {
	exists       bool
	plugin, auth string
	privs        mysqlPrivs
}

func mysqlReadAccount(ctx context.Context, db *sql.DB, user, host string) (*mysqlAccountState, error) {
	st := &mysqlAccountState{}
	var plugin, auth sql.NullString
	err := db.QueryRowContext(ctx, "SELECT plugin, authentication_string FROM mysql.user WHERE User = ? AND Host = ?", user, host).Scan(&plugin, &auth)
	if errors.Is(err, sql.ErrNoRows) {
		return st, nil
	}
	if err != nil {
		return nil, err
	}
	st.exists, st.plugin, st.auth = true, plugin.String, auth.String
	rows, err := db.QueryContext(ctx, "SHOW GRANTS FOR "+mysqlAccount(user, host))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var lines []string
	for rows.Next() {
		var l string
		if err := rows.Scan(&l); err != nil {
			return nil, err
		}
		lines = append(lines, l)
	}
	st.privs = parseShowGrants(lines)
	return st, rows.Err()
}

func (*mysqlUserModule) Run(ctx context.Context, t *Task) (*Result, error) {
	login := mysqlLoginFrom(t.Args)
	user, password := Str(t.Args, "name"), Str(t.Args, "password")
	want, err := mysqlPrivArg(t.Args["priv"])
	if err != nil {
		return failf("%v", err), nil
	}
	db, fail := mysqlTaskDB(ctx, t, login)
	if fail != nil {
		return fail, nil
	}
	defer db.Close()
	secrets := []string{login.Password, password}

	hosts := []string{Str(t.Args, "host")}
	if Bool(t.Args, "host_all") {
		if hosts, err = mysqlUserHosts(ctx, db, user); err != nil {
			return failf("listing hosts of user %q: %s", user, mysqlScrub(err, secrets...)), nil
		}
	}
	res := &Result{Data: map[string]any{"user": user}}
	var done []any
	for _, host := range hosts {
		cur, err := mysqlReadAccount(ctx, db, user, host)
		if err != nil {
			return failf("reading account %s@%s: %s", user, host, mysqlScrub(err, secrets...)), nil
		}
		stmts, before, after := mysqlUserPlan(t.Args, user, host, cur, want)
		done = append(done, host)
		if len(stmts) == 0 {
			continue
		}
		res.Changed = true
		res.Diffs = append(res.Diffs, stateDiff(fmt.Sprintf("mysql user '%s'@'%s'", user, host), before, after))
		if t.Check {
			continue
		}
		if err := mysqlExecAll(ctx, db, stmts, secrets...); err != nil {
			return failf("account '%s'@'%s': %v", user, host, err), nil
		}
	}
	res.Data["hosts"] = done
	switch {
	case !res.Changed:
		res.Msg = "accounts already as wanted"
	case t.Check:
		res.Msg = "accounts would change"
	default:
		res.Msg = "accounts changed"
	}
	return res, nil
}

// mysqlUserPlan decides the statements for one account and describes the
// change; the password appears only as "changed", never as a value.
func mysqlUserPlan(args map[string]any, user, host string, cur *mysqlAccountState, want mysqlPrivs) ([]string, map[string]any, map[string]any) {
	acct := mysqlAccount(user, host)
	before := map[string]any{"state": "absent"}
	if cur.exists {
		before = map[string]any{"state": "present", "privs": cur.privs.view()}
	}
	if Str(args, "state") == "absent" {
		if !cur.exists {
			return nil, before, before
		}
		return []string{"DROP USER " + acct}, before, map[string]any{"state": "absent"}
	}
	if !cur.exists && Bool(args, "host_all") {
		return nil, before, before // host_all only updates existing accounts
	}
	after := map[string]any{"state": "present"}
	var stmts []string
	pw, hasPw := args["password"].(string)
	identified := ""
	if hasPw {
		if Bool(args, "encrypted") {
			identified = " IDENTIFIED BY PASSWORD " + mysqlQuoteString(pw)
		} else {
			identified = " IDENTIFIED BY " + mysqlQuoteString(pw)
		}
	}
	curPrivs := cur.privs
	if !cur.exists {
		stmts = append(stmts, "CREATE USER "+acct+identified)
		if hasPw {
			after["password"] = "(set)"
		}
		curPrivs = mysqlPrivs{}
	} else if hasPw && Str(args, "update_password") == "always" && !mysqlPasswordMatches(cur, pw, Bool(args, "encrypted")) {
		stmts = append(stmts, "ALTER USER "+acct+identified)
		before["password"] = "(old)"
		after["password"] = "(changed)"
	}
	privs := curPrivs
	if want != nil {
		stmts = append(stmts, planGrants(acct, curPrivs, want, Bool(args, "append_privs"))...)
		privs = want
		if Bool(args, "append_privs") {
			privs = mysqlPrivs{}
			for o, s := range curPrivs {
				privs[o] = s
			}
			for o, s := range want {
				m := map[string]bool{}
				for p := range privs[o] {
					m[p] = true
				}
				for p := range s {
					m[p] = true
				}
				privs[o] = m
			}
		}
	}
	after["privs"] = privs.view()
	return stmts, before, after
}

// mysqlPasswordMatches compares the stored hash; an account on another
// plugin (unix_socket, ed25519) does not match and gets the password.
func mysqlPasswordMatches(cur *mysqlAccountState, pw string, encrypted bool) bool {
	if cur.plugin != "" && cur.plugin != "mysql_native_password" {
		return false
	}
	if encrypted {
		return strings.EqualFold(cur.auth, pw)
	}
	return cur.auth == mysqlNativeHash(pw)
}

func mysqlUserHosts(ctx context.Context, db *sql.DB, user string) ([]string, error) {
	rows, err := db.QueryContext(ctx, "SELECT Host FROM mysql.user WHERE User = ? ORDER BY Host", user)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var h string
		if err := rows.Scan(&h); err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	return out, rows.Err()
}
