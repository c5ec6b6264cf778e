// Package shellquote quotes words for a POSIX shell. Transports, modules
// and the `quote` filter all build remote command lines, and they must
// agree on one rule: plain words stay as they are (readable in -v output
// and diffs), anything else is single-quoted so nothing expands.
package shellquote

import "strings"

// Quote returns s as one shell word, passed literally: no expansion of $,
// backquotes, globs or spaces. It matches Python's shlex.quote.
func Quote(s string) string {
	if s == "" {
		return "''"
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("@%_-+=:,./", r)) {
			return "'" + strings.ReplaceAll(s, "'", `'"'"'`) + "'"
		}
	}
	return s
}

// Join quotes each word and joins them with spaces.
func Join(words []string) string {
	q := make([]string, len(words))
	for i, w := range words {
		q[i] = Quote(w)
	}
	return strings.Join(q, " ")
}
