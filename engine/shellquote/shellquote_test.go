package shellquote

import (
	"os/exec"
	"testing"
)

// Each quoted word must reach a real shell's program unchanged.
func TestQuoteRoundTripsThroughSh(t *testing.T) {
	for _, w := range []string{"", "plain", "a b", "it's", "$HOME", "`id`", "*", "a\nb", `\`, "--opt=1", "é"} {
		out, err := exec.Command("sh", "-c", "printf %s "+Quote(w)).Output()
		if err != nil || string(out) != w {
			t.Errorf("Quote(%q) = %s: sh printed %q (%v)", w, Quote(w), out, err)
		}
	}
	if got := Join([]string{"echo", "a b"}); got != "echo 'a b'" {
		t.Errorf("Join = %q", got)
	}
}
