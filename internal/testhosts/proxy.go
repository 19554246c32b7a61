package testhosts

import (
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// Proxy forwards a local TCP port to a test host's sshd. Stopping it makes
// the host unreachable (connection refused) for whoever dials the proxy,
// without disturbing other tests that use the host directly. Silencing it
// makes the path drop every packet while the connections stay open.
type Proxy struct {
	Addr   string // 127.0.0.1:PORT
	target string

	mu        sync.Mutex
	ln        net.Listener
	conns     map[net.Conn]struct{}
	silenced  []*atomic.Bool // one per forwarded connection, set when it goes silent
	silentNew bool           // connections accepted from now on are held, never forwarded
	wg        sync.WaitGroup
}

// StartProxy forwards a fresh local port to h, until the test ends.
func StartProxy(t testing.TB, h Host) *Proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &Proxy{Addr: ln.Addr().String(), target: h.Addr, conns: map[net.Conn]struct{}{}}
	p.serve(ln)
	t.Cleanup(p.Stop)
	return p
}

// Port is the proxy's local port.
func (p *Proxy) Port() int {
	_, port, _ := net.SplitHostPort(p.Addr)
	n, _ := strconv.Atoi(port)
	return n
}

func (p *Proxy) serve(ln net.Listener) {
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			p.forward(c)
		}
	}()
}

func (p *Proxy) forward(c net.Conn) {
	p.mu.Lock()
	if p.silentNew {
		// Accepted by the kernel, as by a host whose packets are dropped
		// after the SYN: nothing ever comes back.
		p.conns[c] = struct{}{}
		p.mu.Unlock()
		return
	}
	p.mu.Unlock()
	up, err := net.Dial("tcp", p.target)
	if err != nil {
		_ = c.Close()
		return
	}
	silent := new(atomic.Bool)
	p.mu.Lock()
	p.conns[c], p.conns[up] = struct{}{}, struct{}{}
	p.silenced = append(p.silenced, silent)
	p.mu.Unlock()
	pipe := func(dst, src net.Conn) {
		defer p.wg.Done()
		buf := make([]byte, 32*1024)
		for {
			n, err := src.Read(buf)
			if n > 0 && !silent.Load() {
				if _, werr := dst.Write(buf[:n]); werr != nil {
					break
				}
			}
			if err != nil {
				break
			}
		}
		_ = dst.Close()
		_ = src.Close()
	}
	p.wg.Add(2)
	go pipe(up, c)
	go pipe(c, up)
}

// Silence makes every connection forwarded so far drop what it carries,
// both ways, from now on: the TCP connections stay open and nothing is
// delivered, as on a path that drops every packet. Connections made later
// are forwarded as usual (a new path), unless SilenceNew is in effect too.
func (p *Proxy) Silence() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, s := range p.silenced {
		s.Store(true)
	}
}

// SilenceNew makes the proxy accept connections and never forward them,
// from now on: a host that stopped answering.
func (p *Proxy) SilenceNew() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.silentNew = true
}

// Stop closes the listener and every forwarded connection: the port then
// refuses connections.
func (p *Proxy) Stop() {
	p.mu.Lock()
	if p.ln != nil {
		_ = p.ln.Close()
		p.ln = nil
	}
	for c := range p.conns {
		_ = c.Close()
	}
	p.conns = map[net.Conn]struct{}{}
	p.mu.Unlock()
	p.wg.Wait()
}

// Restart listens again on the same port.
func (p *Proxy) Restart(t testing.TB) {
	t.Helper()
	ln, err := net.Listen("tcp", p.Addr)
	if err != nil {
		t.Fatalf("re-listening on %s: %v", p.Addr, err)
	}
	p.serve(ln)
}

// KnownHostsFor writes a known_hosts file that lists h's real keys under
// the proxy's address, so that host keys are verified through the proxy.
func (e Env) KnownHostsFor(t testing.TB, h Host, p *Proxy) string {
	t.Helper()
	b, err := os.ReadFile(e.KnownHostsFile)
	if err != nil {
		t.Fatal(err)
	}
	from, to := "["+h.IP+"]:"+strconv.Itoa(h.Port)+" ", "[127.0.0.1]:"+strconv.Itoa(p.Port())+" "
	var out strings.Builder
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, from) {
			out.WriteString(to + strings.TrimPrefix(line, from) + "\n")
		}
	}
	if out.Len() == 0 {
		t.Fatalf("no key for %s in %s", h.Addr, e.KnownHostsFile)
	}
	path := filepath.Join(t.TempDir(), "known_hosts")
	if err := os.WriteFile(path, []byte(out.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}
