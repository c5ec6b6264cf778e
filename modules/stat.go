package modules

import (
	"context"
	"fmt"
	"strconv"
	"strings"
)

func init() { Register(&statModule{}) }

// statModule reports on a path like Ansible's stat, gathered with one
// shell round trip (GNU stat, the test builtins, sha*sum, file).
type statModule struct{}

func (statModule) Spec() *Spec {
	return &Spec{
		Name: "stat",
		Doc:  "Retrieve facts about a file or file system object",
		Params: []Param{
			{Name: "path", Type: TypePath, Required: true, Aliases: []string{"dest", "name"}},
			{Name: "follow", Type: TypeBool, Default: false, Help: "report on a symlink's target instead of the link"},
			{Name: "get_checksum", Type: TypeBool, Default: true, Help: "checksum regular readable files"},
			{Name: "checksum_algorithm", Default: "sha1", Aliases: []string{"checksum", "checksum_algo"},
				Choices: []string{"md5", "sha1", "sha224", "sha256", "sha384", "sha512"}},
			{Name: "get_mime", Type: TypeBool, Default: true, Aliases: []string{"mime", "mime_type", "mime-type"}, Help: "mimetype and charset via file(1)"},
			{Name: "get_attributes", Type: TypeBool, Default: true, Aliases: []string{"attr", "attributes"}, Help: "accepted for compatibility; attributes are not reported"},
		},
	}
}

// statScript builds the one command that gathers everything; each value
// is on its own "key:" line so odd names cannot shift fields.
func statScript(p string, follow, csum bool, algo string, mime bool) string {
	L, exists, isreg, fileL := "", `[ -e "$p" ] || [ -L "$p" ]`, `[ -f "$p" ] && [ ! -L "$p" ]`, ""
	if follow {
		L, exists, isreg, fileL = "-L ", `[ -e "$p" ]`, `[ -f "$p" ]`, "-L "
	}
	var b strings.Builder
	fmt.Fprintf(&b, "p=%s\n", shq(p))
	fmt.Fprintf(&b, "if %s; then\n", exists)
	fmt.Fprintf(&b, "stat %s--printf 'stat:%%f %%s %%u %%g %%i %%d %%h %%.9X %%.9Y %%.9Z %%b %%o %%t %%T\\nuser:%%U\\ngroup:%%G\\n' -- \"$p\" || exit 3\n", L)
	b.WriteString(`a=; [ -r "$p" ] && a=${a}r; [ -w "$p" ] && a=${a}w; [ -x "$p" ] && a=${a}x; echo "access:$a"` + "\n")
	if !follow {
		b.WriteString(`if [ -L "$p" ]; then echo "target:$(readlink -- "$p")"; echo "source:$(readlink -f -- "$p")"; fi` + "\n")
	}
	if csum {
		fmt.Fprintf(&b, "if %s && [ -r \"$p\" ]; then echo \"checksum:$(%ssum < \"$p\" | cut -d' ' -f1)\"; fi\n", isreg, algo)
	}
	if mime {
		fmt.Fprintf(&b, "if command -v file >/dev/null 2>&1; then echo \"mime:$(file -b %s--mime-type -- \"$p\")\"; echo \"charset:$(file -b %s--mime-encoding -- \"$p\")\"; fi\n", fileL, fileL)
	}
	b.WriteString("else echo missing; fi\n")
	return b.String()
}

func (statModule) Run(ctx context.Context, t *Task) (*Result, error) {
	t, err := withHostPaths(ctx, t, "path")
	if err != nil {
		return failf("%v", err), nil
	}
	p := Str(t.Args, "path")
	script := statScript(p, Bool(t.Args, "follow"), Bool(t.Args, "get_checksum"), Str(t.Args, "checksum_algorithm"), Bool(t.Args, "get_mime"))
	out, err := runRemoteOK(ctx, t, script)
	if err != nil {
		return failf("stat %s: %v", p, err), nil
	}
	st, err := parseStat(p, out)
	if err != nil {
		return nil, err
	}
	return &Result{Data: map[string]any{"stat": st}}, nil
}

// parseStat turns the script's output into Ansible's stat dictionary.
func parseStat(p, out string) (map[string]any, error) {
	if strings.TrimSpace(out) == "missing" {
		return map[string]any{"exists": false}, nil
	}
	kv := map[string]string{}
	for _, line := range strings.Split(strings.TrimRight(out, "\n"), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok {
			kv[k] = v
		}
	}
	f := strings.Fields(kv["stat"])
	if len(f) != 14 {
		return nil, fmt.Errorf("stat %s: unexpected output %q", p, out)
	}
	raw, _ := strconv.ParseUint(f[0], 16, 32)
	num := func(s string) int64 { n, _ := strconv.ParseInt(s, 10, 64); return n }
	flt := func(s string) float64 { x, _ := strconv.ParseFloat(s, 64); return x }
	typ := raw & 0o170000
	perm := uint32(raw & 0o7777)
	access := kv["access"]
	st := map[string]any{
		"exists": true, "path": p, "mode": octal(perm),
		"isdir": typ == 0o040000, "ischr": typ == 0o020000, "isblk": typ == 0o060000,
		"isreg": typ == 0o100000, "isfifo": typ == 0o010000, "islnk": typ == 0o120000, "issock": typ == 0o140000,
		"size": num(f[1]), "uid": int(num(f[2])), "gid": int(num(f[3])), "inode": num(f[4]), "dev": num(f[5]),
		"nlink": int(num(f[6])), "atime": flt(f[7]), "mtime": flt(f[8]), "ctime": flt(f[9]),
		"pw_name": kv["user"], "gr_name": kv["group"],
		"blocks": num(f[10]), "block_size": num(f[11]), "device_type": rdev(f[12], f[13]),
		"rusr": perm&0o400 != 0, "wusr": perm&0o200 != 0, "xusr": perm&0o100 != 0,
		"rgrp": perm&0o040 != 0, "wgrp": perm&0o020 != 0, "xgrp": perm&0o010 != 0,
		"roth": perm&0o004 != 0, "woth": perm&0o002 != 0, "xoth": perm&0o001 != 0,
		"isuid": perm&0o4000 != 0, "isgid": perm&0o2000 != 0,
		"readable": strings.Contains(access, "r"), "writeable": strings.Contains(access, "w"),
		"executable": strings.Contains(access, "x"),
	}
	if v, ok := kv["target"]; ok {
		st["lnk_target"] = v
		st["lnk_source"] = kv["source"]
	}
	if v, ok := kv["checksum"]; ok && v != "" {
		st["checksum"] = v
	}
	if v, ok := kv["mime"]; ok {
		st["mimetype"] = v
		st["charset"] = kv["charset"]
	}
	return st, nil
}

// rdev rebuilds st_rdev (what Ansible reports as device_type) from the
// hex major/minor GNU stat prints, with glibc's makedev encoding.
func rdev(majorHex, minorHex string) int64 {
	ma, _ := strconv.ParseUint(majorHex, 16, 32)
	mi, _ := strconv.ParseUint(minorHex, 16, 32)
	return int64(mi&0xff | (ma&0xfff)<<8 | (mi&^0xff)<<12 | (ma&^0xfff)<<32)
}
