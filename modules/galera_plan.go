package modules

import (
	"bufio"
	"fmt"
	"strconv"
	"strings"
)

// Galera's rule for a cold start: exactly one node bootstraps a new
// Primary component — the one that committed last — and every other node
// joins it. Bootstrapping while a Primary component exists elsewhere, or
// from a node that is behind, splits the cluster or loses transactions.
// The decision is a pure function of what each node reports, so it is
// tested without a cluster.

// zeroUUID is the state UUID of a node that never joined a cluster.
const zeroUUID = "00000000-0000-0000-0000-000000000000"

// grastate is /var/lib/mysql/grastate.dat: the node's last committed
// position, written on clean shutdown (seqno -1 while running or after a
// crash).
type grastate struct {
	UUID            string
	Seqno           int64
	SafeToBootstrap bool
}

func parseGrastate(text string) *grastate {
	g := &grastate{Seqno: -1}
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		v = strings.TrimSpace(v)
		switch strings.TrimSpace(k) {
		case "uuid":
			g.UUID = v
		case "seqno":
			if n, err := strconv.ParseInt(v, 10, 64); err == nil {
				g.Seqno = n
			}
		case "safe_to_bootstrap":
			g.SafeToBootstrap = v == "1"
		}
	}
	return g
}

// hasState says the node has been part of a cluster.
func (g *grastate) hasState() bool { return g != nil && g.UUID != "" && g.UUID != zeroUUID }

// parseRecovered reads galera_recovery's "--wsrep_start_position=UUID:SEQNO".
func parseRecovered(out string) (string, int64, bool) {
	for _, f := range strings.Fields(out) {
		pos, ok := strings.CutPrefix(f, "--wsrep_start_position=")
		if !ok {
			continue
		}
		i := strings.LastIndex(pos, ":")
		if i < 0 {
			continue
		}
		n, err := strconv.ParseInt(pos[i+1:], 10, 64)
		if err != nil {
			continue
		}
		return pos[:i], n, true
	}
	return "", 0, false
}

// galeraNode is what the module learned about one node.
type galeraNode struct {
	Host    string
	Running bool // the service is active
	Wsrep   bool // the running server has the provider loaded (wsrep_on)
	// Status values of a running wsrep node.
	ClusterStatus string // wsrep_cluster_status: Primary / non-Primary / Disconnected
	LocalState    string // wsrep_local_state_comment: Synced, Donor/Desynced, Joining...
	Size          int
	Ready         bool
	StateUUID     string // wsrep_cluster_state_uuid
	ClusterName   string
	Gra           *grastate // nil when missing (never started with wsrep)
	Recovered     bool      // Gra.Seqno comes from galera_recovery
}

func (n *galeraNode) primary() bool { return n.Running && n.Wsrep && n.ClusterStatus == "Primary" }

// label is the node's state for diffs and messages.
func (n *galeraNode) label() string {
	switch {
	case !n.Running:
		return "stopped"
	case !n.Wsrep:
		return "running without wsrep"
	case n.ClusterStatus != "Primary":
		return "running, " + n.ClusterStatus
	}
	return n.LocalState
}

// galeraPlan is what it takes to get every node into one Primary
// component.
type galeraPlan struct {
	Bootstrap string   // node that starts a new cluster; "" when one runs
	Reason    string   // why that node
	Stop      []string // servers running without wsrep: restarted into the cluster
	Start     []string // nodes to start, one at a time, in this order
	Recover   []string // nodes whose position must be recovered before deciding
}

func (p *galeraPlan) empty() bool {
	return p.Bootstrap == "" && len(p.Stop) == 0 && len(p.Start) == 0 && len(p.Recover) == 0
}

// steps describes the plan in order, for Msg and check mode.
func (p *galeraPlan) steps() []string {
	var s []string
	for _, h := range p.Recover {
		s = append(s, "recover the last committed position of "+h+" (galera_recovery)")
	}
	for _, h := range p.Stop {
		s = append(s, "stop "+h+" (running without wsrep)")
	}
	if p.Bootstrap != "" {
		s = append(s, fmt.Sprintf("bootstrap a new cluster on %s (%s)", p.Bootstrap, p.Reason))
	}
	for _, h := range p.Start {
		s = append(s, "start "+h+" and wait until it is Synced")
	}
	return s
}

// planGalera decides from the nodes' reports. It refuses (error) whenever
// acting could create a second Primary component.
func planGalera(nodes []*galeraNode) (*galeraPlan, error) {
	p := &galeraPlan{}
	uuids := map[string][]string{}
	for _, n := range nodes {
		switch {
		case n.primary():
			uuids[n.StateUUID] = append(uuids[n.StateUUID], n.Host)
		case n.Running && n.Wsrep:
			return nil, fmt.Errorf("%s runs with wsrep but is %s, not in a Primary component: "+
				"resolve the partition by hand (see wsrep_cluster_status); bootstrapping now could create a second Primary component",
				n.Host, n.ClusterStatus)
		case n.Running:
			p.Stop = append(p.Stop, n.Host)
		}
	}
	if len(uuids) > 1 {
		var parts []string
		for u, hs := range uuids {
			parts = append(parts, fmt.Sprintf("%s: %s", strings.Join(hs, ","), u))
		}
		return nil, fmt.Errorf("nodes belong to different Primary components (%s): refusing to touch a split cluster", strings.Join(parts, "; "))
	}
	if len(uuids) == 1 {
		for _, n := range nodes {
			if !n.primary() {
				p.Start = append(p.Start, n.Host)
			}
		}
		return p, nil
	}
	// No Primary component anywhere: pick the node to bootstrap.
	var boot *galeraNode
	for _, n := range nodes {
		if n.Gra != nil && n.Gra.SafeToBootstrap {
			boot, p.Reason = n, "safe_to_bootstrap: 1 in grastate.dat"
			break
		}
	}
	if boot == nil {
		for _, n := range nodes {
			if n.Gra.hasState() && n.Gra.Seqno < 0 && !n.Recovered {
				p.Recover = append(p.Recover, n.Host)
			}
		}
		if len(p.Recover) > 0 {
			return p, nil
		}
		for _, n := range nodes {
			if n.Gra.hasState() && (boot == nil || n.Gra.Seqno > boot.Gra.Seqno) {
				boot = n
			}
		}
		if boot != nil {
			p.Reason = fmt.Sprintf("highest seqno %d", boot.Gra.Seqno)
		}
	}
	if boot == nil {
		boot, p.Reason = nodes[0], "no node has cluster state yet: the first host"
	}
	p.Bootstrap = boot.Host
	for _, n := range nodes {
		if n != boot {
			p.Start = append(p.Start, n.Host)
		}
	}
	return p, nil
}
