package modules

import (
	"context"
	"fmt"
	"strings"
	"time"
)

func init() { Register(&sysbenchModule{}) }

// sysbenchModule runs sysbench's OLTP tests on the host against MySQL /
// MariaDB and turns the summary into figures a playbook can assert on,
// failing when a threshold is missed.
type sysbenchModule struct{}

var sysbenchTests = []string{"oltp_read_write", "oltp_read_only", "oltp_write_only", "oltp_point_select",
	"oltp_insert", "oltp_update_index", "oltp_update_non_index", "oltp_delete",
	"select_random_points", "select_random_ranges", "bulk_insert"}

func (*sysbenchModule) Spec() *Spec {
	return &Spec{
		Name: "sysbench",
		Doc:  "Prepare, run and clean up sysbench OLTP benchmarks on MySQL/MariaDB; parse tps/qps/latency and check thresholds",
		Params: []Param{
			{Name: "test", Default: "oltp_read_write", Choices: sysbenchTests, Help: "the sysbench test"},
			{Name: "command", Default: "run", Choices: []string{"prepare", "run", "cleanup"}},
			{Name: "threads", Type: TypeInt, Default: 1},
			{Name: "time", Type: TypeInt, Default: 10, Help: "seconds to run (run only)"},
			{Name: "events", Type: TypeInt, Help: "stop after this many events (0 = no limit)"},
			{Name: "tables", Type: TypeInt, Default: 1},
			{Name: "table_size", Type: TypeInt, Default: 10000},
			{Name: "db", Default: "sbtest", Aliases: []string{"mysql_db"}, Help: "database holding the sbtest tables (must exist)"},
			{Name: "mysql_user", Default: "root"},
			{Name: "mysql_password", Secret: true, Help: "passed in a config file on stdin, never on the command line"},
			{Name: "mysql_hosts", Type: TypeList, Elem: TypeStr, Aliases: []string{"hosts"}, Help: "servers to spread connections over; default: the local socket"},
			{Name: "mysql_port", Type: TypeInt, Default: 3306},
			{Name: "mysql_socket", Type: TypePath, Help: "socket when mysql_hosts is empty; default /run/mysqld/mysqld.sock"},
			{Name: "percentile", Type: TypeInt, Default: 95},
			{Name: "extra_args", Type: TypeList, Elem: TypeStr, Help: "more sysbench options (name=value, without --)"},
			{Name: "min_tps", Type: TypeFloat, Help: "fail when transactions per second are below"},
			{Name: "max_p95_ms", Type: TypeFloat, Help: "fail when the latency percentile (ms) is above"},
			{Name: "max_errors", Type: TypeInt, Help: "fail when ignored errors are above"},
			{Name: "results_dir", Type: TypePath, Help: "run: save the figures as JSON in a new file in this directory on the control machine (TEST-THREADSt-UTCTIME.json)"},
			{Name: "results_file", Type: TypePath, Help: "run: save the figures as JSON in this file on the control machine"},
			{Name: "label", Help: "a name for this set-up, saved with the figures (shown by play sysbench compare)"},
		},
		MutuallyExclusive: [][]string{{"results_dir", "results_file"}},
	}
}

// sysbenchConfig is the option file fed on stdin: options (the password
// among them) stay out of the process list.
func sysbenchConfig(args map[string]any) string {
	opts := []string{
		"db-driver=mysql",
		"mysql-user=" + Str(args, "mysql_user"),
		"mysql-db=" + Str(args, "db"),
		fmt.Sprintf("threads=%d", Int(args, "threads")),
		fmt.Sprintf("tables=%d", Int(args, "tables")),
		fmt.Sprintf("table-size=%d", Int(args, "table_size")),
		fmt.Sprintf("percentile=%d", Int(args, "percentile")),
	}
	if Str(args, "command") == "run" {
		opts = append(opts, fmt.Sprintf("time=%d", Int(args, "time")), fmt.Sprintf("events=%d", Int(args, "events")))
	}
	if pw := Str(args, "mysql_password"); pw != "" {
		opts = append(opts, "mysql-password="+pw)
	}
	if hosts := List(args, "mysql_hosts"); len(hosts) > 0 {
		opts = append(opts, "mysql-host="+strings.Join(hosts, ","), fmt.Sprintf("mysql-port=%d", Int(args, "mysql_port")))
	} else {
		sock := Str(args, "mysql_socket")
		if sock == "" {
			sock = defaultMySQLSocket
		}
		opts = append(opts, "mysql-socket="+sock)
	}
	for _, e := range List(args, "extra_args") {
		opts = append(opts, strings.TrimPrefix(e, "--"))
	}
	return strings.Join(opts, "\n") + "\n"
}

func (*sysbenchModule) Run(ctx context.Context, t *Task) (*Result, error) {
	test, command := Str(t.Args, "test"), Str(t.Args, "command")
	shown := "sysbench " + test + " --config-file=/dev/stdin " + command
	res := &Result{Data: map[string]any{"cmd": shown, "test": test, "command": command}}
	if t.Check {
		res.Skipped = true
		res.Msg = "skipped in check mode: would run " + shown
		return res, nil
	}
	started := time.Now()
	o, err := sysRun(ctx, t, "sysbench "+sysQuote(test)+" --config-file=/dev/stdin "+command, strings.NewReader(sysbenchConfig(t.Args)), cEnv)
	if err != nil {
		return nil, err
	}
	secret := Str(t.Args, "mysql_password")
	out := mysqlScrub(fmt.Errorf("%s", o.stdout), secret)
	res.Data["rc"] = o.rc
	res.Data["stdout"] = out
	res.Data["stderr"] = mysqlScrub(fmt.Errorf("%s", o.stderr), secret)
	rep := parseSysbench(o.stdout + "\n" + o.stderr)
	// prepare and cleanup create and drop tables; run only measures (its
	// writes go to the benchmark's own tables).
	res.Changed = command != "run"
	if o.rc != 0 || len(rep.Fatal) > 0 {
		res.Failed = true
		res.Msg = fmt.Sprintf("sysbench %s %s failed (rc %d)", test, command, o.rc)
		if len(rep.Fatal) > 0 {
			res.Msg += ": " + mysqlScrub(fmt.Errorf("%s", strings.Join(rep.Fatal, "; ")), secret)
		}
		return res, nil
	}
	if command != "run" {
		res.Msg = fmt.Sprintf("sysbench %s %s done", test, command)
		return res, nil
	}
	if !rep.Complete {
		res.Failed = true
		res.Msg = "sysbench output has no statistics block"
		return res, nil
	}
	for k, v := range rep.data() {
		res.Data[k] = v
	}
	res.Msg = fmt.Sprintf("%s: %.2f tps, %.2f qps, p%d %.2f ms, %d errors", test, rep.TPS, rep.QPS, rep.Percentile, rep.LatencyPct, rep.Errors)
	var missed []string
	if Has(t.Args, "min_tps") && rep.TPS < t.Args["min_tps"].(float64) {
		missed = append(missed, fmt.Sprintf("tps %.2f is below min_tps %g", rep.TPS, t.Args["min_tps"].(float64)))
	}
	if Has(t.Args, "max_p95_ms") && rep.LatencyPct > t.Args["max_p95_ms"].(float64) {
		missed = append(missed, fmt.Sprintf("p%d latency %.2f ms is above max_p95_ms %g", rep.Percentile, rep.LatencyPct, t.Args["max_p95_ms"].(float64)))
	}
	if Has(t.Args, "max_errors") && rep.Errors > int64(Int(t.Args, "max_errors")) {
		missed = append(missed, fmt.Sprintf("errors %d is above max_errors %d", rep.Errors, Int(t.Args, "max_errors")))
	}
	// Saved even when a threshold is missed: that run is the one most
	// worth comparing. The file is on the control machine, not a change
	// to any host, so it does not make the task changed.
	if path := sysbenchResultsPath(t.Args, started); path != "" {
		if err := newSysbenchResults(t, rep, o.stdout, started).save(path); err != nil {
			return failf("saving the results: %v", err), nil
		}
		res.Data["results_file"] = path
		res.Msg += "; saved to " + path
	}
	if len(missed) > 0 {
		res.Failed = true
		res.Msg = "threshold missed: " + strings.Join(missed, "; ") + " (" + res.Msg + ")"
	}
	return res, nil
}
