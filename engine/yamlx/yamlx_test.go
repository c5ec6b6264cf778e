package yamlx

import (
	"reflect"
	"testing"
)

// Ansible reads YAML with PyYAML (YAML 1.1); these are the spots where
// yaml.v3 (YAML 1.2) would disagree, checked against ansible-inventory.
func TestYAMLValuesAsAnsibleReadsThem(t *testing.T) {
	src := `
on_flag: yes
off_flag: Off
quoted: "no"
block: |
  yes
octal_prefix: 0o17
file_mode: 0644
date: 2024-01-02
big: 12345678901234
base: &b {x: 1, y: 2}
merged:
  <<: *b
  y: 3
null_value:
list: [1, 2.5, "three", true]
`
	root, d := Parse("t.yml", []byte(src))
	if d != nil {
		t.Fatal(d)
	}
	got := Value(root).(map[string]any)
	want := map[string]any{
		"on_flag": true, "off_flag": false, "quoted": "no", "block": "yes\n",
		"octal_prefix": "0o17", "file_mode": 420, "date": "2024-01-02", "big": 12345678901234,
		"base": map[string]any{"x": 1, "y": 2}, "merged": map[string]any{"x": 1, "y": 3},
		"null_value": nil, "list": []any{1, 2.5, "three", true},
	}
	for k, w := range want {
		if !reflect.DeepEqual(got[k], w) {
			t.Errorf("%s = %#v, want %#v", k, got[k], w)
		}
	}
}
