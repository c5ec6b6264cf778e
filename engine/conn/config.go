package conn

import (
	"fmt"
	"net"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/kevinburke/ssh_config"
)

// DefaultConnectTimeout bounds TCP connect plus SSH handshake and auth.
const DefaultConnectTimeout = 10 * time.Second

// sshConfigPath is the user's ssh client configuration; a variable so tests
// can point it elsewhere.
var sshConfigPath = func() string { return filepath.Join(homeDir(), ".ssh", "config") }

func homeDir() string {
	if h, err := os.UserHomeDir(); err == nil {
		return h
	}
	return "/root"
}

// endpoint is a fully resolved SSH destination: options first, then
// ~/.ssh/config, then defaults — the order OpenSSH itself uses.
type endpoint struct {
	host      string // inventory name, for messages
	addr      string // host name or IP to connect to
	port      int
	user      string
	password  string
	keyFiles  []string // explicit first, then config, then defaults
	explicit  string   // the key file the user named (errors must name it)
	proxyJump string
	timeout   time.Duration
	knownFile string
	policy    string
	agentSock string        // SSH_AUTH_SOCK when the endpoint was resolved
	persist   time.Duration // > 0: keep the connection in the holder this long after use
}

func (e *endpoint) hostport() string { return net.JoinHostPort(e.addr, strconv.Itoa(e.port)) }

func loadSSHConfig() *ssh_config.Config {
	f, err := os.Open(sshConfigPath())
	if err != nil {
		return nil
	}
	defer f.Close()
	cfg, err := ssh_config.Decode(f)
	if err != nil {
		return nil // a broken config must not stop connections that do not need it
	}
	return cfg
}

func cfgGet(cfg *ssh_config.Config, alias, key string) string {
	if cfg == nil {
		return ""
	}
	v, _ := cfg.Get(alias, key)
	return v
}

func resolveEndpoint(opts Options) (*endpoint, error) {
	cfg := loadSSHConfig()
	alias := opts.Address
	if alias == "" {
		alias = opts.Host
	}
	e := &endpoint{host: opts.Host, addr: alias, password: opts.Password, timeout: opts.ConnectTimeout, policy: opts.HostKeyPolicy,
		agentSock: os.Getenv("SSH_AUTH_SOCK"), persist: opts.Persist}
	if hn := cfgGet(cfg, alias, "HostName"); hn != "" {
		e.addr = strings.ReplaceAll(hn, "%h", alias)
	}
	e.port = opts.Port
	if e.port == 0 {
		if p := cfgGet(cfg, alias, "Port"); p != "" {
			n, err := strconv.Atoi(p)
			if err != nil {
				return nil, fmt.Errorf("~/.ssh/config: bad Port %q for %s", p, alias)
			}
			e.port = n
		}
	}
	if e.port == 0 {
		e.port = 22
	}
	e.user = opts.User
	if e.user == "" {
		e.user = cfgGet(cfg, alias, "User")
	}
	if e.user == "" {
		if u, err := user.Current(); err == nil {
			e.user = u.Username
		} else {
			e.user = os.Getenv("USER")
		}
	}
	if opts.PrivateKeyFile != "" {
		e.explicit = expandPath(opts.PrivateKeyFile, e)
		e.keyFiles = append(e.keyFiles, e.explicit)
	}
	if cfg != nil {
		ids, _ := cfg.GetAll(alias, "IdentityFile")
		for _, id := range ids {
			e.keyFiles = append(e.keyFiles, expandPath(id, e))
		}
	}
	for _, name := range []string{"id_ed25519", "id_ecdsa", "id_rsa"} {
		e.keyFiles = append(e.keyFiles, filepath.Join(homeDir(), ".ssh", name))
	}
	e.proxyJump = opts.ProxyJump
	if e.proxyJump == "" {
		e.proxyJump = cfgGet(cfg, alias, "ProxyJump")
	}
	if strings.EqualFold(e.proxyJump, "none") {
		e.proxyJump = ""
	}
	if e.timeout <= 0 {
		e.timeout = DefaultConnectTimeout
	}
	e.knownFile = opts.KnownHostsFile
	if e.knownFile == "" {
		e.knownFile = filepath.Join(homeDir(), ".ssh", "known_hosts")
	}
	if e.policy == "" {
		e.policy = "strict"
	}
	switch e.policy {
	case "strict", "accept-new", "off":
	default:
		return nil, fmt.Errorf("unknown host key policy %q (want strict, accept-new or off)", e.policy)
	}
	return e, nil
}

// expandPath handles the ssh_config tokens that matter for key paths.
func expandPath(p string, e *endpoint) string {
	if strings.HasPrefix(p, "~/") {
		p = filepath.Join(homeDir(), p[2:])
	}
	r := strings.NewReplacer("%d", homeDir(), "%u", e.user, "%h", e.addr, "%r", e.user, "%%", "%")
	return r.Replace(p)
}

// parseJump splits one ProxyJump hop "[user@]host[:port]".
func parseJump(hop string) (user, host string, port int, err error) {
	if i := strings.LastIndex(hop, "@"); i >= 0 {
		user, hop = hop[:i], hop[i+1:]
	}
	host = hop
	if h, p, splitErr := net.SplitHostPort(hop); splitErr == nil {
		host = h
		port, err = strconv.Atoi(p)
		if err != nil {
			return "", "", 0, fmt.Errorf("bad ProxyJump port in %q", hop)
		}
	}
	if host == "" {
		return "", "", 0, fmt.Errorf("empty ProxyJump host")
	}
	return user, host, port, nil
}
