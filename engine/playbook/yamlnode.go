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
	return yamlx.Pairs(n)
}
