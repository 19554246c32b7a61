package sshtransport

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/terraform-plugin-log/tflog"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"

	"github.com/systemd-tf/terraform-provider-systemd/internal/systemd"
)

// maxJumps bounds a chain of jump hosts.
const maxJumps = 8

// maxSessions stays below sshd's default MaxSessions (10), so that
// Terraform's default parallelism never has a session refused.
const maxSessions = 8

// errTimeout marks the provider's own `timeout` running out, as opposed to
// the caller's deadline or cancellation.
var errTimeout = errors.New("provider timeout")

// Pool holds one SSH connection per host, shared by every resource of a
// provider instance, and replaces a connection that died, also one that
// died without a word (see pooledConn.alive and startOn). With a bastion,
// it also holds the one connection to the bastion that every target
// connection is tunnelled through.
type Pool struct {
	cfg        Config
	target     hop
	jumps      []*jumpHost // the bastion and the jump hosts after it, in order; none without
	closeAgent func() error
	proxy      *proxyDialer // nil without a proxy

	mu    sync.Mutex
	hosts map[string]*hostConn
}

// jumpHost is one jump host, and the one connection to it that every
// connection through it shares.
type jumpHost struct {
	hop
	mu     sync.Mutex // held while dialing it: one dial at a time
	client atomic.Pointer[pooledConn]
}

// hop is how to log in to one kind of host: the targets, or a jump host.
type hop struct {
	name     string // "bastion" ("bastion 1", "bastion 2"… in a chain), or "" for targets
	addr     string // the bastion's address; targets have many
	user     string
	auth     []ssh.AuthMethod
	hostKeys *hostKeys
}

type hostConn struct {
	mu       sync.Mutex // held while dialing, so one dial per host at a time
	conn     *pooledConn
	sessions chan struct{}
	shells   shells
	// failed is the last dial's error when trying again cannot help (a
	// timeout, a refused login or host key), kept for `timeout` so that the
	// commands queued behind that dial fail at once instead of each waiting
	// out its own.
	failed   error
	failedAt time.Time
}

// NewPool checks cfg and prepares authentication; it connects to nothing.
func NewPool(cfg Config) (*Pool, error) {
	if cfg.Timeout <= 0 {
		return nil, &ConfigError{Setting: SettingTimeout, Err: errors.New("must be positive")}
	}
	if cfg.User == "" {
		return nil, &ConfigError{Setting: SettingUser, Err: errors.New("is empty")}
	}
	var chain []*Bastion
	for b := cfg.Bastion; b != nil; b = b.Next {
		if len(chain) == maxJumps {
			return nil, &ConfigError{Hop: "bastion", Setting: SettingHost, Err: fmt.Errorf("more than %d jump hosts (a loop?)", maxJumps)}
		}
		chain = append(chain, b)
	}
	jumpName := func(i int) string { return jumpHopName(i, len(chain)) }
	for i, b := range chain {
		if b.Addr == "" {
			return nil, &ConfigError{Hop: jumpName(i), Setting: SettingHost, Err: errors.New("is empty")}
		}
		if b.User == "" {
			return nil, &ConfigError{Hop: jumpName(i), Setting: SettingUser, Err: errors.New("is empty")}
		}
	}
	hk, err := newHostKeys(cfg)
	if err != nil {
		return nil, err
	}
	proxied, err := parseProxy(cfg.Proxy)
	if err != nil {
		return nil, err
	}
	jumpKeys := make([]*hostKeys, len(chain))
	useAgent := cfg.Agent
	for i, b := range chain {
		pol := hostKeyPolicy{hop: jumpName(i), knownHostsFile: b.KnownHostsFile, knownHostsFiles: b.KnownHostsFiles, hostKey: b.HostKey, insecure: b.InsecureIgnoreHostKey}
		if jumpKeys[i], err = pol.build(); err != nil {
			return nil, err
		}
		useAgent = useAgent || b.Agent
	}

	var keyring agent.ExtendedAgent
	closeAgent := func() error { return nil }
	if useAgent {
		if keyring, closeAgent, err = openAgent(cfg.AgentSocket); err != nil {
			return nil, err
		}
	}
	fail := func(err error) (*Pool, error) {
		_ = closeAgent()
		return nil, err
	}
	agentKey, err := checkAgentIdentity(cfg, keyring)
	if err != nil {
		return fail(err)
	}
	creds := cfg.credentials()
	creds.agentKey = agentKey
	auth, err := creds.authMethods(keyring)
	if err != nil {
		return fail(err)
	}
	p := &Pool{
		cfg:        cfg,
		target:     hop{user: cfg.User, auth: auth, hostKeys: hk},
		closeAgent: closeAgent,
		proxy:      proxied,
		hosts:      map[string]*hostConn{},
	}
	for i, b := range chain {
		creds := b.credentials()
		creds.hop, creds.agentKey = jumpName(i), agentKey
		jumpAuth, err := creds.authMethods(keyring)
		if err != nil {
			return fail(err)
		}
		p.jumps = append(p.jumps, &jumpHost{hop: hop{name: jumpName(i), addr: b.Addr, user: b.User, auth: jumpAuth, hostKeys: jumpKeys[i]}})
	}
	return p, nil
}

// Close closes every connection.
func (p *Pool) Close() error {
	p.mu.Lock()
	for _, hc := range p.hosts {
		p.closeShells(hc)
		hc.mu.Lock()
		if hc.conn != nil {
			hc.conn.discard()
		}
		hc.mu.Unlock()
	}
	p.hosts = map[string]*hostConn{}
	p.mu.Unlock()
	for _, j := range p.jumps {
		j.mu.Lock()
		if c := j.client.Swap(nil); c != nil {
			c.discard()
		}
		j.mu.Unlock()
	}
	return p.closeAgent()
}

// Runner runs commands on addr ("HOST:PORT").
func (p *Pool) Runner(addr string) systemd.Runner { return hostRunner{pool: p, addr: addr} }

type hostRunner struct {
	pool *Pool
	addr string
}

// DialUnix opens a stream to the Unix socket at path on the host, over the
// pooled connection (an OpenSSH direct-streamlocal channel, which sshd
// opens as the login user). A refusal (sshd forbids stream forwarding, or
// nothing listens at path) is an error whose Refused method says so.
func (r hostRunner) DialUnix(ctx context.Context, path string) (io.ReadWriteCloser, error) {
	p := r.pool
	ctx, cancel := context.WithTimeoutCause(ctx, p.cfg.Timeout, errTimeout)
	defer cancel()
	c, err := p.conn(ctx, r.addr, p.host(r.addr), nil)
	if err != nil {
		return nil, err
	}
	stream, err := c.DialContext(ctx, "unix", path)
	var open *ssh.OpenChannelError
	if errors.As(err, &open) {
		return nil, &streamRefusedError{path: path, err: err}
	}
	if err != nil {
		return nil, &HostError{Addr: r.addr, Err: fmt.Errorf("opening a stream to %s: %w", path, err), Transient: true}
	}
	c.touch()
	return stream, nil
}

// streamRefusedError is sshd refusing a stream to a socket.
type streamRefusedError struct {
	path string
	err  error
}

func (e *streamRefusedError) Error() string {
	return fmt.Sprintf("sshd refused a stream to %s: %v", e.path, e.err)
}
func (e *streamRefusedError) Unwrap() error { return e.err }

// Refused: for good, not a failure of the connection.
func (e *streamRefusedError) Refused() bool { return true }

// Retry backoff: first wait, and the cap it doubles up to.
const (
	retryFirstWait = 250 * time.Millisecond
	retryMaxWait   = 2 * time.Second
)

// Run runs cmd, trying again with bounded backoff after a transient failure
// (a refused, reset or lost connection): every command this provider runs
// is idempotent (mask, unmask, read), so running one twice is safe. Retries
// stop once `timeout` has passed since the first try, and later tries are
// bounded by what remains of it, so that an unreachable host fails within
// about `timeout`.
func (r hostRunner) Run(ctx context.Context, cmd systemd.Command) (systemd.Result, error) {
	budget := r.pool.cfg.Timeout
	start := time.Now()
	wait := retryFirstWait
	started := false
	for attempt := 1; ; attempt++ {
		runCtx, cancel := ctx, context.CancelFunc(func() {})
		if attempt > 1 {
			runCtx, cancel = context.WithDeadlineCause(ctx, start.Add(budget), errTimeout)
		}
		res, err := r.pool.run(runCtx, r.addr, cmd)
		cancel()
		var he *HostError
		if errors.As(err, &he) {
			// A try that started may have run, whatever the later ones did.
			// The error may be shared (a failed dial is every waiter's), so
			// it is copied, not changed.
			started = started || he.Started
			if he.Started != started {
				cp := *he
				cp.Started = started
				he, err = &cp, &cp
			}
		}
		if err == nil || he == nil || !he.Transient || ctx.Err() != nil {
			return res, err
		}
		if time.Since(start)+wait >= budget {
			return res, &HostError{Hop: he.Hop, Addr: he.Addr, Setting: he.Setting,
				Err: fmt.Errorf("%w (after %d tries in %s)", he.Err, attempt, time.Since(start).Round(time.Millisecond)), Transient: true, Started: started}
		}
		tflog.Debug(ctx, "transient SSH failure; trying again", map[string]any{"host": r.addr, "attempt": attempt, "wait": wait.String(), "error": err.Error()})
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return res, err
		}
		wait = min(wait*2, retryMaxWait)
	}
}

func (p *Pool) host(addr string) *hostConn {
	p.mu.Lock()
	defer p.mu.Unlock()
	hc, ok := p.hosts[addr]
	if !ok {
		hc = &hostConn{sessions: make(chan struct{}, maxSessions)}
		p.hosts[addr] = hc
	}
	return hc
}

// conn returns a live connection to addr: the pooled one if it still
// answers (pooledConn.alive), else a new one, also when stale is the pooled
// one and the caller found it dead.
func (p *Pool) conn(ctx context.Context, addr string, hc *hostConn, stale *pooledConn) (*pooledConn, error) {
	for {
		hc.mu.Lock()
		c := hc.conn
		if c == nil || c == stale || c.dead() {
			defer hc.mu.Unlock()
			return p.redial(ctx, addr, hc)
		}
		hc.mu.Unlock()
		err := c.alive(ctx, p.keepaliveWait())
		if err == nil {
			return c, nil
		}
		if ctx.Err() != nil {
			return nil, p.ctxError(ctx, "", addr, "checking the SSH connection")
		}
		tflog.Debug(ctx, "SSH connection gave no sign of life; reconnecting", map[string]any{"host": addr, "error": err.Error()})
		// Through a bastion, the dead part of the path may be the
		// bastion's own connection.
		p.suspectBastion()
		stale = c
	}
}

// redial replaces hc's connection, hc.mu held.
func (p *Pool) redial(ctx context.Context, addr string, hc *hostConn) (*pooledConn, error) {
	if hc.conn != nil {
		hc.conn.discard()
		hc.conn = nil
	}
	if hc.failed != nil && time.Since(hc.failedAt) < p.cfg.Timeout {
		return nil, hc.failed
	}
	client, err := p.dial(ctx, addr)
	if err != nil {
		var he *HostError
		if (!errors.As(err, &he) || !he.Transient) && ctx.Err() == nil {
			hc.failed, hc.failedAt = err, time.Now()
		}
		return nil, err
	}
	hc.conn, hc.failed = newPooledConn(client), nil
	return hc.conn, nil
}

// keepaliveWait bounds a keepalive: keepaliveWait, or `timeout` if shorter.
func (p *Pool) keepaliveWait() time.Duration { return min(keepaliveWait, p.cfg.Timeout) }

// suspectBastion makes the next tunnel probe the jump hosts' connections.
func (p *Pool) suspectBastion() {
	for _, j := range p.jumps {
		if c := j.client.Load(); c != nil {
			c.suspect()
		}
	}
}

// dial connects to the target addr: directly, or through the bastion.
// Each hop's connect and handshake gets its own `timeout`.
func (p *Pool) dial(ctx context.Context, addr string) (*ssh.Client, error) {
	if len(p.jumps) == 0 {
		return p.dialTCP(ctx, &p.target, addr)
	}
	conn, deadline, err := p.tunnel(ctx, len(p.jumps)-1, addr)
	if err != nil {
		return nil, err
	}
	return p.handshake(ctx, conn, &p.target, addr, deadline)
}

// deadline is the end of one hop's connect and handshake.
func (p *Pool) deadline(ctx context.Context) time.Time {
	deadline := time.Now().Add(p.cfg.Timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	return deadline
}

// dialTCP connects to addr over TCP and logs in as h says.
func (p *Pool) dialTCP(ctx context.Context, h *hop, addr string) (*ssh.Client, error) {
	deadline := p.deadline(ctx)
	tflog.Debug(ctx, "connecting over SSH", map[string]any{"host": addr, "user": h.user, "hop": hopLabel(h)})
	dialer := net.Dialer{Deadline: deadline}
	var (
		conn net.Conn
		err  error
	)
	if p.proxy != nil && p.proxy.applies(addr) {
		// The proxy's own handshake is bounded by the same deadline.
		proxyCtx, cancel := context.WithDeadline(ctx, deadline)
		conn, err = p.proxy.dial(proxyCtx, &dialer, addr)
		cancel()
		var refused *proxyRefusal
		switch {
		case err == nil:
		case isTimeout(err) && ctx.Err() == nil:
			return nil, &HostError{Hop: h.name, Addr: addr, Setting: SettingTimeout, Err: fmt.Errorf("cannot connect through the proxy %s within %s", p.proxy, p.cfg.Timeout)}
		case errors.As(err, &refused):
			return nil, &HostError{Hop: h.name, Addr: addr, Setting: SettingProxy, Err: fmt.Errorf("cannot connect through the proxy %s: %w", p.proxy, err)}
		default:
			return nil, &HostError{Hop: h.name, Addr: addr, Setting: SettingProxy, Err: fmt.Errorf("cannot connect through the proxy %s: %w", p.proxy, unwrapOpError(err)), Transient: true}
		}
	} else {
		conn, err = dialer.DialContext(ctx, "tcp", addr)
	}
	if err != nil {
		if isTimeout(err) && ctx.Err() == nil {
			return nil, &HostError{Hop: h.name, Addr: addr, Setting: SettingTimeout, Err: fmt.Errorf("cannot connect within %s", p.cfg.Timeout)}
		}
		return nil, &HostError{Hop: h.name, Addr: addr, Setting: SettingHost, Err: fmt.Errorf("cannot connect: %w", unwrapOpError(err)), Transient: true}
	}
	// A deadline on the socket bounds the handshake too, and is lifted once
	// the connection is up.
	_ = conn.SetDeadline(deadline)
	c, err := p.handshake(ctx, conn, h, addr, deadline)
	if err == nil {
		_ = conn.SetDeadline(time.Time{})
	}
	return c, err
}

func hopLabel(h *hop) string {
	if h.name == "" {
		return "target"
	}
	return h.name
}

// tunnel opens a direct-tcpip channel from jump host i to addr, dialing
// it first when there is no live connection to it, and replacing it once
// if it turns out to be dead. The deadline it returns bounds the
// tunnelled dial and the handshake through it.
func (p *Pool) tunnel(ctx context.Context, i int, addr string) (net.Conn, time.Time, error) {
	b := &p.jumps[i].hop
	var stale *pooledConn
	for attempt := 0; ; attempt++ {
		bc, err := p.jumpConn(ctx, i, stale)
		if err != nil {
			return nil, time.Time{}, err
		}
		deadline := p.deadline(ctx)
		tflog.Debug(ctx, "connecting over SSH through the bastion", map[string]any{"host": addr, "user": p.target.user, "bastion": b.addr})
		dialCtx, cancel := context.WithDeadline(ctx, deadline)
		conn, err := bc.DialContext(dialCtx, "tcp", addr)
		dialErr := dialCtx.Err()
		cancel()
		if err == nil {
			bc.touch()
			return conn, deadline, nil
		}
		var refused *ssh.OpenChannelError
		switch {
		case errors.As(err, &refused) && refused.Reason == ssh.Prohibited:
			return nil, time.Time{}, &HostError{Hop: b.name, Addr: b.addr, Setting: SettingHost,
				Err: fmt.Errorf("refuses to forward a connection to %s (%s): its sshd must allow TCP forwarding (AllowTcpForwarding) for %q", addr, refused.Message, b.user)}
		case errors.As(err, &refused):
			return nil, time.Time{}, &HostError{Addr: addr, Setting: SettingHost, Err: fmt.Errorf("cannot connect through bastion %s: %s (%s)", b.addr, refused.Reason, refused.Message),
				Transient: refused.Reason == ssh.ConnectionFailed}
		case ctx.Err() != nil:
			return nil, time.Time{}, &HostError{Addr: addr, Err: fmt.Errorf("connecting through bastion %s interrupted: %w", b.addr, ctx.Err())}
		case dialErr != nil:
			return nil, time.Time{}, &HostError{Addr: addr, Setting: SettingTimeout, Err: fmt.Errorf("bastion %s did not open a connection to it within %s", b.addr, p.cfg.Timeout)}
		case attempt == 0:
			// The bastion connection died since its last use.
			tflog.Debug(ctx, "SSH connection to the bastion is dead; reconnecting", map[string]any{"bastion": b.addr, "error": err.Error()})
			stale = bc
		default:
			return nil, time.Time{}, &HostError{Hop: b.name, Addr: b.addr, Err: fmt.Errorf("cannot open a connection to %s: %w", addr, err), Transient: true}
		}
	}
}

// jumpConn returns a live connection to jump host i: the pooled one if it
// still answers (pooledConn.alive), else a new one, also when stale is the
// pooled one and the caller found it dead. The first is dialed over TCP,
// each other through the one before it.
func (p *Pool) jumpConn(ctx context.Context, i int, stale *pooledConn) (*pooledConn, error) {
	j := p.jumps[i]
	b := &j.hop
	for {
		j.mu.Lock()
		c := j.client.Load()
		if c == nil || c == stale || c.dead() {
			defer j.mu.Unlock()
			if c != nil {
				c.discard()
				j.client.Store(nil)
			}
			client, err := p.dialJump(ctx, i)
			if err != nil {
				return nil, err
			}
			c = newPooledConn(client)
			j.client.Store(c)
			return c, nil
		}
		j.mu.Unlock()
		err := c.alive(ctx, p.keepaliveWait())
		if err == nil {
			return c, nil
		}
		if ctx.Err() != nil {
			return nil, p.ctxError(ctx, b.name, b.addr, "checking the SSH connection")
		}
		tflog.Debug(ctx, "SSH connection to the bastion gave no sign of life; reconnecting", map[string]any{"bastion": b.addr, "error": err.Error()})
		stale = c
	}
}

// dialJump connects to jump host i and logs in: over TCP for the first,
// through the one before it for the others.
func (p *Pool) dialJump(ctx context.Context, i int) (*ssh.Client, error) {
	b := &p.jumps[i].hop
	if i == 0 {
		return p.dialTCP(ctx, b, b.addr)
	}
	conn, deadline, err := p.tunnel(ctx, i-1, b.addr)
	if err != nil {
		return nil, err
	}
	return p.handshake(ctx, conn, b, b.addr, deadline)
}

// handshake runs the SSH handshake on conn and logs in, within deadline.
// A tunnelled conn has no deadlines of its own: a watchdog closes it when
// the deadline passes or ctx ends.
func (p *Pool) handshake(ctx context.Context, conn net.Conn, h *hop, addr string, deadline time.Time) (*ssh.Client, error) {
	var keyFailure error
	callback, algos, err := h.hostKeys.callback(addr, &keyFailure)
	if err != nil {
		_ = conn.Close()
		return nil, err
	}
	var expired atomic.Bool
	watchdog := time.AfterFunc(time.Until(deadline), func() {
		expired.Store(true)
		_ = conn.Close()
	})
	stopCancel := context.AfterFunc(ctx, func() { _ = conn.Close() })
	sshConn, chans, reqs, err := ssh.NewClientConn(conn, addr, &ssh.ClientConfig{
		User:              h.user,
		Auth:              h.auth,
		HostKeyCallback:   callback,
		HostKeyAlgorithms: algos,
		Timeout:           p.cfg.Timeout,
	})
	watching := watchdog.Stop()
	notCanceled := stopCancel()
	if err == nil && (!watching || !notCanceled) {
		// Up, but the watchdog closed conn under it.
		_ = sshConn.Close()
		err = errors.New("connection closed")
	}
	if err != nil {
		_ = conn.Close()
		switch {
		case keyFailure != nil:
			return nil, keyFailure
		case strings.Contains(err.Error(), "Too many authentication failures"):
			// sshd's MaxAuthTries ran out before the right key came.
			return nil, &HostError{Hop: h.name, Addr: addr, Setting: SettingAgentIdentity, Err: fmt.Errorf(
				"SSH authentication as %q failed: the server ended the login after too many keys were tried (Too many authentication failures): "+
					"offer the right agent key alone, or fewer keys", h.user)}
		case strings.Contains(err.Error(), "unable to authenticate"):
			return nil, &HostError{Hop: h.name, Addr: addr, Setting: SettingUser, Err: fmt.Errorf("SSH authentication as %q failed (%s)",
				h.user, strings.TrimPrefix(err.Error(), "ssh: handshake failed: "))}
		case expired.Load() || isTimeout(err) && ctx.Err() == nil:
			return nil, &HostError{Hop: h.name, Addr: addr, Setting: SettingTimeout, Err: fmt.Errorf("SSH handshake did not finish within %s", p.cfg.Timeout)}
		case ctx.Err() != nil:
			return nil, &HostError{Hop: h.name, Addr: addr, Err: fmt.Errorf("SSH handshake interrupted: %w", ctx.Err())}
		}
		return nil, &HostError{Hop: h.name, Addr: addr, Err: fmt.Errorf("SSH handshake failed: %w", err), Transient: true}
	}
	return ssh.NewClient(sshConn, chans, reqs), nil
}

func (p *Pool) run(ctx context.Context, addr string, cmd systemd.Command) (systemd.Result, error) {
	cmd = p.asRoot(cmd)
	line, err := commandLine(cmd)
	if err != nil {
		return systemd.Result{}, &HostError{Addr: addr, Err: err}
	}

	hc := p.host(addr)
	logFields := map[string]any{"host": addr, "user": p.cfg.User, "command": cmd.String(), "env": strings.Join(remoteEnv[1:], " "),
		"sudo_password_on_stdin": p.passwordFor(cmd) != ""}
	tflog.Debug(ctx, "running remote command", logFields)
	if servable(cmd) && !p.cfg.SessionPerCommand {
		res, ok, err := p.runInShell(ctx, addr, hc, cmd)
		if ok {
			if err != nil {
				return systemd.Result{}, err
			}
			logFields["in_long_lived_shell"] = true
			return p.finished(ctx, addr, cmd, res, logFields)
		}
	}
	waitCtx, cancelWait := context.WithTimeoutCause(ctx, p.cfg.Timeout, errTimeout)
	select {
	case hc.sessions <- struct{}{}:
		cancelWait()
		defer func() { <-hc.sessions }()
	case <-waitCtx.Done():
		defer cancelWait()
		return systemd.Result{}, p.ctxError(waitCtx, "", addr, "`"+cmd.String()+"`")
	}

	// Connecting has its own bound, per hop (see dial), and so have
	// opening the session and starting the command in it (see startOn);
	// the command's own starts once it runs.
	var stdout, stderr bytes.Buffer
	conn, session, err := p.start(ctx, addr, hc, cmd, line, &stdout, &stderr)
	if err != nil {
		return systemd.Result{}, err
	}
	defer session.Close()
	ctx, cancel := context.WithTimeoutCause(ctx, p.cfg.Timeout, errTimeout)
	defer cancel()

	done := make(chan error, 1)
	go func() { done <- session.Wait() }()
	select {
	case err = <-done:
	case <-ctx.Done():
		_ = session.Signal(ssh.SIGKILL)
		_ = session.Close()
		// A command that hangs may be a connection that died under it:
		// the next use checks first.
		conn.suspect()
		err := p.ctxError(ctx, "", addr, "`"+cmd.String()+"`")
		var he *HostError
		if errors.As(err, &he) {
			he.Started = true
		}
		return systemd.Result{}, err
	}

	res := systemd.Result{Stdout: stdout.Bytes(), Stderr: stderr.Bytes()}
	var exitErr *ssh.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exitErr):
		res.ExitCode = exitErr.ExitStatus()
	default:
		// No exit status: the connection or the session died under the
		// command, whose effect is unknown.
		return systemd.Result{}, &HostError{Addr: addr, Err: fmt.Errorf("`%s` ended without an exit status (connection lost?): %w", cmd, err), Transient: true, Started: true}
	}
	conn.touch()
	return p.finished(ctx, addr, cmd, res, logFields)
}

// finished logs a command that ran to its end, in a session or in a
// long-lived shell, and tells sudo's refusals apart. The log has the
// command as the caller wrote it, its script elided (the exact line adds
// only remoteEnv and quotes); never the password, only whether it went to
// the command's standard input.
func (p *Pool) finished(ctx context.Context, addr string, cmd systemd.Command, res systemd.Result, logFields map[string]any) (systemd.Result, error) {
	logFields["exit_code"] = res.ExitCode
	tflog.Debug(ctx, "remote command finished", logFields)
	if sudoErr := p.sudoFailure(addr, cmd, res); sudoErr != nil {
		return systemd.Result{}, sudoErr
	}
	return res, nil
}

// start opens a session on a live connection to addr and starts cmd (as
// line) in it, writing its output to stdout and stderr. A connection that
// ended since its last use is replaced once.
func (p *Pool) start(ctx context.Context, addr string, hc *hostConn, cmd systemd.Command, line string, stdout, stderr io.Writer) (*pooledConn, *ssh.Session, error) {
	var stale *pooledConn
	busy := 0
	for attempt := 0; ; attempt++ {
		c, err := p.conn(ctx, addr, hc, stale)
		if err != nil {
			return nil, nil, err
		}
		session, err := p.startOn(ctx, addr, c, "`"+cmd.String()+"`", line, func(s *ssh.Session) error {
			s.Stdout, s.Stderr, s.Stdin = stdout, stderr, p.stdin(cmd)
			return nil
		})
		var notOpened *sessionRefusedError
		if !errors.As(err, &notOpened) {
			return c, session, err
		}
		// sshd answered, and refused: "no more sessions" while it still
		// counts channels that are closing. The connection is alive and
		// carries other commands, so it is waited on, never replaced.
		var refused *ssh.OpenChannelError
		if errors.As(notOpened.err, &refused) {
			if busy >= maxBusyWaits || ctx.Err() != nil {
				return nil, nil, &HostError{Addr: addr, Err: fmt.Errorf("sshd keeps refusing a new session: %w", refused), Transient: true}
			}
			busy++
			tflog.Debug(ctx, "sshd refused a session; waiting for one to close", map[string]any{"host": addr, "error": refused.Error()})
			select {
			case <-time.After(time.Duration(busy) * 50 * time.Millisecond):
			case <-ctx.Done():
			}
			attempt--
			continue
		}
		if attempt > 0 {
			return nil, nil, &HostError{Addr: addr, Err: fmt.Errorf("cannot open an SSH session: %w", notOpened.err), Transient: true}
		}
		tflog.Debug(ctx, "SSH connection is dead; reconnecting", map[string]any{"host": addr, "error": notOpened.err.Error()})
		stale = c
	}
}

// maxBusyWaits bounds the waits for sshd to free a session (50 ms more
// each time: 2.3 s in all).
const maxBusyWaits = 9

// sessionRefusedError is a session that c did not open at once: the
// connection has ended, or sshd refused it (an *ssh.OpenChannelError).
type sessionRefusedError struct{ err error }

func (e *sessionRefusedError) Error() string { return e.err.Error() }

// startOn opens a session on c and starts cmd in it, within `timeout` (or
// ctx's deadline, if sooner): on a connection that died without a word,
// both would wait for TCP's minutes. A connection that does not answer in
// time is discarded, so that the next try dials; since the command had not
// been seen running, that failure is transient.
func (p *Pool) startOn(ctx context.Context, addr string, c *pooledConn, what, line string, attach func(*ssh.Session) error) (*ssh.Session, error) {
	type started struct {
		session *ssh.Session
		err     error
	}
	done := make(chan started, 1)
	var opened atomic.Bool
	go func() {
		session, err := c.NewSession()
		if err != nil {
			done <- started{err: &sessionRefusedError{err}}
			return
		}
		opened.Store(true)
		c.touch()
		err = attach(session)
		if err == nil {
			err = session.Start(line)
		}
		if err != nil {
			_ = session.Close()
			done <- started{err: &HostError{Addr: addr, Err: fmt.Errorf("starting %s: %w", what, err), Transient: true}}
			return
		}
		done <- started{session: session}
	}()
	// Whatever answers after the caller has given up is closed unused.
	abandon := func() {
		go func() {
			if s := (<-done).session; s != nil {
				_ = s.Signal(ssh.SIGKILL)
				_ = s.Close()
			}
		}()
	}
	timer := time.NewTimer(time.Until(p.deadline(ctx)))
	defer timer.Stop()
	select {
	case s := <-done:
		return s.session, s.err
	case <-ctx.Done():
		if context.Cause(ctx) != errTimeout {
			abandon()
			return nil, p.ctxError(ctx, "", addr, what)
		}
	case <-timer.C:
	}
	abandon()
	c.discard()
	p.suspectBastion()
	step := "opening an SSH session for"
	if opened.Load() {
		step = "starting"
	}
	return nil, &HostError{Addr: addr, Setting: SettingTimeout, Transient: true,
		Err: fmt.Errorf("no answer to %s %s within %s: the connection was closed, and the next try connects anew", step, what, p.cfg.Timeout)}
}

// asRoot is cmd as it runs: a command that runs as root as a whole
// (AsRoot) goes through sudo, where the provider uses sudo, in a session
// of its own (a long-lived shell runs as the login user); sudo -S reads
// the password from its standard input, -p ” keeps its prompt out of
// stderr.
func (p *Pool) asRoot(cmd systemd.Command) systemd.Command {
	if !cmd.AsRoot || !p.cfg.UsesSudo() {
		return cmd
	}
	sudo := []string{"sudo", "-n"}
	if p.cfg.SudoPasswordOnStdin() {
		sudo = []string{"sudo", "-S", "-p", ""}
	}
	cmd.Argv = append(sudo, cmd.Argv...)
	cmd.Servable = false
	return cmd
}

// passwordFor is what the standard input of cmd carries before its
// newline: the sudo password for a privileged command when there is one,
// else nothing.
func (p *Pool) passwordFor(cmd systemd.Command) string {
	if (cmd.Privileged || cmd.AsRoot) && p.cfg.SudoPasswordOnStdin() {
		return p.cfg.SudoPassword
	}
	return ""
}

// stdin is cmd's standard input: the sudo password and a newline, or
// nothing (EOF at once).
func (p *Pool) stdin(cmd systemd.Command) io.Reader {
	if pw := p.passwordFor(cmd); pw != "" {
		return strings.NewReader(pw + "\n")
	}
	return strings.NewReader("")
}

// ctxError is the error for what (a step, or a command in backquotes) on
// hop's addr, cut short by ctx: by the provider's own `timeout`, or by the
// caller.
func (p *Pool) ctxError(ctx context.Context, hop, addr, what string) error {
	if context.Cause(ctx) == errTimeout {
		return &HostError{Hop: hop, Addr: addr, Setting: SettingTimeout, Err: fmt.Errorf("%s did not finish within %s", what, p.cfg.Timeout)}
	}
	return &HostError{Hop: hop, Addr: addr, Err: fmt.Errorf("%s interrupted: %w", what, ctx.Err())}
}

// sudoFailure recognises sudo refusing to run systemctl at all, which says
// nothing about systemctl and needs a configuration change. Commands run
// sudo themselves, inside their scripts, so only the text sudo writes on
// stderr (forwarded by the script, which then exits 1) tells its refusals
// apart from systemctl's own failures.
func (p *Pool) sudoFailure(addr string, cmd systemd.Command, res systemd.Result) error {
	if !cmd.Privileged && !cmd.AsRoot || !p.cfg.UsesSudo() || res.ExitCode != 1 {
		return nil
	}
	// What sudo was asked to run, and the least rule that allows it.
	what, rule := "systemctl", sudoersRule
	if cmd.AsRoot {
		what, rule = "sh (another account's user units are read and changed as root)", shellSudoersRule
	}
	stderr := string(res.Stderr)
	user := p.cfg.User
	has := func(texts ...string) bool {
		for _, t := range texts {
			if strings.Contains(stderr, t) {
				return true
			}
		}
		return false
	}
	var (
		msg     string
		setting Setting
	)
	switch {
	case has("you must have a tty to run sudo"):
		msg, setting = fmt.Sprintf("sudo on this host runs only from a terminal for %q (requiretty), and commands over SSH have none: add `Defaults:%s !requiretty` to its sudoers", user, user), SettingUser
	case has("incorrect password attempt", "Sorry, try again"):
		msg, setting = fmt.Sprintf("sudo rejected the sudo password for %q", user), SettingSudoPassword
	case has("no password was provided") && p.cfg.SudoPasswordOnStdin():
		// sudo -S met the end of its input: something before it read the line.
		msg, setting = fmt.Sprintf("sudo found no password on its standard input for %q, though a sudo password is set: the command must hand its first line to sudo -S", user), SettingSudoPassword
	case has("a password is required", "a terminal is required to read the password", "no password was provided"):
		msg, setting = fmt.Sprintf("sudo needs a password for %q: give it, or let %q run %s without one (%s)", user, user, what, rule(user, false)), SettingSudoPassword
	case has("is not in the sudoers file", "is not allowed to execute", "may not run sudo"):
		msg, setting = fmt.Sprintf("%q may not run %s through sudo on this host: grant it in sudoers (%s), or connect as another user", user, what, rule(user, p.cfg.SudoPasswordOnStdin())), SettingUser
	default:
		return nil
	}
	return &HostError{Addr: addr, Setting: setting, Err: fmt.Errorf("%s (sudo said: %s)", msg, strings.TrimSpace(p.redact(stderr)))}
}

// sudoersRule is the least a host's sudoers must grant user: only
// systemctl needs sudo.
func sudoersRule(user string, withPassword bool) string {
	tag := "NOPASSWD: "
	if withPassword {
		tag = ""
	}
	return fmt.Sprintf("only systemctl needs sudo; the minimal rule is `%s ALL=(root) %s/usr/bin/systemctl`, optionally with "+
		"`Defaults:%s env_keep += \"SYSTEMCTL_INSTALL_CLIENT_SIDE\"`, which lets systemctl write the links itself instead of asking PID 1", user, tag, user)
}

// shellSudoersRule is what sudoers must grant user for another account's
// user units: the provider's script as root, which is as much as root.
func shellSudoersRule(user string, withPassword bool) string {
	tag := "NOPASSWD: "
	if withPassword {
		tag = ""
	}
	return fmt.Sprintf("another account's user units need root for the whole script, not only for systemctl: `%s ALL=(root) %s/usr/bin/sh` (`/bin/sh` where /usr is not merged), "+
		"which amounts to full root; or connect as root", user, tag)
}

// redact hides the sudo password in text from the host: a script that
// echoes its standard input must not carry the password into an error.
func (p *Pool) redact(text string) string {
	if p.cfg.SudoPassword == "" {
		return text
	}
	return strings.ReplaceAll(text, p.cfg.SudoPassword, "<sudo_password>")
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func unwrapOpError(err error) error {
	var op *net.OpError
	if errors.As(err, &op) && op.Err != nil {
		return op.Err
	}
	return err
}
