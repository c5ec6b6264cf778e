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

// resolveID turns a user or group name into its id on the host.
func resolveID(ctx context.Context, run runFunc, cache *sync.Map, group bool, name string) (int, error) {
	if id, err := strconv.Atoi(name); err == nil {
		return id, nil
	}
	key := "u:" + name
	command := "id -u -- " + shq(name)
	if group {
		key = "g:" + name
		command = "getent group " + shq(name) + " | cut -d: -f3"
	}
	if v, ok := cache.Load(key); ok {
		return v.(int), nil
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
	cache.Store(key, id)
	return id, nil
}
