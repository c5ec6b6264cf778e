package playbook

import (
	"github.com/playbook/play/engine/diag"
	"github.com/playbook/play/engine/yamlx"
	"gopkg.in/yaml.v3"
)

// These wrap engine/yamlx, which decodes YAML as Ansible reads it, so
// playbooks, vars files and inventories agree on what `no` or 0644 mean.

func parseFile(path string) (*yaml.Node, *diag.Diagnostic) { return yamlx.ReadFile(path) }

func pos(file string, n *yaml.Node) diag.Pos { return yamlx.Pos(file, n) }

func resolveAlias(n *yaml.Node) *yaml.Node { return yamlx.Resolve(n) }

func kindName(n *yaml.Node) string { return yamlx.KindName(n) }

// value decodes a node into plain Go values; the error is kept for call
// sites that report decoding problems, though yamlx never fails.
func value(n *yaml.Node) (any, error) { return yamlx.Value(n), nil }

// mapPairs iterates over a mapping node's key/value pairs; anything that
// is not a mapping has none.
func mapPairs(n *yaml.Node) [][2]*yaml.Node {
	n = yamlx.Resolve(n)
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	// YAML merge keys (`<<: *defaults`) contribute the keys the mapping
	// does not set itself, as PyYAML does for Ansible.
	var own, merged [][2]*yaml.Node
	set := map[string]bool{}
	for _, kv := range yamlx.Pairs(n) {
		if kv[0].Tag == "!!merge" {
			srcs := []*yaml.Node{kv[1]}
			if kv[1].Kind == yaml.SequenceNode {
				srcs = kv[1].Content
			}
			for _, src := range srcs {
				merged = append(merged, mapPairs(src)...)
			}
			continue
		}
		set[kv[0].Value] = true
		own = append(own, kv)
	}
	for _, kv := range merged {
		if !set[kv[0].Value] {
			set[kv[0].Value] = true
			own = append(own, kv)
		}
	}
	return own
}
