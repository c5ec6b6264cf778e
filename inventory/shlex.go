package inventory

import (
	"fmt"
	"strings"
)

// token is one word of an INI host line and the 0-based byte offset where
// it starts, so errors can point at the column.
type token struct {
	text string
	off  int
}

// shlexSplit splits a line the way Python's shlex.split(line, comments=True)
// does, which is what Ansible's INI parser uses for host lines: POSIX quoting
// ('...' literal, "..." with \" and \\ escapes, \x outside quotes), and an
// unquoted '#' ends the line even in the middle of a word.
func shlexSplit(line string) ([]token, error) {
	var out []token
	var cur strings.Builder
	inWord, start := false, 0
	var quote byte
	flush := func() {
		if inWord {
			out = append(out, token{cur.String(), start})
		}
		cur.Reset()
		inWord = false
	}
	for i := 0; i < len(line); i++ {
		c := line[i]
		if quote != 0 {
			switch {
			case c == quote:
				quote = 0
			case quote == '"' && c == '\\' && i+1 < len(line) && (line[i+1] == '"' || line[i+1] == '\\'):
				i++
				cur.WriteByte(line[i])
			default:
				cur.WriteByte(c)
			}
			continue
		}
		switch c {
		case ' ', '\t', '\r', '\n':
			flush()
			continue
		case '#':
			flush()
			return out, nil
		}
		if !inWord {
			inWord, start = true, i
		}
		switch c {
		case '\'', '"':
			quote = c
		case '\\':
			if i+1 >= len(line) {
				return nil, fmt.Errorf("no escaped character")
			}
			i++
			cur.WriteByte(line[i])
		default:
			cur.WriteByte(c)
		}
	}
	if quote != 0 {
		return nil, fmt.Errorf("no closing quotation")
	}
	flush()
	return out, nil
}
