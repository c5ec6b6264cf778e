package conn

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"
)

var errEOF = io.EOF

func TestLocalRun(t *testing.T) {
	c, err := NewLocal("localhost")
	if err != nil {
		t.Fatal(err)
	}
	runBasics(t, c)
}

func TestLocalFiles(t *testing.T) {
	requireRoot(t) // chown to nobody
	c, err := NewLocal("localhost")
	if err != nil {
		t.Fatal(err)
	}
	fileBasics(t, c, t.TempDir(), Become{})
	t.Run("atomic", func(t *testing.T) { atomicWrites(t, c, t.TempDir()) })
}

func TestLocalBecome(t *testing.T) {
	requireRoot(t)
	requireSudo(t)
	c, err := NewLocal("localhost")
	if err != nil {
		t.Fatal(err)
	}
	becomeNoPassword(t, c)
}

func TestLocalCommandTimeout(t *testing.T) {
	c, err := Dial(context.Background(), Options{Host: "localhost", Connection: "local", CommandTimeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Run(context.Background(), Cmd{Command: "sleep 30"})
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "timed out") {
		t.Errorf("command timeout: %v", err)
	}
}
