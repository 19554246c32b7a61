package sshtransport

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/systemd-tf/terraform-provider-systemd/internal/systemd"
	"github.com/systemd-tf/terraform-provider-systemd/internal/testhosts"
)

// A command whose connection is lost under it is run again (mask, unmask
// and reads are idempotent), and succeeds once the host answers.
func TestRunRetriesLostConnection(t *testing.T) {
	priv, pub := newClientKey(t)
	s := startServer(t, pub)
	var calls atomic.Int32
	s.setHandle(func(string) answer {
		if calls.Add(1) <= 2 {
			return answer{noStatus: true} // the session dies without an exit status
		}
		return answer{stdout: "ok"}
	})
	cfg := clientSetup(t, s, priv)
	cfg.Timeout = 5 * time.Second
	res, err := newTestPool(t, cfg).Runner(s.addr).Run(context.Background(), systemd.Command{Argv: []string{"true"}})
	if err != nil || string(res.Stdout) != "ok" {
		t.Fatalf("Run = %q, %v; want ok after retries", res.Stdout, err)
	}
	if n := calls.Load(); n != 3 {
		t.Errorf("%d tries, want 3", n)
	}
}

// A host that refuses connections fails within `timeout`, retries
// included, and the error says how often it tried.
func TestRunRetriesAreBounded(t *testing.T) {
	addr := closedPort(t)
	priv, _ := newClientKey(t)
	cfg := Config{User: "root", PrivateKey: openSSHPEM(t, priv, ""), InsecureIgnoreHostKey: true, Timeout: 2 * time.Second}
	start := time.Now()
	_, err := newTestPool(t, cfg).Runner(addr).Run(context.Background(), systemd.Command{Argv: []string{"true"}})
	elapsed := time.Since(start)
	he := asHostError(t, err, "host", "cannot connect", addr, "tries")
	if !he.Transient {
		t.Error("a refused connection is not marked transient")
	}
	if elapsed > cfg.Timeout+500*time.Millisecond {
		t.Errorf("gave up after %s, want within timeout %s plus a small margin", elapsed, cfg.Timeout)
	}
	if elapsed < cfg.Timeout/2 {
		t.Errorf("gave up after %s: no retries within the %s budget", elapsed, cfg.Timeout)
	}
}

// What trying again cannot fix is not tried again: one dial for a refused
// login.
func TestRunDoesNotRetryAuthentication(t *testing.T) {
	_, pub := newClientKey(t)
	other, _ := newClientKey(t)
	s := startServer(t, pub)
	cfg := clientSetup(t, s, other)
	cfg.Timeout = 5 * time.Second
	_, err := newTestPool(t, cfg).Runner(s.addr).Run(context.Background(), systemd.Command{Argv: []string{"true"}})
	if err == nil || !strings.Contains(err.Error(), "authentication") {
		t.Fatalf("err = %v, want an authentication error", err)
	}
	if n := s.dials.Load(); n != 1 {
		t.Errorf("%d dials for a refused login, want 1", n)
	}
}

// A nonzero exit is the command's own answer, never retried.
func TestRunDoesNotRetryFailedCommands(t *testing.T) {
	priv, pub := newClientKey(t)
	s := startServer(t, pub)
	var calls atomic.Int32
	s.setHandle(func(string) answer { calls.Add(1); return answer{status: 1, stderr: "boom"} })
	res, err := newTestPool(t, clientSetup(t, s, priv)).Runner(s.addr).Run(context.Background(), systemd.Command{Argv: []string{"false"}})
	if err != nil || res.ExitCode != 1 || calls.Load() != 1 {
		t.Fatalf("Run = %+v, %v after %d calls; want exit 1 after 1", res, err, calls.Load())
	}
}

// closedPort is an address nobody listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	return addr
}

// Commands queued behind a dial that timed out fail with it at once: a host
// that hangs costs one `timeout`, not one per command.
func TestRunFailedDialIsShared(t *testing.T) {
	addr := testhosts.SilentPeer(t)
	priv, _ := newClientKey(t)
	cfg := Config{User: "root", PrivateKey: openSSHPEM(t, priv, ""), InsecureIgnoreHostKey: true, Timeout: time.Second}
	r := newTestPool(t, cfg).Runner(addr)
	start := time.Now()
	var wg sync.WaitGroup
	errs := make([]error, 5)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = r.Run(context.Background(), systemd.Command{Argv: []string{"true"}})
		}()
	}
	wg.Wait()
	for _, err := range errs {
		wantHostError(t, err, "timeout", "within")
	}
	if elapsed := time.Since(start); elapsed > 2*cfg.Timeout {
		t.Errorf("5 commands to a hanging host took %s, want about one timeout (%s)", elapsed, cfg.Timeout)
	}
}

// An error after the command started says so, through retries too, so
// that the engine reads the host again before it calls a write "not
// applied".
func TestHostErrorMayHaveRun(t *testing.T) {
	if (&HostError{Addr: "h:22", Err: errors.New("refused")}).MayHaveRun() {
		t.Error("a dial failure may have run the command")
	}
	if !(&HostError{Addr: "h:22", Err: errors.New("lost"), Started: true}).MayHaveRun() {
		t.Error("a command lost after it started may not have run")
	}
}
