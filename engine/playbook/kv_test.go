package playbook

import (
	"reflect"
	"testing"
)

func TestParseKV(t *testing.T) {
	known := func(p string) bool { return p == "creates" || p == "chdir" }
	for _, c := range []struct {
		in       string
		freeForm bool
		want     map[string]any
	}{
		{"dest=/x content='a b'", false, map[string]any{"dest": "/x", "content": "a b"}},
		{`msg="{{ a }} and {{ b }}"`, false, map[string]any{"msg": "{{ a }} and {{ b }}"}},
		{"echo {{ x }} creates=/tmp/y", true, map[string]any{"_raw_params": "echo {{ x }}", "creates": "/tmp/y"}},
		{"echo a=b", true, map[string]any{"_raw_params": "echo a=b"}},
		// A multi-line script keeps its newlines and spacing.
		{"for i in 1 2; do\n  echo  $i\ndone\n", true, map[string]any{"_raw_params": "for i in 1 2; do\n  echo  $i\ndone"}},
		{"chdir=/tmp ls  -l\n", true, map[string]any{"_raw_params": "ls  -l", "chdir": "/tmp"}},
	} {
		got, err := parseKV(c.in, c.freeForm, known)
		if err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("parseKV(%q) = %#v, %v; want %#v", c.in, got, err, c.want)
		}
	}
	if _, err := parseKV("dest=/x stray", false, known); err == nil {
		t.Error("a stray word in a k=v module call must be an error")
	}
}
