package template

import (
	"fmt"
	"reflect"
	"strings"

	"github.com/nikolalohinski/gonja/v2/exec"
)

// toGo converts a gonja value to the plain Go types YAML decoding produces
// (map[string]any, []any, int, float64, bool, string, nil), so results can
// be handed to modules and encoders without knowing about gonja.
func toGo(v *exec.Value) (any, error) {
	if v == nil || v.IsNil() {
		return nil, nil
	}
	if v.IsError() {
		return nil, v.Interface().(error)
	}
	return goValue(v.Interface())
}

func goValue(x any) (any, error) {
	switch t := x.(type) {
	case nil:
		return nil, nil
	case string, bool, int, float64:
		return t, nil
	case *exec.Value:
		return toGo(t)
	case error:
		return nil, t
	case []any:
		out := make([]any, len(t))
		for i, item := range t {
			c, err := goValue(item)
			if err != nil {
				return nil, err
			}
			out[i] = c
		}
		return out, nil
	case exec.ValuesList:
		out := make([]any, len(t))
		for i, item := range t {
			c, err := toGo(item)
			if err != nil {
				return nil, err
			}
			out[i] = c
		}
		return out, nil
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, item := range t {
			c, err := goValue(item)
			if err != nil {
				return nil, err
			}
			out[k] = c
		}
		return out, nil
	case *exec.Dict:
		return dictToGo(t)
	case exec.Dict:
		return dictToGo(&t)
	}
	return reflectToGo(reflect.ValueOf(x))
}

func dictToGo(d *exec.Dict) (any, error) {
	out := make(map[string]any, len(d.Pairs))
	for _, p := range d.Pairs {
		c, err := toGo(p.Value)
		if err != nil {
			return nil, err
		}
		out[keyString(p.Key.Interface())] = c
	}
	return out, nil
}

// keyString renders a non-string map key the way YAML/JSON output needs it.
func keyString(k any) string {
	if s, ok := k.(string); ok {
		return s
	}
	if v, ok := k.(*exec.Value); ok {
		return v.String()
	}
	return fmt.Sprint(k)
}

func reflectToGo(rv reflect.Value) (any, error) {
	for rv.IsValid() && (rv.Kind() == reflect.Interface || rv.Kind() == reflect.Pointer) {
		if rv.IsNil() {
			return nil, nil
		}
		rv = rv.Elem()
	}
	if !rv.IsValid() {
		return nil, nil
	}
	switch rv.Kind() {
	case reflect.Bool:
		return rv.Bool(), nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return int(rv.Int()), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return int(rv.Uint()), nil
	case reflect.Float32, reflect.Float64:
		return rv.Float(), nil
	case reflect.String:
		return rv.String(), nil
	case reflect.Slice, reflect.Array:
		out := make([]any, rv.Len())
		for i := range out {
			c, err := goValue(rv.Index(i).Interface())
			if err != nil {
				return nil, err
			}
			out[i] = c
		}
		return out, nil
	case reflect.Map:
		out := make(map[string]any, rv.Len())
		it := rv.MapRange()
		for it.Next() {
			c, err := goValue(it.Value().Interface())
			if err != nil {
				return nil, err
			}
			out[keyString(it.Key().Interface())] = c
		}
		return out, nil
	case reflect.Chan:
		// gonja's range() yields a channel; drain it into a list.
		var out []any
		for {
			item, ok := rv.Recv()
			if !ok {
				break
			}
			c, err := goValue(item.Interface())
			if err != nil {
				return nil, err
			}
			out = append(out, c)
		}
		if out == nil {
			out = []any{}
		}
		return out, nil
	}
	if rv.CanInterface() {
		if s, ok := rv.Interface().(fmt.Stringer); ok {
			return s.String(), nil
		}
	}
	return nil, fmt.Errorf("template produced a value of unsupported type %s", rv.Type())
}

// Truthy applies Ansible's truthiness for conditionals: booleans as they
// are; the strings yes/true/on/y/1 are true and no/false/off/n/0/"" false
// (other non-empty strings are true); numbers are true when non-zero;
// collections when non-empty; nil is false.
func Truthy(v any) bool {
	switch t := v.(type) {
	case nil:
		return false
	case bool:
		return t
	case string:
		s := strings.ToLower(strings.TrimSpace(t))
		switch s {
		case "", "no", "false", "off", "n", "0":
			return false
		}
		return true
	case int:
		return t != 0
	case float64:
		return t != 0
	case []any:
		return len(t) > 0
	case map[string]any:
		return len(t) > 0
	case *exec.Value:
		g, err := toGo(t)
		if err != nil {
			return false
		}
		return Truthy(g)
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Slice, reflect.Map, reflect.Array:
		return rv.Len() > 0
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return rv.Int() != 0
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return rv.Uint() != 0
	case reflect.Float32:
		return rv.Float() != 0
	case reflect.Pointer, reflect.Interface:
		return !rv.IsNil()
	}
	return true
}
