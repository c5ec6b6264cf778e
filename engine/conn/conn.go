// Package conn defines how play talks to a host. Every module goes through
// the Conn interface, so the same module code runs over SSH, locally, or
// against a test double that pins an edge case.
package conn

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"net"
	"time"
)

// Become describes privilege escalation for one command or file operation.
// The zero value means "run as the login user".
type Become struct {
	Enabled  bool
	User     string // default "root"
	Method   string // only "sudo" is supported
	Password string // fed on stdin, never logged
}

// Cmd is one remote command. Command is passed to `sh -c` on the target.
type Cmd struct {
	Command string
	Stdin   io.Reader
	Env     map[string]string
	Dir     string
	Become  Become
	// Stdout/Stderr, when set, receive output as it streams instead of
	// being buffered into Result (used for very large output).
	Stdout io.Writer
	Stderr io.Writer
}

// Result is what a finished command returned.
type Result struct {
	ExitCode int
	Stdout   []byte
	Stderr   []byte
}

// FileInfo is what Stat reports about a remote path (never follows the
// final symlink: Lstat semantics, like Ansible's stat with follow=no).
type FileInfo struct {
	Path       string
	Exists     bool
	Mode       fs.FileMode // permission and type bits
	Size       int64
	UID        int
	GID        int
	Owner      string // user name, empty if unknown
	Group      string // group name, empty if unknown
	ModTime    time.Time
	IsDir      bool
	IsLink     bool
	LinkTarget string
}

// WriteOpts controls an atomic file write.
type WriteOpts struct {
	Mode   fs.FileMode // 0 = keep the existing file's mode, or 0644 for a new file
	Owner  string      // "" = keep existing / login user
	Group  string      // "" = keep existing / login user's group
	Become Become
}

// Conn is a connection to one host. Implementations must be safe for
// concurrent use: the engine runs several commands on one host at once
// (loops with async, fact gathering) and modules may stat while writing.
type Conn interface {
	// Host is the inventory name this connection serves.
	Host() string
	// Run executes a command and waits for it. A non-zero exit status is
	// not an error: it is reported in Result.ExitCode. Errors mean the
	// command could not be run (connection lost, context cancelled).
	Run(ctx context.Context, cmd Cmd) (*Result, error)
	// ReadFile returns the content of a remote file; fs.ErrNotExist
	// (errors.Is) when it does not exist.
	ReadFile(ctx context.Context, path string, become Become) ([]byte, error)
	// WriteFile replaces path atomically: temp file in the same directory,
	// fsync, chmod/chown, rename. Readers never see a partial file.
	WriteFile(ctx context.Context, path string, data []byte, opts WriteOpts) error
	// Stat reports on a path; a missing path is Exists=false, not an error.
	Stat(ctx context.Context, path string, become Become) (*FileInfo, error)
	// Close releases the connection.
	Close() error
}

// ErrUnreachable wraps every error that means the host could not be reached
// (dial, handshake, auth, timeout). The engine reports such hosts as
// "unreachable" rather than "failed".
var ErrUnreachable = errors.New("unreachable")

// UnreachableError carries the reason a host could not be reached.
type UnreachableError struct {
	Host   string
	Reason error
}

func (e *UnreachableError) Error() string {
	return "host " + e.Host + " unreachable: " + e.Reason.Error()
}
func (e *UnreachableError) Unwrap() []error { return []error{ErrUnreachable, e.Reason} }

// Options are the connection settings the engine derives from inventory
// variables (ansible_host, ansible_port, ansible_user, ...).
type Options struct {
	Host           string // inventory name
	Address        string // ansible_host (defaults to Host)
	Port           int    // ansible_port (default 22, or ~/.ssh/config)
	User           string // ansible_user (default ~/.ssh/config, then $USER)
	Password       string // ansible_password
	PrivateKeyFile string // ansible_ssh_private_key_file
	Connection     string // "ssh" (default) or "local"
	ProxyJump      string // ansible_ssh_common_args -J / ~/.ssh/config
	KnownHostsFile string // default ~/.ssh/known_hosts
	HostKeyPolicy  string // "strict" (default), "accept-new", "off"
	ConnectTimeout time.Duration
	CommandTimeout time.Duration // 0 = none
	// Persist > 0 keeps the SSH connection open in this user's holder
	// process for that long after the run, for the next run to reuse
	// (OpenSSH's ControlPersist; --persist, or -o ControlPersist= in
	// ansible_ssh_common_args).
	Persist time.Duration
}

// Dialer is implemented by connections that can open a TCP connection
// from the host's side (SSH direct-tcpip, or a plain dial for local).
// The MySQL modules use it to reach a database listening on the host's
// loopback without exposing its port to the control machine.
type Dialer interface {
	DialContext(ctx context.Context, network, addr string) (net.Conn, error)
}
