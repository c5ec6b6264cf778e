package inventory

import (
	"reflect"
	"strings"
	"testing"
)

// Expected lists are what ansible-inventory 2.14 prints for the same file.
func TestRangesFromINI(t *testing.T) {
	inv := mustLoad(t, "testdata/ranges/hosts.ini")
	gm := inv.GroupsMap()
	want := map[string][]string{
		"numbers": {"galera-1", "galera-2", "galera-3", "db01.lab", "db05.lab", "db09.lab"},
		"letters": {"node-a", "node-b", "node-c", "xy", "xz", "xA", "xB", "rack1-u1", "rack1-u2", "rack2-u1", "rack2-u2"},
	}
	for g, w := range want {
		if !reflect.DeepEqual(gm[g], w) {
			t.Errorf("%s = %v, want %v", g, gm[g], w)
		}
	}
	if v := inv.HostVars("db05.lab"); v["ansible_port"] != 2200 || v["role"] != "db" {
		t.Errorf("db05.lab vars = %v: every host of a range gets the port and vars", v)
	}
}

func TestExpandRange(t *testing.T) {
	ok := map[string]string{
		"plain":          "plain",
		"h[1:3]":         "h1 h2 h3",
		"h[:2]":          "h0 h1 h2",
		"h[08:11]":       "h08 h09 h10 h11",
		"h[1:10:3]":      "h1 h4 h7 h10",
		"h[a:e:2]":       "ha hc he",
		"[1:2].example":  "1.example 2.example",
		"h[1:2]-[a:b]":   "h1-a h1-b h2-a h2-b",
		"10.0.0.[1:2]":   "10.0.0.1 10.0.0.2",
		"db-[001:002]-x": "db-001-x db-002-x",
	}
	for in, want := range ok {
		got, err := expandRange(in)
		if err != nil || strings.Join(got, " ") != want {
			t.Errorf("expandRange(%q) = %v, %v; want %s", in, got, err, want)
		}
	}
	bad := map[string]string{
		"h[1]":      "begin:end",
		"h[1:]":     "end value",
		"h[01:100]": "equal-length",
		"h[3:1]":    "begin <= end",
		"h[c:a]":    "begin <= end",
		"h[1:3:0]":  "step",
		"h[1:x]":    "two numbers or two letters",
		"h[1:3":     "no closing",
	}
	for in, msg := range bad {
		if _, err := expandRange(in); err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("expandRange(%q) error = %v, want %q", in, err, msg)
		}
	}
}

func TestSplitPort(t *testing.T) {
	cases := []struct {
		in   string
		host string
		port int
	}{
		{"web1", "web1", 0},
		{"web1:2222", "web1", 2222},
		{"db[1:3]:22", "db[1:3]", 22},
		{"db[1:3]", "db[1:3]", 0},
		{"[::1]:2200", "::1", 2200},
		{"fe80::1", "fe80::1", 0},
		{"10.0.0.1:22", "10.0.0.1", 22},
	}
	for _, c := range cases {
		h, p, err := splitPort(c.in)
		if err != nil || h != c.host || p != c.port {
			t.Errorf("splitPort(%q) = %q, %d, %v; want %q, %d", c.in, h, p, err, c.host, c.port)
		}
	}
	if _, _, err := splitPort("web1:"); err == nil {
		t.Error("a trailing ':' must be rejected, as Ansible does")
	}
}
