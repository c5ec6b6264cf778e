package conn

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"

	"golang.org/x/crypto/ssh"
)

// HolderDirEnv overrides where the connection holder keeps its socket.
const HolderDirEnv = "PLAY_HOLDER_DIR"

// StartHolder starts a holder process serving dir (see holder.go). The
// play command sets it; where it is nil (play's packages used as a
// library) a persist request falls back to direct connections.
var StartHolder func(dir string) error

// errNoHolder marks a persist request that cannot be served: the run goes
// on with a direct connection.
var errNoHolder = errors.New("connection holder unavailable")

// HolderDir is the private directory of this user's holder: $PLAY_HOLDER_DIR,
// else $XDG_RUNTIME_DIR/play, else play-UID in the temporary directory. It
// is created 0700 and refused when anyone else could reach into it, since
// its socket hands out authenticated connections.
func HolderDir() (string, error) {
	if !holderSupported {
		return "", errors.New("persistent connections are supported on Linux only")
	}
	dir := os.Getenv(HolderDirEnv)
	if dir == "" {
		if rt := os.Getenv("XDG_RUNTIME_DIR"); rt != "" {
			dir = filepath.Join(rt, "play")
		} else {
			dir = filepath.Join(os.TempDir(), "play-"+strconv.Itoa(os.Getuid()))
		}
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	return dir, checkPrivateDir(dir)
}

func checkPrivateDir(dir string) error {
	fi, err := os.Lstat(dir)
	if err != nil {
		return err
	}
	if fi.Mode()&os.ModeSymlink != 0 {
		return fmt.Errorf("%s is a symbolic link: use a real directory (or set %s)", dir, HolderDirEnv)
	}
	if err := ownedByUs(fi); err != nil {
		return fmt.Errorf("%s: %w", dir, err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return fmt.Errorf("%s is reachable by other users (mode %04o): run chmod 700 %s", dir, fi.Mode().Perm(), dir)
	}
	return nil
}

// holderClientConfig is the SSH client side of the socket. The socket sits
// in a 0700 directory of ours and its owner is checked before dialing:
// that, not a host key, is what makes the holder trustworthy.
func holderClientConfig() *ssh.ClientConfig {
	return &ssh.ClientConfig{User: "play", HostKeyCallback: ssh.InsecureIgnoreHostKey()}
}

// dialHeld gets e's connection from the holder, starting the holder when
// none runs. reused tells whether the holder already had it open.
func dialHeld(ctx context.Context, e *endpoint, slot int) (client *ssh.Client, reused bool, err error) {
	dir, err := HolderDir()
	if err != nil {
		return nil, false, fmt.Errorf("%w: %v", errNoHolder, err)
	}
	client, reused, err = dialHeldOnce(ctx, dir, e, slot)
	if errors.Is(err, errHolderGone) && ctx.Err() == nil {
		// It was exiting (idle) as we came: the next try starts a new one.
		client, reused, err = dialHeldOnce(ctx, dir, e, slot)
	}
	return client, reused, err
}

// errHolderGone: the holder closed the connection before answering.
var errHolderGone = fmt.Errorf("%w: it closed the connection", errNoHolder)

func dialHeldOnce(ctx context.Context, dir string, e *endpoint, slot int) (client *ssh.Client, reused bool, err error) {
	nc, err := connectHolder(ctx, dir)
	if err != nil {
		return nil, false, err
	}
	// The open request may dial the host: bound it like a direct dial.
	dctx, cancel := context.WithTimeout(ctx, e.timeout+5*time.Second)
	defer cancel()
	stop := context.AfterFunc(dctx, func() { nc.Close() })
	defer stop()
	c, chans, reqs, err := ssh.NewClientConn(nc, "play-holder", holderClientConfig())
	if err != nil {
		nc.Close()
		if ctx.Err() != nil {
			return nil, false, ctx.Err()
		}
		return nil, false, errHolderGone
	}
	ok, payload, err := c.SendRequest(reqOpen, true, mustJSON(heldOpenFor(e, slot)))
	if err != nil {
		c.Close()
		if ctx.Err() != nil {
			return nil, false, ctx.Err()
		}
		if dctx.Err() != nil {
			return nil, false, unreachable(e.host, fmt.Errorf("timed out after %s", e.timeout))
		}
		return nil, false, fmt.Errorf("%w: %v", errNoHolder, err)
	}
	var rep heldReply
	_ = json.Unmarshal(payload, &rep)
	if !ok {
		c.Close()
		if rep.Unreachable {
			return nil, false, unreachable(e.host, errors.New(rep.Error))
		}
		return nil, false, fmt.Errorf("host %s: %s", e.host, rep.Error)
	}
	return ssh.NewClient(c, chans, reqs), rep.Reused, nil
}

// connectHolder connects to the holder's socket, starting a holder when
// nobody answers.
func connectHolder(ctx context.Context, dir string) (net.Conn, error) {
	sock := filepath.Join(dir, holderSocket)
	if nc, err := dialHolderSocket(sock); err == nil {
		return nc, nil
	}
	if StartHolder == nil {
		return nil, fmt.Errorf("%w: this program cannot start one", errNoHolder)
	}
	startMu.Lock()
	defer startMu.Unlock()
	if nc, err := dialHolderSocket(sock); err == nil {
		return nc, nil // another host of this run started it meanwhile
	}
	if err := StartHolder(dir); err != nil {
		return nil, fmt.Errorf("%w: %v", errNoHolder, err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		nc, err := dialHolderSocket(sock)
		if err == nil {
			return nc, nil
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("%w: started one, but %s does not answer (see %s): %v",
				errNoHolder, sock, filepath.Join(dir, HolderLog), err)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// startMu keeps the hosts of one run from starting a holder each.
var startMu sync.Mutex

func dialHolderSocket(sock string) (net.Conn, error) {
	fi, err := os.Lstat(sock)
	if err != nil {
		return nil, err
	}
	if err := ownedByUs(fi); err != nil {
		return nil, fmt.Errorf("%s: %w", sock, err)
	}
	return net.DialTimeout("unix", sock, 2*time.Second)
}

// HolderClient is a control connection to a running holder, for
// `play connections`.
type HolderClient struct{ c ssh.Conn }

// ConnectHolder connects to this user's running holder; ok is false when
// none runs.
func ConnectHolder() (hc *HolderClient, ok bool, err error) {
	dir, err := HolderDir()
	if err != nil {
		return nil, false, err
	}
	nc, err := dialHolderSocket(filepath.Join(dir, holderSocket))
	if errors.Is(err, os.ErrNotExist) || errors.Is(err, syscall.ECONNREFUSED) {
		return nil, false, nil // none runs
	}
	if err != nil {
		return nil, false, err
	}
	c, chans, reqs, err := ssh.NewClientConn(nc, "play-holder", holderClientConfig())
	if err != nil {
		nc.Close()
		return nil, false, err
	}
	go ssh.DiscardRequests(reqs)
	go func() {
		for nch := range chans {
			nch.Reject(ssh.Prohibited, "no channels here")
		}
	}()
	return &HolderClient{c: c}, true, nil
}

// Status lists the held connections.
func (hc *HolderClient) Status() ([]HeldConn, error) {
	ok, payload, err := hc.c.SendRequest(reqStatus, true, nil)
	if err != nil {
		return nil, fmt.Errorf("holder status: %w", err)
	}
	if !ok {
		return nil, errors.New("holder status: refused")
	}
	var out []HeldConn
	return out, json.Unmarshal(payload, &out)
}

// Stop closes every held connection and ends the holder.
func (hc *HolderClient) Stop() error {
	_, _, err := hc.c.SendRequest(reqStop, true, nil)
	return err
}

func (hc *HolderClient) Close() error { return hc.c.Close() }
