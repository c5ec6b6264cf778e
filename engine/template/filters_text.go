package template

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"hash"
	"os"
	"regexp"
	"strings"
	"sync"

	"github.com/nikolalohinski/gonja/v2/exec"

	"github.com/playbook/play/engine/pyre"
	"github.com/playbook/play/engine/shellquote"
)

// textIn converts a filter input to a string (numbers etc. are printed).
func textIn(in *exec.Value) (string, *exec.Value) {
	x, errv := in2go(in)
	if errv != nil {
		return "", errv
	}
	return str(x), nil
}

func stringFilter(f func(string) string) filterFunc {
	return func(_ *exec.Evaluator, in *exec.Value, _ *exec.VarArgs) *exec.Value {
		s, errv := textIn(in)
		if errv != nil {
			return errv
		}
		return exec.AsValue(f(s))
	}
}

// regexCache holds translated, compiled patterns; the same few patterns are
// used for every host.
var regexCache sync.Map

// compileRegex translates a Python pattern to RE2 (engine/pyre) and
// compiles it with the flags Ansible's regex filters accept.
func compileRegex(pattern string, ignorecase, multiline bool) (*regexp.Regexp, error) {
	flags := ""
	if ignorecase {
		flags += "i"
	}
	if multiline {
		flags += "m"
	}
	key := flags + "\x00" + pattern
	if r, ok := regexCache.Load(key); ok {
		return r.(*regexp.Regexp), nil
	}
	re, err := pyre.Compile(pattern, flags)
	if err != nil {
		return nil, failf("%v", err)
	}
	regexCache.Store(key, re)
	return re, nil
}

// regex_replace(pattern, replacement=”, ignorecase=False, multiline=False, count=0)
func filterRegexReplace(_ *exec.Evaluator, in *exec.Value, p *exec.VarArgs) *exec.Value {
	s, errv := textIn(in)
	if errv != nil {
		return errv
	}
	re, err := compileRegex(argString(p, 0, "pattern", ""), argBool(p, 2, "ignorecase", false), argBool(p, 3, "multiline", false))
	if err != nil {
		return exec.AsValue(err)
	}
	repl := argString(p, 1, "replacement", "")
	count := argInt(p, 4, "count", 0)
	var b []byte
	last := 0
	for i, m := range re.FindAllStringSubmatchIndex(s, -1) {
		if count > 0 && i >= count {
			break
		}
		b = append(b, s[last:m[0]]...)
		if b, err = pyre.Expand(b, repl, re, s, m); err != nil {
			return fail("regex_replace: replacement %q: %v", repl, err)
		}
		last = m[1]
	}
	b = append(b, s[last:]...)
	return exec.AsValue(string(b))
}

// regex_search(pattern, *groups, ignorecase=False, multiline=False): the
// match (or None); with group arguments ('\\1', '\\g<name>') the list of
// those groups.
func filterRegexSearch(_ *exec.Evaluator, in *exec.Value, p *exec.VarArgs) *exec.Value {
	s, errv := textIn(in)
	if errv != nil {
		return errv
	}
	re, err := compileRegex(argString(p, 0, "", ""), argBool(p, -1, "ignorecase", false), argBool(p, -1, "multiline", false))
	if err != nil {
		return exec.AsValue(err)
	}
	m := re.FindStringSubmatchIndex(s)
	if m == nil {
		return exec.AsValue(nil)
	}
	if len(p.Args) <= 1 {
		return exec.AsValue(s[m[0]:m[1]])
	}
	var out []any
	for _, g := range p.Args[1:] {
		spec := g.String()
		if !strings.HasPrefix(spec, `\`) {
			return fail("regex_search: unknown group argument %q (want '\\1' or '\\g<name>')", spec)
		}
		b, err := pyre.Expand(nil, spec, re, s, m)
		if err != nil {
			return fail("regex_search: group argument %q: %v", spec, err)
		}
		out = append(out, string(b))
	}
	return exec.AsValue(out)
}

// regex_findall(pattern, ignorecase=False, multiline=False), shaped like
// Python's re.findall: strings without groups, group strings with one,
// lists with several.
func filterRegexFindall(_ *exec.Evaluator, in *exec.Value, p *exec.VarArgs) *exec.Value {
	s, errv := textIn(in)
	if errv != nil {
		return errv
	}
	re, err := compileRegex(argString(p, 0, "", ""), argBool(p, 1, "ignorecase", false), argBool(p, 2, "multiline", false))
	if err != nil {
		return exec.AsValue(err)
	}
	out := []any{}
	for _, m := range re.FindAllStringSubmatch(s, -1) {
		switch len(m) {
		case 1:
			out = append(out, m[0])
		case 2:
			out = append(out, m[1])
		default:
			row := make([]any, len(m)-1)
			for i, g := range m[1:] {
				row[i] = g
			}
			out = append(out, row)
		}
	}
	return exec.AsValue(out)
}

// split(sep=None, maxsplit=-1) like Python's str.split.
func filterSplit(_ *exec.Evaluator, in *exec.Value, p *exec.VarArgs) *exec.Value {
	s, errv := textIn(in)
	if errv != nil {
		return errv
	}
	return exec.AsValue(pySplit(s, arg(p, 0, "sep"), argInt(p, 1, "maxsplit", -1)))
}

// trim(chars=None) strips whitespace (or the given characters) both sides.
func filterTrim(_ *exec.Evaluator, in *exec.Value, p *exec.VarArgs) *exec.Value {
	s, errv := textIn(in)
	if errv != nil {
		return errv
	}
	if chars := argString(p, 0, "chars", ""); chars != "" {
		return exec.AsValue(strings.Trim(s, chars))
	}
	return exec.AsValue(strings.TrimSpace(s))
}

// replace(old, new, count=None)
func filterReplace(_ *exec.Evaluator, in *exec.Value, p *exec.VarArgs) *exec.Value {
	s, errv := textIn(in)
	if errv != nil {
		return errv
	}
	return exec.AsValue(strings.Replace(s, argString(p, 0, "old", ""), argString(p, 1, "new", ""), argInt(p, 2, "count", -1)))
}

// quote is Python's shlex.quote.
func shellQuote(s string) string { return shellquote.Quote(s) }

// basename/dirname follow Python's os.path (dirname("a") is "").
func basename(s string) string {
	return s[strings.LastIndexByte(s, '/')+1:]
}

func dirname(s string) string {
	head := s[:strings.LastIndexByte(s, '/')+1]
	if head != "" && strings.Trim(head, "/") != "" {
		head = strings.TrimRight(head, "/")
	}
	return head
}

func filterB64Decode(_ *exec.Evaluator, in *exec.Value, _ *exec.VarArgs) *exec.Value {
	s, errv := textIn(in)
	if errv != nil {
		return errv
	}
	b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(s))
	if err != nil {
		b, err = base64.URLEncoding.DecodeString(strings.TrimSpace(s))
	}
	if err != nil {
		return fail("b64decode: %v", err)
	}
	return exec.AsValue(string(b))
}

func hashFunc(name string) func() hash.Hash {
	switch strings.ToLower(name) {
	case "md5":
		return md5.New
	case "sha1":
		return sha1.New
	case "sha224":
		return sha256.New224
	case "sha256":
		return sha256.New
	case "sha384":
		return sha512.New384
	case "sha512":
		return sha512.New
	}
	return nil
}

// hash(algorithm='sha1'); md5/sha1/checksum are fixed-algorithm shortcuts.
func hashFilter(fixed string) filterFunc {
	return func(_ *exec.Evaluator, in *exec.Value, p *exec.VarArgs) *exec.Value {
		s, errv := textIn(in)
		if errv != nil {
			return errv
		}
		algo := fixed
		if algo == "" {
			algo = argString(p, 0, "hashtype", "sha1")
		}
		h := hashFunc(algo)
		if h == nil {
			return fail("hash: unsupported algorithm '%s'", algo)
		}
		sum := h()
		sum.Write([]byte(s))
		return exec.AsValue(hex.EncodeToString(sum.Sum(nil)))
	}
}

// lookup('env', NAME, ...) is the one lookup plugin supported; several
// names give a comma-joined string, as Ansible's lookup does, while
// query() (or wantlist=true) gives a list.
func lookupFunc(list bool) func(*exec.Evaluator, *exec.VarArgs) *exec.Value {
	return func(_ *exec.Evaluator, p *exec.VarArgs) *exec.Value {
		if len(p.Args) == 0 {
			return fail("lookup requires a plugin name")
		}
		plugin := p.Args[0].String()
		if plugin != "env" {
			return fail("lookup plugin '%s' is not supported (only 'env')", plugin)
		}
		var vals []string
		for _, a := range p.Args[1:] {
			v, ok := os.LookupEnv(a.String())
			if !ok {
				if d := arg(p, -1, "default"); d != nil {
					v = d.String()
				}
			}
			vals = append(vals, v)
		}
		if list || argBool(p, -1, "wantlist", false) {
			out := make([]any, len(vals))
			for i, v := range vals {
				out[i] = v
			}
			return exec.AsValue(out)
		}
		return exec.AsValue(strings.Join(vals, ","))
	}
}

// format applies Python %-formatting: "%s-%d" | format(a, b).
func filterFormat(_ *exec.Evaluator, in *exec.Value, p *exec.VarArgs) *exec.Value {
	f, errv := textIn(in)
	if errv != nil {
		return errv
	}
	args := make([]any, len(p.Args))
	for i, a := range p.Args {
		g, err := toGo(a)
		if err != nil {
			return exec.AsValue(err)
		}
		args[i] = g
	}
	out, err := pyPercent(f, args)
	if err != nil {
		return exec.AsValue(err)
	}
	return exec.AsValue(out)
}

var rePercent = regexp.MustCompile(`%([-+ 0#]*)(\d+|\*)?(?:\.(\d+))?([sdifrxXoeEgGc%])`)

func pyPercent(f string, args []any) (string, error) {
	var err error
	n := 0
	out := rePercent.ReplaceAllStringFunc(f, func(m string) string {
		sub := rePercent.FindStringSubmatch(m)
		flags, width, prec, verb := sub[1], sub[2], sub[3], sub[4]
		if verb == "%" {
			return "%"
		}
		if n >= len(args) {
			err = failf("format: not enough arguments for format string")
			return m
		}
		a := args[n]
		n++
		spec := "%" + flags + width
		if prec != "" {
			spec += "." + prec
		}
		switch verb {
		case "s":
			return fmt.Sprintf(spec+"s", str(a))
		case "r":
			return fmt.Sprintf(spec+"s", repr(a))
		case "d", "i":
			num, _ := number(a)
			return fmt.Sprintf(spec+"d", int(num))
		case "c":
			return fmt.Sprintf(spec+"c", a)
		default:
			num, _ := number(a)
			if verb == "x" || verb == "X" || verb == "o" {
				return fmt.Sprintf(spec+verb, int(num))
			}
			return fmt.Sprintf(spec+verb, num)
		}
	})
	return out, err
}
