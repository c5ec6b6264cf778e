package inventory

import (
	"reflect"
	"testing"
)

// INI values as Ansible 2.14 reads them (checked with ansible-inventory on
// the same lines): a Python literal when ast.literal_eval accepts it, the
// raw text otherwise.
func TestINIValue(t *testing.T) {
	cases := map[string]any{
		"1":                       1,
		"-3":                      -3,
		"1_000":                   1000,
		"0x1F":                    31,
		"1.5":                     1.5,
		"1e3":                     1000.0,
		"0022":                    "0022",
		"0":                       0,
		"True":                    true,
		"False":                   false,
		"true":                    "true",
		"None":                    nil,
		`"quoted"`:                "quoted",
		`'single'`:                "single",
		`"a" 'b'`:                 "ab",
		`"tab\there"`:             "tab\there",
		`r"raw\t"`:                `raw\t`,
		"10.0.0.1":                "10.0.0.1",
		"hello world":             "hello world",
		"hello # comment":         "hello # comment",
		"1 # comment":             1,
		"[1, 'a', [True]]":        []any{1, "a", []any{true}},
		"(1, 2)":                  []any{1, 2},
		"1,2":                     []any{1, 2},
		"{'k': 1, 2: 'v'}":        map[string]any{"k": 1, "2": "v"},
		"{k:1}":                   "{k:1}",
		"[1, 2":                   "[1, 2",
		"/usr/bin/python3":        "/usr/bin/python3",
		"1j":                      "1j",
		`"unterminated`:           `"unterminated`,
		"-":                       "-",
		"Trueish":                 "Trueish",
		`"x" + "y"`:               `"x" + "y"`,
		"{1, 2}":                  []any{1, 2},
		"[]":                      []any{},
		"{}":                      map[string]any{},
		"()":                      []any{},
		"'it''s'":                 "its",
		`"caf\u00e9"`:             "café",
		`b"bytes"`:                "bytes",
		"  7":                     7,
		"3.":                      3.0,
		".5":                      0.5,
		"inf":                     "inf",
		"1.2.3":                   "1.2.3",
		"{'a': [1, {'b': None}]}": map[string]any{"a": []any{1, map[string]any{"b": nil}}},
	}
	for in, want := range cases {
		if got := iniValue(in); !reflect.DeepEqual(got, want) {
			t.Errorf("iniValue(%q) = %#v, want %#v", in, got, want)
		}
	}
}

// Host lines are split with shlex first, so quotes are gone before the
// value is read: b="2" becomes the int 2, as in Ansible.
func TestINIHostLineQuoting(t *testing.T) {
	toks, err := shlexSplit(`w1 a=1 b="2" e='x y' h={'k':1} m="q\"x" l=a#c # tail`)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, tk := range toks {
		got = append(got, tk.text)
	}
	want := []string{"w1", "a=1", "b=2", "e=x y", "h={k:1}", `m=q"x`, "l=a"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("shlexSplit = %q, want %q", got, want)
	}
	if toks[3].off != 13 {
		t.Errorf("offset of e= is %d, want 13", toks[3].off)
	}
	if _, err := shlexSplit(`h a="open`); err == nil {
		t.Error("an unclosed quote must be an error")
	}
}
