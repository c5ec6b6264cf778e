// Package yamlx decodes YAML the way Ansible reads it (YAML 1.1 booleans,
// no 0o octal) into the plain Go values the engine templates with, and
// keeps positions for diagnostics. Playbooks, roles, vars files and
// inventories all go through it, so a value means the same everywhere.
package yamlx

import (
	"math"
	"os"
	"strconv"
	"strings"

	"github.com/playbook/play/engine/diag"
	"gopkg.in/yaml.v3"
)

// ReadFile parses a file into its document's root node (nil for an empty
// file). Syntax errors come back positioned at the line yaml.v3 reports.
func ReadFile(path string) (*yaml.Node, *diag.Diagnostic) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, diag.Errorf(diag.Pos{File: path}, "cannot read: %v", UnwrapPathErr(err))
	}
	return Parse(path, data)
}

func Parse(path string, data []byte) (*yaml.Node, *diag.Diagnostic) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, SyntaxErr(path, err)
	}
	if len(doc.Content) == 0 {
		return nil, nil
	}
	return Resolve(doc.Content[0]), nil
}

func UnwrapPathErr(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}

// SyntaxErr turns "yaml: line 7: mapping values are not allowed in this
// context" into a diagnostic at line 7.
func SyntaxErr(path string, err error) *diag.Diagnostic {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	line := 0
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if i := strings.Index(rest, ": "); i > 0 {
			if n, e := strconv.Atoi(rest[:i]); e == nil {
				line, msg = n, rest[i+2:]
			}
		}
	}
	return diag.Errorf(diag.Pos{File: path, Line: line}, "YAML syntax error: %s", msg)
}

func Pos(file string, n *yaml.Node) diag.Pos {
	if n == nil {
		return diag.Pos{File: file}
	}
	return diag.Pos{File: file, Line: n.Line, Col: n.Column}
}

// Resolve follows aliases (*anchor) to the node they name.
func Resolve(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

func IsNull(n *yaml.Node) bool {
	return n == nil || (n.Kind == yaml.ScalarNode && n.Tag == "!!null")
}

// Pairs lists a mapping node's key/value pairs in document order, aliases
// resolved.
func Pairs(n *yaml.Node) [][2]*yaml.Node {
	out := make([][2]*yaml.Node, 0, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		out = append(out, [2]*yaml.Node{Resolve(n.Content[i]), Resolve(n.Content[i+1])})
	}
	return out
}

func KindName(n *yaml.Node) string {
	switch {
	case n == nil || IsNull(n):
		return "null"
	case n.Kind == yaml.MappingNode:
		return "a mapping"
	case n.Kind == yaml.SequenceNode:
		return "a list"
	}
	return "a scalar (" + strings.TrimPrefix(n.Tag, "!!") + ")"
}

// Value decodes a node into the plain types the engine templates with:
// map[string]any, []any, string, int, float64, bool, nil. Timestamps stay
// strings (templates compare them as text) and custom tags such as !unsafe
// keep their scalar text.
func Value(n *yaml.Node) any {
	n = Resolve(n)
	if n == nil {
		return nil
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil
		}
		return Value(n.Content[0])
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		var merges []*yaml.Node
		for _, kv := range Pairs(n) {
			if kv[0].Tag == "!!merge" {
				merges = append(merges, kv[1])
				continue
			}
			m[kv[0].Value] = Value(kv[1])
		}
		// `<<: *base` fills only keys the mapping does not set itself.
		for _, mn := range merges {
			srcs := []*yaml.Node{mn}
			if mn.Kind == yaml.SequenceNode {
				srcs = mn.Content
			}
			for _, s := range srcs {
				if mm, ok := Value(s).(map[string]any); ok {
					for k, v := range mm {
						if _, set := m[k]; !set {
							m[k] = v
						}
					}
				}
			}
		}
		return m
	case yaml.SequenceNode:
		l := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			l = append(l, Value(c))
		}
		return l
	}
	return scalar(n)
}

// yaml11Bools are the plain scalars PyYAML (YAML 1.1, what Ansible uses)
// reads as booleans and yaml.v3 (YAML 1.2) leaves as strings. `enabled: no`
// must be false, not the truthy string "no".
var yaml11Bools = map[string]bool{
	"yes": true, "Yes": true, "YES": true, "on": true, "On": true, "ON": true,
	"no": false, "No": false, "NO": false, "off": false, "Off": false, "OFF": false,
}

func scalar(n *yaml.Node) any {
	plain := n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle|yaml.LiteralStyle|yaml.FoldedStyle) == 0
	if b, ok := yaml11Bools[n.Value]; ok && plain && n.Tag == "!!str" {
		return b
	}
	// YAML 1.1 has no 0o prefix: PyYAML keeps 0o17 a string.
	if n.Tag == "!!int" && strings.HasPrefix(strings.TrimLeft(n.Value, "+-"), "0o") {
		return n.Value
	}
	switch n.Tag {
	case "!!null":
		return nil
	case "!!bool", "!!int", "!!float":
		var v any
		if err := n.Decode(&v); err != nil {
			return n.Value
		}
		switch x := v.(type) {
		case int64:
			if x >= math.MinInt && x <= math.MaxInt {
				return int(x)
			}
			return n.Value
		case uint64:
			if x <= math.MaxInt {
				return int(x)
			}
			return n.Value
		case int, float64, bool:
			return x
		}
		return n.Value
	}
	return n.Value
}

// ToMap decodes a node that must be a mapping (or null/empty).
func ToMap(file string, n *yaml.Node, what string) (map[string]any, *diag.Diagnostic) {
	if IsNull(n) {
		return map[string]any{}, nil
	}
	if n.Kind != yaml.MappingNode {
		return nil, diag.Errorf(Pos(file, n), "%s must be a mapping, found %s", what, KindName(n))
	}
	return Value(n).(map[string]any), nil
}
