package conn

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
)

// nameCache maps uids and gids to names for one host: SFTP reports only
// numbers, and the same few owners come up again and again.
type nameCache struct {
	mu    sync.Mutex
	users map[int]string
	grps  map[int]string
	ids   map[string]int // "u:name" / "g:name" -> id, from the account files

	seedMu sync.Mutex
	seeded bool
}

// seed fills the cache once from the host's /etc/passwd and /etc/group,
// read with read (over SFTP: a request or two where getent would cost an
// exec session, the most expensive thing a run asks of a host). Accounts
// from other NSS sources (LDAP, sssd) are not in those files; lookups that
// miss still fall back to getent. A read that fails leaves the cache as it
// was: names are best effort.
func (n *nameCache) seed(ctx context.Context, read func(context.Context, string) ([]byte, error)) {
	n.seedMu.Lock()
	defer n.seedMu.Unlock()
	if n.seeded || read == nil {
		return
	}
	n.seeded = true
	for _, db := range []struct {
		path  string
		group bool
	}{{"/etc/passwd", false}, {"/etc/group", true}} {
		b, err := read(ctx, db.path)
		if err != nil {
			continue
		}
		for _, e := range parseAccounts(b) {
			n.putFile(db.group, e)
		}
	}
}

// account is one passwd/group line. first: no earlier line has its id,
// so it is the name getent reports for the id.
type account struct {
	name  string
	id    int
	first bool
}

// parseAccounts reads passwd/group lines (name:x:id:...), skipping short
// lines and NIS compat entries (+/-), which getent would resolve elsewhere.
func parseAccounts(b []byte) []account {
	var out []account
	seenID := map[int]bool{}
	seenName := map[string]bool{}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.SplitN(line, ":", 4)
		if len(f) < 4 || f[0] == "" || strings.HasPrefix(f[0], "+") || strings.HasPrefix(f[0], "-") {
			continue
		}
		id, err := strconv.Atoi(f[2])
		if err != nil || id < 0 || seenName[f[0]] {
			continue
		}
		out = append(out, account{name: f[0], id: id, first: !seenID[id]})
		seenID[id], seenName[f[0]] = true, true
	}
	return out
}

// putFile records an account-file entry: name->id always, id->name for
// the first name of an id.
func (n *nameCache) putFile(group bool, e account) {
	if e.first {
		n.put(group, e.id, e.name)
	}
	n.putID(group, e.name, e.id)
}

func (n *nameCache) putID(group bool, name string, id int) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.ids == nil {
		n.ids = map[string]int{}
	}
	n.ids[idKey(group, name)] = id
}

func idKey(group bool, name string) string {
	if group {
		return "g:" + name
	}
	return "u:" + name
}

// id returns a name's id when the account files listed it or an earlier
// resolveID found it.
func (n *nameCache) id(group bool, name string) (int, bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	id, ok := n.ids[idKey(group, name)]
	return id, ok
}

func (n *nameCache) get(group bool, id int) (string, bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	m := n.users
	if group {
		m = n.grps
	}
	name, ok := m[id]
	return name, ok
}

func (n *nameCache) put(group bool, id int, name string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.users == nil {
		n.users, n.grps = map[int]string{}, map[int]string{}
	}
	if group {
		n.grps[id] = name
	} else {
		n.users[id] = name
	}
}

// lookup resolves uid and gid with one command on a cache miss.
func (n *nameCache) lookup(ctx context.Context, run runFunc, uid, gid int) (string, string) {
	u, uok := n.get(false, uid)
	g, gok := n.get(true, gid)
	if uok && gok {
		return u, g
	}
	res, err := run(ctx, Cmd{Command: fmt.Sprintf(`printf 'u=%%s\ng=%%s\n' "$(getent passwd %d | cut -d: -f1)" "$(getent group %d | cut -d: -f1)"`, uid, gid)})
	if err != nil || res.ExitCode != 0 {
		return u, g // names are best effort; do not cache a failure
	}
	for _, line := range strings.Split(string(res.Stdout), "\n") {
		if v, ok := strings.CutPrefix(line, "u="); ok {
			u = v
			n.put(false, uid, u)
		} else if v, ok := strings.CutPrefix(line, "g="); ok {
			g = v
			n.put(true, gid, g)
		}
	}
	return u, g
}

// resolveID turns a user or group name into its id: from the cache (the
// account files, earlier lookups), else with id/getent on the host, and
// remembers the answer.
func (n *nameCache) resolveID(ctx context.Context, run runFunc, group bool, name string) (int, error) {
	if id, ok := n.id(group, name); ok {
		return id, nil
	}
	command := "id -u -- " + shq(name)
	if group {
		command = "getent group " + shq(name) + " | cut -d: -f3"
	}
	res, err := run(ctx, Cmd{Command: command})
	if err != nil {
		return 0, err
	}
	id, err := strconv.Atoi(strings.TrimSpace(string(res.Stdout)))
	if res.ExitCode != 0 || err != nil {
		kind := "user"
		if group {
			kind = "group"
		}
		return 0, fmt.Errorf("unknown %s %q", kind, name)
	}
	n.putID(group, name, id)
	return id, nil
}
