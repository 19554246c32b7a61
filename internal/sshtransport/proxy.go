package sshtransport

import (
	"bufio"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"

	"golang.org/x/net/proxy"
)

// Proxy is how the first hop is reached: a SOCKS5 or HTTP CONNECT proxy,
// and the hosts that are reached without it.
type Proxy struct {
	URL     string // socks5://[user:password@]host:port, socks5h://…, or http://[user:password@]host:port
	NoProxy string // NO_PROXY's form: comma-separated names (".example.com" for subdomains), addresses, CIDRs, "*"
}

// proxyDialer is a parsed Proxy.
type proxyDialer struct {
	url    *url.URL
	bypass []string
}

func parseProxy(p *Proxy) (*proxyDialer, error) {
	if p == nil || p.URL == "" {
		return nil, nil
	}
	bad := func(err error) (*proxyDialer, error) {
		return nil, &ConfigError{Setting: SettingProxy, Err: err}
	}
	u, err := url.Parse(p.URL)
	if err != nil {
		return bad(fmt.Errorf("not a URL: %w", err))
	}
	switch u.Scheme {
	case "socks5", "socks5h", "http":
	default:
		return bad(fmt.Errorf("the scheme %q is not a proxy this provider speaks: use socks5://, socks5h:// or http:// (HTTP CONNECT)", u.Scheme))
	}
	if u.Hostname() == "" {
		return bad(errors.New("names no proxy host"))
	}
	if u.Path != "" && u.Path != "/" || u.RawQuery != "" {
		return bad(errors.New("a proxy URL is a scheme, a host and a port, without a path or a query"))
	}
	if u.Port() == "" {
		port := "1080"
		if u.Scheme == "http" {
			port = "8080"
		}
		u.Host = net.JoinHostPort(u.Hostname(), port)
	}
	var bypass []string
	for _, e := range strings.Split(p.NoProxy, ",") {
		if e = strings.TrimSpace(e); e != "" {
			bypass = append(bypass, strings.ToLower(e))
		}
	}
	return &proxyDialer{url: u, bypass: bypass}, nil
}

// String is the proxy's address, without its credentials.
func (d *proxyDialer) String() string { return d.url.Scheme + "://" + d.url.Host }

// applies says whether addr (HOST:PORT) goes through the proxy, by NO_PROXY's
// rules as curl and Go read them.
func (d *proxyDialer) applies(addr string) bool {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return true
	}
	host = strings.ToLower(host)
	ip := net.ParseIP(host)
	for _, e := range d.bypass {
		if e == "*" {
			return false
		}
		name := e
		if h, p, err := net.SplitHostPort(e); err == nil {
			if p != port {
				continue
			}
			name = h
		}
		name = strings.Trim(name, "[]")
		if _, cidr, err := net.ParseCIDR(name); err == nil {
			if ip != nil && cidr.Contains(ip) {
				return false
			}
			continue
		}
		if eip := net.ParseIP(name); eip != nil {
			if ip != nil && eip.Equal(ip) {
				return false
			}
			continue
		}
		name = strings.TrimPrefix(name, "*")
		if host == strings.TrimPrefix(name, ".") || strings.HasSuffix(host, "."+strings.TrimPrefix(name, ".")) {
			return false
		}
	}
	return true
}

// dial connects to addr through the proxy; the context's deadline bounds
// the proxy's handshake too.
func (d *proxyDialer) dial(ctx context.Context, dialer *net.Dialer, addr string) (net.Conn, error) {
	if d.url.Scheme == "http" {
		return d.connect(ctx, dialer, addr)
	}
	var auth *proxy.Auth
	if d.url.User != nil {
		pw, _ := d.url.User.Password()
		auth = &proxy.Auth{User: d.url.User.Username(), Password: pw}
	}
	socks, err := proxy.SOCKS5("tcp", d.url.Host, auth, dialer)
	if err != nil {
		return nil, err
	}
	// x/net's SOCKS5 dialer sends names to the proxy to resolve, as
	// socks5h does; socks5 resolves here first, as curl does.
	target := addr
	if d.url.Scheme == "socks5" {
		host, port, _ := net.SplitHostPort(addr)
		if net.ParseIP(host) == nil {
			ips, err := net.DefaultResolver.LookupHost(ctx, host)
			if err != nil {
				return nil, err
			}
			target = net.JoinHostPort(ips[0], port)
		}
	}
	cd, ok := socks.(proxy.ContextDialer)
	if !ok {
		return nil, errors.New("the SOCKS5 dialer cannot take a context")
	}
	conn, err := cd.DialContext(ctx, "tcp", target)
	if err != nil && strings.Contains(err.Error(), "authentication") {
		// Refused credentials, or none the proxy accepts: final.
		return nil, &proxyRefusal{status: err.Error()}
	}
	return conn, err
}

// connect opens a tunnel to addr with HTTP CONNECT.
func (d *proxyDialer) connect(ctx context.Context, dialer *net.Dialer, addr string) (net.Conn, error) {
	conn, err := dialer.DialContext(ctx, "tcp", d.url.Host)
	if err != nil {
		return nil, err
	}
	if deadline, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(deadline)
	} else if !dialer.Deadline.IsZero() {
		_ = conn.SetDeadline(dialer.Deadline)
	}
	req := "CONNECT " + addr + " HTTP/1.1\r\nHost: " + addr + "\r\n"
	if d.url.User != nil {
		pw, _ := d.url.User.Password()
		req += "Proxy-Authorization: Basic " + base64.StdEncoding.EncodeToString([]byte(d.url.User.Username()+":"+pw)) + "\r\n"
	}
	if _, err := conn.Write([]byte(req + "\r\n")); err != nil {
		_ = conn.Close()
		return nil, err
	}
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, &http.Request{Method: http.MethodConnect})
	if err != nil {
		_ = conn.Close()
		return nil, fmt.Errorf("no HTTP answer to CONNECT: %w", err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		_ = conn.Close()
		return nil, &proxyRefusal{status: resp.Status}
	}
	// The server speaks first in SSH: its banner may already be buffered.
	return &bufferedConn{Conn: conn, r: br}, nil
}

// proxyRefusal is a proxy's answer that trying again cannot change.
type proxyRefusal struct{ status string }

func (e *proxyRefusal) Error() string { return "the proxy refused the tunnel: " + e.status }

type bufferedConn struct {
	net.Conn
	r *bufio.Reader
}

func (c *bufferedConn) Read(p []byte) (int, error) { return c.r.Read(p) }
