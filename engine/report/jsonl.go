package report

import (
	"encoding/json"
	"io"
	"sync"

	"github.com/playbook/play/engine/diag"
)

// JSONLines writes one JSON object per event, for machines (--output json).
type JSONLines struct {
	W    io.Writer
	Mask *Masker
	mu   sync.Mutex
}

func (j *JSONLines) emit(ev map[string]any) {
	j.mu.Lock()
	defer j.mu.Unlock()
	b, err := json.Marshal(j.Mask.MaskValue(ev))
	if err != nil {
		b, _ = json.Marshal(map[string]any{"event": "error", "msg": err.Error()})
	}
	j.W.Write(append(b, '\n'))
}

func (j *JSONLines) PlayStart(name string, hosts []string) {
	hs := make([]any, len(hosts))
	for i, h := range hosts {
		hs[i] = h
	}
	j.emit(map[string]any{"event": "play_start", "play": name, "hosts": hs})
}

func (j *JSONLines) TaskStart(name string, pos diag.Pos, handler bool) {
	j.emit(map[string]any{"event": "task_start", "task": name, "path": pos.String(), "handler": handler})
}

func (j *JSONLines) HostResult(r *HostResult) {
	ev := map[string]any{"event": "host_result", "host": r.Host, "task": r.Task, "status": r.Status,
		"path": r.Pos.String(), "check": r.Check}
	if r.Ignored {
		ev["ignored"] = true
	}
	if r.NoLog {
		ev["censored"] = true
	} else {
		if r.Msg != "" {
			ev["msg"] = r.Msg
		}
		if len(r.Data) > 0 {
			ev["result"] = r.Data
		}
		var diffs []any
		for _, d := range r.Diffs {
			diffs = append(diffs, RenderDiff(r.Host, d))
		}
		for _, it := range r.Items {
			for _, d := range it.Diffs {
				diffs = append(diffs, RenderDiff(r.Host, d))
			}
		}
		if len(diffs) > 0 {
			ev["diff"] = diffs
		}
	}
	if r.Delegate != "" {
		ev["delegate"] = r.Delegate
	}
	j.emit(ev)
}

func (j *JSONLines) Warn(msg string) { j.emit(map[string]any{"event": "warning", "msg": msg}) }

func (j *JSONLines) Recap(stats []*Stats) {
	hosts := map[string]any{}
	for _, s := range stats {
		hosts[s.Host] = map[string]any{"ok": s.OK, "changed": s.Changed, "unreachable": s.Unreachable,
			"failed": s.Failed, "skipped": s.Skipped, "rescued": s.Rescued, "ignored": s.Ignored,
			"would_run_after": s.WouldRunAfter}
	}
	j.emit(map[string]any{"event": "recap", "hosts": hosts})
}
