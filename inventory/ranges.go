package inventory

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

const asciiLetters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"

// expandRange expands Ansible host ranges: db[01:10] (zero-padded when the
// start has a leading zero), web[a:c] (letters, in the order a-z then A-Z as
// Python's string.ascii_letters), host[1:10:2] (stride), several ranges in
// one name. A name without '[' is returned as is.
//
// Unlike Ansible, which silently yields no host for a numeric range whose
// start is above its end, that is an error here: a range that names no
// host is always a typo.
func expandRange(name string) ([]string, error) {
	open := strings.IndexByte(name, '[')
	if open < 0 {
		return []string{name}, nil
	}
	closing := strings.IndexByte(name[open:], ']')
	if closing < 0 {
		return nil, fmt.Errorf("host range in '%s' has no closing ']'", name)
	}
	head, spec, tail := name[:open], name[open+1:open+closing], name[open+closing+1:]
	bounds := strings.Split(spec, ":")
	if len(bounds) != 2 && len(bounds) != 3 {
		return nil, fmt.Errorf("host range must be begin:end or begin:end:step, got [%s]", spec)
	}
	beg, end := bounds[0], bounds[1]
	step := 1
	if len(bounds) == 3 {
		s, err := strconv.Atoi(bounds[2])
		if err != nil || s <= 0 {
			return nil, fmt.Errorf("host range step must be a positive integer, got '%s'", bounds[2])
		}
		step = s
	}
	if beg == "" {
		beg = "0"
	}
	if end == "" {
		return nil, fmt.Errorf("host range must specify end value, got [%s]", spec)
	}
	var seq []string
	bi, ei := strings.Index(asciiLetters, beg), strings.Index(asciiLetters, end)
	if len(beg) == 1 && len(end) == 1 && bi >= 0 && ei >= 0 {
		if bi > ei {
			return nil, fmt.Errorf("host range must have begin <= end, got [%s]", spec)
		}
		for i := bi; i <= ei; i += step {
			seq = append(seq, asciiLetters[i:i+1])
		}
	} else {
		width := 0
		if len(beg) > 1 && beg[0] == '0' {
			width = len(beg)
			if len(end) != width {
				return nil, fmt.Errorf("host range must specify equal-length begin and end formats, got [%s]", spec)
			}
		}
		b, err1 := strconv.Atoi(beg)
		e, err2 := strconv.Atoi(end)
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("host range bounds must be two numbers or two letters, got [%s]", spec)
		}
		if b > e {
			return nil, fmt.Errorf("host range must have begin <= end, got [%s]", spec)
		}
		for i := b; i <= e; i += step {
			seq = append(seq, fmt.Sprintf("%0*d", width, i))
		}
	}
	var out []string
	for _, s := range seq {
		more, err := expandRange(head + s + tail)
		if err != nil {
			return nil, err
		}
		out = append(out, more...)
	}
	return out, nil
}

var bracketedIPv6 = regexp.MustCompile(`^\[([0-9A-Fa-f:.]+)\](?::([0-9]+))?$`)

// splitPort separates a trailing ":PORT" from a host pattern, as Ansible's
// parse_address does: "[::1]:22", "db[1:3]:2222" and "host:22" carry a
// port; a bare IPv6 address (several colons) does not. A trailing ':' with
// no port is rejected as Ansible rejects it.
func splitPort(pattern string) (host string, port int, err error) {
	if m := bracketedIPv6.FindStringSubmatch(pattern); m != nil && strings.Count(m[1], ":") >= 2 {
		if m[2] != "" {
			port, _ = strconv.Atoi(m[2])
		}
		return m[1], port, nil
	}
	// Count colons outside [...] so ranges like [1:3] are not mistaken.
	depth, colons, last := 0, 0, -1
	for i, c := range pattern {
		switch c {
		case '[':
			depth++
		case ']':
			depth--
		case ':':
			if depth == 0 {
				colons++
				last = i
			}
		}
	}
	if colons != 1 {
		return pattern, 0, nil
	}
	p := pattern[last+1:]
	if p == "" {
		return "", 0, fmt.Errorf("invalid host pattern '%s': ending in ':' is not allowed, this character is reserved to provide a port", pattern)
	}
	n, convErr := strconv.Atoi(p)
	if convErr != nil || n < 0 {
		// Ansible keeps such a name whole; so do we.
		return pattern, 0, nil
	}
	return pattern[:last], n, nil
}

// expandHostPattern is Ansible's _expand_hostpattern: port, then ranges.
func expandHostPattern(pattern string) ([]string, int, error) {
	pattern = strings.TrimSpace(pattern)
	host, port, err := splitPort(pattern)
	if err != nil {
		return nil, 0, err
	}
	if bracketedIPv6.MatchString(pattern) {
		return []string{host}, port, nil
	}
	names, err := expandRange(host)
	if err != nil {
		return nil, 0, err
	}
	for _, n := range names {
		if n == "---" {
			return nil, 0, fmt.Errorf("invalid host pattern '%s': '---' is normally a sign this is a YAML file", pattern)
		}
	}
	return names, port, nil
}
