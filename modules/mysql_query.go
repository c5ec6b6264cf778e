package modules

import (
	"context"
	"database/sql"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

func init() { Register(&mysqlQueryModule{}) }

// mysqlQueryModule runs SQL statements and returns their rows.
type mysqlQueryModule struct{}

func (*mysqlQueryModule) Spec() *Spec {
	return &Spec{
		Name: "mysql_query",
		Doc:  "Run SQL queries on MySQL/MariaDB and return their rows",
		Params: append([]Param{
			{Name: "query", Type: TypeRaw, Required: true, Help: "a statement or a list of statements"},
			{Name: "positional_args", Type: TypeList, Help: "values for %s placeholders"},
			{Name: "named_args", Type: TypeDict, Help: "values for %(name)s placeholders"},
			{Name: "single_transaction", Type: TypeBool, Default: false, Help: "run all statements in one transaction (rolled back on error)"},
			{Name: "login_db", Help: "default database"},
		}, mysqlLoginParams()...),
		MutuallyExclusive: [][]string{{"positional_args", "named_args"}},
	}
}

// readOnlySQL matches statements that cannot change anything; they run
// in check mode too, so registered results are real.
var readOnlySQL = regexp.MustCompile(`(?is)^\s*(select|show|describe|desc|explain|help)\b`)

// ddlSQL statements change the server even though they report 0 rows.
var ddlSQL = regexp.MustCompile(`(?is)^\s*(create|drop|alter|rename|truncate|grant|revoke|flush|install|uninstall|change|start|stop|reset|set\s+password|lock|unlock|kill|purge)\b`)

func mysqlQueries(v any) ([]string, error) {
	switch x := v.(type) {
	case string:
		return []string{x}, nil
	case []any:
		out := make([]string, 0, len(x))
		for _, q := range x {
			s, ok := q.(string)
			if !ok {
				return nil, fmt.Errorf("query: list items must be strings, got %s", typeName(q))
			}
			out = append(out, s)
		}
		return out, nil
	}
	return nil, fmt.Errorf("query: expected a string or a list, got %s", typeName(v))
}

var namedArg = regexp.MustCompile(`%\(([A-Za-z_][A-Za-z0-9_]*)\)s`)

// mysqlBind converts Python DB-API placeholders (%s, %(name)s) to the
// driver's ? and orders the values. Without args the text is left alone,
// so a literal % (LIKE 'wsrep%') needs no escaping.
func mysqlBind(q string, pos []any, named map[string]any) (string, []any, error) {
	switch {
	case named != nil:
		var args []any
		var missing string
		out := namedArg.ReplaceAllStringFunc(q, func(m string) string {
			name := namedArg.FindStringSubmatch(m)[1]
			v, ok := named[name]
			if !ok {
				missing = name
			}
			args = append(args, v)
			return "?"
		})
		if missing != "" {
			return "", nil, fmt.Errorf("named_args has no value for %%(%s)s", missing)
		}
		return strings.ReplaceAll(out, "%%", "%"), args, nil
	case pos != nil:
		n := strings.Count(strings.ReplaceAll(q, "%%", ""), "%s")
		if n != len(pos) {
			return "", nil, fmt.Errorf("query has %d %%s placeholders but positional_args has %d values", n, len(pos))
		}
		out := strings.ReplaceAll(strings.ReplaceAll(q, "%s", "?"), "%%", "%")
		return out, pos, nil
	}
	return q, nil, nil
}

// execer is what a statement runs on: the pool or a transaction.
type execer interface {
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
	ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error)
}

func (*mysqlQueryModule) Run(ctx context.Context, t *Task) (*Result, error) {
	queries, err := mysqlQueries(t.Args["query"])
	if err != nil {
		return failf("%v", err), nil
	}
	var pos []any
	if Has(t.Args, "positional_args") {
		pos, _ = t.Args["positional_args"].([]any)
		if pos == nil {
			pos = []any{}
		}
	}
	named := Dict(t.Args, "named_args")
	readOnly := true
	for _, q := range queries {
		if !readOnlySQL.MatchString(q) {
			readOnly = false
		}
	}
	if t.Check && !readOnly {
		return &Result{Skipped: true, Msg: "skipped in check mode: the queries may change data", Data: map[string]any{}}, nil
	}
	login := mysqlLoginFrom(t.Args)
	db, fail := mysqlTaskDB(ctx, t, login)
	if fail != nil {
		return fail, nil
	}
	defer db.Close()

	var ex execer = db
	var tx *sql.Tx
	if Bool(t.Args, "single_transaction") {
		if tx, err = db.BeginTx(ctx, nil); err != nil {
			return failf("begin: %s", mysqlScrub(err, login.Password)), nil
		}
		ex = tx
	}
	res := &Result{Data: map[string]any{}}
	var results, counts, executed []any
	for _, q := range queries {
		text, args, err := mysqlBind(q, pos, named)
		if err != nil {
			return failf("%v", err), nil
		}
		rows, n, err := mysqlRun(ctx, ex, text, args)
		if err != nil {
			if tx != nil {
				tx.Rollback()
			}
			return failf("query %q: %s", q, mysqlScrub(err, login.Password)), nil
		}
		results = append(results, rows)
		counts = append(counts, int(n))
		executed = append(executed, q)
		if !readOnlySQL.MatchString(q) && (n > 0 || ddlSQL.MatchString(q)) {
			res.Changed = true
		}
	}
	if tx != nil {
		if err := tx.Commit(); err != nil {
			return failf("commit: %s", mysqlScrub(err, login.Password)), nil
		}
	}
	res.Data["query_result"] = results
	res.Data["rowcount"] = counts
	res.Data["executed_queries"] = executed
	return res, nil
}

// mysqlRun runs one statement: result rows for statements that return
// them, the affected row count otherwise (or the number of rows read).
func mysqlRun(ctx context.Context, ex execer, q string, args []any) ([]any, int64, error) {
	if !readOnlySQL.MatchString(q) {
		r, err := ex.ExecContext(ctx, q, args...)
		if err != nil {
			return nil, 0, err
		}
		n, _ := r.RowsAffected()
		return []any{}, n, nil
	}
	rows, err := ex.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	out, err := mysqlScanRows(rows)
	return out, int64(len(out)), err
}

// mysqlScanRows turns rows into dicts; numbers become numbers, text and
// binary become strings, NULL becomes nil.
func mysqlScanRows(rows *sql.Rows) ([]any, error) {
	cols, err := rows.ColumnTypes()
	if err != nil {
		return nil, err
	}
	out := []any{}
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		row := map[string]any{}
		for i, c := range cols {
			row[c.Name()] = mysqlValue(vals[i], c.DatabaseTypeName())
		}
		out = append(out, row)
	}
	return out, rows.Err()
}

func mysqlValue(v any, typ string) any {
	if n, ok := v.(int64); ok {
		return int(n) // the binary protocol (queries with args) is typed
	}
	b, ok := v.([]byte)
	if !ok {
		return v
	}
	s := string(b)
	switch typ {
	case "TINYINT", "SMALLINT", "MEDIUMINT", "INT", "BIGINT", "YEAR",
		"UNSIGNED TINYINT", "UNSIGNED SMALLINT", "UNSIGNED MEDIUMINT", "UNSIGNED INT", "UNSIGNED BIGINT":
		if n, err := strconv.Atoi(s); err == nil {
			return n
		}
	case "FLOAT", "DOUBLE", "DECIMAL":
		if f, err := strconv.ParseFloat(s, 64); err == nil {
			return f
		}
	}
	return s
}
