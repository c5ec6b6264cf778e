package report

import (
	"testing"

	"github.com/playbook/play/modules"
)

// A state diff is deterministic and readable: maps with sorted keys, a
// plan (a list of sentences) one step per line, keys only one side has
// shown on that side alone.
func TestRenderStateDiff(t *testing.T) {
	d := modules.Diff{Path: "galera cluster",
		BeforeState: map[string]any{"size": 0, "nodes": map[string]any{"n2": "stopped", "n1": "stopped"}},
		AfterState: map[string]any{"size": 3, "nodes": map[string]any{"n2": "Synced", "n1": "Synced"},
			"plan": []any{"bootstrap a new cluster on n1", "start n2"}, "ports": []any{"4567/tcp", "4568/tcp"}}}
	want := `--- before: h:galera cluster
+++ after: h:galera cluster
-  nodes: {n1: stopped, n2: stopped}
+  nodes: {n1: Synced, n2: Synced}
+  plan:
+    - bootstrap a new cluster on n1
+    - start n2
+  ports: [4567/tcp, 4568/tcp]
-  size: 0
+  size: 3
`
	for range 3 { // map order must not leak into the output
		if got := RenderDiff("h", d); got != want {
			t.Fatalf("got\n%s\nwant\n%s", got, want)
		}
	}
}

// --mask values and re: patterns are replaced everywhere, longest first.
func TestMaskerPatterns(t *testing.T) {
	m := &Masker{}
	m.Add("hunter22")
	m.Add("hunter2")
	if err := m.AddPattern(`tok-[0-9a-f]{8}`); err != nil {
		t.Fatal(err)
	}
	got := m.Mask("pw=hunter22 other=hunter2 token tok-0123abcd, tok-xyz")
	want := "pw=******** other=******** token ********, tok-xyz"
	if got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if err := m.AddPattern(`x*`); err == nil {
		t.Errorf("a pattern matching the empty string was accepted")
	}
	if err := m.AddPattern(`(`); err == nil {
		t.Errorf("a bad regular expression was accepted")
	}
}
