package sshtransport

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/ssh"
)

// A pooled connection can die without a word: a NAT or firewall that
// forgot it, a host that lost power, a path that drops every packet. TCP
// notices only after minutes of retransmissions, and SSH waits as long. So a
// connection that has given no sign of life for keepaliveAfter is asked for
// one before it is used again, and a connection that does not answer within
// keepaliveWait (or `timeout`, if shorter) is closed and replaced.
const (
	keepaliveAfter = 5 * time.Second
	keepaliveWait  = 2 * time.Second
)

// errConnectionEnded is a pooled connection found closed before use.
var errConnectionEnded = errors.New("the SSH connection has ended")

// pooledConn is one connection the pool holds (to a target or to the
// bastion), with what the pool knows of its health.
type pooledConn struct {
	*ssh.Client
	// lastSign is when the peer last showed it is alive (UnixNano): the
	// connection came up, a session or tunnel opened, a command finished,
	// or a keepalive was answered.
	lastSign  atomic.Int64
	ended     chan struct{} // closed when the connection has ended
	discarded atomic.Bool   // closed by the pool, which dials anew

	probeMu sync.Mutex
	probe   *keepaliveProbe // the keepalive in flight, shared by every caller
}

// keepaliveProbe is one keepalive request and, once done is closed, its
// outcome: nil when the peer answered.
type keepaliveProbe struct {
	done chan struct{}
	err  error
}

func newPooledConn(c *ssh.Client) *pooledConn {
	pc := &pooledConn{Client: c, ended: make(chan struct{})}
	pc.touch()
	go func() {
		_ = c.Wait()
		close(pc.ended)
	}()
	return pc
}

// touch records a sign of life.
func (c *pooledConn) touch() { c.lastSign.Store(time.Now().UnixNano()) }

// suspect makes the next use probe the connection, however recent its last
// sign of life: for the bastion's, when a connection tunnelled through it
// stopped answering.
func (c *pooledConn) suspect() { c.lastSign.Store(0) }

func (c *pooledConn) idle() time.Duration { return time.Since(time.Unix(0, c.lastSign.Load())) }

// dead says whether the connection is known to be of no more use.
func (c *pooledConn) dead() bool {
	if c.discarded.Load() {
		return true
	}
	select {
	case <-c.ended:
		return true
	default:
		return false
	}
}

// discard closes the connection for good. What is blocked on it returns
// (for a tunnelled connection, once the bastion's connection answers or
// ends), and the pool dials a new one.
func (c *pooledConn) discard() {
	c.discarded.Store(true)
	_ = c.Close()
}

// alive checks that the connection still answers before it is used: at
// once when it gave a sign of life within keepaliveAfter, else with a
// keepalive request shared by every caller that finds it idle meanwhile. A
// connection that does not answer within wait is discarded. alive returns
// ctx's error if ctx ends first; the probe goes on for the others.
func (c *pooledConn) alive(ctx context.Context, wait time.Duration) error {
	if c.dead() {
		return errConnectionEnded
	}
	if c.idle() < keepaliveAfter {
		return nil
	}
	c.probeMu.Lock()
	pr := c.probe
	if pr == nil && c.idle() < keepaliveAfter {
		// A probe answered between the check above and the lock.
		c.probeMu.Unlock()
		return nil
	}
	if pr == nil {
		pr = &keepaliveProbe{done: make(chan struct{})}
		c.probe = pr
		go c.runProbe(pr, wait)
	}
	c.probeMu.Unlock()
	select {
	case <-pr.done:
		return pr.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (c *pooledConn) runProbe(pr *keepaliveProbe, wait time.Duration) {
	replied := make(chan error, 1)
	go func() {
		// OpenSSH answers keepalive@openssh.com with a failure reply: any
		// reply is a sign of life.
		_, _, err := c.SendRequest("keepalive@openssh.com", true, nil)
		replied <- err
	}()
	timer := time.NewTimer(wait)
	defer timer.Stop()
	select {
	case err := <-replied:
		if err == nil {
			c.touch()
		} else {
			pr.err = fmt.Errorf("keepalive failed: %w", err)
			c.discard()
		}
	case <-timer.C:
		pr.err = fmt.Errorf("no answer to a keepalive within %s", wait)
		c.discard()
	}
	c.probeMu.Lock()
	c.probe = nil
	c.probeMu.Unlock()
	close(pr.done)
}
