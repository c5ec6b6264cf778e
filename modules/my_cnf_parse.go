package modules

import (
	"strings"
)

// MySQL/MariaDB option files ("my.cnf") are INI-like: [group] headers,
// "option = value" or bare "option" lines, # and ; comments, and the
// !include / !includedir directives. The editor below works line by line
// so comments, blank lines and unrelated options survive untouched.

// cnfKind classifies one line of an option file.
type cnfKind int

const (
	cnfOther   cnfKind = iota // blank, comment, or anything unparsed
	cnfSection                // [group]
	cnfOption                 // option[=value]
	cnfInclude                // !include file
	cnfIncDir                 // !includedir dir
)

// cnfLine is one parsed line; Raw is kept verbatim for rewriting.
type cnfLine struct {
	Raw     string
	Kind    cnfKind
	Section string // the group this line belongs to ("" before any header)
	Name    string // option name as written, or the group name for headers
	Value   string // unquoted value, inline comment stripped
	HasVal  bool
	Arg     string // include path
	// Commented is set for "#option = value" lines: the stock files ship
	// settings commented out, and a new setting reads best next to them.
	Commented string // normalized option name of a commented-out option
}

// cnfNorm is the name MariaDB matches options by: '-' and '_' are the same
// character in option names, and a "loose-" prefix only silences unknown
// option errors.
func cnfNorm(name string) string {
	n := strings.ToLower(strings.TrimSpace(name))
	n = strings.ReplaceAll(n, "-", "_")
	return strings.TrimPrefix(n, "loose_")
}

// parseCnf splits an option file into classified lines.
func parseCnf(data string) []cnfLine {
	text := strings.TrimSuffix(data, "\n")
	if text == "" {
		return nil
	}
	var out []cnfLine
	section := ""
	for _, raw := range strings.Split(text, "\n") {
		l := cnfLine{Raw: raw, Section: section}
		s := strings.TrimSpace(strings.TrimSuffix(raw, "\r"))
		switch {
		case s == "":
		case s[0] == '#' || s[0] == ';':
			body := strings.TrimSpace(strings.TrimLeft(s, "#;"))
			if name, _, _, ok := cnfSplitOption(body); ok && !strings.ContainsAny(name, " \t") {
				l.Commented = cnfNorm(name)
			}
		case s[0] == '[':
			if end := strings.IndexByte(s, ']'); end > 0 {
				section = strings.TrimSpace(s[1:end])
				l.Kind, l.Name, l.Section = cnfSection, section, section
			}
		case strings.HasPrefix(s, "!includedir"):
			l.Kind, l.Arg = cnfIncDir, strings.TrimSpace(strings.TrimPrefix(s, "!includedir"))
		case strings.HasPrefix(s, "!include"):
			l.Kind, l.Arg = cnfInclude, strings.TrimSpace(strings.TrimPrefix(s, "!include"))
		default:
			if name, val, has, ok := cnfSplitOption(s); ok {
				l.Kind, l.Name, l.Value, l.HasVal = cnfOption, name, val, has
			}
		}
		out = append(out, l)
	}
	return out
}

// cnfSplitOption parses "name", "name = value" or "name=value # comment".
func cnfSplitOption(s string) (name, value string, hasValue, ok bool) {
	eq := strings.IndexByte(s, '=')
	if eq < 0 {
		name = strings.TrimSpace(cnfStripComment(s))
		return name, "", false, name != ""
	}
	name = strings.TrimSpace(s[:eq])
	if name == "" {
		return "", "", false, false
	}
	return name, cnfUnquote(strings.TrimSpace(cnfStripComment(s[eq+1:]))), true, true
}

// cnfStripComment drops a trailing "# comment" that is outside quotes.
func cnfStripComment(s string) string {
	var quote byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0:
			if c == '\\' {
				i++
			} else if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '#':
			return strings.TrimRight(s[:i], " \t")
		}
	}
	return s
}

func cnfUnquote(v string) string {
	if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
		return v[1 : len(v)-1]
	}
	return v
}

// cnfQuote quotes a value only when the server would otherwise misread it.
func cnfQuote(v string) string {
	if v == "" || strings.ContainsAny(v, "#") || strings.TrimSpace(v) != v {
		return `"` + strings.ReplaceAll(v, `"`, `\"`) + `"`
	}
	return v
}

// cnfSetting is one desired option: Value nil means a bare option
// (skip-name-resolve).
type cnfSetting struct {
	Name  string
	Value *string
}

func (s cnfSetting) line() string {
	if s.Value == nil {
		return s.Name
	}
	return s.Name + " = " + cnfQuote(*s.Value)
}

// matches reports whether a parsed option line already has the setting.
func (s cnfSetting) matches(l cnfLine) bool {
	if s.Value == nil {
		return !l.HasVal
	}
	return l.HasVal && l.Value == *s.Value
}

// rewrite changes an option line's value, keeping the spelling and the
// alignment of what precedes the value.
func (s cnfSetting) rewrite(l cnfLine) string {
	if s.Value == nil || !l.HasVal {
		indent := l.Raw[:len(l.Raw)-len(strings.TrimLeft(l.Raw, " \t"))]
		return indent + s.line()
	}
	eq := strings.IndexByte(l.Raw, '=')
	prefix := l.Raw[:eq+1]
	rest := l.Raw[eq+1:]
	pad := rest[:len(rest)-len(strings.TrimLeft(rest, " \t"))]
	return prefix + pad + cnfQuote(*s.Value)
}

// cnfEdit is the outcome of editing one file's lines.
type cnfEdit struct {
	Lines   []cnfLine
	Changed bool
	Added   []string // names added
	Updated []string // names whose value changed
	Removed []string // names removed
}

// text joins the lines back into file content.
func (e *cnfEdit) text() string {
	if len(e.Lines) == 0 {
		return ""
	}
	var b strings.Builder
	for _, l := range e.Lines {
		b.WriteString(l.Raw)
		b.WriteByte('\n')
	}
	return b.String()
}

// editCnf applies settings to one section. present: every occurrence of
// the option in the section gets the value (a later duplicate would
// otherwise override the change); a missing option goes after its
// commented-out example if the section has one, else after the section's
// last option, and a missing section is appended. absent: every
// occurrence in the section is removed.
func editCnf(lines []cnfLine, section string, settings []cnfSetting, present bool) *cnfEdit {
	e := &cnfEdit{Lines: append([]cnfLine(nil), lines...)}
	for _, s := range settings {
		norm := cnfNorm(s.Name)
		found := false
		var kept []cnfLine
		for _, l := range e.Lines {
			if l.Kind != cnfOption || l.Section != section || cnfNorm(l.Name) != norm {
				kept = append(kept, l)
				continue
			}
			found = true
			if !present {
				e.Changed = true
				continue
			}
			if !s.matches(l) {
				l.Raw = s.rewrite(l)
				l.Value, l.HasVal = "", s.Value != nil
				if s.Value != nil {
					l.Value = *s.Value
				}
				e.Changed = true
				e.Updated = appendOnce(e.Updated, s.Name)
			}
			kept = append(kept, l)
		}
		e.Lines = kept
		switch {
		case !present && found:
			e.Removed = append(e.Removed, s.Name)
		case present && !found:
			e.Lines = cnfInsert(e.Lines, section, s)
			e.Changed = true
			e.Added = append(e.Added, s.Name)
		}
	}
	return e
}

func appendOnce(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}

// cnfInsert adds a new option line to section (creating the section at
// the end of the file when it does not exist).
func cnfInsert(lines []cnfLine, section string, s cnfSetting) []cnfLine {
	nl := cnfLine{Raw: s.line(), Kind: cnfOption, Section: section, Name: s.Name, HasVal: s.Value != nil}
	if s.Value != nil {
		nl.Value = *s.Value
	}
	norm := cnfNorm(s.Name)
	header, lastOpt, example := -1, -1, -1
	for i, l := range lines {
		if l.Section != section {
			continue
		}
		switch {
		case l.Kind == cnfSection:
			if header < 0 {
				header = i
			}
		case l.Kind == cnfOption:
			lastOpt = i
		case l.Commented == norm:
			example = i
		}
	}
	at := -1
	switch {
	case example >= 0:
		at = example + 1
	case lastOpt >= 0:
		at = lastOpt + 1
	case header >= 0:
		at = header + 1
	case section == "" && len(lines) == 0:
		return []cnfLine{nl}
	case section == "":
		// Options before the first header: insert at the top.
		return append([]cnfLine{nl}, lines...)
	}
	if at >= 0 {
		out := append([]cnfLine(nil), lines[:at]...)
		out = append(out, nl)
		return append(out, lines[at:]...)
	}
	if len(lines) > 0 && strings.TrimSpace(lines[len(lines)-1].Raw) != "" {
		lines = append(lines, cnfLine{Raw: "", Section: lines[len(lines)-1].Section})
	}
	lines = append(lines, cnfLine{Raw: "[" + section + "]", Kind: cnfSection, Name: section, Section: section})
	return append(lines, nl)
}
