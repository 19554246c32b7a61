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
	"time"

	"github.com/hashicorp/terraform-plugin-log/tflog"
	"golang.org/x/crypto/ssh"

	"github.com/systemd-tf/terraform-provider-systemd/internal/systemd"
)

// maxSessions stays below sshd's default MaxSessions (10), so that
// Terraform's default parallelism never has a session refused.
const maxSessions = 8

// errTimeout marks the provider's own `timeout` running out, as opposed to
// the caller's deadline or cancellation.
var errTimeout = errors.New("provider timeout")

// HostError is a failure to run a command on a host: no connection, no
// authentication, a timeout, a refused sudo. Attribute, when set, names the
// provider attribute that fixes it.
type HostError struct {
	Addr      string
	Attribute string
	Err       error
}

func (e *HostError) Error() string { return e.Addr + ": " + e.Err.Error() }
func (e *HostError) Unwrap() error { return e.Err }

// Pool holds one SSH connection per host, shared by every resource of a
// provider instance, and replaces a connection that died.
type Pool struct {
	cfg        Config
	auth       []ssh.AuthMethod
	closeAgent func() error
	hostKeys   *hostKeys

	mu    sync.Mutex
	hosts map[string]*hostConn
}

type hostConn struct {
	mu       sync.Mutex // held while dialing, so one dial per host at a time
	client   *ssh.Client
	sessions chan struct{}
}

// NewPool checks cfg and prepares authentication; it connects to nothing.
func NewPool(cfg Config) (*Pool, error) {
	if cfg.Timeout <= 0 {
		return nil, &ConfigError{Attribute: "timeout", Err: errors.New("must be positive")}
	}
	if cfg.User == "" {
		return nil, &ConfigError{Attribute: "user", Err: errors.New("is empty")}
	}
	hk, err := newHostKeys(cfg)
	if err != nil {
		return nil, err
	}
	auth, closeAgent, err := cfg.authMethods()
	if err != nil {
		return nil, err
	}
	return &Pool{cfg: cfg, auth: auth, closeAgent: closeAgent, hostKeys: hk, hosts: map[string]*hostConn{}}, nil
}

// Close closes every connection.
func (p *Pool) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, hc := range p.hosts {
		if hc.client != nil {
			_ = hc.client.Close()
		}
	}
	p.hosts = map[string]*hostConn{}
	return p.closeAgent()
}

// Runner runs commands on addr ("HOST:PORT").
func (p *Pool) Runner(addr string) systemd.Runner { return hostRunner{pool: p, addr: addr} }

type hostRunner struct {
	pool *Pool
	addr string
}

func (r hostRunner) Run(ctx context.Context, cmd systemd.Command) (systemd.Result, error) {
	return r.pool.run(ctx, r.addr, cmd)
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

// client returns the live connection to addr, dialing when there is none or
// when stale is the one that just failed.
func (p *Pool) client(ctx context.Context, addr string, hc *hostConn, stale *ssh.Client) (*ssh.Client, error) {
	hc.mu.Lock()
	defer hc.mu.Unlock()
	if hc.client != nil && hc.client != stale {
		return hc.client, nil
	}
	if hc.client != nil {
		_ = hc.client.Close()
		hc.client = nil
	}
	c, err := p.dial(ctx, addr)
	if err != nil {
		return nil, err
	}
	hc.client = c
	return c, nil
}

func (p *Pool) dial(ctx context.Context, addr string) (*ssh.Client, error) {
	var keyFailure error
	callback, algos, err := p.hostKeys.callback(addr, &keyFailure)
	if err != nil {
		return nil, err
	}
	deadline := time.Now().Add(p.cfg.Timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	tflog.Debug(ctx, "connecting over SSH", map[string]any{"host": addr, "user": p.cfg.User})
	dialer := net.Dialer{Deadline: deadline}
	conn, err := dialer.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, &HostError{Addr: addr, Attribute: "host", Err: fmt.Errorf("cannot connect: %w", unwrapOpError(err))}
	}
	// The handshake has no context of its own: a deadline on the socket
	// bounds it, and is lifted once the connection is up.
	_ = conn.SetDeadline(deadline)
	sshConn, chans, reqs, err := ssh.NewClientConn(conn, addr, &ssh.ClientConfig{
		User:              p.cfg.User,
		Auth:              p.auth,
		HostKeyCallback:   callback,
		HostKeyAlgorithms: algos,
		Timeout:           p.cfg.Timeout,
	})
	if err != nil {
		_ = conn.Close()
		if keyFailure != nil {
			return nil, keyFailure
		}
		if strings.Contains(err.Error(), "unable to authenticate") {
			return nil, &HostError{Addr: addr, Attribute: "user", Err: fmt.Errorf("SSH authentication as %q failed (%s): check user, and private_key, password or agent", p.cfg.User, strings.TrimPrefix(err.Error(), "ssh: handshake failed: "))}
		}
		if isTimeout(err) {
			return nil, &HostError{Addr: addr, Attribute: "timeout", Err: fmt.Errorf("SSH handshake did not finish within %s", p.cfg.Timeout)}
		}
		return nil, &HostError{Addr: addr, Err: fmt.Errorf("SSH handshake failed: %w", err)}
	}
	_ = conn.SetDeadline(time.Time{})
	return ssh.NewClient(sshConn, chans, reqs), nil
}

func (p *Pool) run(ctx context.Context, addr string, cmd systemd.Command) (systemd.Result, error) {
	ctx, cancel := context.WithTimeoutCause(ctx, p.cfg.Timeout, errTimeout)
	defer cancel()

	argv := cmd.Argv
	var stdin io.Reader
	if sudo := p.cfg.sudoArgv(); cmd.Privileged && sudo != nil {
		argv = append(append([]string{}, sudo...), argv...)
		if p.cfg.SudoPassword != "" {
			stdin = strings.NewReader(p.cfg.SudoPassword + "\n")
		}
	}
	line, err := ShellJoin(argv)
	if err != nil {
		return systemd.Result{}, &HostError{Addr: addr, Err: err}
	}

	hc := p.host(addr)
	select {
	case hc.sessions <- struct{}{}:
		defer func() { <-hc.sessions }()
	case <-ctx.Done():
		return systemd.Result{}, p.ctxError(ctx, addr, cmd)
	}

	logFields := map[string]any{"host": addr, "user": p.cfg.User, "argv": argv}
	tflog.Debug(ctx, "running remote command", logFields)

	session, err := p.session(ctx, addr, hc)
	if err != nil {
		return systemd.Result{}, err
	}
	defer session.Close()

	var stdout, stderr bytes.Buffer
	session.Stdout, session.Stderr, session.Stdin = &stdout, &stderr, stdin
	if err := session.Start(line); err != nil {
		return systemd.Result{}, &HostError{Addr: addr, Err: fmt.Errorf("starting `%s`: %w", cmd, err)}
	}
	done := make(chan error, 1)
	go func() { done <- session.Wait() }()
	select {
	case err = <-done:
	case <-ctx.Done():
		_ = session.Signal(ssh.SIGKILL)
		_ = session.Close()
		return systemd.Result{}, p.ctxError(ctx, addr, cmd)
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
		return systemd.Result{}, &HostError{Addr: addr, Err: fmt.Errorf("`%s` ended without an exit status (connection lost?): %w", cmd, err)}
	}
	logFields["exit_code"] = res.ExitCode
	tflog.Debug(ctx, "remote command finished", logFields)
	if sudoErr := p.sudoFailure(addr, cmd, res); sudoErr != nil {
		return systemd.Result{}, sudoErr
	}
	return res, nil
}

// session opens a session, replacing the pooled connection once if it has
// died since its last use.
func (p *Pool) session(ctx context.Context, addr string, hc *hostConn) (*ssh.Session, error) {
	var stale *ssh.Client
	for attempt := 0; ; attempt++ {
		client, err := p.client(ctx, addr, hc, stale)
		if err != nil {
			return nil, err
		}
		session, err := client.NewSession()
		if err == nil {
			return session, nil
		}
		if attempt > 0 {
			return nil, &HostError{Addr: addr, Err: fmt.Errorf("cannot open an SSH session: %w", err)}
		}
		tflog.Debug(ctx, "SSH connection is dead; reconnecting", map[string]any{"host": addr, "error": err.Error()})
		stale = client
	}
}

func (p *Pool) ctxError(ctx context.Context, addr string, cmd systemd.Command) error {
	if context.Cause(ctx) == errTimeout {
		return &HostError{Addr: addr, Attribute: "timeout", Err: fmt.Errorf("`%s` did not finish within %s", cmd, p.cfg.Timeout)}
	}
	return &HostError{Addr: addr, Err: fmt.Errorf("`%s` interrupted: %w", cmd, ctx.Err())}
}

// sudoFailure recognises sudo refusing to run the command at all, which
// says nothing about systemctl and needs a configuration change.
func (p *Pool) sudoFailure(addr string, cmd systemd.Command, res systemd.Result) error {
	if !cmd.Privileged || p.cfg.sudoArgv() == nil || res.ExitCode != 1 {
		return nil
	}
	stderr := string(res.Stderr)
	var msg, attr string
	switch {
	case strings.Contains(stderr, "sudo: a password is required"):
		msg, attr = fmt.Sprintf("sudo needs a password for %q: set sudo_password, or allow NOPASSWD in the host's sudoers", p.cfg.User), "sudo_password"
	case strings.Contains(stderr, "incorrect password attempt"), strings.Contains(stderr, "Sorry, try again"):
		msg, attr = fmt.Sprintf("sudo rejected sudo_password for %q: check sudo_password", p.cfg.User), "sudo_password"
	case strings.Contains(stderr, "is not in the sudoers file"), strings.Contains(stderr, "is not allowed to execute"), strings.Contains(stderr, "may not run sudo"):
		msg, attr = fmt.Sprintf("%q may not run systemctl through sudo on this host: grant it in sudoers, or connect as another user", p.cfg.User), "user"
	default:
		return nil
	}
	return &HostError{Addr: addr, Attribute: attr, Err: fmt.Errorf("%s (sudo said: %s)", msg, strings.TrimSpace(stderr))}
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
