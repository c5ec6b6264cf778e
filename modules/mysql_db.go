package modules

import (
	"context"
	"database/sql"
	"errors"
	"strings"
)

func init() { Register(&mysqlDBModule{}) }

// mysqlDBModule creates or drops databases and converges their default
// character set and collation.
type mysqlDBModule struct{}

func (*mysqlDBModule) Spec() *Spec {
	return &Spec{
		Name: "mysql_db",
		Doc:  "Create or drop MySQL/MariaDB databases",
		Params: append([]Param{
			{Name: "name", Type: TypeList, Elem: TypeStr, Required: true, Aliases: []string{"db"}, Help: "database name(s)"},
			{Name: "state", Default: "present", Choices: []string{"present", "absent"}},
			{Name: "encoding", Help: "default character set (e.g. utf8mb4)"},
			{Name: "collation", Help: "default collation (e.g. utf8mb4_general_ci)"},
		}, mysqlLoginParams()...),
	}
}

// mysqlSchema is a database's current definition.
type mysqlSchema struct {
	exists             bool
	charset, collation string
}

func mysqlReadSchema(ctx context.Context, db *sql.DB, name string) (mysqlSchema, error) {
	var s mysqlSchema
	err := db.QueryRowContext(ctx,
		"SELECT DEFAULT_CHARACTER_SET_NAME, DEFAULT_COLLATION_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?",
		name).Scan(&s.charset, &s.collation)
	if errors.Is(err, sql.ErrNoRows) {
		return s, nil
	}
	s.exists = err == nil
	return s, err
}

func (*mysqlDBModule) Run(ctx context.Context, t *Task) (*Result, error) {
	login := mysqlLoginFrom(t.Args)
	db, fail := mysqlTaskDB(ctx, t, login)
	if fail != nil {
		return fail, nil
	}
	defer db.Close()
	present := Str(t.Args, "state") == "present"
	enc, coll := Str(t.Args, "encoding"), Str(t.Args, "collation")
	res := &Result{Data: map[string]any{}}
	var names []any
	for _, name := range List(t.Args, "name") {
		names = append(names, name)
		cur, err := mysqlReadSchema(ctx, db, name)
		if err != nil {
			return failf("reading database %s: %s", name, mysqlScrub(err, login.Password)), nil
		}
		before := map[string]any{"state": "absent"}
		if cur.exists {
			before = map[string]any{"state": "present", "encoding": cur.charset, "collation": cur.collation}
		}
		var stmt string
		after := map[string]any{"state": "absent"}
		switch {
		case !present && cur.exists:
			stmt = "DROP DATABASE " + mysqlQuoteIdent(name)
		case present && !cur.exists:
			stmt = "CREATE DATABASE " + mysqlQuoteIdent(name) + mysqlCharsetClause(enc, coll)
			after = map[string]any{"state": "present", "encoding": enc, "collation": coll}
		case present:
			after = map[string]any{"state": "present", "encoding": cur.charset, "collation": cur.collation}
			wantEnc := enc != "" && !strings.EqualFold(enc, cur.charset)
			wantColl := coll != "" && !strings.EqualFold(coll, cur.collation)
			if wantEnc || wantColl {
				stmt = "ALTER DATABASE " + mysqlQuoteIdent(name) + mysqlCharsetClause(enc, coll)
				if wantEnc {
					after["encoding"] = enc
				}
				if wantColl {
					after["collation"] = coll
				}
			}
		}
		if stmt == "" {
			continue
		}
		res.Changed = true
		res.Diffs = append(res.Diffs, stateDiff("mysql database "+name, before, after))
		if t.Check {
			continue
		}
		if err := mysqlExecAll(ctx, db, []string{stmt}, login.Password); err != nil {
			return failf("database %s: %v", name, err), nil
		}
	}
	res.Data["db"] = names
	switch {
	case !res.Changed:
		res.Msg = "databases already as wanted"
	case t.Check:
		res.Msg = "databases would change"
	default:
		res.Msg = "databases changed"
	}
	return res, nil
}

func mysqlCharsetClause(enc, coll string) string {
	s := ""
	if enc != "" {
		s += " CHARACTER SET " + mysqlQuoteIdent(enc)
	}
	if coll != "" {
		s += " COLLATE " + mysqlQuoteIdent(coll)
	}
	return s
}
