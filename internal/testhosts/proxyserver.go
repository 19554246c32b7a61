package testhosts

import (
	"bufio"
	"encoding/base64"
	"encoding/binary"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"testing"
)

// ProxyServer is a SOCKS5 or HTTP CONNECT proxy on loopback, for the tests of
// the provider's proxy support: it asks for user and password when given
// them, and records each tunnel it opens.
type ProxyServer struct {
	Addr     string
	user, pw string

	mu      sync.Mutex
	targets []string
	conns   []net.Conn
	wg      sync.WaitGroup
}

// StartSOCKS5 serves SOCKS5 (RFC 1928, with RFC 1929's user and password
// when user is set) until t ends.
func StartSOCKS5(t testing.TB, user, password string) *ProxyServer {
	return startProxyServer(t, user, password, (*ProxyServer).socks5)
}

// StartHTTPConnect serves HTTP CONNECT (with Basic proxy authorization
// when user is set) until t ends.
func StartHTTPConnect(t testing.TB, user, password string) *ProxyServer {
	return startProxyServer(t, user, password, (*ProxyServer).connect)
}

func startProxyServer(t testing.TB, user, password string, serve func(*ProxyServer, net.Conn) (string, error)) *ProxyServer {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &ProxyServer{Addr: l.Addr().String(), user: user, pw: password}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			p.track(c)
			p.wg.Add(1)
			go func() {
				defer p.wg.Done()
				defer func() { _ = c.Close() }()
				target, err := serve(p, c)
				if err != nil {
					return
				}
				p.tunnel(c, target)
			}()
		}
	}()
	t.Cleanup(func() {
		_ = l.Close()
		p.mu.Lock()
		for _, c := range p.conns {
			_ = c.Close()
		}
		p.mu.Unlock()
		p.wg.Wait()
	})
	return p
}

// Targets are the addresses tunnelled to, in order.
func (p *ProxyServer) Targets() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.targets...)
}

func (p *ProxyServer) track(c net.Conn) {
	p.mu.Lock()
	p.conns = append(p.conns, c)
	p.mu.Unlock()
}

func (p *ProxyServer) tunnel(c net.Conn, target string) {
	up, err := net.Dial("tcp", target)
	if err != nil {
		return
	}
	p.track(up)
	p.mu.Lock()
	p.targets = append(p.targets, target)
	p.mu.Unlock()
	done := make(chan struct{}, 2)
	go func() { _, _ = io.Copy(up, c); done <- struct{}{} }()
	go func() { _, _ = io.Copy(c, up); done <- struct{}{} }()
	<-done
	_ = up.Close()
	_ = c.Close()
	<-done
}

// socks5 reads a SOCKS5 handshake and CONNECT request, and answers it.
func (p *ProxyServer) socks5(c net.Conn) (string, error) {
	r := bufio.NewReader(c)
	head := make([]byte, 2)
	if _, err := io.ReadFull(r, head); err != nil || head[0] != 5 {
		return "", io.ErrUnexpectedEOF
	}
	methods := make([]byte, head[1])
	if _, err := io.ReadFull(r, methods); err != nil {
		return "", err
	}
	want := byte(0)
	if p.user != "" {
		want = 2
	}
	offered := false
	for _, m := range methods {
		offered = offered || m == want
	}
	if !offered {
		_, _ = c.Write([]byte{5, 0xff})
		return "", io.ErrUnexpectedEOF
	}
	if _, err := c.Write([]byte{5, want}); err != nil {
		return "", err
	}
	if want == 2 {
		ver := make([]byte, 2)
		if _, err := io.ReadFull(r, ver); err != nil {
			return "", err
		}
		user := make([]byte, ver[1])
		if _, err := io.ReadFull(r, user); err != nil {
			return "", err
		}
		n, err := r.ReadByte()
		if err != nil {
			return "", err
		}
		pw := make([]byte, n)
		if _, err := io.ReadFull(r, pw); err != nil {
			return "", err
		}
		if string(user) != p.user || string(pw) != p.pw {
			_, _ = c.Write([]byte{1, 1})
			return "", io.ErrUnexpectedEOF
		}
		if _, err := c.Write([]byte{1, 0}); err != nil {
			return "", err
		}
	}
	req := make([]byte, 4)
	if _, err := io.ReadFull(r, req); err != nil || req[1] != 1 {
		return "", io.ErrUnexpectedEOF
	}
	var host string
	switch req[3] {
	case 1, 4:
		ip := make([]byte, map[byte]int{1: 4, 4: 16}[req[3]])
		if _, err := io.ReadFull(r, ip); err != nil {
			return "", err
		}
		host = net.IP(ip).String()
	case 3:
		n, err := r.ReadByte()
		if err != nil {
			return "", err
		}
		name := make([]byte, n)
		if _, err := io.ReadFull(r, name); err != nil {
			return "", err
		}
		host = string(name)
	default:
		return "", io.ErrUnexpectedEOF
	}
	port := make([]byte, 2)
	if _, err := io.ReadFull(r, port); err != nil {
		return "", err
	}
	if _, err := c.Write([]byte{5, 0, 0, 1, 0, 0, 0, 0, 0, 0}); err != nil {
		return "", err
	}
	return net.JoinHostPort(host, strconv.Itoa(int(binary.BigEndian.Uint16(port)))), nil
}

// connect reads an HTTP CONNECT request, and answers it.
func (p *ProxyServer) connect(c net.Conn) (string, error) {
	req, err := http.ReadRequest(bufio.NewReader(c))
	if err != nil {
		return "", err
	}
	if req.Method != http.MethodConnect {
		_, _ = io.WriteString(c, "HTTP/1.1 405 Method Not Allowed\r\n\r\n")
		return "", io.ErrUnexpectedEOF
	}
	if p.user != "" && req.Header.Get("Proxy-Authorization") != "Basic "+base64.StdEncoding.EncodeToString([]byte(p.user+":"+p.pw)) {
		_, _ = io.WriteString(c, "HTTP/1.1 407 Proxy Authentication Required\r\n\r\n")
		return "", io.ErrUnexpectedEOF
	}
	if _, err := io.WriteString(c, "HTTP/1.1 200 Connection established\r\n\r\n"); err != nil {
		return "", err
	}
	return req.Host, nil
}
