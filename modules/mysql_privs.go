package modules

import (
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
)

// Privileges in Ansible's mysql_user format: "db.*:SELECT,INSERT/*.*:
// REPLICATION SLAVE" — objects separated by '/', each "object:privs".
// GRANT in the list stands for WITH GRANT OPTION. Objects are keyed
// without backticks ("db.*"), as SHOW GRANTS output is normalized to.

// mysqlPrivs maps an object to its privilege set.
type mysqlPrivs map[string]map[string]bool

// parseMySQLPrivs reads the Ansible format.
func parseMySQLPrivs(s string) (mysqlPrivs, error) {
	out := mysqlPrivs{}
	for _, part := range strings.Split(s, "/") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		i := strings.LastIndex(part, ":")
		if i <= 0 {
			return nil, fmt.Errorf("priv %q: expected object:privileges (e.g. 'db.*:ALL')", part)
		}
		obj := mysqlObjKey(part[:i])
		if !strings.Contains(obj, ".") {
			return nil, fmt.Errorf("priv %q: object %q needs db.table form (db.* or *.*)", part, part[:i])
		}
		set := out[obj]
		if set == nil {
			set = map[string]bool{}
			out[obj] = set
		}
		for _, p := range splitPrivList(part[i+1:]) {
			set[mysqlPrivName(p)] = true
		}
		if len(set) == 0 {
			return nil, fmt.Errorf("priv %q: no privileges listed", part)
		}
	}
	return out, nil
}

// splitPrivList splits "SELECT (a, b), INSERT" on commas outside parens.
func splitPrivList(s string) []string {
	var out []string
	depth, start := 0, 0
	for i := 0; i <= len(s); i++ {
		if i < len(s) {
			switch s[i] {
			case '(':
				depth++
				continue
			case ')':
				depth--
				continue
			case ',':
				if depth > 0 {
					continue
				}
			default:
				continue
			}
		}
		if p := strings.TrimSpace(s[start:i]); p != "" {
			out = append(out, p)
		}
		start = i + 1
	}
	return out
}

// mysqlPrivName normalizes one privilege's spelling.
func mysqlPrivName(p string) string {
	p = strings.Join(strings.Fields(strings.ToUpper(p)), " ")
	switch p {
	case "ALL":
		return "ALL PRIVILEGES"
	case "GRANT OPTION":
		return "GRANT"
	}
	return p
}

// mysqlObjKey strips quoting from "`db`.*" / "'db'.`t`".
func mysqlObjKey(o string) string {
	return strings.NewReplacer("`", "", "'", "", `"`, "").Replace(strings.TrimSpace(o))
}

// mysqlObjSQL quotes an object key for GRANT/REVOKE.
func mysqlObjSQL(key string) string {
	db, tbl, _ := strings.Cut(key, ".")
	q := func(s string) string {
		if s == "*" {
			return s
		}
		return mysqlQuoteIdent(s)
	}
	return q(db) + "." + q(tbl)
}

// parseShowGrants reads SHOW GRANTS lines into privileges per object.
// PROXY grants and role grants are not part of priv and are skipped.
func parseShowGrants(lines []string) mysqlPrivs {
	out := mysqlPrivs{}
	for _, l := range lines {
		if !strings.HasPrefix(l, "GRANT ") {
			continue
		}
		on := strings.Index(l, " ON ")
		to := strings.LastIndex(l, " TO ")
		if on < 0 || to < on {
			continue
		}
		privs := l[len("GRANT "):on]
		if strings.TrimSpace(privs) == "PROXY" {
			continue
		}
		obj := mysqlObjKey(l[on+4 : to])
		set := out[obj]
		if set == nil {
			set = map[string]bool{}
			out[obj] = set
		}
		for _, p := range splitPrivList(privs) {
			set[mysqlPrivName(p)] = true
		}
		if strings.Contains(l[to:], " WITH GRANT OPTION") {
			set["GRANT"] = true
		}
	}
	return out
}

// effective drops USAGE, which only means "no privileges".
func effective(set map[string]bool) map[string]bool {
	out := map[string]bool{}
	for p := range set {
		if p != "USAGE" {
			out[p] = true
		}
	}
	return out
}

func privString(set map[string]bool) string {
	var l []string
	for p := range set {
		l = append(l, p)
	}
	sort.Strings(l)
	return strings.Join(l, ",")
}

func (p mysqlPrivs) view() map[string]any {
	out := map[string]any{}
	for obj, set := range p {
		if s := privString(effective(set)); s != "" {
			out[obj] = s
		}
	}
	return out
}

// planGrants returns the GRANT/REVOKE statements that take account from
// cur to want. With appendOnly, existing privileges are never revoked.
func planGrants(account string, cur, want mysqlPrivs, appendOnly bool) []string {
	var stmts []string
	objs := make([]string, 0, len(want)+len(cur))
	for o := range want {
		objs = append(objs, o)
	}
	for o := range cur {
		if _, ok := want[o]; !ok {
			objs = append(objs, o)
		}
	}
	sort.Strings(objs)
	for _, o := range objs {
		c, w := effective(cur[o]), effective(want[o])
		wanted := want[o] != nil
		if appendOnly {
			if !wanted {
				continue
			}
			add := map[string]bool{}
			for p := range w {
				if !c[p] && !(p != "GRANT" && c["ALL PRIVILEGES"]) {
					add[p] = true
				}
			}
			stmts = append(stmts, grantStmts(o, account, add)...)
			continue
		}
		if privString(c) == privString(w) {
			continue
		}
		if len(c) > 0 {
			stmts = append(stmts, "REVOKE ALL PRIVILEGES ON "+mysqlObjSQL(o)+" FROM "+account)
			if c["GRANT"] {
				stmts = append(stmts, "REVOKE GRANT OPTION ON "+mysqlObjSQL(o)+" FROM "+account)
			}
		}
		stmts = append(stmts, grantStmts(o, account, w)...)
	}
	return stmts
}

func grantStmts(obj, account string, set map[string]bool) []string {
	if len(set) == 0 {
		return nil
	}
	var privs []string
	for p := range set {
		if p != "GRANT" {
			privs = append(privs, p)
		}
	}
	sort.Strings(privs)
	list := strings.Join(privs, ", ")
	if list == "" {
		list = "USAGE"
	}
	s := "GRANT " + list + " ON " + mysqlObjSQL(obj) + " TO " + account
	if set["GRANT"] {
		s += " WITH GRANT OPTION"
	}
	return []string{s}
}

// mysqlNativeHash is mysql_native_password's stored form of a password:
// "*" + hex(SHA1(SHA1(password))). Comparing hashes lets the module
// decide without sending or printing the password.
func mysqlNativeHash(pw string) string {
	a := sha1.Sum([]byte(pw))
	b := sha1.Sum(a[:])
	return "*" + strings.ToUpper(hex.EncodeToString(b[:]))
}
