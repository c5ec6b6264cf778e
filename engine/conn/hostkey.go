package conn

import (
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// knownHostsLocks serialises appends to each known_hosts file inside this
// process; flock covers other processes.
var knownHostsLocks sync.Map // path -> *sync.Mutex

// probeKey is a throwaway key used to ask knownhosts which key types it
// holds for a host (it never matches, so the answer lists them all).
var probeKey = sync.OnceValue(func() ssh.PublicKey {
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		panic(err)
	}
	k, err := ssh.NewPublicKey(pub)
	if err != nil {
		panic(err)
	}
	return k
})

// loadKnownHosts returns a callback for file, or nil when the file does not
// exist yet (every host is then unknown).
func loadKnownHosts(file string) (ssh.HostKeyCallback, error) {
	if _, err := os.Stat(file); errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	cb, err := knownhosts.New(file)
	if err != nil {
		return nil, fmt.Errorf("reading known_hosts %s: %w", file, err)
	}
	return cb, nil
}

// checkKnown reports nil (known and matching), an unknown-host KeyError
// (empty Want) or a changed-key KeyError.
func checkKnown(cb ssh.HostKeyCallback, hostport string, remote net.Addr, key ssh.PublicKey) error {
	if cb == nil {
		return &knownhosts.KeyError{}
	}
	return cb(hostport, remote, key)
}

// hostKeySetup returns the host key callback for e and, when keys for the
// host are already known, the algorithms to ask for, so a host known by
// its ed25519 key is not reported as changed for offering an RSA key.
func hostKeySetup(e *endpoint, hostport string) (ssh.HostKeyCallback, []string, error) {
	if e.policy == "off" {
		return ssh.InsecureIgnoreHostKey(), nil, nil
	}
	cb, err := loadKnownHosts(e.knownFile)
	if err != nil {
		return nil, nil, err
	}
	var algos []string
	dummy := &net.TCPAddr{IP: net.IPv4(0, 0, 0, 0)}
	var ke *knownhosts.KeyError
	if err := checkKnown(cb, hostport, dummy, probeKey()); errors.As(err, &ke) {
		seen := map[string]bool{}
		for _, k := range ke.Want {
			for _, a := range algorithmsFor(k.Key.Type()) {
				if !seen[a] {
					seen[a] = true
					algos = append(algos, a)
				}
			}
		}
	}
	verify := func(hostname string, remote net.Addr, key ssh.PublicKey) error {
		err := checkKnown(cb, hostname, remote, key)
		var ke *knownhosts.KeyError
		if err == nil || !errors.As(err, &ke) {
			return err
		}
		if len(ke.Want) > 0 {
			return changedKeyError(e, hostname, key, ke)
		}
		if e.policy != "accept-new" {
			return fmt.Errorf("host key for %s (%s %s) is not in %s: connect with host key policy accept-new, or add it with `ssh-keyscan -p %d %s >> %s`",
				hostname, key.Type(), ssh.FingerprintSHA256(key), e.knownFile, e.port, e.addr, e.knownFile)
		}
		return acceptNewKey(e, hostname, remote, key)
	}
	return verify, algos, nil
}

func algorithmsFor(keyType string) []string {
	if keyType == ssh.KeyAlgoRSA {
		return []string{ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256, ssh.KeyAlgoRSA}
	}
	return []string{keyType}
}

func changedKeyError(e *endpoint, hostname string, key ssh.PublicKey, ke *knownhosts.KeyError) error {
	var where []string
	for _, w := range ke.Want {
		where = append(where, fmt.Sprintf("%s:%d", w.Filename, w.Line))
	}
	return fmt.Errorf("HOST KEY CHANGED for %s: it now offers %s %s, which does not match the key recorded at %s; "+
		"this may be an attack — if the change is expected remove the old entry (ssh-keygen -f %s -R %s)",
		hostname, key.Type(), ssh.FingerprintSHA256(key), strings.Join(where, ", "), e.knownFile, knownhosts.Normalize(hostname))
}

// acceptNewKey records an unknown host's key. It re-reads the file under
// the lock: a concurrent connection may have recorded it (or a different
// key) in the meantime.
func acceptNewKey(e *endpoint, hostname string, remote net.Addr, key ssh.PublicKey) error {
	file := e.knownFile
	mu, _ := knownHostsLocks.LoadOrStore(file, &sync.Mutex{})
	mu.(*sync.Mutex).Lock()
	defer mu.(*sync.Mutex).Unlock()

	if err := os.MkdirAll(filepath.Dir(file), 0o700); err != nil {
		return fmt.Errorf("recording host key: %w", err)
	}
	f, err := os.OpenFile(file, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("recording host key: %w", err)
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		return fmt.Errorf("locking %s: %w", file, err)
	}
	defer syscall.Flock(int(f.Fd()), syscall.LOCK_UN)

	cb, err := loadKnownHosts(file)
	if err != nil {
		return err
	}
	err = checkKnown(cb, hostname, remote, key)
	var ke *knownhosts.KeyError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &ke) && len(ke.Want) > 0:
		return changedKeyError(e, hostname, key, ke)
	case !errors.As(err, &ke):
		return err
	}
	// A file not ending in a newline would glue our entry onto its last line.
	if st, err := f.Stat(); err == nil && st.Size() > 0 {
		last := make([]byte, 1)
		if _, err := f.ReadAt(last, st.Size()-1); err == nil && last[0] != '\n' {
			if _, err := f.Write([]byte("\n")); err != nil {
				return err
			}
		}
	}
	line := knownhosts.Line([]string{knownhosts.Normalize(hostname)}, key) + "\n"
	if _, err := f.WriteString(line); err != nil {
		return fmt.Errorf("recording host key in %s: %w", file, err)
	}
	return f.Sync()
}
