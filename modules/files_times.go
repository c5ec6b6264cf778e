package modules

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// fileTimes converges modification_time/access_time on p. For touch both
// default to "now" (always a change, like Ansible); elsewhere they default
// to "preserve", and an explicit timestamp is a change only when it
// differs from the file's current one.
func fileTimes(ctx context.Context, t *Task, res *Result, p string, touch bool) error {
	def := "preserve"
	if touch {
		def = "now"
	}
	type want struct {
		name, flag, value, format string
	}
	ws := []want{
		{"mtime", "-m", Str(t.Args, "modification_time"), Str(t.Args, "modification_time_format")},
		{"atime", "-a", Str(t.Args, "access_time"), Str(t.Args, "access_time_format")},
	}
	var cur []string
	before, after := map[string]any{}, map[string]any{}
	var cmds []string
	for i, w := range ws {
		if w.value == "" {
			w.value = def
		}
		switch w.value {
		case "preserve":
			continue
		case "now":
			before[w.name], after[w.name] = "(current)", "now"
			cmds = append(cmds, "touch -c "+w.flag+" -- "+shq(p))
			continue
		}
		ts, err := time.ParseInLocation(strftimeLayout(w.format), w.value, time.Local)
		if err != nil {
			return fmt.Errorf("%s '%s' does not match format '%s'", w.name, w.value, w.format)
		}
		if cur == nil {
			out, err := runRemoteOK(ctx, t, "stat -c '%Y %X' -- "+shq(p))
			switch {
			case err != nil && t.Check:
				cur = []string{"?", "?"} // created by this task: not there yet
			case err != nil:
				return err
			default:
				cur = strings.Fields(out)
			}
		}
		if len(cur) == 2 && cur[i] == strconv.FormatInt(ts.Unix(), 10) {
			continue
		}
		before[w.name], after[w.name] = epochString(cur, i), ts.Format(time.RFC3339)
		cmds = append(cmds, fmt.Sprintf("touch -c %s -d @%d -- %s", w.flag, ts.Unix(), shq(p)))
	}
	if len(cmds) == 0 {
		return nil
	}
	res.Changed = true
	res.Diffs = append(res.Diffs, stateDiff(p, before, after))
	if t.Check {
		return nil
	}
	_, err := runRemoteOK(ctx, t, strings.Join(cmds, " && "))
	return err
}

func epochString(cur []string, i int) string {
	if len(cur) != 2 {
		return "?"
	}
	n, err := strconv.ParseInt(cur[i], 10, 64)
	if err != nil {
		return cur[i]
	}
	return time.Unix(n, 0).In(time.Local).Format(time.RFC3339)
}

// strftimeLayout converts the strftime directives Ansible's *_format
// params use into a Go time layout.
func strftimeLayout(f string) string {
	r := strings.NewReplacer("%Y", "2006", "%y", "06", "%m", "01", "%d", "02", "%H", "15",
		"%M", "04", "%S", "05", "%b", "Jan", "%B", "January", "%p", "PM", "%I", "03", "%%", "%")
	return r.Replace(f)
}
