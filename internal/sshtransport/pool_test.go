package sshtransport

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-log/tflogtest"
	"golang.org/x/crypto/ssh"

	"github.com/systemd-tf/terraform-provider-systemd/internal/systemd"
	"github.com/systemd-tf/terraform-provider-systemd/internal/testhosts"
)

// This file runs the Pool against an SSH server inside the test process:
// the server answers "exec" requests itself, without a shell, so every test
// sees exactly the command line and stdin the Pool sent.

// answer is what the fake server does with one exec request.
type answer struct {
	stdout, stderr string
	status         uint32
	hang           bool // never answer; wait for the client to give up
	noStatus       bool // close the channel without an exit status
}

type execRecord struct {
	user, line, stdin string
	// requests are the session's requests before exec, in order, each
	// with its payload: "env NAME=VALUE", "pty-req", and the like.
	requests []string
}

type fakeServer struct {
	addr   string
	signer ssh.Signer // the host key the server presents first

	handleMu sync.Mutex
	handle   func(line string) answer // set with setHandle

	dials          atomic.Int32
	noForwarding   atomic.Bool  // refuse direct-tcpip, as sshd with AllowTcpForwarding no
	keepalives     atomic.Int32 // keepalive@openssh.com requests received
	muteExec       atomic.Bool  // leave exec requests unanswered
	muteKeepalives atomic.Bool  // leave keepalives unanswered
	realShell      atomic.Bool  // run exec requests with this machine's sh (shell_test.go)
	mu             sync.Mutex
	conns          []net.Conn
	execs          []execRecord
	tunnels        []tunnelRecord
	wg             sync.WaitGroup
}

// tunnelRecord is one direct-tcpip channel the server opened, as a bastion.
type tunnelRecord struct {
	user, target string
}

// startServer serves SSH on 127.0.0.1:0 until the test ends. Clients log in
// with clientKey (any user) or the password "pw".
func startServer(t testing.TB, clientKey ssh.PublicKey, hostKeys ...ssh.Signer) *fakeServer {
	t.Helper()
	if len(hostKeys) == 0 {
		_, priv, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		signer, err := ssh.NewSignerFromKey(priv)
		if err != nil {
			t.Fatal(err)
		}
		hostKeys = []ssh.Signer{signer}
	}
	cfg := &ssh.ServerConfig{
		PublicKeyCallback: func(_ ssh.ConnMetadata, key ssh.PublicKey) (*ssh.Permissions, error) {
			if clientKey != nil && string(key.Marshal()) == string(clientKey.Marshal()) {
				return nil, nil
			}
			return nil, errors.New("unknown key")
		},
		PasswordCallback: func(_ ssh.ConnMetadata, password []byte) (*ssh.Permissions, error) {
			if string(password) == "pw" {
				return nil, nil
			}
			return nil, errors.New("wrong password")
		},
	}
	return serveSSH(t, cfg, hostKeys...)
}

// serveSSH serves SSH with cfg, which must allow some login, presenting
// hostKeys (at least one).
func serveSSH(t testing.TB, cfg *ssh.ServerConfig, hostKeys ...ssh.Signer) *fakeServer {
	t.Helper()
	for _, k := range hostKeys {
		cfg.AddHostKey(k)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &fakeServer{
		addr:   l.Addr().String(),
		signer: hostKeys[0],
		handle: func(string) answer { return answer{} },
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			s.dials.Add(1)
			s.mu.Lock()
			s.conns = append(s.conns, c)
			s.mu.Unlock()
			s.wg.Add(1)
			go s.serve(c, cfg)
		}
	}()
	t.Cleanup(func() {
		_ = l.Close()
		s.dropAll()
		done := make(chan struct{})
		go func() { s.wg.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Error("fake SSH server goroutines did not stop")
		}
	})
	return s
}

// setHandle changes how the server answers, also while it serves.
func (s *fakeServer) setHandle(h func(line string) answer) {
	s.handleMu.Lock()
	defer s.handleMu.Unlock()
	s.handle = h
}

// dropAll cuts every connection from the server's side.
func (s *fakeServer) dropAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.conns {
		_ = c.Close()
	}
	s.conns = nil
}

func (s *fakeServer) records() []execRecord {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]execRecord(nil), s.execs...)
}

func (s *fakeServer) serve(c net.Conn, cfg *ssh.ServerConfig) {
	defer s.wg.Done()
	conn, chans, reqs, err := ssh.NewServerConn(c, cfg)
	if err != nil {
		_ = c.Close()
		return
	}
	defer conn.Close()
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		s.globalRequests(reqs)
	}()
	for nc := range chans {
		switch nc.ChannelType() {
		case "session":
			ch, chReqs, err := nc.Accept()
			if err != nil {
				continue
			}
			s.wg.Add(1)
			go s.session(conn.User(), ch, chReqs)
		case "direct-tcpip":
			s.wg.Add(1)
			go s.forward(conn.User(), nc)
		default:
			_ = nc.Reject(ssh.UnknownChannelType, "sessions and direct-tcpip only")
		}
	}
}

// globalRequests answers every global request with a failure, as OpenSSH
// answers keepalive@openssh.com, and counts the keepalives; muted ones get
// no answer at all.
func (s *fakeServer) globalRequests(reqs <-chan *ssh.Request) {
	for req := range reqs {
		if req.Type == "keepalive@openssh.com" {
			s.keepalives.Add(1)
			if s.muteKeepalives.Load() {
				continue
			}
		}
		if req.WantReply {
			_ = req.Reply(false, nil)
		}
	}
}

// forward serves a direct-tcpip channel as sshd does: it dials the target
// and copies bytes both ways until either side closes.
func (s *fakeServer) forward(user string, nc ssh.NewChannel) {
	defer s.wg.Done()
	var msg struct {
		Addr     string
		Port     uint32
		OrigAddr string
		OrigPort uint32
	}
	if err := ssh.Unmarshal(nc.ExtraData(), &msg); err != nil {
		_ = nc.Reject(ssh.ConnectionFailed, "bad request")
		return
	}
	target := net.JoinHostPort(msg.Addr, strconv.Itoa(int(msg.Port)))
	if s.noForwarding.Load() {
		_ = nc.Reject(ssh.Prohibited, "open failed")
		return
	}
	up, err := net.DialTimeout("tcp", target, 2*time.Second)
	if err != nil {
		_ = nc.Reject(ssh.ConnectionFailed, "Connection refused")
		return
	}
	ch, reqs, err := nc.Accept()
	if err != nil {
		_ = up.Close()
		return
	}
	s.mu.Lock()
	s.tunnels = append(s.tunnels, tunnelRecord{user: user, target: target})
	s.mu.Unlock()
	var pipes sync.WaitGroup
	pipes.Add(3)
	go func() { defer pipes.Done(); ssh.DiscardRequests(reqs) }()
	closeBoth := func() { _ = up.Close(); _ = ch.Close() }
	go func() { defer pipes.Done(); _, _ = io.Copy(up, ch); closeBoth() }()
	go func() { defer pipes.Done(); _, _ = io.Copy(ch, up); closeBoth() }()
	pipes.Wait()
}

func (s *fakeServer) tunnelRecords() []tunnelRecord {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]tunnelRecord(nil), s.tunnels...)
}

func (s *fakeServer) session(user string, ch ssh.Channel, reqs <-chan *ssh.Request) {
	defer s.wg.Done()
	defer ch.Close()
	var before []string
	for req := range reqs {
		if req.Type != "exec" {
			// "signal" from a client that gave up, or anything else.
			_ = req.Reply(false, nil)
			before = append(before, req.Type+" "+string(req.Payload))
			continue
		}
		var payload struct{ Command string }
		if err := ssh.Unmarshal(req.Payload, &payload); err != nil {
			_ = req.Reply(false, nil)
			return
		}
		if s.muteExec.Load() {
			continue // until the client closes the channel
		}
		_ = req.Reply(true, nil)
		if s.realShell.Load() {
			s.runReal(user, payload.Command, ch, before)
			return
		}
		// The client always closes stdin after sending it.
		stdin, _ := io.ReadAll(ch)
		s.mu.Lock()
		s.execs = append(s.execs, execRecord{user: user, line: payload.Command, stdin: string(stdin), requests: before})
		s.mu.Unlock()
		s.handleMu.Lock()
		handle := s.handle
		s.handleMu.Unlock()
		a := handle(payload.Command)
		if a.hang {
			continue // until the client closes the channel
		}
		_, _ = io.WriteString(ch, a.stdout)
		_, _ = io.WriteString(ch.Stderr(), a.stderr)
		if !a.noStatus {
			_, _ = ch.SendRequest("exit-status", false, ssh.Marshal(struct{ Status uint32 }{a.status}))
		}
		return
	}
}

// clientSetup is a client key the fake server accepts and a Config that
// pins the server's host key.
func clientSetup(t testing.TB, s *fakeServer, key ed25519.PrivateKey) Config {
	t.Helper()
	return Config{
		User:       "deploy",
		PrivateKey: openSSHPEM(t, key, ""),
		HostKey:    string(ssh.MarshalAuthorizedKey(s.signer.PublicKey())),
		Timeout:    2 * time.Second,
		// The fake server answers exec requests itself and runs no
		// long-lived shell; shell_test.go has its own servers that do.
		SessionPerCommand: true,
	}
}

func newClientKey(t testing.TB) (ed25519.PrivateKey, ssh.PublicKey) {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return priv, sshPublic(t, priv)
}

func newTestPool(t *testing.T, cfg Config) *Pool {
	t.Helper()
	p, err := NewPool(cfg)
	if err != nil {
		t.Fatalf("NewPool: %v", err)
	}
	t.Cleanup(func() { _ = p.Close() })
	return p
}

// wantHostError fails t unless err is a *HostError about attribute whose
// message mentions each of mention.
func wantHostError(t *testing.T, err error, attribute string, mention ...string) {
	t.Helper()
	_ = asHostError(t, err, attribute, mention...) // only the checks are wanted here
}

// asHostError is wantHostError returning the *HostError, for checks of
// its other fields.
func asHostError(t *testing.T, err error, attribute string, mention ...string) *HostError {
	t.Helper()
	var he *HostError
	if !errors.As(err, &he) {
		t.Fatalf("err = %#v, want *HostError", err)
	}
	if got := settingOf(he.Hop, he.Setting); got != attribute {
		t.Errorf("setting = %q, want %q (err: %v)", got, attribute, err)
	}
	for _, m := range mention {
		if !strings.Contains(err.Error(), m) {
			t.Errorf("Error() = %q does not mention %q", err, m)
		}
	}
	return he
}

func TestPoolRun(t *testing.T) {
	priv, pub := newClientKey(t)
	s := startServer(t, pub)
	s.setHandle(func(line string) answer {
		if strings.Contains(line, "fail") {
			return answer{stdout: "partial\n", stderr: "it failed\n", status: 3}
		}
		return answer{stdout: "out\n", stderr: "warn\n"}
	})
	r := newTestPool(t, clientSetup(t, s, priv)).Runner(s.addr)
	tests := []struct {
		argv           []string
		stdout, stderr string
		code           int
	}{
		{[]string{"echo", "a b", "it's"}, "out\n", "warn\n", 0},
		{[]string{"fail"}, "partial\n", "it failed\n", 3},
	}
	for _, tt := range tests {
		res, err := r.Run(context.Background(), systemd.Command{Argv: tt.argv})
		if err != nil {
			t.Fatalf("Run(%q): %v", tt.argv, err)
		}
		if string(res.Stdout) != tt.stdout || string(res.Stderr) != tt.stderr || res.ExitCode != tt.code {
			t.Errorf("Run(%q) = %q, %q, %d; want %q, %q, %d", tt.argv, res.Stdout, res.Stderr, res.ExitCode, tt.stdout, tt.stderr, tt.code)
		}
	}
	rec := s.records()
	// Every command runs in the C locale, through env whatever the login
	// shell is.
	want := []string{`'env' 'LC_ALL=C' 'echo' 'a b' 'it'\''s'`, `'env' 'LC_ALL=C' 'fail'`}
	if len(rec) != len(want) {
		t.Fatalf("server saw %d commands, want %d", len(rec), len(want))
	}
	for i := range want {
		if rec[i].line != want[i] || rec[i].user != "deploy" || rec[i].stdin != "" {
			t.Errorf("command %d = %+v, want line %q as deploy, no stdin", i, rec[i], want[i])
		}
	}
	// Both commands shared one connection.
	if n := s.dials.Load(); n != 1 {
		t.Errorf("%d connections, want 1", n)
	}
}

// The transport never wraps a command in sudo (the command's own script
// runs sudo, for systemctl only); it hands the sudo password to a
// privileged command on its standard input, and to no other command.
func TestPoolSudo(t *testing.T) {
	priv, pub := newClientKey(t)
	s := startServer(t, pub)
	script := systemd.Command{Argv: []string{"sh", "-c", "sudo -S -p '' systemctl mask -- \"$1\"", "sh", "x.service"}, Privileged: true}
	probe := systemd.ScopeSystem.BatchCommand(nil, true, false)
	const password = "hunter2 'quoted' $(x)"
	tests := []struct {
		what      string
		sudo      bool
		password  string
		cmd       systemd.Command
		wantStdin string
	}{
		{"no sudo", false, "", script, ""},
		{"sudo -n", true, "", script, ""},
		{"sudo -S", false, password, script, password + "\n"},
		{"sudo -S with sudo", true, password, script, password + "\n"},
		// Unprivileged commands never get the password.
		{"probe with sudo -n", true, "", probe, ""},
		{"probe with sudo -S", true, password, probe, ""},
	}
	for _, tt := range tests {
		t.Run(tt.what, func(t *testing.T) {
			cfg := clientSetup(t, s, priv)
			cfg.Sudo, cfg.SudoPassword = tt.sudo, tt.password
			before := len(s.records())
			var logs strings.Builder
			ctx := tflogtest.RootLogger(context.Background(), &logs)
			if _, err := newTestPool(t, cfg).Runner(s.addr).Run(ctx, tt.cmd); err != nil {
				t.Fatal(err)
			}
			rec := s.records()[before:]
			if len(rec) != 1 {
				t.Fatalf("server saw %d commands", len(rec))
			}
			wantLine, err := commandLine(tt.cmd)
			if err != nil {
				t.Fatal(err)
			}
			if rec[0].line != wantLine {
				t.Errorf("line = %q, want %q (no sudo added)", rec[0].line, wantLine)
			}
			if rec[0].stdin != tt.wantStdin {
				t.Errorf("stdin = %q, want %q", rec[0].stdin, tt.wantStdin)
			}
			// Nothing but the command itself: no environment, no terminal.
			if len(rec[0].requests) != 0 {
				t.Errorf("requests before exec = %q, want none", rec[0].requests)
			}
			for what, text := range map[string]string{"command line": rec[0].line, "logs": logs.String()} {
				if strings.Contains(text, "hunter2") {
					t.Errorf("the sudo password is in the %s: %q", what, text)
				}
			}
			// The logs show the command as written, its script elided.
			if got := loggedCommands(t, logs.String()); len(got) == 0 || got[0] != tt.cmd.String() {
				t.Errorf("logged commands %q, want %q first", got, tt.cmd.String())
			}
		})
	}
}

// loggedCommands are the "command" fields of JSON log lines.
func loggedCommands(t *testing.T, logs string) []string {
	t.Helper()
	var commands []string
	for _, line := range strings.Split(strings.TrimSpace(logs), "\n") {
		var entry struct{ Command string }
		if err := json.Unmarshal([]byte(line), &entry); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		if entry.Command != "" {
			commands = append(commands, entry.Command)
		}
	}
	return commands
}

// sudo's refusals, forwarded by the command's script on stderr with exit
// status 1, become errors that say what to change; anything else is the
// caller's to read.
func TestPoolSudoFailures(t *testing.T) {
	priv, pub := newClientKey(t)
	s := startServer(t, pub)
	mask := systemd.Command{Argv: []string{"sh", "-c", "sudo -n systemctl mask -- x.service || exit 1"}, Privileged: true}
	const password = "hunter2"
	rule := "`deploy ALL=(root) NOPASSWD: /usr/bin/systemctl`"
	ruleWithPassword := "`deploy ALL=(root) /usr/bin/systemctl`"
	envKeep := "`Defaults:deploy env_keep += \"SYSTEMCTL_INSTALL_CLIENT_SIDE\"`"
	tests := []struct {
		what      string
		sudo      bool
		password  string
		cmd       systemd.Command
		stderr    string
		status    uint32
		attribute string   // "" when the result must come back as is
		mention   []string // besides sudo's first line
	}{
		{"password required", true, "", mask, "sudo: a password is required\n", 1, "sudo password",
			[]string{"sudo needs a password for \"deploy\"", "give it", "only systemctl needs sudo", rule, envKeep}},
		{"no terminal for a password", true, "", mask, "sudo: a terminal is required to read the password; either use the -S option to read from standard input or configure an askpass helper\n", 1, "sudo password",
			[]string{"sudo needs a password", rule}},
		{"wrong password", true, password, mask, "Sorry, try again.\nsudo: no password was provided\nsudo: 1 incorrect password attempt\n", 1, "sudo password",
			[]string{"sudo rejected the sudo password for \"deploy\"", "1 incorrect password attempt"}},
		{"password not on stdin", false, password, mask, "sudo: no password was provided\n", 1, "sudo password",
			[]string{"no password on its standard input", "though a sudo password is set"}},
		{"requiretty", true, "", mask, "sudo: sorry, you must have a tty to run sudo\n", 1, "user",
			[]string{"requiretty", "`Defaults:deploy !requiretty`"}},
		{"requiretty with a password", false, password, mask, "sudo: sorry, you must have a tty to run sudo\n", 1, "user",
			[]string{"`Defaults:deploy !requiretty`"}},
		{"not in sudoers", true, "", mask, "deploy is not in the sudoers file.\n", 1, "user",
			[]string{"may not run systemctl through sudo", "only systemctl needs sudo", rule, envKeep}},
		{"not in sudoers with a password", false, password, mask, "deploy is not in the sudoers file.  This incident will be reported.\n", 1, "user",
			[]string{ruleWithPassword}},
		{"not allowed", true, "", mask, "Sorry, user deploy is not allowed to execute '/bin/systemctl mask -- x.service' as root on h.\n", 1, "user", []string{rule}},
		{"may not run sudo", true, "", mask, "Sorry, user deploy may not run sudo on h.\n", 1, "user", []string{rule}},
		// systemctl's own failure, through sudo, is the caller's to read.
		{"systemctl fails", true, "", mask, "Failed to mask unit: Access denied\n", 1, "", nil},
		{"other status", true, "", mask, "sudo: a password is required\n", 2, "", nil},
		{"without sudo", false, "", mask, "sudo: a password is required\n", 1, "", nil},
		{"unprivileged command", true, "", systemd.ScopeSystem.BatchCommand(nil, true, false), "sudo: a password is required\n", 1, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.what, func(t *testing.T) {
			s.setHandle(func(string) answer { return answer{stderr: tt.stderr, status: tt.status} })
			cfg := clientSetup(t, s, priv)
			cfg.Sudo, cfg.SudoPassword = tt.sudo, tt.password
			res, err := newTestPool(t, cfg).Runner(s.addr).Run(context.Background(), tt.cmd)
			if tt.attribute == "" {
				if err != nil {
					t.Fatalf("err = %v, want the result", err)
				}
				if res.ExitCode != int(tt.status) || string(res.Stderr) != tt.stderr {
					t.Errorf("result = %d, %q", res.ExitCode, res.Stderr)
				}
				return
			}
			wantHostError(t, err, tt.attribute, append([]string{"sudo said: " + strings.TrimSpace(strings.Split(tt.stderr, "\n")[0])}, tt.mention...)...)
			if tt.password != "" && strings.Contains(err.Error(), tt.password) {
				t.Errorf("the error shows the sudo password: %v", err)
			}
		})
	}
}

// A script that echoes its standard input does not carry the password
// into the error.
func TestPoolSudoFailureHidesThePassword(t *testing.T) {
	priv, pub := newClientKey(t)
	s := startServer(t, pub)
	const password = "hunter2"
	s.setHandle(func(string) answer {
		return answer{stderr: "+ read " + password + "\nsudo: 1 incorrect password attempt\n", status: 1}
	})
	cfg := clientSetup(t, s, priv)
	cfg.SudoPassword = password
	_, err := newTestPool(t, cfg).Runner(s.addr).Run(context.Background(), systemd.Command{Argv: []string{"sh", "-c", "x"}, Privileged: true})
	wantHostError(t, err, "sudo password", "+ read <sudo_password>")
	if strings.Contains(err.Error(), password) {
		t.Errorf("the error shows the sudo password: %v", err)
	}
}

func TestPoolTimeout(t *testing.T) {
	priv, pub := newClientKey(t)
	s := startServer(t, pub)
	s.setHandle(func(string) answer { return answer{hang: true} })
	cfg := clientSetup(t, s, priv)
	cfg.Timeout = time.Second
	p := newTestPool(t, cfg)
	start := time.Now()
	_, err := p.Runner(s.addr).Run(context.Background(), systemd.Command{Argv: []string{"systemctl", "mask", "--", "x.service"}, Privileged: true})
	elapsed := time.Since(start)
	wantHostError(t, err, "timeout", "did not finish within 1s", "systemctl mask -- x.service")
	if elapsed < cfg.Timeout || elapsed > cfg.Timeout+time.Second {
		t.Errorf("Run returned after %v, want about %v", elapsed, cfg.Timeout)
	}
	// The connection survives a timed-out command.
	s.setHandle(func(string) answer { return answer{stdout: "ok"} })
	res, err := p.Runner(s.addr).Run(context.Background(), systemd.Command{Argv: []string{"true"}})
	if err != nil || string(res.Stdout) != "ok" {
		t.Errorf("next Run = %q, %v", res.Stdout, err)
	}
}

func TestPoolCanceled(t *testing.T) {
	priv, pub := newClientKey(t)
	s := startServer(t, pub)
	s.setHandle(func(string) answer { return answer{hang: true} })
	p := newTestPool(t, clientSetup(t, s, priv))
	// Terraform cancels the context on an interrupt (Ctrl-C).
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	time.AfterFunc(200*time.Millisecond, cancel)
	start := time.Now()
	_, err := p.Runner(s.addr).Run(ctx, systemd.Command{Argv: []string{"sleep"}})
	// An interrupt is not the provider's timeout: no attribute to change.
	wantHostError(t, err, "", "interrupted", "sleep")
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want it to wrap context.Canceled", err)
	}
	if time.Since(start) > time.Second {
		t.Errorf("Run ignored the cancellation for %v", time.Since(start))
	}
}

func TestPoolNoExitStatus(t *testing.T) {
	priv, pub := newClientKey(t)
	s := startServer(t, pub)
	s.setHandle(func(string) answer { return answer{noStatus: true} })
	_, err := newTestPool(t, clientSetup(t, s, priv)).Runner(s.addr).Run(context.Background(), systemd.Command{Argv: []string{"x"}})
	// Unknown fate is an error, never a success with exit code 0.
	wantHostError(t, err, "", "without an exit status")
}

func TestPoolReconnects(t *testing.T) {
	priv, pub := newClientKey(t)
	s := startServer(t, pub)
	s.setHandle(func(string) answer { return answer{stdout: "ok"} })
	r := newTestPool(t, clientSetup(t, s, priv)).Runner(s.addr)
	run := func() {
		t.Helper()
		res, err := r.Run(context.Background(), systemd.Command{Argv: []string{"true"}})
		if err != nil || string(res.Stdout) != "ok" {
			t.Fatalf("Run = %q, %v", res.Stdout, err)
		}
	}
	run()
	run()
	if n := s.dials.Load(); n != 1 {
		t.Fatalf("%d connections after two commands, want 1", n)
	}
	// Right after the drop, before the client has read the EOF...
	s.dropAll()
	run()
	if n := s.dials.Load(); n != 2 {
		t.Errorf("%d connections after a drop, want 2 (one new dial)", n)
	}
	// ...and once it has.
	s.dropAll()
	time.Sleep(50 * time.Millisecond)
	run()
	if n := s.dials.Load(); n != 3 {
		t.Errorf("%d connections after a second drop, want 3", n)
	}
	run()
	if n := s.dials.Load(); n != 3 {
		t.Errorf("%d connections, want the new one reused", n)
	}
}

func TestPoolConcurrentRunsShareOneConnection(t *testing.T) {
	priv, pub := newClientKey(t)
	s := startServer(t, pub)
	s.setHandle(func(line string) answer { return answer{stdout: line} })
	r := newTestPool(t, clientSetup(t, s, priv)).Runner(s.addr)
	const n = 3 * maxSessions
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := r.Run(context.Background(), systemd.Command{Argv: []string{"echo", "x"}})
			if err == nil && string(res.Stdout) != `'env' 'LC_ALL=C' 'echo' 'x'` {
				err = errors.New("stdout " + string(res.Stdout))
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if d := s.dials.Load(); d != 1 {
		t.Errorf("%d connections for concurrent commands, want 1", d)
	}
}

func TestPoolAuthentication(t *testing.T) {
	priv, pub := newClientKey(t)
	s := startServer(t, pub)
	s.setHandle(func(string) answer { return answer{stdout: "ok"} })
	other, _ := newClientKey(t)
	tests := []struct {
		what      string
		edit      func(c *Config)
		attribute string // "" for success
	}{
		{"key", func(c *Config) {}, ""},
		{"password", func(c *Config) { c.PrivateKey, c.Password = "", "pw" }, ""},
		{"ssh-agent", func(c *Config) { c.PrivateKey, c.Agent, c.AgentSocket = "", true, serveAgent(t, priv) }, ""},
		{"wrong key", func(c *Config) { c.PrivateKey = openSSHPEM(t, other, "") }, "user"},
		{"wrong password", func(c *Config) { c.PrivateKey, c.Password = "", "nope" }, "user"},
	}
	for _, tt := range tests {
		t.Run(tt.what, func(t *testing.T) {
			cfg := clientSetup(t, s, priv)
			tt.edit(&cfg)
			res, err := newTestPool(t, cfg).Runner(s.addr).Run(context.Background(), systemd.Command{Argv: []string{"true"}})
			if tt.attribute == "" {
				if err != nil || string(res.Stdout) != "ok" {
					t.Fatalf("Run = %q, %v", res.Stdout, err)
				}
				return
			}
			wantHostError(t, err, tt.attribute, `authentication as "deploy" failed`)
			if cfg.Password != "" && strings.Contains(err.Error(), cfg.Password) {
				t.Errorf("error leaks the password: %v", err)
			}
		})
	}
}

func TestPoolHostKeys(t *testing.T) {
	priv, pub := newClientKey(t)
	rsaHost, err := ssh.NewSignerFromKey(getKeys(t).rsa)
	if err != nil {
		t.Fatal(err)
	}
	_, edPriv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	edHost, err := ssh.NewSignerFromKey(edPriv)
	if err != nil {
		t.Fatal(err)
	}
	// The server has two host keys, and x/crypto prefers RSA over ed25519
	// by default: only offering the types on record makes either work.
	s := startServer(t, pub, edHost, rsaHost)
	stranger := newHostPublicKey(t)
	dir := t.TempDir()
	writeFile := func(name string, lines ...string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := []struct {
		what    string
		edit    func(c *Config)
		changed *bool // nil for success
	}{
		{"pinned ed25519", func(c *Config) { c.HostKey = string(ssh.MarshalAuthorizedKey(edHost.PublicKey())) }, nil},
		{"pinned rsa", func(c *Config) { c.HostKey = string(ssh.MarshalAuthorizedKey(rsaHost.PublicKey())) }, nil},
		{"known_hosts ed25519 only", func(c *Config) {
			c.HostKey, c.KnownHostsFile = "", writeFile("ed25519", knownLine(s.addr, edHost.PublicKey()))
		}, nil},
		{"known_hosts rsa only", func(c *Config) {
			c.HostKey, c.KnownHostsFile = "", writeFile("rsa", knownLine(s.addr, rsaHost.PublicKey()))
		}, nil},
		{"pinned stranger", func(c *Config) { c.HostKey = string(ssh.MarshalAuthorizedKey(stranger)) }, ptr(true)},
		{"known_hosts without the host", func(c *Config) {
			c.HostKey, c.KnownHostsFile = "", writeFile("other", knownLine("127.0.0.1:1", stranger))
		}, ptr(false)},
		{"known_hosts with another key", func(c *Config) {
			c.HostKey, c.KnownHostsFile = "", writeFile("changed", knownLine(s.addr, stranger))
		}, ptr(true)},
		{"insecure", func(c *Config) { c.HostKey, c.InsecureIgnoreHostKey = string(ssh.MarshalAuthorizedKey(stranger)), true }, nil},
	}
	for _, tt := range tests {
		t.Run(tt.what, func(t *testing.T) {
			cfg := clientSetup(t, s, priv)
			tt.edit(&cfg)
			before := len(s.records())
			_, err := newTestPool(t, cfg).Runner(s.addr).Run(context.Background(), systemd.Command{Argv: []string{"true"}})
			if tt.changed == nil {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			var he *HostKeyError
			if !errors.As(err, &he) {
				t.Fatalf("err = %#v, want *HostKeyError", err)
			}
			if he.Changed != *tt.changed || he.Addr != s.addr {
				t.Errorf("HostKeyError = %+v", he)
			}
			// Nothing may run on a host that failed its key check.
			if n := len(s.records()) - before; n != 0 {
				t.Errorf("%d commands ran on an untrusted host", n)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

func TestPoolConnectionRefused(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	priv, _ := newClientKey(t)
	cfg := Config{User: "root", PrivateKey: openSSHPEM(t, priv, ""), InsecureIgnoreHostKey: true, Timeout: 2 * time.Second}
	_, err = newTestPool(t, cfg).Runner(addr).Run(context.Background(), systemd.Command{Argv: []string{"true"}})
	wantHostError(t, err, "host", "cannot connect", addr)
}

func TestPoolHandshakeTimeout(t *testing.T) {
	addr := testhosts.SilentPeer(t)
	priv, _ := newClientKey(t)
	cfg := Config{User: "root", PrivateKey: openSSHPEM(t, priv, ""), InsecureIgnoreHostKey: true, Timeout: time.Second}
	start := time.Now()
	_, err := newTestPool(t, cfg).Runner(addr).Run(context.Background(), systemd.Command{Argv: []string{"true"}})
	wantHostError(t, err, "timeout", "handshake did not finish within 1s")
	if elapsed := time.Since(start); elapsed > cfg.Timeout+time.Second {
		t.Errorf("handshake gave up after %v", elapsed)
	}
}

func TestHostErrorUnwraps(t *testing.T) {
	inner := errors.New("inner")
	err := error(&HostError{Addr: "h:22", Setting: SettingHost, Err: inner})
	if !errors.Is(err, inner) || err.Error() != "h:22: inner" {
		t.Errorf("err = %q", err)
	}
}
