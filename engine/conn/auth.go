package conn

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strings"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
)

// authSetup is the authentication material for one handshake. The agent
// socket stays open only for the handshake; signing happens during auth.
type authSetup struct {
	methods   []ssh.AuthMethod
	encrypted []string // key files skipped because they need a passphrase
	agentConn net.Conn
}

func (a *authSetup) close() {
	if a.agentConn != nil {
		a.agentConn.Close()
	}
}

// hint explains a failed authentication in terms the user can act on.
func (a *authSetup) hint() string {
	if len(a.encrypted) == 0 {
		return ""
	}
	return fmt.Sprintf(" (key %s is passphrase-protected and no ssh-agent holds it: run ssh-add)", strings.Join(a.encrypted, ", "))
}

func buildAuth(e *endpoint) (*authSetup, error) {
	a := &authSetup{}
	var signers []ssh.Signer
	if sock := e.agentSock; sock != "" {
		if c, err := net.Dial("unix", sock); err == nil {
			a.agentConn = c
			if s, err := agent.NewClient(c).Signers(); err == nil {
				signers = append(signers, s...)
			}
		}
	}
	agentKeys := len(signers)
	seen := map[string]bool{}
	for _, f := range e.keyFiles {
		if seen[f] {
			continue
		}
		seen[f] = true
		data, err := os.ReadFile(f)
		if err != nil {
			if f == e.explicit {
				a.close()
				return nil, fmt.Errorf("private key file %s: %w", f, err)
			}
			continue // default key locations are optional
		}
		s, err := ssh.ParsePrivateKey(data)
		var pm *ssh.PassphraseMissingError
		switch {
		case errors.As(err, &pm):
			if f == e.explicit && agentKeys == 0 {
				a.close()
				return nil, fmt.Errorf("private key file %s is passphrase-protected and no ssh-agent is available (SSH_AUTH_SOCK): load it with ssh-add or use an unencrypted key", f)
			}
			a.encrypted = append(a.encrypted, f)
		case err != nil:
			if f == e.explicit {
				a.close()
				return nil, fmt.Errorf("private key file %s: %w", f, err)
			}
		default:
			signers = append(signers, s)
		}
	}
	if len(signers) > 0 {
		// Explicit keys come first in e.keyFiles, but agent keys are tried
		// before them; put file keys first when the user named one so it
		// is not lost to the server's MaxAuthTries.
		if e.explicit != "" && agentKeys > 0 {
			signers = append(signers[agentKeys:], signers[:agentKeys]...)
		}
		a.methods = append(a.methods, ssh.PublicKeys(signers...))
	}
	if e.password != "" {
		pw := e.password
		a.methods = append(a.methods, ssh.Password(pw),
			ssh.KeyboardInteractive(func(_, _ string, questions []string, echos []bool) ([]string, error) {
				answers := make([]string, len(questions))
				for i := range questions {
					if !echos[i] {
						answers[i] = pw
					}
				}
				return answers, nil
			}))
	}
	if len(a.methods) == 0 {
		a.close()
		if len(a.encrypted) > 0 {
			return nil, fmt.Errorf("private key file %s is passphrase-protected and no ssh-agent is available (SSH_AUTH_SOCK): load it with ssh-add", strings.Join(a.encrypted, ", "))
		}
		return nil, fmt.Errorf("no SSH credentials: no ssh-agent, no key in %s, no password", strings.Join(e.keyFiles, ", "))
	}
	return a, nil
}
