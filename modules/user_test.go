package modules

import (
	"os/exec"
	"os/user"
	"strings"
	"testing"
)

func TestGroupAndUserLifecycle(t *testing.T) {
	sysNeedRoot(t)
	if _, err := exec.LookPath("useradd"); err != nil {
		t.Skip("no useradd")
	}
	const grp, usr = "playtestgrp", "playtestusr"
	if _, err := user.Lookup(usr); err == nil {
		t.Skipf("user %s already exists here", usr)
	}
	t.Cleanup(func() {
		exec.Command("userdel", "-r", usr).Run()
		exec.Command("groupdel", grp).Run()
	})

	g := map[string]any{"name": grp, "gid": 42420}
	if res := sysRunModule(t, "group", g, true); !res.Changed {
		t.Fatal("group check: no change predicted")
	}
	if _, err := user.LookupGroup(grp); err == nil {
		t.Fatal("check mode created the group")
	}
	if res := sysRunModule(t, "group", g, false); !res.Changed || res.Failed || res.Data["gid"] != 42420 {
		t.Fatalf("group create: %+v", res)
	}
	if gr, err := user.LookupGroup(grp); err != nil || gr.Gid != "42420" {
		t.Fatalf("group not created with gid: %v %v", gr, err)
	}
	if res := sysRunModule(t, "group", g, false); res.Changed {
		t.Error("group re-run changed")
	}

	hash := "$6$saltsalt$Wl7Xk1F9lFfHc0LZWlCkQd2QlSg2c8xNKGGN0R2nZ7wLLw0W5l4gN1ueWtYg8q/0nHzjS3kPzqC1cTUZ7Lq2x."
	u := map[string]any{"name": usr, "groups": []any{grp}, "shell": "/bin/sh", "comment": "play test", "password": hash}
	res := sysRunModule(t, "user", u, true)
	if !res.Changed || res.Diffs[0].AfterState["state"] != "present" {
		t.Fatalf("user check: %+v", res)
	}
	if _, err := user.Lookup(usr); err == nil {
		t.Fatal("check mode created the user")
	}
	if res := sysRunModule(t, "user", u, false); !res.Changed || res.Failed {
		t.Fatalf("user create: %+v", res)
	}
	out, _ := exec.Command("id", "-Gn", usr).Output()
	if !strings.Contains(string(out), grp) {
		t.Errorf("user not in %s: %s", grp, out)
	}
	shadow, _ := exec.Command("getent", "shadow", usr).Output()
	if !strings.Contains(string(shadow), hash) {
		t.Error("password hash not set")
	}
	if res := sysRunModule(t, "user", u, false); res.Changed {
		t.Errorf("user re-run changed: %+v", res.Diffs)
	}
	u["shell"] = "/bin/bash"
	res = sysRunModule(t, "user", u, false)
	if !res.Changed || res.Diffs[0].BeforeState["shell"] != "/bin/sh" || res.Diffs[0].AfterState["shell"] != "/bin/bash" {
		t.Errorf("shell change: %+v", res.Diffs)
	}
	for _, d := range res.Diffs {
		for _, v := range d.AfterState {
			if strings.Contains(toStrAny(v), "$6$") {
				t.Error("password hash leaked into a diff")
			}
		}
	}
	if res := sysRunModule(t, "user", map[string]any{"name": usr, "groups": []any{"no-such-group-xyz"}}, true); !res.Failed {
		t.Error("missing supplementary group not reported")
	}

	if res := sysRunModule(t, "user", map[string]any{"name": usr, "state": "absent", "remove": true}, false); !res.Changed || res.Failed {
		t.Fatalf("user remove: %+v", res)
	}
	if _, err := user.Lookup(usr); err == nil {
		t.Error("user still exists")
	}
	if res := sysRunModule(t, "group", map[string]any{"name": grp, "state": "absent"}, false); !res.Changed {
		t.Error("group remove reported no change")
	}
	if res := sysRunModule(t, "group", map[string]any{"name": grp, "state": "absent"}, false); res.Changed {
		t.Error("group re-remove changed")
	}
}

func toStrAny(v any) string {
	s, _ := v.(string)
	return s
}
