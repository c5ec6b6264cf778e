package modules

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

func TestCronFile(t *testing.T) {
	dir := t.TempDir()
	old := cronDir
	cronDir = dir
	t.Cleanup(func() { cronDir = old })
	file := filepath.Join(dir, "backup")
	job := map[string]any{"name": "nightly backup", "job": "/usr/local/bin/backup >/dev/null", "minute": "30", "hour": "2", "cron_file": "backup", "user": "backup"}

	res := sysRunModule(t, "cron", job, true)
	if !res.Changed || len(res.Diffs) != 1 || !res.Diffs[0].BeforeMissing {
		t.Fatalf("check: %+v", res)
	}
	if _, err := os.Stat(file); err == nil {
		t.Fatal("check mode wrote the cron file")
	}
	want := "#Ansible: nightly backup\n30 2 * * * backup /usr/local/bin/backup >/dev/null\n"
	if res.Diffs[0].After != want {
		t.Errorf("predicted content %q, want %q", res.Diffs[0].After, want)
	}
	if res := sysRunModule(t, "cron", job, false); !res.Changed || res.Failed {
		t.Fatalf("apply: %+v", res)
	}
	if b, _ := os.ReadFile(file); string(b) != want {
		t.Errorf("file = %q", b)
	}
	if res := sysRunModule(t, "cron", job, false); res.Changed {
		t.Error("second run changed")
	}

	env := map[string]any{"name": "MAILTO", "job": "ops@example.com", "env": true, "cron_file": "backup"}
	sysRunModule(t, "cron", env, false)
	job["disabled"] = true
	job["hour"] = "3"
	sysRunModule(t, "cron", job, false)
	want = "MAILTO=ops@example.com\n#Ansible: nightly backup\n#30 3 * * * backup /usr/local/bin/backup >/dev/null\n"
	if b, _ := os.ReadFile(file); string(b) != want {
		t.Errorf("after env + disable: %q", b)
	}

	res = sysRunModule(t, "cron", map[string]any{"name": "nightly backup", "state": "absent", "cron_file": "backup"}, false)
	if !res.Changed {
		t.Error("removing the job: no change")
	}
	if b, _ := os.ReadFile(file); string(b) != "MAILTO=ops@example.com\n" {
		t.Errorf("after removal: %q", b)
	}
	res = sysRunModule(t, "cron", map[string]any{"state": "absent", "cron_file": "backup"}, false)
	if !res.Changed || !res.Diffs[0].AfterMissing {
		t.Errorf("removing the file: %+v", res)
	}
	if _, err := os.Stat(file); err == nil {
		t.Error("cron file still exists")
	}
}

func TestCronUserCrontab(t *testing.T) {
	sysNeedRoot(t)
	if _, err := exec.LookPath("crontab"); err != nil {
		t.Skip("no crontab command (package cron not installed)")
	}
	if _, err := exec.LookPath("useradd"); err != nil {
		t.Skip("no useradd")
	}
	const usr = "playcronusr"
	if exec.Command("useradd", "-M", usr).Run() != nil {
		t.Skip("cannot create a test user")
	}
	t.Cleanup(func() {
		exec.Command("crontab", "-r", "-u", usr).Run()
		exec.Command("userdel", usr).Run()
	})
	job := map[string]any{"name": "tick", "job": "true", "special_time": "hourly", "user": usr}
	if res := sysRunModule(t, "cron", job, false); !res.Changed || res.Failed {
		t.Fatalf("apply: %+v", res)
	}
	out, _ := exec.Command("crontab", "-l", "-u", usr).Output()
	if string(out) != "#Ansible: tick\n@hourly true\n" {
		t.Errorf("crontab = %q", out)
	}
	if res := sysRunModule(t, "cron", job, false); res.Changed {
		t.Error("second run changed")
	}
}
