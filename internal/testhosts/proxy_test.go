package testhosts

import (
	"errors"
	"io"
	"net"
	"os"
	"testing"
	"time"
)

// echoServer echoes every connection's bytes back until the test ends.
func echoServer(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() { _, _ = io.Copy(c, c); _ = c.Close() }()
		}
	}()
	return l.Addr().String()
}

// echoes says whether c echoes a byte back within a short wait, and fails
// the test when c was closed instead.
func echoes(t *testing.T, c net.Conn) bool {
	t.Helper()
	if _, err := c.Write([]byte("x")); err != nil {
		t.Fatalf("write: %v", err)
	}
	_ = c.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	buf := make([]byte, 1)
	_, err := c.Read(buf)
	switch {
	case err == nil:
		return true
	case errors.Is(err, os.ErrDeadlineExceeded):
		return false
	}
	t.Fatalf("read: %v (the connection was closed, not silenced)", err)
	return false
}

func dialProxy(t *testing.T, p *Proxy) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", p.Addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func TestProxySilence(t *testing.T) {
	p := StartProxy(t, Host{Addr: echoServer(t)})
	before := dialProxy(t, p)
	if !echoes(t, before) {
		t.Fatal("no echo through the proxy")
	}
	p.Silence()
	if echoes(t, before) {
		t.Error("a silenced connection still forwards")
	}
	// A new path works, while the old one stays open and silent.
	after := dialProxy(t, p)
	if !echoes(t, after) {
		t.Error("a connection made after Silence is not forwarded")
	}
	if echoes(t, before) {
		t.Error("the silenced connection came back")
	}
	p.SilenceNew()
	if echoes(t, dialProxy(t, p)) {
		t.Error("a connection made after SilenceNew is forwarded")
	}
}
