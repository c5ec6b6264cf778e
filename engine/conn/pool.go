package conn

import (
	"context"
	"fmt"
	"os"
	"sync"
)

// Pool keeps one Conn per inventory host for the whole run. Concurrent
// Gets for a host share one dial; a failed dial is not remembered, so a
// later Get tries again.
type Pool struct {
	mu    sync.Mutex
	conns map[string]*poolEntry
}

type poolEntry struct {
	ready chan struct{}
	conn  Conn
	err   error
}

func NewPool() *Pool { return &Pool{conns: map[string]*poolEntry{}} }

// Get returns the host's connection, dialing it on first use.
func (p *Pool) Get(ctx context.Context, opts Options) (Conn, error) {
	p.mu.Lock()
	e, ok := p.conns[opts.Host]
	if !ok {
		e = &poolEntry{ready: make(chan struct{})}
		p.conns[opts.Host] = e
		p.mu.Unlock()
		e.conn, e.err = Dial(ctx, opts)
		if e.err != nil {
			p.mu.Lock()
			if p.conns[opts.Host] == e {
				delete(p.conns, opts.Host)
			}
			p.mu.Unlock()
		}
		close(e.ready)
		return e.conn, e.err
	}
	p.mu.Unlock()
	select {
	case <-e.ready:
		return e.conn, e.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// CloseAll closes every connection; the pool can be reused afterwards.
func (p *Pool) CloseAll() {
	p.mu.Lock()
	entries := p.conns
	p.conns = map[string]*poolEntry{}
	p.mu.Unlock()
	var stats []Stats
	for _, e := range entries {
		<-e.ready
		if e.conn != nil {
			if sr, ok := e.conn.(StatsReporter); ok {
				stats = append(stats, sr.Stats())
			}
			e.conn.Close()
		}
	}
	if err := writeStatsFile(stats); err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", StatsFileEnv, err)
	}
}
