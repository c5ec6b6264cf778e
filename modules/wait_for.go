package modules

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
)

func init() { Register(&waitForModule{}) }

// waitForModule waits, on the target, for a port to open or close, a file
// to appear or disappear, or a port to drain. The whole poll loop runs as
// one remote command: no round trip per attempt.
type waitForModule struct{}

func (*waitForModule) Spec() *Spec {
	return &Spec{
		Name: "wait_for",
		Doc:  "Wait on the target for a port, a file, a string in a file, or drained connections",
		Params: []Param{
			{Name: "host", Default: "127.0.0.1", Help: "the address to check, as seen from the target"},
			{Name: "port", Type: TypeInt, Help: "the TCP port"},
			{Name: "path", Type: TypePath, Help: "a file to wait for"},
			{Name: "search_regex", Help: "an extended regex to find in the file or the port's banner"},
			{Name: "state", Default: "started", Choices: []string{"started", "stopped", "present", "absent", "drained"}, Help: "what to wait for"},
			{Name: "timeout", Type: TypeInt, Default: 300, Help: "seconds before giving up"},
			{Name: "delay", Type: TypeInt, Default: 0, Help: "seconds to wait before the first check"},
			{Name: "sleep", Type: TypeInt, Default: 1, Help: "seconds between checks"},
			{Name: "connect_timeout", Type: TypeInt, Default: 5, Help: "seconds for one connection attempt"},
			{Name: "msg", Help: "the failure message on timeout"},
			{Name: "exclude_hosts", Type: TypeList, Elem: TypeStr, Help: "accepted for compatibility (drained)"},
			{Name: "active_connection_states", Type: TypeList, Elem: TypeStr, Help: "accepted for compatibility (drained)"},
		},
		MutuallyExclusive: [][]string{{"port", "path"}},
	}
}

// waitForGrep defines wf_grep: Perl-compatible regexes (closest to the
// Python regexes Ansible users write, e.g. \d) when grep has -P, else
// extended regexes. A missing file is simply no match.
const waitForGrep = `wf_grep() { if echo x | grep -Pq x 2>/dev/null; then grep -Pq -- "$@" 2>/dev/null; else grep -Eq -- "$@" 2>/dev/null; fi; }; `

// waitForCheck returns the sh condition to poll and the timeout message.
func waitForCheck(a map[string]any) (cond, msg string) {
	host, state, re := Str(a, "host"), Str(a, "state"), Str(a, "search_regex")
	ct := strconv.Itoa(Int(a, "connect_timeout"))
	if Has(a, "port") {
		port := strconv.Itoa(Int(a, "port"))
		hp := host + ":" + port
		// bash's /dev/tcp connects without extra tools; nc is the fallback.
		open := "wf_open() { if command -v bash >/dev/null 2>&1; then timeout " + ct + ` bash -c 'exec 3<>"/dev/tcp/$0/$1"' ` +
			sysQuote(host) + " " + port + " 2>/dev/null; else nc -z -w " + ct + " " + sysQuote(host) + " " + port + " 2>/dev/null; fi; }; "
		switch state {
		case "stopped", "absent":
			return open + "! wf_open", "Timeout when waiting for " + hp + " to stop."
		case "drained":
			hex := fmt.Sprintf("%04X", Int(a, "port"))
			return `awk -v p=` + hex + ` '{ split($2, a, ":"); if (a[2] == p && $4 == "01") found = 1 } END { exit found }' /proc/net/tcp /proc/net/tcp6 2>/dev/null`,
				"Timeout when waiting for " + hp + " to drain"
		}
		if re != "" {
			read := "timeout " + ct + ` bash -c 'exec 3<>"/dev/tcp/$0/$1"; cat <&3' ` + sysQuote(host) + " " + port + " 2>/dev/null"
			return waitForGrep + read + " | wf_grep " + sysQuote(re), "Timeout when waiting for search string " + re + " in " + hp
		}
		return open + "wf_open", "Timeout when waiting for " + hp
	}
	p := sysQuote(Str(a, "path"))
	switch state {
	case "absent", "stopped":
		return "[ ! -e " + p + " ]", "Timeout when waiting for " + Str(a, "path") + " to be absent."
	}
	if re != "" {
		return waitForGrep + "wf_grep " + sysQuote(re) + " " + p, "Timeout when waiting for search string " + re + " in " + Str(a, "path")
	}
	return "[ -e " + p + " ]", "Timeout when waiting for file " + Str(a, "path")
}

func (*waitForModule) Run(ctx context.Context, t *Task) (*Result, error) {
	a := t.Args
	state := Str(a, "state")
	res := &Result{Data: map[string]any{"state": state, "match_groups": []any{}, "match_groupdict": map[string]any{}}}
	for _, k := range []string{"port", "path", "search_regex"} {
		if Has(a, k) {
			res.Data[k] = a[k]
		}
	}
	start := time.Now()
	if !Has(a, "port") && !Has(a, "path") {
		// Nothing to watch: Ansible simply sleeps for the timeout.
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(time.Duration(Int(a, "delay")+Int(a, "timeout")) * time.Second):
		}
		res.Data["elapsed"] = int(time.Since(start).Seconds())
		return res, nil
	}
	if state == "drained" && !Has(a, "port") {
		return &Result{Failed: true, Msg: "state=drained needs a port"}, nil
	}
	cond, msg := waitForCheck(a)
	sleep := Int(a, "sleep")
	if sleep < 1 {
		sleep = 1
	}
	wait, delay := Int(a, "delay")+Int(a, "timeout"), Int(a, "delay")
	if t.Check && t.CheckPending {
		// What we would wait for depends on changes that were only
		// predicted: one probe tells the truth now; waiting can't help.
		wait, delay = 0, 0
	}
	script := fmt.Sprintf("end=$(( $(date +%%s) + %d )); sleep %d; while :; do if %s; then exit 0; fi; "+
		"if [ \"$(date +%%s)\" -ge \"$end\" ]; then exit 99; fi; sleep %d; done",
		wait, delay, cond, sleep)
	o, err := sysRun(ctx, t, script, nil, cEnv)
	if err != nil {
		return nil, err
	}
	res.Data["elapsed"] = int(time.Since(start).Seconds())
	if o.rc != 0 {
		res.Failed = true
		res.Msg = msg
		if m := Str(a, "msg"); m != "" {
			res.Msg = m
		}
		if o.rc != 99 {
			res.Msg += " (" + strings.TrimSpace(o.text()) + ")"
		}
	}
	return res, nil
}
