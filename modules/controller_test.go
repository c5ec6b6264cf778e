package modules

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

// sysRunController runs a controller-side module with an Eval that looks
// expressions up in a table (the template engine is tested on its own).
func sysRunController(t *testing.T, name string, args map[string]any, exprs map[string]any) *Result {
	t.Helper()
	m, _ := Get(name)
	norm, errs := Normalize(m.Spec(), args, false)
	if len(errs) > 0 {
		t.Fatalf("%s: bad args: %v", name, errs[0])
	}
	task := &Task{Host: "h", Args: norm, Eval: func(e string) (any, error) {
		if v, ok := exprs[e]; ok {
			return v, nil
		}
		return nil, fmt.Errorf("'%s' is undefined", e)
	}}
	res, err := m.Run(context.Background(), task)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestAssert(t *testing.T) {
	exprs := map[string]any{"x == 1": true, "y in [1,2]": false}
	res := sysRunController(t, "assert", map[string]any{"that": []any{"x == 1", "y in [1,2]"}}, exprs)
	if !res.Failed || res.Msg != "assertion failed: y in [1,2]" {
		t.Errorf("failed=%v msg=%q", res.Failed, res.Msg)
	}
	res = sysRunController(t, "assert", map[string]any{"that": "y in [1,2]", "msg": "y is wrong"}, exprs)
	if !res.Failed || res.Msg != "y is wrong" {
		t.Errorf("fail_msg alias: %q", res.Msg)
	}
	res = sysRunController(t, "assert", map[string]any{"that": []any{"{{ x == 1 }}", true}, "success_msg": "fine"}, exprs)
	if res.Failed || res.Msg != "fine" {
		t.Errorf("passing assert: failed=%v msg=%q", res.Failed, res.Msg)
	}
	res = sysRunController(t, "assert", map[string]any{"that": "nope"}, exprs)
	if !res.Failed || !strings.Contains(res.Msg, "undefined") {
		t.Errorf("undefined variable: %q", res.Msg)
	}
}

func TestDebugFailSetFact(t *testing.T) {
	res := sysRunController(t, "debug", map[string]any{"var": "port"}, map[string]any{"port": 3306})
	if res.Data["port"] != 3306 {
		t.Errorf("debug var: %v", res.Data)
	}
	res = sysRunController(t, "debug", map[string]any{"var": "missing"}, nil)
	if res.Data["missing"] != debugUndefined {
		t.Errorf("debug undefined var: %v", res.Data)
	}
	res = sysRunController(t, "debug", map[string]any{"msg": []any{"a", "b"}}, nil)
	if fmt.Sprint(res.Data["msg"]) != "[a b]" {
		t.Errorf("debug msg: %v", res.Data)
	}
	res = sysRunController(t, "debug", map[string]any{"msg": "hidden", "verbosity": 2}, nil)
	if !res.Skipped {
		t.Error("debug with verbosity 2 was not skipped at -v0")
	}
	res = sysRunController(t, "fail", map[string]any{"msg": "stop here"}, nil)
	if !res.Failed || res.Msg != "stop here" {
		t.Errorf("fail: %+v", res)
	}
	res = sysRunController(t, "set_fact", map[string]any{"a": 1, "b": map[string]any{"c": "d"}, "cacheable": true}, nil)
	if res.Vars["a"] != 1 || res.Vars["b"] == nil || len(res.Vars) != 2 {
		t.Errorf("set_fact vars: %v", res.Vars)
	}
	res = sysRunController(t, "set_fact", map[string]any{"bad-name": 1}, nil)
	if !res.Failed {
		t.Error("set_fact accepted an invalid variable name")
	}
}

func TestPauseHonoursCancel(t *testing.T) {
	m, _ := Get("pause")
	norm, _ := Normalize(m.Spec(), map[string]any{"minutes": 10}, false)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := m.Run(ctx, &Task{Args: norm}); err == nil {
		t.Error("a cancelled pause returned no error")
	}
	norm, _ = Normalize(m.Spec(), map[string]any{"seconds": "0.01"}, false)
	res, err := m.Run(context.Background(), &Task{Args: norm})
	if err != nil || res.Failed {
		t.Errorf("short pause: %v %+v", err, res)
	}
}
