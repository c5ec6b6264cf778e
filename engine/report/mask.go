package report

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
)

// Masked replaces a secret wherever it would be shown.
const Masked = "********"

// Masker remembers secret values (passwords from inventory, module
// parameters declared secret, values given with --mask) and blanks them
// out of any text. Replacing by value, at the last moment before output,
// catches secrets that travelled through templates, command lines and
// error messages, which field-based redaction alone would miss.
type Masker struct {
	mu       sync.RWMutex
	secrets  []string
	rep      *strings.Replacer
	patterns []*regexp.Regexp
}

// AddPattern records a regular expression: every match is a secret
// (--mask 're:...', for values not known in advance, such as tokens of a
// known shape).
func (m *Masker) AddPattern(expr string) error {
	re, err := regexp.Compile(expr)
	if err != nil {
		return err
	}
	if re.MatchString("") {
		return fmt.Errorf("%q matches the empty string: it would mask between every character", expr)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.patterns = append(m.patterns, re)
	return nil
}

// Add records a secret. Very short values are ignored: masking "1" would
// blank out every digit of the output and protect nothing.
func (m *Masker) Add(secret string) {
	if len(secret) < 4 {
		return
	}
	// Callers hand the same secrets over for every task on every host:
	// answer those under the read lock, without serialising the hosts.
	if m.known(secret) {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if slices.Contains(m.secrets, secret) { // added meanwhile
		return
	}
	m.secrets = append(m.secrets, secret)
	// Longest first so a secret containing another is masked whole.
	sort.Slice(m.secrets, func(i, j int) bool { return len(m.secrets[i]) > len(m.secrets[j]) })
	pairs := make([]string, 0, 2*len(m.secrets))
	for _, s := range m.secrets {
		pairs = append(pairs, s, Masked)
	}
	m.rep = strings.NewReplacer(pairs...)
}

func (m *Masker) known(secret string) bool {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return slices.Contains(m.secrets, secret)
}

// Mask returns s with every recorded secret replaced.
func (m *Masker) Mask(s string) string {
	if m == nil {
		return s
	}
	m.mu.RLock()
	rep, patterns := m.rep, m.patterns
	m.mu.RUnlock()
	if rep != nil {
		s = rep.Replace(s)
	}
	for _, re := range patterns {
		s = re.ReplaceAllLiteralString(s, Masked)
	}
	return s
}

// MaskValue walks a value and masks its strings (for JSON events).
func (m *Masker) MaskValue(v any) any {
	switch x := v.(type) {
	case string:
		return m.Mask(x)
	case []any:
		out := make([]any, len(x))
		for i, it := range x {
			out[i] = m.MaskValue(it)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, it := range x {
			out[k] = m.MaskValue(it)
		}
		return out
	}
	return v
}
