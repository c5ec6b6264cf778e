package modules

import (
	"fmt"
	"strings"

	"github.com/playbook/play/engine/pyre"
)

// The pure text transformations of lineinfile and blockinfile, kept apart
// from I/O so Ansible's documented behaviours are table-tested directly.
// Lines keep their line endings, as Python's readlines() does, because
// Ansible's rules depend on them (a last line without a newline, ...).

func splitLines(s string) []string {
	var out []string
	for len(s) > 0 {
		i := strings.IndexByte(s, '\n')
		if i < 0 {
			out = append(out, s)
			break
		}
		out = append(out, s[:i+1])
		s = s[i+1:]
	}
	return out
}

// stripEOL is Python's rstrip('\r\n').
func stripEOL(l string) string { return strings.TrimRight(l, "\r\n") }

func endsWithEOL(l string) bool { return strings.HasSuffix(l, "\n") || strings.HasSuffix(l, "\r") }

// lineSpec is lineinfile's input, already validated.
type lineSpec struct {
	Regexp       *pyre.Line // nil when not given
	Search       *string    // search_string, nil when not given
	Line         string
	InsertAfter  string // "", "EOF", "BOF" or a regex
	InsertBefore string // "", "BOF" or a regex
	insRe        *pyre.Line
	Backrefs     bool
	Firstmatch   bool
}

// linePresent is lineinfile state=present. Rules (Ansible's): the LAST
// line matching regexp/search_string is replaced (the first with
// firstmatch); if none matches, an identical line means nothing to do;
// otherwise the line goes after the last insertafter match (before the
// last insertbefore match), BOF/EOF, or at the end when the anchor does
// not match. With backrefs and no regexp match, the file is unchanged.
func linePresent(lines []string, s lineSpec) ([]string, string, error) {
	idx0, idx1 := -1, -1
	matched := false
	var m []int
	var mline string
	if s.Regexp != nil {
		for i, l := range lines {
			if mm, text := s.Regexp.Find(l); mm != nil {
				idx0, m, mline, matched = i, mm, text, true
				if s.Firstmatch {
					break
				}
			}
		}
	}
	if s.Search != nil {
		for i, l := range lines {
			if strings.Contains(l, *s.Search) {
				idx0, matched = i, true
				if s.Firstmatch {
					break
				}
			}
		}
	}
	if !matched {
		for i, l := range lines {
			if stripEOL(l) == s.Line {
				idx0 = i
			} else if s.insRe != nil && s.insRe.Matches(l) {
				if s.InsertAfter != "" {
					idx1 = i + 1
				} else {
					idx1 = i
				}
				if s.Firstmatch {
					break
				}
			}
		}
	}
	add := func(at int) []string {
		out := make([]string, 0, len(lines)+1)
		out = append(out, lines[:at]...)
		out = append(out, s.Line+"\n")
		return append(out, lines[at:]...)
	}
	switch {
	case idx0 != -1:
		nl := s.Line
		if s.Backrefs && m != nil {
			b, err := pyre.Expand(nil, s.Line, s.Regexp.Regexp(), mline, m)
			if err != nil {
				return nil, "", fmt.Errorf("line: %w", err)
			}
			nl = string(b)
		}
		if !strings.HasSuffix(nl, "\n") {
			nl += "\n"
		}
		if lines[idx0] == nl {
			return lines, "", nil
		}
		out := append([]string(nil), lines...)
		out[idx0] = nl
		return out, "line replaced", nil
	case s.Backrefs:
		// Without a match there are no groups to build the line from.
		return lines, "", nil
	case s.InsertBefore == "BOF" || s.InsertAfter == "BOF":
		return add(0), "line added", nil
	case s.InsertAfter == "EOF" || idx1 == -1:
		out := append([]string(nil), lines...)
		if n := len(out); n > 0 && !endsWithEOL(out[n-1]) {
			out[n-1] += "\n"
		}
		return append(out, s.Line+"\n"), "line added", nil
	case s.InsertAfter != "":
		// Not again if the anchor is already followed by the line.
		if idx1 == len(lines) {
			if stripEOL(lines[idx1-1]) == s.Line {
				return lines, "", nil
			}
			out := append([]string(nil), lines...)
			if !endsWithEOL(out[idx1-1]) {
				out[idx1-1] += "\n"
			}
			return append(out, s.Line+"\n"), "line added", nil
		}
		if stripEOL(lines[idx1]) == s.Line {
			return lines, "", nil
		}
		return add(idx1), "line added", nil
	default:
		return add(idx1), "line added", nil
	}
}

// lineAbsent is lineinfile state=absent: every line matching regexp,
// containing search_string, or equal to line is removed.
func lineAbsent(lines []string, s lineSpec) ([]string, int) {
	var out []string
	removed := 0
	for _, l := range lines {
		var hit bool
		switch {
		case s.Regexp != nil:
			hit = s.Regexp.Matches(l)
		case s.Search != nil:
			hit = strings.Contains(l, *s.Search)
		default:
			hit = stripEOL(l) == s.Line
		}
		if hit {
			removed++
		} else {
			out = append(out, l)
		}
	}
	return out, removed
}

// blockSpec is blockinfile's input, already validated.
type blockSpec struct {
	Begin, End     string // full marker lines, without newline
	Block          string // "" with Present = remove
	Present        bool
	InsertAfter    string // "", "EOF" or a regex
	InsertBefore   string // "", "BOF" or a regex
	insRe          *pyre.Line
	AppendNewline  bool
	PrependNewline bool
}

// blockApply is blockinfile's rule: an existing marked block (found by
// its exact marker lines) is replaced in place or removed; a new block
// goes after the last insertafter match / before the last insertbefore
// match, at BOF, or at EOF (the default, and when the anchor matches
// nothing).
func blockApply(content string, s blockSpec) (string, string) {
	lines := splitLines(content)
	var blk []string
	if s.Present && s.Block != "" {
		b := s.Block
		if !strings.HasSuffix(b, "\n") {
			b += "\n"
		}
		blk = append(blk, s.Begin+"\n")
		blk = append(blk, splitLines(b)...)
		blk = append(blk, s.End+"\n")
	}
	n0, n1 := -1, -1
	for i, l := range lines {
		if l == s.Begin+"\n" {
			n0 = i
		}
		if l == s.End+"\n" {
			n1 = i
		}
	}
	if n0 == -1 || n1 == -1 {
		if blk == nil {
			return content, "" // nothing to remove
		}
		n0 = -1
		if s.insRe != nil {
			for i, l := range lines {
				if s.insRe.Matches(l) {
					n0 = i
				}
			}
			if n0 == -1 {
				n0 = len(lines)
			} else if s.InsertAfter != "" {
				n0++
			}
		} else if s.InsertBefore != "" {
			n0 = 0
		} else {
			n0 = len(lines)
		}
	} else {
		lo, hi := n0, n1
		if lo > hi {
			lo, hi = hi, lo
		}
		lines = append(lines[:lo:lo], lines[hi+1:]...)
		n0 = lo
	}
	if n0 > 0 && blk != nil && !endsWithEOL(lines[n0-1]) {
		lines[n0-1] += "\n"
	}
	if blk != nil && s.PrependNewline && n0 != 0 && lines[n0-1] != "\n" {
		blk = append([]string{"\n"}, blk...)
	}
	if blk != nil && s.AppendNewline {
		if after := n0; after < len(lines) && lines[after] != "\n" {
			blk = append(blk, "\n")
		}
	}
	out := make([]string, 0, len(lines)+len(blk))
	out = append(out, lines[:n0]...)
	out = append(out, blk...)
	out = append(out, lines[n0:]...)
	result := strings.Join(out, "")
	switch {
	case result == content:
		return content, ""
	case blk == nil:
		return result, "Block removed"
	}
	return result, "Block inserted"
}
