package sshtransport

import (
	"net"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/systemd-tf/terraform-provider-systemd/internal/testhosts"
)

// Through each kind of proxy, with and without credentials: one tunnel,
// so one login, for many commands; wrong credentials are refused for good.
func TestPoolThroughProxies(t *testing.T) {
	priv, pub := newClientKey(t)
	s := startServer(t, pub)
	for _, tt := range []struct {
		what   string
		start  func(testing.TB, string, string) *testhosts.ProxyServer
		scheme string
	}{
		{"socks5", testhosts.StartSOCKS5, "socks5"},
		{"socks5h", testhosts.StartSOCKS5, "socks5h"},
		{"http connect", testhosts.StartHTTPConnect, "http"},
	} {
		t.Run(tt.what, func(t *testing.T) {
			for _, creds := range []string{"", "proxyuser:s3cret@"} {
				user, pw := "", ""
				if creds != "" {
					user, pw = "proxyuser", "s3cret"
				}
				proxy := tt.start(t, user, pw)
				cfg := clientSetup(t, s, priv)
				cfg.Proxy = &Proxy{URL: tt.scheme + "://" + creds + proxy.Addr}
				pool := newTestPool(t, cfg)
				for range 3 {
					if err := runTrue(pool.Runner(s.addr)); err != nil {
						t.Fatalf("%s%s: %v", creds, proxy.Addr, err)
					}
				}
				if got := proxy.Targets(); !reflect.DeepEqual(got, []string{s.addr}) {
					t.Errorf("%s: tunnels = %q, want one to %s", creds, got, s.addr)
				}
				if creds == "" {
					continue
				}
				cfg.Proxy = &Proxy{URL: tt.scheme + "://proxyuser:wrong@" + proxy.Addr}
				err := runTrue(newTestPool(t, cfg).Runner(s.addr))
				he := asHostError(t, err, "proxy", "cannot connect through the proxy "+tt.scheme+"://"+proxy.Addr)
				if he.Transient {
					t.Errorf("refused credentials were taken for a transient failure: %v", err)
				}
				if strings.Contains(err.Error(), "wrong") {
					t.Errorf("the proxy password leaks: %v", err)
				}
			}
		})
	}
}

// NO_PROXY exempts hosts, as curl and Go read it.
func TestProxyApplies(t *testing.T) {
	d, err := parseProxy(&Proxy{URL: "socks5://p:1080", NoProxy: "localhost, .internal.example,db.example:2222,10.0.0.0/8,192.0.2.7,[2001:db8::1]"})
	if err != nil {
		t.Fatal(err)
	}
	for addr, want := range map[string]bool{
		"localhost:22":          false,
		"a.internal.example:22": false,
		"internal.example:22":   false,
		"db.example:2222":       false,
		"db.example:22":         true,
		"10.1.2.3:22":           false,
		"192.0.2.7:22":          false,
		"192.0.2.8:22":          true,
		"[2001:db8::1]:22":      false,
		"web1.example:22":       true,
	} {
		if got := d.applies(addr); got != want {
			t.Errorf("applies(%s) = %v, want %v", addr, got, want)
		}
	}
	all, _ := parseProxy(&Proxy{URL: "http://p", NoProxy: "*"})
	if all.applies("web1:22") {
		t.Error(`NO_PROXY "*" still proxies`)
	}
	if all.url.Host != "p:8080" {
		t.Errorf("default HTTP proxy port: %s", all.url.Host)
	}
}

func TestParseProxyErrors(t *testing.T) {
	for url, mention := range map[string]string{
		"ftp://p:21":         `the scheme "ftp" is not a proxy this provider speaks`,
		"socks5://":          "names no proxy host",
		"http://p:3128/path": "without a path",
		"http://[::1:3128":   "not a URL",
		"https://p:3128":     `the scheme "https"`,
	} {
		_, err := parseProxy(&Proxy{URL: url})
		wantConfigError(t, err, "proxy", mention)
	}
}

// A proxy that takes the connection and never answers is given up on
// within the timeout, for SOCKS5 and CONNECT alike.
func TestProxySilentIsBounded(t *testing.T) {
	priv, pub := newClientKey(t)
	s := startServer(t, pub)
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
			t.Cleanup(func() { _ = c.Close() })
		}
	}()
	for _, scheme := range []string{"socks5", "http"} {
		cfg := clientSetup(t, s, priv)
		cfg.Timeout = time.Second
		cfg.Proxy = &Proxy{URL: scheme + "://" + l.Addr().String()}
		start := time.Now()
		err := runTrue(newTestPool(t, cfg).Runner(s.addr))
		if elapsed := time.Since(start); elapsed > 3*time.Second {
			t.Errorf("%s: gave up after %s, want about the 1s timeout", scheme, elapsed)
		}
		if err == nil {
			t.Errorf("%s: a silent proxy let the command through", scheme)
		}
	}
}
