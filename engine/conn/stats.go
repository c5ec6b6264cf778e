package conn

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
)

// Stats is what one host's connection asked of the host: the figures that
// decide how much remote work a run costs (every exec session is an sshd
// channel, a fork and a shell on the host; every SFTP request a round trip).
// They do not depend on the machine's load, so the bench and tests compare
// them where wall time would be noise.
type Stats struct {
	Host        string `json:"host"`
	Connections int64  `json:"connections"`      // TCP connections (SSH handshakes)
	Reused      int64  `json:"reused,omitempty"` // held connections reused (no handshake)
	Sessions    int64  `json:"sessions"`         // exec sessions (commands, kills, name lookups)
	SFTPOps     int64  `json:"sftp_ops"`         // SFTP requests sent (the init packet excluded)
	// Commands counts sessions by the command's first word (a script is
	// named by its first word too): enough to see which module step runs
	// what, never the arguments, which may hold secrets.
	Commands map[string]int64 `json:"commands,omitempty"`
	// SFTP counts requests by SFTP packet type (open, lstat, read, ...).
	SFTP map[string]int64 `json:"sftp,omitempty"`
}

// StatsReporter is implemented by connections that count their remote work.
type StatsReporter interface {
	Stats() Stats
}

// counters is the concurrency-safe accumulator behind Stats.
type counters struct {
	sessions atomic.Int64
	sftpOps  atomic.Int64
	mu       sync.Mutex
	commands map[string]int64
	sftp     map[string]int64
}

func (c *counters) session(command string) {
	c.sessions.Add(1)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.commands == nil {
		c.commands = map[string]int64{}
	}
	c.commands[commandLabel(command)]++
}

func (c *counters) sftpRequest(kind byte) {
	c.sftpOps.Add(1)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.sftp == nil {
		c.sftp = map[string]int64{}
	}
	c.sftp[sftpPacketName(kind)]++
}

func (c *counters) snapshot(host string, connections int64) Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := Stats{Host: host, Connections: connections, Sessions: c.sessions.Load(), SFTPOps: c.sftpOps.Load()}
	if len(c.commands) > 0 {
		s.Commands = make(map[string]int64, len(c.commands))
		for k, v := range c.commands {
			s.Commands[k] = v
		}
	}
	if len(c.sftp) > 0 {
		s.SFTP = make(map[string]int64, len(c.sftp))
		for k, v := range c.sftp {
			s.SFTP[k] = v
		}
	}
	return s
}

// commandLabel names a command by its first word, cut at '=' so an
// assignment ("p='/etc/x'") shows only the variable, and at 24 bytes.
func commandLabel(command string) string {
	w, _, _ := strings.Cut(strings.TrimSpace(command), " ")
	w, _, _ = strings.Cut(w, "\n")
	w, _, _ = strings.Cut(w, "=")
	w, _, _ = strings.Cut(w, ";")
	if len(w) > 24 {
		w = w[:24]
	}
	return w
}

// sftpCounter sits between the SFTP client and its channel and counts the
// requests written, by parsing the packet framing (uint32 length, type
// byte): exact whatever way the client splits its writes.
type sftpCounter struct {
	w       io.WriteCloser
	count   func(kind byte)
	hdr     [5]byte
	hdrN    int
	remain  uint32 // bytes of the current packet's body still to pass
	skipped bool   // the first packet (init) is not a request
}

func (s *sftpCounter) Write(b []byte) (int, error) {
	n, err := s.w.Write(b)
	s.scan(b[:n])
	return n, err
}

func (s *sftpCounter) scan(b []byte) {
	for len(b) > 0 {
		if s.remain > 0 {
			k := min(uint32(len(b)), s.remain)
			s.remain -= k
			b = b[k:]
			continue
		}
		k := copy(s.hdr[s.hdrN:], b)
		s.hdrN += k
		b = b[k:]
		if s.hdrN < 5 {
			return
		}
		s.hdrN = 0
		length := binary.BigEndian.Uint32(s.hdr[:4])
		if length > 0 {
			s.remain = length - 1 // the type byte is part of the length
		}
		if !s.skipped {
			s.skipped = true
			continue
		}
		s.count(s.hdr[4])
	}
}

func (s *sftpCounter) Close() error { return s.w.Close() }

// sftpPacketName names the request types of SFTP v3 (draft-02 §3).
func sftpPacketName(t byte) string {
	names := map[byte]string{3: "open", 4: "close", 5: "read", 6: "write", 7: "lstat", 8: "fstat",
		9: "setstat", 10: "fsetstat", 11: "opendir", 12: "readdir", 13: "remove", 14: "mkdir",
		15: "rmdir", 16: "realpath", 17: "stat", 18: "rename", 19: "readlink", 20: "symlink", 200: "extended"}
	if n, ok := names[t]; ok {
		return n
	}
	return fmt.Sprintf("type%d", t)
}

// StatsFileEnv names the environment variable that makes a run append
// every host's Stats, one JSON object a line, to a file when the run's
// connections close (Pool.CloseAll). The bench and the round-trip tests
// read it; nobody else needs to set it.
const StatsFileEnv = "PLAY_CONN_STATS"

// writeStatsFile appends stats to the file named by PLAY_CONN_STATS.
func writeStatsFile(stats []Stats) error {
	name := os.Getenv(StatsFileEnv)
	if name == "" || len(stats) == 0 {
		return nil
	}
	sort.Slice(stats, func(i, j int) bool { return stats[i].Host < stats[j].Host })
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(f)
	for _, s := range stats {
		if err := enc.Encode(s); err != nil {
			f.Close()
			return err
		}
	}
	return f.Close()
}
