package sshtransport

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/systemd-tf/terraform-provider-systemd/internal/systemd"
	"github.com/systemd-tf/terraform-provider-systemd/internal/testhosts"
)

// These tests run the Pool against connections that die without a word:
// the in-process SSH server, directly or through a testhosts.Proxy that can
// drop every packet. makeIdle stands in for waiting keepaliveAfter.

// makeIdle backdates every pooled connection's last sign of life past
// keepaliveAfter, as if the pool had sat unused that long.
func makeIdle(p *Pool) {
	past := time.Now().Add(-2 * keepaliveAfter).UnixNano()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, hc := range p.hosts {
		hc.mu.Lock()
		if hc.conn != nil {
			hc.conn.lastSign.Store(past)
		}
		hc.mu.Unlock()
	}
	for _, j := range p.jumps {
		if c := j.client.Load(); c != nil {
			c.lastSign.Store(past)
		}
	}
}

func mustRun(t *testing.T, r systemd.Runner) {
	t.Helper()
	if _, err := r.Run(context.Background(), systemd.Command{Argv: []string{"true"}}); err != nil {
		t.Fatalf("Run: %v", err)
	}
}

// An idle connection is probed once before it is used again, and kept
// when it answers (with a failure reply, as OpenSSH's); a busy one is not
// probed at all.
func TestPoolKeepaliveBeforeReuse(t *testing.T) {
	priv, pub := newClientKey(t)
	s := startServer(t, pub)
	p := newTestPool(t, clientSetup(t, s, priv))
	r := p.Runner(s.addr)
	mustRun(t, r)
	mustRun(t, r)
	if n := s.keepalives.Load(); n != 0 {
		t.Errorf("%d keepalives on a connection in use, want 0", n)
	}
	makeIdle(p)
	mustRun(t, r)
	if n := s.keepalives.Load(); n != 1 {
		t.Errorf("%d keepalives on an idle connection, want 1", n)
	}
	mustRun(t, r)
	if n := s.keepalives.Load(); n != 1 {
		t.Errorf("%d keepalives after the answer, want still 1", n)
	}
	if n := s.dials.Load(); n != 1 {
		t.Errorf("%d connections, want the one that answered kept", n)
	}
}

// Concurrent commands on one idle connection share one probe.
func TestPoolKeepaliveShared(t *testing.T) {
	priv, pub := newClientKey(t)
	s := startServer(t, pub)
	p := newTestPool(t, clientSetup(t, s, priv))
	r := p.Runner(s.addr)
	mustRun(t, r)
	makeIdle(p)
	var wg sync.WaitGroup
	for i := 0; i < 3*maxSessions; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			mustRun(t, r)
		}()
	}
	wg.Wait()
	if n := s.keepalives.Load(); n != 1 {
		t.Errorf("%d keepalives for %d concurrent commands, want 1", n, 3*maxSessions)
	}
	if n := s.dials.Load(); n != 1 {
		t.Errorf("%d connections, want 1", n)
	}
}

// A connection that leaves its keepalive unanswered is replaced after
// keepaliveWait (bounded by `timeout`), never waited on.
func TestPoolKeepaliveUnanswered(t *testing.T) {
	priv, pub := newClientKey(t)
	s := startServer(t, pub)
	cfg := clientSetup(t, s, priv)
	cfg.Timeout = time.Second // below keepaliveWait: the probe waits 1s
	p := newTestPool(t, cfg)
	r := p.Runner(s.addr)
	mustRun(t, r)
	s.muteKeepalives.Store(true)
	makeIdle(p)
	start := time.Now()
	mustRun(t, r)
	elapsed := time.Since(start)
	if n := s.dials.Load(); n != 2 {
		t.Errorf("%d connections, want the silent one replaced", n)
	}
	if elapsed < cfg.Timeout || elapsed > cfg.Timeout+time.Second {
		t.Errorf("the command ran after %s, want about %s (the keepalive's wait)", elapsed, cfg.Timeout)
	}
}

// A path that drops every packet: the idle connection's keepalive goes
// unanswered, and the command runs on a fresh connection when the host can
// still be reached, or fails naming the timeout when it cannot; either way
// within keepaliveWait plus `timeout`, not TCP's minutes.
func TestPoolSilentPath(t *testing.T) {
	priv, pub := newClientKey(t)
	for _, newToo := range []bool{false, true} {
		name := map[bool]string{false: "new connections pass", true: "new connections silent"}[newToo]
		t.Run(name, func(t *testing.T) {
			s := startServer(t, pub)
			proxy := testhosts.StartProxy(t, testhosts.Host{Addr: s.addr})
			cfg := clientSetup(t, s, priv) // the host key is pinned: the proxy's address is fine
			p := newTestPool(t, cfg)
			r := p.Runner(proxy.Addr)
			mustRun(t, r)
			proxy.Silence()
			if newToo {
				proxy.SilenceNew()
			}
			makeIdle(p)
			start := time.Now()
			_, err := r.Run(context.Background(), systemd.Command{Argv: []string{"true"}})
			elapsed := time.Since(start)
			t.Logf("the command returned after %s: %v", elapsed.Round(time.Millisecond), err)
			if newToo {
				wantHostError(t, err, "timeout", "within")
			} else if err != nil {
				t.Fatalf("Run: %v, want it to succeed on a fresh connection", err)
			}
			if limit := p.keepaliveWait() + cfg.Timeout + time.Second; elapsed > limit {
				t.Errorf("the command returned after %s, want under %s", elapsed, limit)
			}
			if want := int32(1 + boolInt(!newToo)); s.dials.Load() != want {
				t.Errorf("the host saw %d connections, want %d", s.dials.Load(), want)
			}
		})
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Through a bastion whose path drops every packet: the target's probe
// fails, which puts the bastion's connection under suspicion; its probe
// fails too, and both are dialed anew.
func TestPoolBastionSilentPath(t *testing.T) {
	priv, pub := newClientKey(t)
	bastion, target := startServer(t, pub), startServer(t, pub)
	proxy := testhosts.StartProxy(t, testhosts.Host{Addr: bastion.addr})
	cfg := bastionSetup(t, bastion, target, priv)
	cfg.Bastion.Addr = proxy.Addr
	p := newTestPool(t, cfg)
	r := p.Runner(target.addr)
	mustRun(t, r)
	proxy.Silence()
	makeIdle(p)
	start := time.Now()
	mustRun(t, r)
	elapsed := time.Since(start)
	t.Logf("the command ran after %s", elapsed.Round(time.Millisecond))
	if b, tg := bastion.dials.Load(), target.dials.Load(); b != 2 || tg != 2 {
		t.Errorf("%d bastion and %d target connections, want both replaced (2 and 2)", b, tg)
	}
	if limit := 2*p.keepaliveWait() + time.Second; elapsed > limit {
		t.Errorf("the command ran after %s, want under %s (two keepalives' wait)", elapsed, limit)
	}
	// A target connection that merely idled does not cost the bastion a
	// keepalive when the target answers.
	before := bastion.keepalives.Load()
	makeIdle(p)
	for _, j := range p.jumps {
		if c := j.client.Load(); c != nil {
			c.touch()
		}
	}
	mustRun(t, r)
	if n := bastion.keepalives.Load() - before; n != 0 {
		t.Errorf("%d keepalives to a bastion in use, want 0", n)
	}
}

// A connection that dies while in use (too recently for a keepalive):
// opening a session on it fails naming the timeout after `timeout`, as a
// transient failure, and the next command runs on a fresh connection.
func TestPoolSessionOpenTimeout(t *testing.T) {
	priv, pub := newClientKey(t)
	s := startServer(t, pub)
	proxy := testhosts.StartProxy(t, testhosts.Host{Addr: s.addr})
	cfg := clientSetup(t, s, priv)
	p := newTestPool(t, cfg)
	r := p.Runner(proxy.Addr)
	mustRun(t, r)
	proxy.Silence()
	start := time.Now()
	_, err := r.Run(context.Background(), systemd.Command{Argv: []string{"systemctl", "mask", "--", "x.service"}})
	elapsed := time.Since(start)
	he := asHostError(t, err, "timeout", "opening an SSH session", "systemctl mask -- x.service", "within 2s")
	if !he.Transient {
		t.Error("a session that never opened is not marked transient")
	}
	if elapsed < cfg.Timeout || elapsed > cfg.Timeout+time.Second {
		t.Errorf("Run returned after %s, want about %s", elapsed, cfg.Timeout)
	}
	mustRun(t, r)
	if n := s.dials.Load(); n != 2 {
		t.Errorf("%d connections, want the dead one replaced", n)
	}
	if n := s.keepalives.Load(); n != 0 {
		t.Errorf("%d keepalives, want none (the connection was never idle)", n)
	}
}

// A host that opens the session but never answers the command's start:
// bounded by `timeout` too.
func TestPoolStartTimeout(t *testing.T) {
	priv, pub := newClientKey(t)
	s := startServer(t, pub)
	cfg := clientSetup(t, s, priv)
	cfg.Timeout = time.Second
	r := newTestPool(t, cfg).Runner(s.addr)
	s.muteExec.Store(true)
	start := time.Now()
	_, err := r.Run(context.Background(), systemd.Command{Argv: []string{"true"}})
	elapsed := time.Since(start)
	wantHostError(t, err, "timeout", "no answer to starting `true` within 1s")
	if elapsed > cfg.Timeout+time.Second {
		t.Errorf("Run returned after %s, want about %s", elapsed, cfg.Timeout)
	}
	s.muteExec.Store(false)
	mustRun(t, r)
}

// A command cancelled while its session opens returns at once and leaves
// the connection in the pool.
func TestPoolSessionOpenCanceled(t *testing.T) {
	priv, pub := newClientKey(t)
	s := startServer(t, pub)
	p := newTestPool(t, clientSetup(t, s, priv))
	r := p.Runner(s.addr)
	mustRun(t, r)
	s.muteExec.Store(true)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(200*time.Millisecond, cancel)
	start := time.Now()
	_, err := r.Run(ctx, systemd.Command{Argv: []string{"true"}})
	wantHostError(t, err, "", "interrupted")
	if elapsed := time.Since(start); elapsed > time.Second {
		t.Errorf("Run ignored the cancellation for %s", elapsed)
	}
	s.muteExec.Store(false)
	mustRun(t, r)
	if n := s.dials.Load(); n != 1 {
		t.Errorf("%d connections, want the live one kept", n)
	}
}
