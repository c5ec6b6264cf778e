package modules

import (
	"context"
	"time"
)

func init() { Register(&pauseModule{}) }

// pauseModule waits for a while. play never prompts: a pause without a
// duration returns at once with a warning instead of waiting for Enter.
type pauseModule struct{}

func (*pauseModule) Spec() *Spec {
	return &Spec{
		Name:            "pause",
		RunOnController: true,
		Doc:             "Wait a number of seconds or minutes",
		Params: []Param{
			{Name: "seconds", Type: TypeFloat, Help: "seconds to wait"},
			{Name: "minutes", Type: TypeFloat, Help: "minutes to wait"},
			{Name: "prompt", Help: "ignored: play does not prompt"},
			{Name: "echo", Type: TypeBool, Default: true, Help: "ignored: play does not prompt"},
		},
		MutuallyExclusive: [][]string{{"seconds", "minutes"}},
	}
}

func (*pauseModule) Run(ctx context.Context, t *Task) (*Result, error) {
	var d time.Duration
	if f, ok := t.Args["seconds"].(float64); ok {
		d = time.Duration(f * float64(time.Second))
	}
	if f, ok := t.Args["minutes"].(float64); ok {
		d = time.Duration(f * float64(time.Minute))
	}
	res := &Result{Data: map[string]any{"user_input": "", "echo": Bool(t.Args, "echo")}}
	if d <= 0 {
		res.Warnings = append(res.Warnings, "pause without seconds/minutes: play does not prompt, continuing")
	}
	start := time.Now()
	if d > 0 {
		timer := time.NewTimer(d)
		defer timer.Stop()
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-timer.C:
		}
	}
	stop := time.Now()
	res.Data["start"] = start.Format("2006-01-02 15:04:05.000000")
	res.Data["stop"] = stop.Format("2006-01-02 15:04:05.000000")
	res.Data["delta"] = int(stop.Sub(start).Seconds())
	res.Msg = "Paused for " + stop.Sub(start).Round(time.Millisecond).String()
	return res, nil
}
