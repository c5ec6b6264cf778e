package modules

import (
	"context"
	"fmt"
)

func init() { Register(&failModule{}) }

// failModule fails the host with a message.
type failModule struct{}

func (*failModule) Spec() *Spec {
	return &Spec{
		Name:            "fail",
		RunOnController: true,
		Doc:             "Fail the host with a message",
		Params: []Param{
			{Name: "msg", Type: TypeRaw, Default: "Failed as requested from task", Help: "the failure message"},
		},
	}
}

func (*failModule) Run(ctx context.Context, t *Task) (*Result, error) {
	msg := fmt.Sprint(t.Args["msg"])
	return &Result{Failed: true, Msg: msg, Data: map[string]any{"msg": msg}}, nil
}
