package modules

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// Review mode (issue #8) proven on the galera playbook: on fresh nodes
// `play run --check --diff --report` touches nothing, shows every file
// the apply then writes with the content it writes, shows the bootstrap
// plan the apply then follows, marks the tasks that depend on pending
// changes, and renders a readable report; on the converged cluster it
// reports nothing and exits 0 with --detailed-exitcode; no output of any
// of these runs contains the passwords given to them.

// reviewRun is one play invocation's outputs.
type reviewRun struct {
	code           int
	stdout, stderr []byte
}

func (l *galeraLab) review(t *testing.T, bin string, args ...string) reviewRun {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"run", "-i", l.inv}, args...)...)
	cmd.Dir = ".."
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	r := reviewRun{stdout: out.Bytes(), stderr: errb.Bytes()}
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
	case err != nil:
		t.Fatalf("play %v: %v", args, err)
	}
	return r
}

// freshReset is galeraLab.reset plus what the common role writes, so the
// nodes are as the image made them even after another test converged
// them.
func (l *galeraLab) freshReset(t *testing.T) {
	t.Helper()
	l.reset(t)
	for _, h := range l.names {
		l.sh(t, h, "rm -f /etc/sysctl.d/90-play-tuning.conf /etc/firewalld/zones/public.xml /etc/firewalld/zones/public.xml.old")
	}
}

// hostSums is everything the galera playbook could touch on a node:
// files (type, mode, owner, link target, content) under /etc and the
// datadir, unit states, the namespace's net.* sysctls, the package list.
// /etc/hosts is left out: lab.sh rewrites it on every host whenever any
// lab host comes or goes.
const hostSums = `find /etc /var/lib/mysql -xdev ! -path /etc/hosts \( -type f -o -type l -o -type d \) -printf '%y %m %u %g %p -> %l\n' | sort
find /etc /var/lib/mysql -xdev ! -path /etc/hosts -type f -print0 | sort -z | xargs -0 sha256sum
systemctl is-enabled mariadb firewalld 2>&1; systemctl is-active mariadb firewalld 2>&1
sysctl -a 2>/dev/null | grep '^net\.' | grep -v stable_secret | sort
dpkg-query -W -f '${Package} ${Version} ${Status}\n' | sort`

func (l *galeraLab) sums(t *testing.T) map[string]string {
	t.Helper()
	m := map[string]string{}
	for _, h := range l.names {
		m[h] = l.sh(t, h, hostSums)
	}
	return m
}

// changedFiles lists the paths whose line differs between two sums.
func changedFiles(before, after string) []string {
	set := func(s string) map[string]bool {
		m := map[string]bool{}
		for _, line := range strings.Split(s, "\n") {
			m[line] = true
		}
		return m
	}
	b, a := set(before), set(after)
	paths := map[string]bool{}
	pathOf := regexp.MustCompile(`^(?:[0-9a-f]{64}  |[a-z] \d+ \S+ \S+ )(/\S*)`)
	for _, s := range []map[string]bool{b, a} {
		for line := range s {
			if b[line] && a[line] {
				continue
			}
			if m := pathOf.FindStringSubmatch(line); m != nil {
				paths[m[1]] = true
			}
		}
	}
	out := make([]string, 0, len(paths))
	for p := range paths {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

type reviewJSON struct {
	Hosts []struct {
		Host  string
		Stats struct{ Changed, Failed, Unreachable, WouldRunAfter int }
		Tasks []struct {
			Task   string   `json:"task"`
			Status string   `json:"status"`
			After  string   `json:"would_run_after"`
			Diffs  []string `json:"diffs"`
		}
	}
}

// patch applies a unified diff as RenderDiff writes it to before.
func patch(before, diff string) (string, error) {
	src := splitKeep(before)
	var out []string
	pos := 0
	hunk := regexp.MustCompile(`^@@ -(\d+)(?:,(\d+))? \+\d+(?:,\d+)? @@`)
	for _, line := range strings.SplitAfter(diff, "\n") {
		switch {
		case strings.HasPrefix(line, "---"), strings.HasPrefix(line, "+++"), line == "", strings.HasPrefix(line, "\\"):
		case strings.HasPrefix(line, "@@"):
			m := hunk.FindStringSubmatch(line)
			if m == nil {
				return "", fmt.Errorf("bad hunk header %q", line)
			}
			start, _ := strconv.Atoi(m[1])
			if m[2] != "0" { // ",0" means "after line start"
				start--
			}
			if start < pos || start > len(src) {
				return "", fmt.Errorf("hunk %q out of order", line)
			}
			out = append(out, src[pos:start]...)
			pos = start
		case line[0] == ' ' || line[0] == '-':
			if pos >= len(src) || src[pos] != line[1:] {
				return "", fmt.Errorf("context/removed line %q does not match the file", line)
			}
			if line[0] == ' ' {
				out = append(out, src[pos])
			}
			pos++
		case line[0] == '+':
			out = append(out, line[1:])
		default:
			return "", fmt.Errorf("unexpected diff line %q", line)
		}
	}
	return strings.Join(append(out, src[pos:]...), ""), nil
}

func splitKeep(s string) []string {
	if s == "" {
		return nil
	}
	l := strings.SplitAfter(s, "\n")
	if l[len(l)-1] == "" {
		l = l[:len(l)-1]
	}
	return l
}

var diffTarget = regexp.MustCompile(`(?m)^\+\+\+ after: ([^:]+):(.*?)( \(absent\))?$`)

func TestReviewModeGaleraOnLab(t *testing.T) {
	if os.Getenv("PLAY_LAB_TEST") == "" {
		t.Skip("long lab test: set PLAY_LAB_TEST=1")
	}
	lab := galeraLabHosts(t)
	bin := playBinary(t)
	dir := t.TempDir()
	if keep := os.Getenv("PLAY_REVIEW_OUT"); keep != "" {
		dir = keep // keep the reports to read them
		os.MkdirAll(dir, 0o755)
	}
	rnd := make([]byte, 6)
	rand.Read(rnd)
	// The password goes in through a vars file, the cluster name (which
	// the config files contain) is hidden with a --mask pattern.
	password := "sb-pw-" + hex.EncodeToString(rnd)
	cluster := "rv" + hex.EncodeToString(rnd[:3])
	varsFile := filepath.Join(dir, "secrets.yml")
	os.WriteFile(varsFile, []byte("sysbench_password: "+password+"\n"), 0o600)
	common := []string{"-e", "@" + varsFile, "-e", "galera_cluster_name=" + cluster, "--mask", `re:rv[0-9a-f]{6}\b`}
	var outputs []reviewRun
	pb := "playbooks/galera.yml"
	path := func(n string) string { return filepath.Join(dir, n) }

	lab.freshReset(t)
	fresh := lab.sums(t)
	stock := map[string]map[string]string{} // host -> path -> content, read on demand
	read := func(host, p string) string {
		return lab.sh(t, host, "cat "+p+" 2>/dev/null || true")
	}

	// Two identical dry runs, then one with -v and JSON events.
	c1 := lab.review(t, bin, append([]string{"--check", "--diff", "--report", path("c1.md"), pb}, common...)...)
	c2 := lab.review(t, bin, append([]string{"--check", "--diff", "--report", path("c2.md"), pb}, common...)...)
	c3 := lab.review(t, bin, append([]string{"--check", "--diff", "-v", "--output", "json", "--report", path("c.json"), pb}, common...)...)
	outputs = append(outputs, c1, c2, c3)
	for i, c := range []reviewRun{c1, c2, c3} {
		if c.code != 0 {
			t.Fatalf("check run %d: exit %d\n%s\n%s", i+1, c.code, c.stdout, c.stderr)
		}
	}
	if !bytes.Equal(c1.stdout, c2.stdout) {
		t.Errorf("two dry runs on the same state differ:\n%s\n----\n%s", c1.stdout, c2.stdout)
	}
	md1, _ := os.ReadFile(path("c1.md"))
	md2, _ := os.ReadFile(path("c2.md"))
	if !bytes.Equal(md1, md2) {
		t.Errorf("two dry runs wrote different reports")
	}
	if after := lab.sums(t); fmt.Sprint(after) != fmt.Sprint(fresh) {
		for _, h := range lab.names {
			t.Errorf("check mode changed %s: %v", h, changedFiles(fresh[h], after[h]))
		}
		t.FailNow()
	}
	for _, m := range recapLine.FindAllStringSubmatch(string(c1.stdout), -1) {
		if m[4] != "0" || m[5] != "0" {
			t.Errorf("dry run: %s failed or unreachable:\n%s", m[1], c1.stdout)
		}
	}
	var rj reviewJSON
	js, _ := os.ReadFile(path("c.json"))
	if err := json.Unmarshal(js, &rj); err != nil {
		t.Fatalf("review json: %v\n%s", err, js)
	}
	checkMarkdown(t, string(md1), lab.names)

	// Dependent tasks are marked, and name the bootstrap they wait for.
	status := map[string]map[string]string{} // host -> task -> status
	after := map[string]map[string]string{}
	for _, h := range rj.Hosts {
		status[h.Host], after[h.Host] = map[string]string{}, map[string]string{}
		for _, tk := range h.Tasks {
			status[h.Host][tk.Task], after[h.Host][tk.Task] = tk.Status, tk.After
		}
		if h.Stats.Failed != 0 || h.Stats.Unreachable != 0 {
			t.Errorf("%s: dry run stats %+v", h.Host, h.Stats)
		}
	}
	boot := "galera : Bring the cluster up, one node at a time"
	for _, h := range lab.names {
		if s, a := status[h]["galera : Read the cluster size on every node"], after[h]["galera : Read the cluster size on every node"]; s != "would_run_after" || a != boot {
			t.Errorf("%s: reading the cluster size: %q after %q, want would_run_after %q", h, s, a, boot)
		}
	}
	if s := status[lab.names[0]]["mariadb : Remove anonymous users"]; s != "would_run_after" {
		t.Errorf("securing the server that would be started: %q, want would_run_after", s)
	}

	// The bootstrap plan: the first node bootstraps, the others join in
	// inventory order.
	plan := regexp.MustCompile(`(?m)^\+    - (.*)$`).FindAllStringSubmatch(string(c1.stdout), -1)
	var steps []string
	for _, m := range plan {
		steps = append(steps, m[1])
	}
	wantSteps := []string{"bootstrap a new cluster on " + lab.names[0] + " (no node has cluster state yet: the first host)"}
	for _, h := range lab.names[1:] {
		wantSteps = append(wantSteps, "start "+h+" and wait until it is Synced")
	}
	if fmt.Sprint(steps) != fmt.Sprint(wantSteps) {
		t.Errorf("bootstrap plan shown:\n%s\nwant:\n%s", strings.Join(steps, "\n"), strings.Join(wantSteps, "\n"))
	}

	// Apply, with JSON events and -vv, and compare what it did with what
	// the dry run said.
	for _, h := range lab.names {
		stock[h] = map[string]string{}
		for p := range changedFilesPredicted(rj, h) {
			stock[h][p] = read(h, p)
		}
	}
	ap := lab.review(t, bin, append([]string{"--diff", "-vv", "--output", "json", "--report", path("apply.md"), pb}, common...)...)
	outputs = append(outputs, ap)
	if ap.code != 0 {
		t.Fatalf("apply: exit %d\n%s\n%s", ap.code, ap.stdout, ap.stderr)
	}
	lab.requireSynced(t)
	applied := map[string]map[string]string{}
	var actions []string
	for _, line := range bytes.Split(ap.stdout, []byte("\n")) {
		var ev struct {
			Event, Host, Task, Status string
			Result                    map[string]any
		}
		if json.Unmarshal(line, &ev) != nil || ev.Event != "host_result" {
			continue
		}
		if applied[ev.Host] == nil {
			applied[ev.Host] = map[string]string{}
		}
		applied[ev.Host][ev.Task] = ev.Status
		if ev.Task == boot {
			for _, a := range ev.Result["actions"].([]any) {
				actions = append(actions, a.(string))
			}
		}
	}
	wantActions := []string{"bootstrapped " + lab.names[0]}
	for _, h := range lab.names[1:] {
		wantActions = append(wantActions, "started "+h)
	}
	if fmt.Sprint(actions) != fmt.Sprint(wantActions) {
		t.Errorf("the apply did %v; the dry run's plan was %v", actions, steps)
	}
	// Every task the apply changed was announced: changed or would run after.
	for h, tasks := range applied {
		for task, st := range tasks {
			if st == "changed" && status[h][task] != "changed" && status[h][task] != "would_run_after" {
				t.Errorf("%s: %q changed in the apply but the dry run said %q", h, task, status[h][task])
			}
		}
	}
	// Every file the apply changed is in the dry run, with the content
	// the apply wrote; state the dry run shows as state (firewalld zones,
	// unit links, the datadir) maps to its state diff.
	for _, h := range lab.names {
		// The datadir of a running node is in flux; every change there
		// maps to the cluster diff anyway, so no need to stop the node.
		now := lab.sh(t, h, hostSums)
		predicted := changedFilesPredicted(rj, h)
		texts := strings.Join(allDiffs(rj, h), "\n")
		for _, p := range changedFiles(fresh[h], now) {
			switch {
			case predicted[p] != nil:
				got := strings.ReplaceAll(read(h, p), cluster, "********")
				want := strings.ReplaceAll(stock[h][p], cluster, "********")
				var err error
				for _, d := range predicted[p] {
					if want, err = patch(want, d); err != nil {
						t.Errorf("%s:%s: the dry run's diff does not apply: %v\n%s", h, p, err, d)
						break
					}
				}
				if err == nil && got != want {
					t.Errorf("%s:%s: the apply wrote\n%s\nthe dry run predicted\n%s", h, p, got, want)
				}
			case strings.HasPrefix(p, "/etc/firewalld/zones/"):
				zone := strings.TrimSuffix(strings.TrimSuffix(filepath.Base(p), ".old"), ".xml")
				if !strings.Contains(texts, h+":firewalld zone "+zone+":") {
					t.Errorf("%s: the apply changed %s, the dry run shows no change of zone %s", h, p, zone)
				}
			case strings.Contains(p, "mariadb") && (strings.HasPrefix(p, "/etc/rc") || strings.HasPrefix(p, "/etc/systemd/system/")):
				if !strings.Contains(texts, h+":service mariadb\n-  enabled: false\n+  enabled: true") {
					t.Errorf("%s: the apply changed %s, the dry run does not say mariadb gets enabled", h, p)
				}
			case p == "/var/lib/mysql" || strings.HasPrefix(p, "/var/lib/mysql/"):
				if !strings.Contains(string(c1.stdout), "+  size: 3") {
					t.Errorf("%s: the datadir changed, the dry run shows no cluster start", h)
				}
			case p == "/etc/mysql/debian.cnf" || strings.HasPrefix(p, "/etc/mysql/"):
				t.Errorf("%s: the apply changed %s, which the dry run did not show", h, p)
			default:
				t.Errorf("%s: the apply changed %s, which the dry run did not show", h, p)
			}
		}
		for p := range predicted {
			if !contains(changedFiles(fresh[h], now), p) {
				t.Errorf("%s: the dry run said %s would change; the apply left it alone", h, p)
			}
		}
	}

	// Converged: nothing pending, exit 0 with --detailed-exitcode.
	cv := lab.review(t, bin, append([]string{"--check", "--diff", "-v", "--detailed-exitcode", "--report", path("conv.json"), pb}, common...)...)
	outputs = append(outputs, cv)
	if cv.code != 0 {
		t.Errorf("--detailed-exitcode on the converged cluster: exit %d\n%s%s", cv.code, cv.stdout, cv.stderr)
	}
	for _, m := range recapLine.FindAllStringSubmatch(string(cv.stdout), -1) {
		if m[3] != "0" || m[4] != "0" || m[5] != "0" {
			t.Errorf("converged dry run: %s", m[0])
		}
	}

	// No output of any run holds the password or the masked value.
	files, _ := filepath.Glob(filepath.Join(dir, "*.*"))
	for _, f := range files {
		if f == varsFile {
			continue
		}
		b, _ := os.ReadFile(f)
		outputs = append(outputs, reviewRun{stdout: b, stderr: []byte(f)})
	}
	for i, o := range outputs {
		for _, secret := range []string{password, cluster} {
			if bytes.Contains(o.stdout, []byte(secret)) || bytes.Contains(o.stderr, []byte(secret)) {
				t.Errorf("output %d (%s) contains the secret %q", i, firstLine(o.stderr), secret)
			}
		}
	}
	if !bytes.Contains(c1.stdout, []byte("wsrep_cluster_name = ********")) {
		t.Errorf("the masked cluster name is not shown as the marker in the diff")
	}
}

// changedFilesPredicted maps each file path the dry run would write on a
// host to its diffs, in run order.
func changedFilesPredicted(rj reviewJSON, host string) map[string][]string {
	m := map[string][]string{}
	for _, d := range allDiffs(rj, host) {
		if !strings.HasPrefix(d, "--- before: "+host+":/") {
			continue
		}
		if mt := diffTarget.FindStringSubmatch(d); mt != nil {
			m[mt[2]] = append(m[mt[2]], d)
		}
	}
	return m
}

func allDiffs(rj reviewJSON, host string) []string {
	var out []string
	for _, h := range rj.Hosts {
		if h.Host == host {
			for _, tk := range h.Tasks {
				out = append(out, tk.Diffs...)
			}
		}
	}
	return out
}

// checkMarkdown checks the report's structure: the summary table has a
// row per host, each host has a section, collapsible blocks and code
// fences are balanced and nested properly.
func checkMarkdown(t *testing.T, md string, hosts []string) {
	t.Helper()
	if !strings.Contains(md, "| host | changed | would run after | failed | unreachable |\n|---|") {
		t.Errorf("report: no summary table:\n%s", md)
	}
	for _, h := range hosts {
		if !regexp.MustCompile(`(?m)^\| ` + regexp.QuoteMeta(h) + ` \| [1-9]\d* \| \d+ \| 0 \| 0 \|$`).MatchString(md) {
			t.Errorf("report: no summary row with changes for %s", h)
		}
		if !strings.Contains(md, "\n## "+h+"\n") {
			t.Errorf("report: no section for %s", h)
		}
	}
	open, fence := 0, false
	for i, line := range strings.Split(md, "\n") {
		switch {
		case strings.HasPrefix(line, "```"):
			if !fence && open == 0 {
				t.Errorf("report line %d: code block outside a <details> block", i+1)
			}
			fence = !fence
		case fence:
		case strings.HasPrefix(line, "<details>"):
			if open != 0 {
				t.Errorf("report line %d: nested <details>", i+1)
			}
			if !strings.Contains(line, "<summary>") || !strings.HasSuffix(line, "</summary>") {
				t.Errorf("report line %d: <details> without a summary: %q", i+1, line)
			}
			open++
		case line == "</details>":
			open--
			if open < 0 {
				t.Errorf("report line %d: </details> without <details>", i+1)
			}
		}
	}
	if open != 0 || fence {
		t.Errorf("report: unbalanced <details> (%d) or code fence (%v)", open, fence)
	}
	if n := strings.Count(md, "<details>"); n == 0 {
		t.Errorf("report: no collapsible diffs")
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func firstLine(b []byte) string {
	s, _, _ := strings.Cut(string(b), "\n")
	return s
}
