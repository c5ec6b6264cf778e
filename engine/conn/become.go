package conn

import (
	"bytes"
	"io"
	"sync"
	"sync/atomic"
)

// becomeFilter sits between sudo and the caller's output. Until the marker
// line appears, output belongs to sudo: stderr is searched for the password
// prompt (answered once; a second prompt means the password was wrong) and
// then discarded, so neither prompt nor lecture reaches the user.
type becomeFilter struct {
	plan    *becomePlan
	started chan struct{}
	once    sync.Once
	ok      atomic.Bool

	// answer writes the password; kill aborts the process (wrong password).
	answer func(password string)
	kill   func()

	mu         sync.Mutex
	prompts    int
	wrong      atomic.Bool
	preStderr  bytes.Buffer // sudo's own messages, kept for error reports
	stdoutPend bytes.Buffer
}

func newBecomeFilter(plan *becomePlan) *becomeFilter {
	return &becomeFilter{plan: plan, started: make(chan struct{})}
}

func (f *becomeFilter) markStarted() {
	f.once.Do(func() {
		f.ok.Store(true)
		close(f.started)
	})
}

// stdoutWriter strips the marker line from the head of stdout.
type stdoutWriter struct {
	f    *becomeFilter
	sink io.Writer
	done bool
}

func (w *stdoutWriter) Write(p []byte) (int, error) {
	if w.done {
		return w.sink.Write(p)
	}
	buf := &w.f.stdoutPend
	buf.Write(p)
	line, rest, found := bytes.Cut(buf.Bytes(), []byte("\n"))
	if !found {
		return len(p), nil
	}
	w.done = true
	if string(line) == w.f.plan.marker {
		w.f.markStarted()
	} else {
		rest = buf.Bytes() // not our marker: keep everything
	}
	if len(rest) > 0 {
		if _, err := w.sink.Write(rest); err != nil {
			return 0, err
		}
	}
	buf.Reset()
	return len(p), nil
}

// stderrWriter answers sudo's prompt and drops sudo's chatter.
type stderrWriter struct {
	f    *becomeFilter
	sink io.Writer
	done bool
	pend []byte
}

func (w *stderrWriter) Write(p []byte) (int, error) {
	if w.done {
		return w.sink.Write(p)
	}
	w.pend = append(w.pend, p...)
	prompt := []byte(w.f.plan.prompt)
	for {
		i := bytes.Index(w.pend, prompt)
		if i < 0 {
			break
		}
		w.pend = append(w.pend[:i:i], w.pend[i+len(prompt):]...)
		w.f.onPrompt()
	}
	mark := []byte(w.f.plan.marker + "\n")
	if i := bytes.Index(w.pend, mark); i >= 0 {
		w.done = true
		w.f.markStarted()
		rest := w.pend[i+len(mark):]
		w.pend = nil
		if len(rest) > 0 {
			if _, err := w.sink.Write(rest); err != nil {
				return 0, err
			}
		}
		return len(p), nil
	}
	w.f.mu.Lock()
	w.f.preStderr.Reset()
	w.f.preStderr.Write(w.pend)
	w.f.mu.Unlock()
	return len(p), nil
}

func (f *becomeFilter) onPrompt() {
	f.mu.Lock()
	f.prompts++
	n := f.prompts
	f.mu.Unlock()
	if n == 1 && f.plan.password != "" && f.answer != nil {
		f.answer(f.plan.password)
		return
	}
	// sudo asks again only when the password was refused; answering again
	// would just burn another attempt and risk a lockout.
	f.wrong.Store(true)
	if f.kill != nil {
		f.kill()
	}
}

// sudoMessages returns what sudo printed before giving up (never contains
// the password: sudo does not echo it).
func (f *becomeFilter) sudoMessages() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return string(bytes.TrimSpace(f.preStderr.Bytes()))
}
