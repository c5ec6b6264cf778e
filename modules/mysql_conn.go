package modules

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/playbook/play/engine/conn"
)

// The MySQL modules talk to the server from the host's side: the driver's
// network connection is a channel of the host's transport (an SSH
// direct-tcpip or direct-streamlocal channel, or a plain dial for a local
// host), so the database never needs a port open to the controller and
// the Debian root account, which authenticates by unix_socket, is reached
// through the server's socket.

// mysqlLoginParams are the login_* params every MySQL module shares.
func mysqlLoginParams() []Param {
	return []Param{
		{Name: "login_user", Default: "root", Help: "account to connect as"},
		{Name: "login_password", Secret: true, Help: "its password (not needed for root over the socket on Debian)"},
		{Name: "login_host", Default: "localhost", Help: "server address as seen from the host; localhost means the unix socket"},
		{Name: "login_port", Type: TypeInt, Default: 3306, Help: "TCP port when login_host is not localhost"},
		{Name: "login_unix_socket", Type: TypePath, Help: "server socket on the host; default /run/mysqld/mysqld.sock"},
		{Name: "connect_timeout", Type: TypeInt, Default: 30, Help: "seconds to wait for the connection"},
	}
}

// mysqlLogin is how to reach and log in to a server.
type mysqlLogin struct {
	User, Password string
	Host           string
	Port           int
	Socket         string
	Timeout        time.Duration
	DB             string
}

// defaultMySQLSocket is where Debian and RedHat packages put the socket.
const defaultMySQLSocket = "/run/mysqld/mysqld.sock"

func mysqlLoginFrom(args map[string]any) mysqlLogin {
	l := mysqlLogin{
		User: Str(args, "login_user"), Password: Str(args, "login_password"),
		Host: Str(args, "login_host"), Port: Int(args, "login_port"), Socket: Str(args, "login_unix_socket"),
		Timeout: time.Duration(Int(args, "connect_timeout")) * time.Second,
		DB:      Str(args, "login_db"),
	}
	if l.User == "" {
		l.User = "root"
	}
	if l.Port == 0 {
		l.Port = 3306
	}
	if l.Timeout <= 0 {
		l.Timeout = 30 * time.Second
	}
	return l
}

// network returns where the driver connects, from the host's point of view.
func (l mysqlLogin) network() (string, string) {
	if l.Socket != "" || l.Host == "" || l.Host == "localhost" {
		s := l.Socket
		if s == "" {
			s = defaultMySQLSocket
		}
		return "unix", s
	}
	return "tcp", net.JoinHostPort(l.Host, strconv.Itoa(l.Port))
}

// where names the target in messages.
func (l mysqlLogin) where(host string) string {
	n, a := l.network()
	if n == "unix" {
		return fmt.Sprintf("%s via socket %s", host, a)
	}
	return fmt.Sprintf("%s at %s", host, a)
}

// mysqlOpen connects to the server on c's host. The pool holds a single
// connection so session state (transactions, variables) is one session,
// and the host's channel count stays at one.
func mysqlOpen(ctx context.Context, c conn.Conn, l mysqlLogin) (*sql.DB, error) {
	d, ok := c.(conn.Dialer)
	if !ok {
		return nil, fmt.Errorf("the connection to %s cannot open network channels; the MySQL modules need SSH or local", c.Host())
	}
	cfg := mysql.NewConfig()
	cfg.User, cfg.Passwd, cfg.DBName = l.User, l.Password, l.DB
	cfg.Net, cfg.Addr = l.network()
	cfg.Timeout = l.Timeout
	// Placeholders are filled in by the driver (escaped for the
	// connection's charset) rather than by server-side prepared
	// statements, which MariaDB refuses for SHOW, CHANGE MASTER and other
	// statements playbooks need arguments in.
	cfg.InterpolateParams = true
	cfg.DialFunc = func(ctx context.Context, network, addr string) (net.Conn, error) {
		nc, err := d.DialContext(ctx, network, addr)
		if err != nil {
			return nil, &mysqlDialError{err}
		}
		return nc, nil
	}
	connector, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, fmt.Errorf("mysql connection settings: %w", err)
	}
	db := sql.OpenDB(connector)
	db.SetMaxOpenConns(1)
	pctx, cancel := context.WithTimeout(ctx, l.Timeout)
	defer cancel()
	if err := db.PingContext(pctx); err != nil {
		db.Close()
		var de *mysqlDialError
		if errors.As(err, &de) {
			// Nothing listens there: keep the cause so check mode can
			// tell "not running yet" from a refused login.
			return nil, fmt.Errorf("cannot connect to MySQL on %s (is the server running?): %w", l.where(c.Host()), de)
		}
		return nil, fmt.Errorf("cannot connect to MySQL on %s as %s: %s", l.where(c.Host()), l.User, mysqlScrub(err, l.Password))
	}
	return db, nil
}

// mysqlScrub renders an error without the password: server messages can
// quote the statement that failed, and statements can carry passwords.
func mysqlScrub(err error, secrets ...string) string {
	if err == nil {
		return ""
	}
	s := err.Error()
	for _, p := range secrets {
		if p != "" {
			s = strings.ReplaceAll(s, p, "********")
		}
	}
	return s
}

// mysqlQuoteIdent quotes a database or table name.
func mysqlQuoteIdent(s string) string {
	return "`" + strings.ReplaceAll(s, "`", "``") + "`"
}

// mysqlQuoteString quotes a string literal (account names, passwords in
// statements that cannot take placeholders, like CREATE USER).
func mysqlQuoteString(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `'`, `\'`, "\x00", `\0`, "\n", `\n`, "\r", `\r`, "\x1a", `\Z`)
	return "'" + r.Replace(s) + "'"
}

// mysqlAccount formats 'user'@'host'.
func mysqlAccount(user, host string) string {
	return mysqlQuoteString(user) + "@" + mysqlQuoteString(host)
}

// mysqlStatus reads SHOW GLOBAL STATUS/VARIABLES rows whose name matches
// like, as a name -> value map.
func mysqlStatus(ctx context.Context, db *sql.DB, what, like string) (map[string]string, error) {
	// SHOW cannot be prepared, so the pattern is a quoted literal.
	rows, err := db.QueryContext(ctx, "SHOW GLOBAL "+what+" LIKE "+mysqlQuoteString(like))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var k, v sql.NullString
		if err := rows.Scan(&k, &v); err != nil {
			return nil, err
		}
		out[strings.ToLower(k.String)] = v.String
	}
	return out, rows.Err()
}

// mysqlExecAll runs statements in order, stopping at the first error,
// which is returned without any secret it might quote (raw or escaped).
func mysqlExecAll(ctx context.Context, db *sql.DB, stmts []string, secrets ...string) error {
	var all []string
	for _, p := range secrets {
		if p != "" {
			q := mysqlQuoteString(p)
			all = append(all, q[1:len(q)-1], p)
		}
	}
	for _, s := range stmts {
		if _, err := db.ExecContext(ctx, s); err != nil {
			return errors.New(mysqlScrub(err, all...))
		}
	}
	return nil
}

// mysqlDialError is a failure to reach the server at all (no socket, port
// closed), as opposed to a refused login or a server error.
type mysqlDialError struct{ err error }

func (e *mysqlDialError) Error() string { return e.err.Error() }
func (e *mysqlDialError) Unwrap() error { return e.err }

// mysqlTaskDB connects for a module task. In check mode a server that is
// not reachable yet (a fresh host whose earlier tasks would install and
// start it) makes the task skip with the reason instead of failing the
// whole dry run; in apply it fails.
func mysqlTaskDB(ctx context.Context, t *Task, l mysqlLogin) (*sql.DB, *Result) {
	db, err := mysqlOpen(ctx, t.Conn, l)
	if err == nil {
		return db, nil
	}
	var de *mysqlDialError
	if t.Check && errors.As(err, &de) {
		return nil, &Result{Skipped: true, Msg: "skipped in check mode: " + err.Error(), Data: map[string]any{}}
	}
	return nil, failf("%v", err)
}
