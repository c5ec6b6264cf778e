package inventory

import (
	"github.com/playbook/play/engine/yamlx"
	"sort"
	"strings"
	"sync"

	"github.com/playbook/play/engine/diag"
	"gopkg.in/yaml.v3"
)

// Source is a dynamic inventory: it fills the inventory through AddHost,
// SetGroupVars and AddChild.
type Source interface {
	Populate(inv *Inventory) error
}

// SourceFactory builds a Source from its YAML config file (path) and that
// file decoded (config, including the plugin key).
type SourceFactory func(path string, config map[string]any) (Source, error)

var (
	sourcesMu sync.RWMutex
	factories = map[string]SourceFactory{}
)

// RegisterSource makes a dynamic source available under a plugin name, the
// value of the `plugin:` key in its config file. A config naming a
// collection plugin such as community.libvirt.libvirt finds the source
// registered under its last component when the full name is not registered.
func RegisterSource(plugin string, f SourceFactory) {
	sourcesMu.Lock()
	defer sourcesMu.Unlock()
	factories[plugin] = f
}

func lookupSource(plugin string) (SourceFactory, []string) {
	sourcesMu.RLock()
	defer sourcesMu.RUnlock()
	if f, ok := factories[plugin]; ok {
		return f, nil
	}
	if i := strings.LastIndexByte(plugin, '.'); i >= 0 {
		if f, ok := factories[plugin[i+1:]]; ok {
			return f, nil
		}
	}
	names := sortedKeys(factories)
	sort.Strings(names)
	return nil, names
}

// pluginNode returns the value of a top-level plugin: key, or nil.
func pluginNode(root *yaml.Node) *yaml.Node {
	if root == nil || root.Kind != yaml.MappingNode {
		return nil
	}
	for _, kv := range yamlx.Pairs(root) {
		if kv[0].Value == "plugin" {
			return kv[1]
		}
	}
	return nil
}

// loadDynamic runs the registered source a plugin config names. It is
// called without the inventory lock held: the source calls AddHost.
func (inv *Inventory) loadDynamic(path string, root, plugin *yaml.Node) error {
	if plugin.Kind != yaml.ScalarNode || plugin.Value == "" {
		return diag.Errorf(yamlx.Pos(path, plugin), "plugin must be a name, found %s", yamlx.KindName(plugin))
	}
	f, known := lookupSource(plugin.Value)
	if f == nil {
		d := diag.Errorf(yamlx.Pos(path, plugin), "unknown inventory plugin '%s'", plugin.Value)
		d.Hint = diag.DidYouMean(plugin.Value, known)
		if i := strings.LastIndexByte(plugin.Value, '.'); d.Hint == "" && i >= 0 {
			d.Hint = diag.DidYouMean(plugin.Value[i+1:], known)
		}
		if d.Hint == "" && len(known) > 0 {
			d.Hint = "known plugins: " + strings.Join(known, ", ")
		}
		return d
	}
	src, err := f(path, yamlx.Value(root).(map[string]any))
	if err != nil {
		return positioned(yamlx.Pos(path, plugin), err)
	}
	if err := src.Populate(inv); err != nil {
		return positioned(diag.Pos{File: path}, err)
	}
	return nil
}

// positioned keeps an error's own diagnostics or pins it at pos.
func positioned(pos diag.Pos, err error) error {
	switch err.(type) {
	case diag.List, *diag.Diagnostic:
		return err
	}
	return diag.Errorf(pos, "%v", err)
}

// Warn records a warning from a dynamic source (a host it found but could
// not fully describe, such as a guest without a known address); it joins
// Warnings() like the inventory's own.
func (inv *Inventory) Warn(pos diag.Pos, hint, msg string) {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	inv.warn(pos, hint, "%s", msg)
}
