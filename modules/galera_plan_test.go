package modules

import (
	"strings"
	"testing"
)

func stopped(h string, gra string) *galeraNode {
	n := &galeraNode{Host: h}
	if gra != "" {
		n.Gra = parseGrastate(gra)
	}
	return n
}

func primaryNode(h, uuid string) *galeraNode {
	return &galeraNode{Host: h, Running: true, Wsrep: true, ClusterStatus: "Primary", LocalState: "Synced", StateUUID: uuid}
}

const graHead = "# GALERA saved state\nversion: 2.1\nuuid:    6f1f3c4e-0e5a-11ef-8f1b-2b6f6d3c9a11\n"

func TestGrastateParse(t *testing.T) {
	g := parseGrastate(graHead + "seqno:   1234\nsafe_to_bootstrap: 1\n")
	if g.UUID != "6f1f3c4e-0e5a-11ef-8f1b-2b6f6d3c9a11" || g.Seqno != 1234 || !g.SafeToBootstrap || !g.hasState() {
		t.Errorf("%+v", g)
	}
	if g := parseGrastate("uuid: " + zeroUUID + "\nseqno: -1\nsafe_to_bootstrap: 0\n"); g.hasState() {
		t.Errorf("zero uuid counted as state: %+v", g)
	}
	u, n, ok := parseRecovered("WSREP: Recovering after a crash using tc.log\n--wsrep_start_position=6f1f3c4e-0e5a-11ef-8f1b-2b6f6d3c9a11:1240,\n")
	if ok {
		t.Errorf("a trailing comma is not a seqno: %s %d", u, n)
	}
	u, n, ok = parseRecovered("--wsrep_start_position=6f1f3c4e-0e5a-11ef-8f1b-2b6f6d3c9a11:1240\n")
	if !ok || n != 1240 || u != "6f1f3c4e-0e5a-11ef-8f1b-2b6f6d3c9a11" {
		t.Errorf("recovered %s %d %v", u, n, ok)
	}
}

func TestPlanGalera(t *testing.T) {
	cases := []struct {
		name      string
		nodes     []*galeraNode
		bootstrap string
		start     string
		stop      string
		recover   string
		err       string
	}{
		{name: "fresh nodes: first host bootstraps",
			nodes:     []*galeraNode{stopped("a", ""), stopped("b", ""), stopped("c", "")},
			bootstrap: "a", start: "b c"},
		{name: "safe_to_bootstrap wins over order and seqno",
			nodes:     []*galeraNode{stopped("a", graHead+"seqno: 90\nsafe_to_bootstrap: 0\n"), stopped("b", graHead+"seqno: 100\nsafe_to_bootstrap: 1\n"), stopped("c", graHead+"seqno: 80\n")},
			bootstrap: "b", start: "a c"},
		{name: "highest seqno without safe_to_bootstrap",
			nodes:     []*galeraNode{stopped("a", graHead+"seqno: 90\n"), stopped("b", graHead+"seqno: 95\n"), stopped("c", graHead+"seqno: 80\n")},
			bootstrap: "b", start: "a c"},
		{name: "crashed node needs recovery before deciding",
			nodes:   []*galeraNode{stopped("a", graHead+"seqno: 90\n"), stopped("b", graHead+"seqno: -1\n"), stopped("c", "")},
			recover: "b"},
		{name: "a running Primary component: others join, nobody bootstraps",
			nodes: []*galeraNode{stopped("a", graHead+"seqno: 90\nsafe_to_bootstrap: 1\n"), primaryNode("b", "u1"), stopped("c", "")},
			start: "a c"},
		{name: "standalone servers are restarted into the plan",
			nodes:     []*galeraNode{{Host: "a", Running: true}, {Host: "b", Running: true}, stopped("c", "")},
			stop:      "a b",
			bootstrap: "a", start: "b c"},
		{name: "all synced: nothing to do",
			nodes: []*galeraNode{primaryNode("a", "u1"), primaryNode("b", "u1"), primaryNode("c", "u1")}},
		{name: "two Primary components are refused",
			nodes: []*galeraNode{primaryNode("a", "u1"), primaryNode("b", "u2"), stopped("c", "")},
			err:   "different Primary components"},
		{name: "non-Primary node is refused",
			nodes: []*galeraNode{{Host: "a", Running: true, Wsrep: true, ClusterStatus: "non-Primary"}, stopped("b", graHead+"seqno: 5\nsafe_to_bootstrap: 1\n")},
			err:   "a runs with wsrep but is non-Primary"},
	}
	for _, c := range cases {
		p, err := planGalera(c.nodes)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%s: err %v, want %q", c.name, err, c.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		got := []string{p.Bootstrap, strings.Join(p.Start, " "), strings.Join(p.Stop, " "), strings.Join(p.Recover, " ")}
		want := []string{c.bootstrap, c.start, c.stop, c.recover}
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("%s: bootstrap|start|stop|recover = %q, want %q", c.name, got, want)
		}
		if (c.bootstrap == "" && c.start == "" && c.stop == "" && c.recover == "") != p.empty() {
			t.Errorf("%s: empty() = %v", c.name, p.empty())
		}
	}
}

func TestPlanGaleraAfterRecovery(t *testing.T) {
	nodes := []*galeraNode{stopped("a", graHead+"seqno: 90\n"), stopped("b", graHead+"seqno: -1\n")}
	nodes[1].Gra.Seqno, nodes[1].Recovered = 120, true
	p, err := planGalera(nodes)
	if err != nil || p.Bootstrap != "b" || !strings.Contains(p.Reason, "120") {
		t.Errorf("plan %+v err %v", p, err)
	}
}
