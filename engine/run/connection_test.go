package run

import (
	"strings"
	"testing"
	"time"
)

func TestControlPersistFromArgs(t *testing.T) {
	cases := []struct {
		args string
		want time.Duration
		ok   bool
		err  string
	}{
		{"-C -o ControlMaster=auto -o ControlPersist=60s", time.Minute, true, ""}, // Ansible's default ssh_args
		{"-oControlPersist=90", 90 * time.Second, true, ""},
		{"-o controlpersist=10m", 10 * time.Minute, true, ""},
		{"-o ControlPersist=no", 0, true, ""},
		{"-o ControlPersist=yes", 365 * 24 * time.Hour, true, ""},
		{"-J bastion -o StrictHostKeyChecking=no", 0, false, ""},
		{"", 0, false, ""},
		{"-o ControlPersist=60s -o ControlPath=none", 0, true, ""},
		{"-o ControlMaster=no -o ControlPersist=60s", 0, true, ""},
		{"-o ControlPersist=soon", 0, false, "ControlPersist=soon: expected yes, no, seconds or a duration"},
	}
	for _, c := range cases {
		got, ok, err := controlPersistFromArgs(c.args)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%q: error %v, want %q", c.args, err, c.err)
			}
			continue
		}
		if err != nil || got != c.want || ok != c.ok {
			t.Errorf("%q: got %v, %v, %v; want %v, %v", c.args, got, ok, err, c.want, c.ok)
		}
	}
}

func TestProxyJumpFromArgs(t *testing.T) {
	for args, want := range map[string]string{
		"-J bastion":                           "bastion",
		"-Jadmin@bastion:2222":                 "admin@bastion:2222",
		"-o ProxyJump=jump1,jump2":             "jump1,jump2",
		"-oProxyJump=jump":                     "jump",
		"-C -o StrictHostKeyChecking=no -J b1": "b1",
		"-o ControlPersist=60s":                "",
		"":                                     "",
	} {
		if got := proxyJumpFromArgs(args); got != want {
			t.Errorf("proxyJumpFromArgs(%q) = %q, want %q", args, got, want)
		}
	}
}
