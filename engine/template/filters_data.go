package template

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/nikolalohinski/gonja/v2/exec"
	"gopkg.in/yaml.v3"
)

// JSON is written by hand to match Python's json.dumps byte for byte where
// it is cheap to: ", "/": " separators, ASCII-only output, no HTML escaping.
// Templated config files then come out as they would from Ansible.
func writeJSON(b *bytes.Buffer, x any, indent, depth int, sortKeys bool) error {
	nl := func(d int) {
		if indent > 0 {
			b.WriteByte('\n')
			b.WriteString(strings.Repeat(" ", indent*d))
		}
	}
	itemSep := ", "
	if indent > 0 {
		itemSep = ","
	}
	switch t := x.(type) {
	case nil:
		b.WriteString("null")
	case bool:
		b.WriteString(strconv.FormatBool(t))
	case int:
		b.WriteString(strconv.Itoa(t))
	case float64:
		switch {
		case math.IsNaN(t):
			b.WriteString("NaN")
		case math.IsInf(t, 1):
			b.WriteString("Infinity")
		case math.IsInf(t, -1):
			b.WriteString("-Infinity")
		default:
			b.WriteString(pyFloat(t))
		}
	case string:
		writeJSONString(b, t)
	case []any:
		if len(t) == 0 {
			b.WriteString("[]")
			return nil
		}
		b.WriteByte('[')
		for i, item := range t {
			if i > 0 {
				b.WriteString(itemSep)
			}
			nl(depth + 1)
			if err := writeJSON(b, item, indent, depth+1, sortKeys); err != nil {
				return err
			}
		}
		nl(depth)
		b.WriteByte(']')
	case map[string]any:
		if len(t) == 0 {
			b.WriteString("{}")
			return nil
		}
		// Go maps have no order, so keys are always sorted.
		b.WriteByte('{')
		for i, k := range sortedKeys(t) {
			if i > 0 {
				b.WriteString(itemSep)
			}
			nl(depth + 1)
			writeJSONString(b, k)
			b.WriteString(": ")
			if err := writeJSON(b, t[k], indent, depth+1, sortKeys); err != nil {
				return err
			}
		}
		nl(depth)
		b.WriteByte('}')
	default:
		return fmt.Errorf("cannot encode %T as JSON", x)
	}
	return nil
}

func writeJSONString(b *bytes.Buffer, s string) {
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		default:
			switch {
			case r < 0x20 || r == utf8.RuneError:
				fmt.Fprintf(b, `\u%04x`, r)
			case r < 0x7f:
				b.WriteRune(r)
			case r > 0xffff:
				r -= 0x10000
				fmt.Fprintf(b, `\u%04x\u%04x`, 0xd800+(r>>10), 0xdc00+(r&0x3ff))
			default:
				fmt.Fprintf(b, `\u%04x`, r)
			}
		}
	}
	b.WriteByte('"')
}

func jsonFilter(defIndent int) filterFunc {
	return func(_ *exec.Evaluator, in *exec.Value, p *exec.VarArgs) *exec.Value {
		x, errv := in2go(in)
		if errv != nil {
			return errv
		}
		var b bytes.Buffer
		if err := writeJSON(&b, x, argInt(p, -1, "indent", defIndent), 0, true); err != nil {
			return fail("to_json: %v", err)
		}
		return exec.AsValue(b.String())
	}
}

// fromJSON decodes JSON into plain values, keeping integers as int.
func fromJSON(s string) (any, error) {
	d := json.NewDecoder(strings.NewReader(s))
	d.UseNumber()
	var x any
	if err := d.Decode(&x); err != nil {
		return nil, err
	}
	return normalizeNumbers(x), nil
}

func normalizeNumbers(x any) any {
	switch t := x.(type) {
	case json.Number:
		if i, err := strconv.Atoi(t.String()); err == nil {
			return i
		}
		f, _ := t.Float64()
		return f
	case []any:
		for i := range t {
			t[i] = normalizeNumbers(t[i])
		}
	case map[string]any:
		for k := range t {
			t[k] = normalizeNumbers(t[k])
		}
	}
	return x
}

func filterFromJSON(_ *exec.Evaluator, in *exec.Value, _ *exec.VarArgs) *exec.Value {
	s, errv := textIn(in)
	if errv != nil {
		return errv
	}
	x, err := fromJSON(s)
	if err != nil {
		return fail("from_json: %v", err)
	}
	return exec.AsValue(x)
}

// to_yaml uses 2-space indentation, to_nice_yaml Ansible's default of 4.
func yamlFilter(defIndent int) filterFunc {
	return func(_ *exec.Evaluator, in *exec.Value, p *exec.VarArgs) *exec.Value {
		x, errv := in2go(in)
		if errv != nil {
			return errv
		}
		var b bytes.Buffer
		enc := yaml.NewEncoder(&b)
		enc.SetIndent(argInt(p, -1, "indent", defIndent))
		if err := enc.Encode(x); err != nil {
			return fail("to_yaml: %v", err)
		}
		if err := enc.Close(); err != nil {
			return fail("to_yaml: %v", err)
		}
		return exec.AsValue(b.String())
	}
}

func filterFromYAML(_ *exec.Evaluator, in *exec.Value, _ *exec.VarArgs) *exec.Value {
	s, errv := textIn(in)
	if errv != nil {
		return errv
	}
	var x any
	if err := yaml.Unmarshal([]byte(s), &x); err != nil {
		return fail("from_yaml: %v", err)
	}
	g, err := goValue(x)
	if err != nil {
		return exec.AsValue(err)
	}
	return exec.AsValue(g)
}
