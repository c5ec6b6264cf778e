package modules_test

import (
	"strings"
	"testing"

	"github.com/playbook/play/engine/playbook"
	"github.com/playbook/play/engine/template"
)

// TestSystemModulesBadParams: a mistake in a dnf, reposync, firewalld,
// sysctl, selinux, seboolean or sefcontext task is reported before
// anything runs, as file:line:col with the module, the parameter and
// what was expected -- one error per mistake.
func TestSystemModulesBadParams(t *testing.T) {
	const file = "testdata/sysmods/bad-params.yml"
	want := []string{
		file + ":5:22: module dnf: parameter 'state': value 'newest' is not one of: present, installed, latest, absent, removed",
		file + ":6:7: module dnf: one of name, update_cache is required",
		file + ":7:55: module reposync: parameter 'newest_only': expected a boolean",
		file + ":8:7: module reposync: missing required parameter 'repoid'",
		file + ":9:7: module firewalld: parameters service, port are mutually exclusive",
		file + ":10:34: module firewalld: parameter 'state': value 'enabld' is not one of: enabled, disabled, present, absent; did you mean 'enabled'?",
		file + ":11:55: module sysctl: parameter 'sysctl_set': expected a boolean",
		file + ":12:42: module sysctl: parameter 'state': value 'gone' is not one of: present, absent",
		file + ":13:17: module selinux: parameter 'state': value 'enforcin' is not one of: enforcing, permissive, disabled; did you mean 'enforcing'?",
		file + ":14:35: unknown parameter 'polcy' for module selinux; did you mean 'policy'?",
		file + ":15:63: module seboolean: parameter 'persistent': expected a boolean",
		file + ":16:7: module seboolean: missing required parameter 'name'",
		file + ":17:71: module sefcontext: parameter 'ftype': value 'x' is not one of: a, b, c, d, f, l, p, s",
		file + ":18:7: module sefcontext: missing required parameter 'setype'",
	}
	l := playbook.NewLoader(nil)
	pb := l.LoadPlaybook(file)
	ds := append(l.Diags, playbook.Validate(pb, template.New())...)
	ds.Sort()
	var got []string
	for _, d := range ds {
		got = append(got, d.Error())
	}
	if len(got) != len(want) {
		t.Errorf("got %d errors, want %d:\n%s", len(got), len(want), strings.Join(got, "\n"))
	}
	for i := range want {
		if i >= len(got) || !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("error %d:\n got %q\nwant %q...", i, at(got, i), want[i])
		}
	}
}

func at(s []string, i int) string {
	if i < len(s) {
		return s[i]
	}
	return ""
}
