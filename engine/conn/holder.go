package conn

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"syscall"
	"time"

	"golang.org/x/crypto/ssh"
)

// The connection holder is play's ControlPersist: a background process,
// one per user, that keeps SSH connections to hosts open between runs so
// the next run skips the TCP connect, the key exchange, authentication and
// the login session the host builds for each new connection (PAM, the
// systemd user manager) — most of the host's cost of a short run.
//
// play talks to it over a Unix socket in a private directory, and speaks
// SSH on that socket too: the holder is an SSH server whose channels are
// spliced onto the held connection's channels. So everything play does
// over a direct connection (exec sessions, SFTP, direct-tcpip forwards,
// keepalives, MaxSessions refusals) works unchanged through the holder,
// and framing, flow control and EOF handling are x/crypto/ssh's, not ours.
//
// A client first sends an "open@play" global request naming the
// destination and its credentials; the holder answers with a held
// connection (or dials one) and every channel the client opens afterwards
// goes there. A held connection closes persist after its last client left;
// the holder exits when it holds nothing.

// HolderLog is the holder's log file in its directory (refusals and
// reconnects only; never a secret).
const HolderLog = "holder.log"

const (
	holderSocket  = "holder.sock"
	holderLock    = "holder.lock"
	reqOpen       = "open@play"
	reqStatus     = "status@play"
	reqStop       = "stop@play"
	holderStartup = 30 * time.Second // exit if nobody connects after start
)

// heldOpen is the open@play payload: an endpoint with everything the
// holder needs to dial it as the client would.
type heldOpen struct {
	Host      string        `json:"host"` // inventory name, for messages
	Addr      string        `json:"addr"`
	Port      int           `json:"port"`
	User      string        `json:"user"`
	Password  string        `json:"password,omitempty"`
	KeyFiles  []string      `json:"key_files"`
	Explicit  string        `json:"explicit,omitempty"`
	ProxyJump string        `json:"proxy_jump,omitempty"`
	Timeout   time.Duration `json:"timeout"`
	KnownFile string        `json:"known_file"`
	Policy    string        `json:"policy"`
	AgentSock string        `json:"agent_sock,omitempty"`
	Persist   time.Duration `json:"persist"`
	// Slot tells apart the connections one run opens to a host whose
	// sshd limits sessions per connection.
	Slot int `json:"slot"`
}

func heldOpenFor(e *endpoint, slot int) heldOpen {
	// The holder runs in /, so relative paths would name other files.
	abs := func(p string) string {
		if p == "" || filepath.IsAbs(p) {
			return p
		}
		if a, err := filepath.Abs(p); err == nil {
			return a
		}
		return p
	}
	keys := make([]string, len(e.keyFiles))
	for i, k := range e.keyFiles {
		keys[i] = abs(k)
	}
	return heldOpen{Host: e.host, Addr: e.addr, Port: e.port, User: e.user, Password: e.password,
		KeyFiles: keys, Explicit: abs(e.explicit), ProxyJump: e.proxyJump, Timeout: e.timeout,
		KnownFile: abs(e.knownFile), Policy: e.policy, AgentSock: e.agentSock, Persist: e.persist, Slot: slot}
}

// key identifies a held connection: the same destination reached the same
// way with the same credentials. The password takes part only through a
// hash, and a run with other credentials or a laxer host key policy never
// gets a connection opened with these.
func (o heldOpen) key() string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%d\x00%s\x00%s\x00%s\x00%q\x00%s\x00%s\x00%s\x00%d",
		o.Addr, o.Port, o.User, o.Password, o.Explicit, o.KeyFiles, o.ProxyJump, o.KnownFile, o.Policy, o.Slot)
	return hex.EncodeToString(h.Sum(nil))
}

func (o heldOpen) endpoint() *endpoint {
	return &endpoint{host: o.Host, addr: o.Addr, port: o.Port, user: o.User, password: o.Password,
		keyFiles: o.KeyFiles, explicit: o.Explicit, proxyJump: o.ProxyJump, timeout: o.Timeout,
		knownFile: o.KnownFile, policy: o.Policy, agentSock: o.AgentSock, persist: o.Persist}
}

// heldReply answers open@play.
type heldReply struct {
	Reused      bool   `json:"reused,omitempty"`
	Error       string `json:"error,omitempty"`
	Unreachable bool   `json:"unreachable,omitempty"`
}

// HeldConn describes one held connection (status@play, `play connections`).
type HeldConn struct {
	Destination string    `json:"destination"` // user@addr:port
	Host        string    `json:"host"`
	Since       time.Time `json:"since"`
	Clients     int       `json:"clients"`
	Reuses      int       `json:"reuses"`
	IdleUntil   time.Time `json:"idle_until,omitzero"` // when it closes if nobody uses it
}

// holder is the server side.
type holder struct {
	mu      sync.Mutex
	held    map[string]*heldUpstream
	clients int
	quit    chan struct{}
	once    sync.Once
	idle    *time.Timer // exits the holder when it holds nothing
	cfg     *ssh.ServerConfig
	logger  *log.Logger
}

type heldUpstream struct {
	key     string
	open    heldOpen
	ready   chan struct{} // closed when the dial finished
	err     error
	client  *ssh.Client
	closers []io.Closer
	since   time.Time
	reuses  int
	users   map[*ssh.ServerConn]bool
	expire  *time.Timer
	expires time.Time
	closed  bool
}

// RunHolder serves held connections from dir until it holds nothing. It
// returns nil at once when another holder already serves dir.
func RunHolder(dir string) error {
	if err := checkPrivateDir(dir); err != nil {
		return err
	}
	lock, err := os.OpenFile(filepath.Join(dir, holderLock), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		return nil // another holder owns the directory
	}
	sock := filepath.Join(dir, holderSocket)
	os.Remove(sock) // a socket left by a holder that died
	l, err := net.Listen("unix", sock)
	if err != nil {
		return err
	}
	defer os.Remove(sock)
	h, err := newHolder(log.New(os.Stderr, "play holder: ", log.LstdFlags))
	if err != nil {
		l.Close()
		return err
	}
	return h.serve(l)
}

func newHolder(logger *log.Logger) (*holder, error) {
	// The socket's directory is what authenticates both ends (0700, ours;
	// the peer's uid is checked too), so the SSH layer on it needs neither
	// client auth nor a stable host key.
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	signer, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		return nil, err
	}
	cfg := &ssh.ServerConfig{NoClientAuth: true}
	cfg.AddHostKey(signer)
	h := &holder{held: map[string]*heldUpstream{}, quit: make(chan struct{}), cfg: cfg, logger: logger}
	h.idle = time.AfterFunc(holderStartup, h.exitIfIdle)
	return h, nil
}

func (h *holder) stop() { h.once.Do(func() { close(h.quit) }) }

// serve accepts clients on l until the holder stops.
func (h *holder) serve(l net.Listener) error {
	go func() {
		<-h.quit
		l.Close()
	}()
	var backoff time.Duration
	for {
		nc, err := l.Accept()
		if err != nil {
			select {
			case <-h.quit:
				h.closeAll()
				return nil
			default:
			}
			// Out of file descriptors and the like: wait and try again, as
			// net/http does, rather than drop connections runs are using.
			backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
			h.logger.Printf("accept: %v; retrying in %s", err, backoff)
			time.Sleep(backoff)
			continue
		}
		backoff = 0
		if err := checkPeer(nc); err != nil {
			h.logger.Printf("refused a client: %v", err)
			nc.Close()
			continue
		}
		// Counted before the goroutine starts, so the idle exit cannot
		// slip in between.
		h.mu.Lock()
		h.clients++
		h.idle.Stop()
		h.mu.Unlock()
		go h.serveClient(nc)
	}
}

func (h *holder) serveClient(nc net.Conn) {
	defer func() {
		h.mu.Lock()
		h.clients--
		h.armIdleLocked()
		h.mu.Unlock()
	}()
	sc, chans, reqs, err := ssh.NewServerConn(nc, h.cfg)
	if err != nil {
		nc.Close()
		return
	}
	defer sc.Close()
	var (
		upMu sync.Mutex
		up   *heldUpstream
	)
	current := func() *heldUpstream {
		upMu.Lock()
		defer upMu.Unlock()
		return up
	}
	reqsDone := make(chan struct{})
	go func() {
		defer close(reqsDone)
		for r := range reqs {
			switch r.Type {
			case reqOpen:
				if current() != nil {
					r.Reply(false, mustJSON(heldReply{Error: "connection already open"}))
					continue
				}
				var o heldOpen
				if err := json.Unmarshal(r.Payload, &o); err != nil {
					r.Reply(false, mustJSON(heldReply{Error: "bad open request: " + err.Error()}))
					continue
				}
				u, reused, err := h.attach(sc, o)
				if err != nil {
					rep := heldReply{Error: err.Error()}
					var ue *UnreachableError
					if errors.As(err, &ue) {
						rep = heldReply{Error: ue.Reason.Error(), Unreachable: true}
					}
					r.Reply(false, mustJSON(rep))
					continue
				}
				upMu.Lock()
				up = u
				upMu.Unlock()
				r.Reply(true, mustJSON(heldReply{Reused: reused}))
			case "keepalive@openssh.com":
				// Answer for the host: the client's keepalive must detect
				// a dead host, not just a live holder.
				if u := current(); u != nil && !alive(u.client) {
					// A refused reply reads as "alive" to a client; closing
					// its connection is what it notices, as with a dead host.
					h.logger.Printf("%s: host does not answer keepalives, closing", u.open.Host)
					h.drop(u)
					continue
				}
				r.Reply(true, nil)
			case reqStatus:
				r.Reply(true, mustJSON(h.status()))
			case reqStop:
				r.Reply(true, nil)
				h.stop()
			default:
				if r.WantReply {
					r.Reply(false, nil)
				}
			}
		}
	}()
	for nch := range chans {
		u := current()
		if u == nil {
			nch.Reject(ssh.Prohibited, "send "+reqOpen+" first")
			continue
		}
		go spliceChannel(nch, u.client)
	}
	// A client that went away while its open was dialing is attached only
	// when the dial ends: wait for that, or the connection would count it
	// as a user forever and never expire.
	<-reqsDone
	if u := current(); u != nil {
		h.detach(sc, u)
	}
}

// attach finds or dials the held connection for o and registers sc as
// one of its users. Concurrent opens of one key share one dial.
func (h *holder) attach(sc *ssh.ServerConn, o heldOpen) (*heldUpstream, bool, error) {
	for {
		u, reused, err := h.attachOnce(sc, o)
		if err != nil || !reused {
			return u, reused, err
		}
		h.mu.Lock()
		shared := len(u.users) > 1
		h.mu.Unlock()
		if shared {
			// Another run is using it right now: its traffic may delay a
			// probe's answer, and a false alarm would cut that run off.
			return u, true, nil
		}
		// A host that vanished without a word (its network gone) leaves a
		// connection that only keepalives would find dead, 45 s later:
		// probe before handing it out, and dial anew if it is silent.
		if aliveWithin(u.client, reuseProbe) {
			return u, true, nil
		}
		h.logger.Printf("%s: held connection does not answer, reconnecting", o.Host)
		h.mu.Lock()
		delete(u.users, sc) // sc stays: it gets the new connection
		h.mu.Unlock()
		h.drop(u)
	}
}

// reuseProbe bounds the liveness probe of a held connection before reuse.
const reuseProbe = 3 * time.Second

func (h *holder) attachOnce(sc *ssh.ServerConn, o heldOpen) (*heldUpstream, bool, error) {
	key := o.key()
	h.mu.Lock()
	u, ok := h.held[key]
	if !ok {
		u = &heldUpstream{key: key, open: o, ready: make(chan struct{}), users: map[*ssh.ServerConn]bool{}}
		h.held[key] = u
		h.mu.Unlock()
		u.client, u.closers, u.err = dialClient(context.Background(), o.endpoint())
		h.mu.Lock()
		if u.err != nil {
			delete(h.held, key)
			h.armIdleLocked()
		} else {
			u.since = time.Now()
			go h.watch(u)
		}
		close(u.ready)
	}
	h.mu.Unlock()
	<-u.ready
	if u.err != nil {
		return nil, false, u.err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if u.closed {
		return nil, false, unreachable(o.Host, errors.New("held connection closed while opening"))
	}
	if ok {
		u.reuses++
	}
	// The latest run's persist governs from now on.
	u.open.Persist = o.Persist
	u.users[sc] = true
	if u.expire != nil {
		u.expire.Stop()
		u.expire, u.expires = nil, time.Time{}
	}
	return u, ok, nil
}

// detach drops sc from u's users; the last one out starts u's persist
// clock.
func (h *holder) detach(sc *ssh.ServerConn, u *heldUpstream) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(u.users, sc)
	if len(u.users) > 0 || u.closed {
		return
	}
	persist := max(u.open.Persist, 0)
	u.expires = time.Now().Add(persist)
	u.expire = time.AfterFunc(persist, func() {
		h.mu.Lock()
		idle := len(u.users) == 0 && !u.closed && !u.expires.IsZero() && !time.Now().Before(u.expires)
		h.mu.Unlock()
		if idle {
			h.drop(u)
		}
	})
}

// watch drops u when its host goes away, and disconnects u's clients so
// they see the loss as a dead connection, as they would without us.
func (h *holder) watch(u *heldUpstream) {
	stop := make(chan struct{})
	go keepalive(u.client, KeepaliveInterval, KeepaliveMaxMissed, stop, func() { u.client.Close() })
	_ = u.client.Wait()
	close(stop)
	h.drop(u)
}

func (h *holder) drop(u *heldUpstream) {
	h.mu.Lock()
	if u.closed {
		h.mu.Unlock()
		return
	}
	u.closed = true
	if h.held[u.key] == u {
		delete(h.held, u.key)
	}
	users := make([]*ssh.ServerConn, 0, len(u.users))
	for sc := range u.users {
		users = append(users, sc)
	}
	if u.expire != nil {
		u.expire.Stop()
	}
	h.armIdleLocked()
	h.mu.Unlock()
	for _, sc := range users {
		sc.Close()
	}
	u.client.Close()
	for i := len(u.closers) - 1; i >= 0; i-- {
		u.closers[i].Close()
	}
}

// armIdleLocked schedules the holder's exit once it holds nothing and has
// no client; the short grace lets a run that is just starting attach.
func (h *holder) armIdleLocked() {
	if len(h.held) == 0 && h.clients == 0 {
		h.idle.Reset(time.Second)
	}
}

func (h *holder) exitIfIdle() {
	h.mu.Lock()
	idle := len(h.held) == 0 && h.clients == 0
	h.mu.Unlock()
	if idle {
		h.stop()
	}
}

func (h *holder) closeAll() {
	h.mu.Lock()
	all := make([]*heldUpstream, 0, len(h.held))
	for _, u := range h.held {
		all = append(all, u)
	}
	h.mu.Unlock()
	for _, u := range all {
		<-u.ready
		if u.err == nil {
			h.drop(u)
		}
	}
}

func (h *holder) status() []HeldConn {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []HeldConn
	for _, u := range h.held {
		select {
		case <-u.ready:
		default:
			continue // still dialing
		}
		if u.err != nil || u.closed {
			continue
		}
		out = append(out, HeldConn{
			Destination: fmt.Sprintf("%s@%s", u.open.User, net.JoinHostPort(u.open.Addr, fmt.Sprint(u.open.Port))),
			Host:        u.open.Host, Since: u.since, Clients: len(u.users), Reuses: u.reuses, IdleUntil: u.expires,
		})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Destination < out[j].Destination })
	return out
}

// spliceChannel opens the client's channel on the held connection and
// joins the two: data both ways, stderr both ways, requests both ways.
// A refusal (MaxSessions, a failed forward) reaches the client with the
// host's own reason and message.
func spliceChannel(nch ssh.NewChannel, up *ssh.Client) {
	uch, ureqs, err := up.OpenChannel(nch.ChannelType(), nch.ExtraData())
	if err != nil {
		var oce *ssh.OpenChannelError
		if errors.As(err, &oce) {
			nch.Reject(oce.Reason, oce.Message)
		} else {
			nch.Reject(ssh.ConnectionFailed, err.Error())
		}
		return
	}
	cch, creqs, err := nch.Accept()
	if err != nil {
		uch.Close()
		return
	}
	// EOF may be passed on only once both streams are through: after EOF
	// a channel takes no more data, stderr included.
	pipe := func(dst, src ssh.Channel) *sync.WaitGroup {
		var wg sync.WaitGroup
		wg.Add(2)
		go func() { io.Copy(dst, src); wg.Done() }()
		go func() { io.Copy(dst.Stderr(), src.Stderr()); wg.Done() }()
		go func() { wg.Wait(); dst.CloseWrite() }()
		return &wg
	}
	toClient := pipe(cch, uch)
	toHost := pipe(uch, cch)
	forward := func(dst ssh.Channel, reqs <-chan *ssh.Request) {
		for r := range reqs {
			ok, err := dst.SendRequest(r.Type, r.WantReply, r.Payload)
			if r.WantReply {
				r.Reply(ok && err == nil, nil)
			}
		}
	}
	go func() {
		forward(cch, ureqs)
		// The host closed its end (exit-status went before): let the
		// output drain, then close ours.
		toClient.Wait()
		cch.Close()
	}()
	go func() {
		forward(uch, creqs)
		// The client closed: what it wrote before must still reach the
		// host — but a host that stopped reading must not pin us.
		drained := make(chan struct{})
		go func() { toHost.Wait(); close(drained) }()
		select {
		case <-drained:
		case <-time.After(5 * time.Second):
		}
		uch.Close()
	}()
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}
