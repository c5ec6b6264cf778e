package run

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/playbook/play/engine/conn"
	"github.com/playbook/play/engine/playbook"
	"github.com/playbook/play/modules"
)

// connVars returns the variables that describe the connection target:
// the task host's own, or the delegate's when delegate_to is set.
func (pr *playRun) connVars(t *playbook.Task, vars map[string]any) map[string]any {
	d := pr.delegate(t, vars)
	if d == "" || d == vars["inventory_hostname"] {
		return vars
	}
	return pr.hostConnVars(d)
}

// hostConnVars are the variables that say how to reach another host: its
// inventory variables, or a bare address; localhost is the control
// machine unless the inventory says otherwise.
func (pr *playRun) hostConnVars(host string) map[string]any {
	cv := map[string]any{"inventory_hostname": host, "ansible_host": host}
	if _, ok := pr.r.opts.Inventory.Host(host); ok {
		for k, v := range pr.r.inventoryVars(host) {
			cv[k] = v
		}
	} else if host == "localhost" || host == "127.0.0.1" {
		cv["ansible_connection"] = "local"
	}
	return cv
}

// connOptions maps Ansible's connection variables to transport options.
// Values may be templates (ansible_host: "{{ ip }}"), rendered with vars.
func (pr *playRun) connOptions(cv, vars map[string]any) (conn.Options, error) {
	str := func(keys ...string) (string, error) {
		for _, k := range keys {
			v, ok := cv[k]
			if !ok || v == nil {
				continue
			}
			s, err := pr.r.tmpl.RenderString(fmt.Sprint(v), vars)
			if err != nil {
				return "", fmt.Errorf("%s: %v", k, err)
			}
			return s, nil
		}
		return "", nil
	}
	var o conn.Options
	var err error
	name, _ := cv["inventory_hostname"].(string)
	o.Host = name
	if o.Address, err = str("ansible_host", "ansible_ssh_host"); err != nil {
		return o, err
	}
	if o.Address == "" {
		o.Address = name
	}
	port, err := str("ansible_port", "ansible_ssh_port")
	if err != nil {
		return o, err
	}
	if port != "" {
		if o.Port, err = strconv.Atoi(port); err != nil {
			return o, fmt.Errorf("ansible_port: %q is not a port number", port)
		}
	}
	if o.User, err = str("ansible_user", "ansible_ssh_user", "remote_user"); err != nil {
		return o, err
	}
	if o.Password, err = str("ansible_password", "ansible_ssh_pass", "ansible_ssh_password"); err != nil {
		return o, err
	}
	pr.r.mask.Add(o.Password)
	if o.PrivateKeyFile, err = str("ansible_ssh_private_key_file", "ansible_private_key_file"); err != nil {
		return o, err
	}
	if o.PrivateKeyFile != "" && !filepath.IsAbs(o.PrivateKeyFile) && !strings.HasPrefix(o.PrivateKeyFile, "~") {
		o.PrivateKeyFile = filepath.Join(pr.pb.Dir, o.PrivateKeyFile)
	}
	if o.Connection, err = str("ansible_connection"); err != nil {
		return o, err
	}
	if o.Connection == "" && (name == "localhost" || name == "127.0.0.1") && cv["ansible_host"] == name {
		o.Connection = "local"
	}
	if o.KnownHostsFile, err = str("ansible_ssh_known_hosts_file", "ansible_known_hosts_file"); err != nil {
		return o, err
	}
	o.HostKeyPolicy = pr.r.opts.HostKeyPolicy
	if hk, _ := str("ansible_host_key_checking", "ansible_ssh_host_key_checking"); hk != "" {
		if b, err := modules.ToBool(hk); err == nil && !b {
			o.HostKeyPolicy = "off"
		} else if hk == "accept-new" {
			o.HostKeyPolicy = "accept-new"
		}
	}
	// The ssh argument variables, rendered once for both uses below.
	sshArgKeys := []string{"ansible_ssh_args", "ansible_ssh_common_args", "ansible_ssh_extra_args"}
	sshArgs := map[string]string{}
	for _, k := range sshArgKeys {
		sshArgs[k], _ = str(k)
	}
	proxyArgs := sshArgs["ansible_ssh_common_args"]
	if cv["ansible_ssh_common_args"] == nil {
		proxyArgs = sshArgs["ansible_ssh_extra_args"]
	}
	o.ProxyJump = proxyJumpFromArgs(proxyArgs)
	o.Persist = pr.r.opts.Persist
	if !pr.r.opts.PersistSet { // else the command line decides
		for _, k := range sshArgKeys {
			d, ok, err := controlPersistFromArgs(sshArgs[k])
			if err != nil {
				return o, fmt.Errorf("%s: %v", k, err)
			}
			if ok {
				o.Persist = d
			}
		}
	}
	if t, _ := str("ansible_ssh_timeout", "ansible_timeout"); t != "" {
		if n, err := strconv.Atoi(t); err == nil {
			o.ConnectTimeout = time.Duration(n) * time.Second
		}
	}
	return o, nil
}

// sshOptions lists the options in ssh arguments, in order: "-o Key=Value",
// "-oKey=Value" and a bare "Key=Value", with "-J host" as ProxyJump.
func sshOptions(args string) [][2]string {
	var out [][2]string
	f := strings.Fields(args)
	for i := 0; i < len(f); i++ {
		a := f[i]
		switch {
		case (a == "-J" || a == "-o") && i+1 < len(f):
			i++
			if a == "-J" {
				out = append(out, [2]string{"ProxyJump", f[i]})
				continue
			}
			a = f[i]
		case strings.HasPrefix(a, "-J"):
			out = append(out, [2]string{"ProxyJump", a[2:]})
			continue
		default:
			a = strings.TrimPrefix(a, "-o")
		}
		if k, v, ok := strings.Cut(a, "="); ok {
			out = append(out, [2]string{k, v})
		}
	}
	return out
}

// proxyJumpFromArgs finds -J host or -o ProxyJump=host in ssh arguments,
// the usual way Ansible inventories reach hosts behind a jump host.
func proxyJumpFromArgs(args string) string {
	for _, kv := range sshOptions(args) {
		if strings.EqualFold(kv[0], "ProxyJump") {
			return kv[1]
		}
	}
	return ""
}

// controlPersistFromArgs finds OpenSSH's -o ControlPersist=... in ssh
// arguments (Ansible's default ssh_args carry ControlPersist=60s): play's
// connection holder honours it the way ssh's control master would.
// "yes" keeps connections until `play connections --close`.
func controlPersistFromArgs(args string) (time.Duration, bool, error) {
	var (
		persist      time.Duration
		found, noMux bool
	)
	for _, kv := range sshOptions(args) {
		k, v := kv[0], kv[1]
		switch {
		case strings.EqualFold(k, "ControlMaster") && strings.EqualFold(v, "no"),
			strings.EqualFold(k, "ControlPath") && strings.EqualFold(v, "none"):
			// Multiplexing switched off makes ControlPersist moot, as in ssh.
			noMux = true
		case strings.EqualFold(k, "ControlPersist") && !found: // ssh: the first value wins
			d, err := parseControlPersist(v)
			if err != nil {
				return 0, false, err
			}
			persist, found = d, true
		}
	}
	if noMux {
		return 0, true, nil
	}
	return persist, found, nil
}

func parseControlPersist(v string) (time.Duration, error) {
	switch strings.ToLower(v) {
	case "no", "0":
		return 0, nil
	case "yes":
		return 365 * 24 * time.Hour, nil
	}
	if n, err := strconv.Atoi(v); err == nil && n > 0 {
		return time.Duration(n) * time.Second, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("ControlPersist=%s: expected yes, no, seconds or a duration such as 60s or 10m", v)
	}
	return d, nil
}

// become resolves privilege escalation: ansible_become* variables, then
// the play, block and task keywords, the most specific winning.
func (pr *playRun) become(t *playbook.Task, sc *scope, vars map[string]any) conn.Become {
	var b conn.Become
	if v, ok := vars["ansible_become"]; ok {
		b.Enabled, _ = modules.ToBool(v)
	}
	if sc.become != nil {
		b.Enabled = *sc.become
	}
	if t.Become != nil {
		b.Enabled = *t.Become
	}
	if !b.Enabled {
		return conn.Become{}
	}
	b.Method = "sudo"
	b.User = "root"
	if v, ok := vars["ansible_become_user"]; ok {
		b.User = fmt.Sprint(v)
	}
	if sc.becomeUser != "" {
		b.User = sc.becomeUser
	}
	if t.BecomeUser != "" {
		b.User = t.BecomeUser
	}
	if s, err := pr.r.tmpl.RenderString(b.User, vars); err == nil {
		b.User = s
	}
	for _, k := range []string{"ansible_become_password", "ansible_become_pass"} {
		if v, ok := vars[k]; ok && v != nil {
			s, err := pr.r.tmpl.RenderString(fmt.Sprint(v), vars)
			if err == nil {
				b.Password = s
				pr.r.mask.Add(s)
			}
			break
		}
	}
	return b
}

func (pr *playRun) environment(t *playbook.Task, sc *scope, vars map[string]any) (map[string]string, error) {
	env := mergeMaps(sc.environment, t.Environment)
	if len(env) == 0 {
		return nil, nil
	}
	rendered, err := pr.r.tmpl.RenderValue(env, vars)
	if err != nil {
		return nil, fmt.Errorf("environment: %v", err)
	}
	out := map[string]string{}
	for k, v := range rendered.(map[string]any) {
		out[k] = fmt.Sprint(v)
	}
	return out, nil
}

// loopItems renders a task's loop (or with_*) into its list of items.
func (pr *playRun) loopItems(t *playbook.Task, vars map[string]any) ([]any, error) {
	v, err := pr.r.tmpl.RenderValue(t.Loop, vars)
	if err != nil {
		return nil, fmt.Errorf("%s: %s: %v", t.LoopPos, t.LoopKind, err)
	}
	switch t.LoopKind {
	case "with_dict":
		m, ok := v.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%s: with_dict expects a dict, got %T", t.LoopPos, v)
		}
		out := make([]any, 0, len(m))
		for _, k := range sortedKeys(m) {
			out = append(out, map[string]any{"key": k, "value": m[k]})
		}
		return out, nil
	case "with_items", "with_flattened":
		l, ok := v.([]any)
		if !ok {
			return []any{v}, nil
		}
		var out []any
		for _, it := range l {
			if sub, ok := it.([]any); ok {
				out = append(out, sub...)
			} else {
				out = append(out, it)
			}
		}
		return out, nil
	case "with_indexed_items":
		l, ok := v.([]any)
		if !ok {
			return nil, fmt.Errorf("%s: with_indexed_items expects a list", t.LoopPos)
		}
		out := make([]any, len(l))
		for i, it := range l {
			out[i] = []any{i, it}
		}
		return out, nil
	case "with_fileglob":
		var out []any
		for _, pat := range toList(v) {
			p := fmt.Sprint(pat)
			if !filepath.IsAbs(p) {
				p = filepath.Join(t.Dir, "files", p)
			}
			matches, _ := filepath.Glob(p)
			sort.Strings(matches)
			for _, m := range matches {
				out = append(out, m)
			}
		}
		return out, nil
	case "with_together", "with_nested":
		lists := toList(v)
		return combine(t.LoopKind, lists), nil
	}
	l, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("%s: loop expects a list, got %s; use a filter like dict2items or split to make one", t.LoopPos, compactJSON(v))
	}
	return l, nil
}

func toList(v any) []any {
	if l, ok := v.([]any); ok {
		return l
	}
	return []any{v}
}

func combine(kind string, lists []any) []any {
	var ls [][]any
	for _, l := range lists {
		ls = append(ls, toList(l))
	}
	if kind == "with_together" {
		n := 0
		for _, l := range ls {
			n = max(n, len(l))
		}
		out := make([]any, n)
		for i := range out {
			row := make([]any, len(ls))
			for j, l := range ls {
				if i < len(l) {
					row[j] = l[i]
				}
			}
			out[i] = row
		}
		return out
	}
	out := []any{[]any{}}
	for _, l := range ls {
		var next []any
		for _, prefix := range out {
			for _, it := range l {
				row := append(append([]any(nil), prefix.([]any)...), it)
				next = append(next, row)
			}
		}
		out = next
	}
	return out
}

func compactJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}
