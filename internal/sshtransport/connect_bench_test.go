package sshtransport

import (
	"testing"

	"golang.org/x/crypto/ssh"

	"github.com/systemd-tf/terraform-provider-systemd/internal/testhosts"
)

// BenchmarkFirstConnection is a pool's first command on a host, from
// nothing: the dial, every hop's handshake and login, the session. Each
// way of reaching the host is one sub-benchmark; logins/op counts the SSH
// logins the servers saw per pool (one per hop is the goal). make bench
// renders it into BENCHMARKS.md.
func BenchmarkFirstConnection(b *testing.B) {
	priv, pub := newClientKey(b)
	target := startServer(b, pub)
	hop1, hop2 := startServer(b, pub), startServer(b, pub)
	socks, httpProxy := testhosts.StartSOCKS5(b, "", ""), testhosts.StartHTTPConnect(b, "", "")
	pin := func(s *fakeServer) string { return string(ssh.MarshalAuthorizedKey(s.signer.PublicKey())) }
	jump := func(s *fakeServer) *Bastion {
		return &Bastion{Addr: s.addr, User: "jump", PrivateKey: openSSHPEM(b, priv, ""), HostKey: pin(s)}
	}
	for _, bb := range []struct {
		name    string
		edit    func(*Config)
		servers []*fakeServer
	}{
		{"direct", func(*Config) {}, []*fakeServer{target}},
		{"socks5", func(c *Config) { c.Proxy = &Proxy{URL: "socks5://" + socks.Addr} }, []*fakeServer{target}},
		{"http_connect", func(c *Config) { c.Proxy = &Proxy{URL: "http://" + httpProxy.Addr} }, []*fakeServer{target}},
		{"one_bastion", func(c *Config) { c.Bastion = jump(hop1) }, []*fakeServer{hop1, target}},
		{"two_bastions", func(c *Config) {
			c.Bastion = jump(hop1)
			c.Bastion.Next = jump(hop2)
		}, []*fakeServer{hop1, hop2, target}},
	} {
		b.Run(bb.name, func(b *testing.B) {
			cfg := clientSetup(b, target, priv)
			bb.edit(&cfg)
			before := int32(0)
			for _, s := range bb.servers {
				before += s.dials.Load()
			}
			pools := 0
			b.ResetTimer()
			for b.Loop() {
				p, err := NewPool(cfg)
				if err != nil {
					b.Fatal(err)
				}
				for range 3 {
					if err := runTrue(p.Runner(target.addr)); err != nil {
						b.Fatal(err)
					}
				}
				_ = p.Close()
				pools++
			}
			b.StopTimer()
			logins := int32(0)
			for _, s := range bb.servers {
				logins += s.dials.Load()
			}
			b.ReportMetric(float64(logins-before)/float64(pools), "logins/op")
		})
	}
}
