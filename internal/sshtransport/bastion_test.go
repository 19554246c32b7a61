package sshtransport

import (
	"context"
	"errors"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/systemd-tf/terraform-provider-systemd/internal/systemd"
	"github.com/systemd-tf/terraform-provider-systemd/internal/testhosts"
)

// These tests run the Pool through a bastion: two in-process SSH servers,
// the bastion serving direct-tcpip by dialing the target itself, as sshd
// does.

// bastionSetup is a Config for target t reached through bastion b, both
// pinned, logging in to the bastion as "jump".
func bastionSetup(t *testing.T, b, target *fakeServer, key any) Config {
	t.Helper()
	cfg := Config{
		User:       "deploy",
		PrivateKey: openSSHPEM(t, key, ""),
		HostKey:    string(ssh.MarshalAuthorizedKey(target.signer.PublicKey())),
		Timeout:    2 * time.Second,
		Bastion: &Bastion{
			Addr:       b.addr,
			User:       "jump",
			PrivateKey: openSSHPEM(t, key, ""),
			HostKey:    string(ssh.MarshalAuthorizedKey(b.signer.PublicKey())),
		},
	}
	return cfg
}

func runTrue(r systemd.Runner) error {
	_, err := r.Run(context.Background(), systemd.Command{Argv: []string{"true"}})
	return err
}

func TestPoolBastionTunnels(t *testing.T) {
	priv, pub := newClientKey(t)
	bastion, target, other := startServer(t, pub), startServer(t, pub), startServer(t, pub)
	target.setHandle(func(string) answer { return answer{stdout: "target"} })
	cfg := bastionSetup(t, bastion, target, priv)
	// One known_hosts file for both targets, none of the bastion: the
	// bastion is checked against its own pin.
	cfg.HostKey = ""
	cfg.KnownHostsFile = writeKnownHosts(t, knownLine(target.addr, target.signer.PublicKey()), knownLine(other.addr, other.signer.PublicKey()))
	p := newTestPool(t, cfg)

	for i := 0; i < 2; i++ {
		res, err := p.Runner(target.addr).Run(context.Background(), systemd.Command{Argv: []string{"echo"}})
		if err != nil || string(res.Stdout) != "target" {
			t.Fatalf("Run through the bastion = %q, %v", res.Stdout, err)
		}
	}
	if err := runTrue(p.Runner(other.addr)); err != nil {
		t.Fatalf("second target: %v", err)
	}
	// The commands ran on the targets, as their user; the bastion ran none,
	// and opened one tunnel per target, for its own user.
	if rec := target.records(); len(rec) != 2 || rec[0].user != "deploy" {
		t.Errorf("target saw %+v", rec)
	}
	if rec := bastion.records(); len(rec) != 0 {
		t.Errorf("the bastion ran commands: %+v", rec)
	}
	want := []tunnelRecord{{"jump", target.addr}, {"jump", other.addr}}
	if got := bastion.tunnelRecords(); len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("tunnels = %+v, want %+v", got, want)
	}
	// One connection to the bastion for the whole pool, one per target.
	if b, tg, o := bastion.dials.Load(), target.dials.Load(), other.dials.Load(); b != 1 || tg != 1 || o != 1 {
		t.Errorf("connections: bastion %d, target %d, other %d; want 1 each", b, tg, o)
	}
}

func TestPoolBastionConcurrentDialsShareOneBastionConnection(t *testing.T) {
	priv, pub := newClientKey(t)
	bastion := startServer(t, pub)
	var targets []*fakeServer
	var known []string
	for i := 0; i < 4; i++ {
		s := startServer(t, pub)
		targets = append(targets, s)
		known = append(known, knownLine(s.addr, s.signer.PublicKey()))
	}
	cfg := bastionSetup(t, bastion, targets[0], priv)
	cfg.HostKey, cfg.KnownHostsFile = "", writeKnownHosts(t, known...)
	p := newTestPool(t, cfg)
	var wg sync.WaitGroup
	errs := make(chan error, 3*len(targets))
	for i := 0; i < 3; i++ {
		for _, s := range targets {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs <- runTrue(p.Runner(s.addr))
			}()
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if n := bastion.dials.Load(); n != 1 {
		t.Errorf("%d connections to the bastion, want 1", n)
	}
	if n := len(bastion.tunnelRecords()); n != len(targets) {
		t.Errorf("%d tunnels, want one per target (%d)", n, len(targets))
	}
}

func TestPoolBastionReconnects(t *testing.T) {
	priv, pub := newClientKey(t)
	bastion, target := startServer(t, pub), startServer(t, pub)
	p := newTestPool(t, bastionSetup(t, bastion, target, priv))
	r := p.Runner(target.addr)
	if err := runTrue(r); err != nil {
		t.Fatal(err)
	}
	// The bastion drops its connections, which takes the tunnel, and so
	// the target's connection, with it.
	for drop := 1; drop <= 2; drop++ {
		bastion.dropAll()
		if drop == 2 {
			time.Sleep(50 * time.Millisecond) // once the client has read the EOF
		}
		if err := runTrue(r); err != nil {
			t.Fatalf("after drop %d: %v", drop, err)
		}
		if n := bastion.dials.Load(); n != int32(drop+1) {
			t.Errorf("after drop %d: %d connections to the bastion, want %d", drop, n, drop+1)
		}
	}
	if err := runTrue(r); err != nil {
		t.Fatal(err)
	}
	if n := bastion.dials.Load(); n != 3 {
		t.Errorf("%d connections to the bastion, want the new one reused", n)
	}
}

// A target connection that died while the bastion's lives is replaced by a
// new tunnel over the same bastion connection.
func TestPoolBastionTargetReconnects(t *testing.T) {
	priv, pub := newClientKey(t)
	bastion, target := startServer(t, pub), startServer(t, pub)
	r := newTestPool(t, bastionSetup(t, bastion, target, priv)).Runner(target.addr)
	if err := runTrue(r); err != nil {
		t.Fatal(err)
	}
	target.dropAll()
	time.Sleep(50 * time.Millisecond)
	if err := runTrue(r); err != nil {
		t.Fatal(err)
	}
	if b, tg := bastion.dials.Load(), target.dials.Load(); b != 1 || tg != 2 {
		t.Errorf("connections: bastion %d, target %d; want 1 and 2", b, tg)
	}
}

func TestPoolBastionHostKeys(t *testing.T) {
	priv, pub := newClientKey(t)
	bastion, target := startServer(t, pub), startServer(t, pub)
	stranger := newHostPublicKey(t)
	emptyKnownHosts := writeKnownHosts(t)
	tests := []struct {
		what      string
		edit      func(c *Config)
		hop       string // which host's key is refused
		attribute string
		mention   []string
	}{
		{"bastion unknown", func(c *Config) { c.Bastion.HostKey, c.Bastion.KnownHostsFile = "", emptyKnownHosts },
			"bastion", "bastion known_hosts file", []string{"host key of bastion " + bastion.addr + " is unknown", emptyKnownHosts}},
		{"bastion changed", func(c *Config) { c.Bastion.HostKey = string(ssh.MarshalAuthorizedKey(stranger)) },
			"bastion", "bastion pinned host key", []string{"host key of bastion " + bastion.addr + " has CHANGED", "pin it instead"}},
		{"bastion missing file", func(c *Config) {
			c.Bastion.HostKey, c.Bastion.KnownHostsFile = "", filepath.Join(t.TempDir(), "none")
		}, "bastion", "bastion known_hosts file", []string{"does not exist"}},
		// The target is checked against the provider's settings, under its
		// own address, though it is reached through the bastion.
		{"target changed", func(c *Config) { c.HostKey = string(ssh.MarshalAuthorizedKey(stranger)) },
			"", "pinned host key", []string{"host key of " + target.addr + " has CHANGED"}},
		{"target unknown", func(c *Config) {
			c.HostKey, c.KnownHostsFile = "", writeKnownHosts(t, knownLine(bastion.addr, bastion.signer.PublicKey()))
		}, "", "known_hosts file", []string{"host key of " + target.addr + " is unknown"}},
	}
	for _, tt := range tests {
		t.Run(tt.what, func(t *testing.T) {
			cfg := bastionSetup(t, bastion, target, priv)
			tt.edit(&cfg)
			tunnels, targetRuns := len(bastion.tunnelRecords()), len(target.records())
			err := runTrue(newTestPool(t, cfg).Runner(target.addr))
			var he *HostKeyError
			if !errors.As(err, &he) {
				t.Fatalf("err = %#v, want *HostKeyError", err)
			}
			if he.Hop != tt.hop || settingOf(he.Hop, he.Setting()) != tt.attribute {
				t.Errorf("Hop, Setting = %q, %q; want %q, %q", he.Hop, he.Setting(), tt.hop, tt.attribute)
			}
			for _, m := range tt.mention {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("Error() does not mention %q:\n%s", m, err)
				}
			}
			if tt.hop == "bastion" && len(bastion.tunnelRecords()) != tunnels {
				t.Error("a tunnel was opened through a bastion that failed its key check")
			}
			if len(target.records()) != targetRuns {
				t.Error("a command ran on the target")
			}
		})
	}
}

func TestPoolBastionErrors(t *testing.T) {
	priv, pub := newClientKey(t)
	other, _ := newClientKey(t)
	bastion, target := startServer(t, pub), startServer(t, pub)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := l.Addr().String()
	_ = l.Close()
	tests := []struct {
		what       string
		edit       func(c *Config)
		prohibited bool
		target     string // default: target.addr
		hop        string
		attribute  string
		mention    []string
	}{
		{"bastion unreachable", func(c *Config) { c.Bastion.Addr = closed }, false, "",
			"bastion", "bastion host", []string{"bastion " + closed + ": cannot connect"}},
		{"bastion refuses the key", func(c *Config) { c.Bastion.PrivateKey = openSSHPEM(t, other, "") }, false, "",
			"bastion", "bastion user", []string{"bastion " + bastion.addr + ": ", `authentication as "jump" failed`}},
		{"bastion refuses the password", func(c *Config) { c.Bastion.PrivateKey, c.Bastion.Password = "", "nope" }, false, "",
			"bastion", "bastion user", []string{"bastion " + bastion.addr + ": ", `authentication as "jump" failed`}},
		{"target refuses the key", func(c *Config) { c.PrivateKey = openSSHPEM(t, other, "") }, false, "",
			"", "user", []string{target.addr + ": ", `authentication as "deploy" failed`}},
		{"target unreachable from the bastion", func(c *Config) {}, false, closed,
			"", "host", []string{closed + ": cannot connect through bastion " + bastion.addr, "connect failed"}},
		{"forwarding prohibited", func(c *Config) {}, true, "",
			"bastion", "bastion host", []string{"bastion " + bastion.addr + ": refuses to forward", "AllowTcpForwarding"}},
	}
	for _, tt := range tests {
		t.Run(tt.what, func(t *testing.T) {
			bastion.noForwarding.Store(tt.prohibited)
			defer bastion.noForwarding.Store(false)
			cfg := bastionSetup(t, bastion, target, priv)
			tt.edit(&cfg)
			addr := target.addr
			if tt.target != "" {
				addr = tt.target
			}
			err := runTrue(newTestPool(t, cfg).Runner(addr))
			he := asHostError(t, err, tt.attribute, tt.mention...)
			if he.Hop != tt.hop {
				t.Errorf("Hop = %q, want %q (err: %v)", he.Hop, tt.hop, err)
			}
			if cfg.Bastion.Password != "" && strings.Contains(err.Error(), cfg.Bastion.Password) {
				t.Errorf("error leaks the password: %v", err)
			}
		})
	}
}

func TestPoolBastionTimeouts(t *testing.T) {
	priv, pub := newClientKey(t)
	bastion, target := startServer(t, pub), startServer(t, pub)
	silent := testhosts.SilentPeer(t)
	tests := []struct {
		what    string
		edit    func(c *Config)
		target  string
		hop     string
		mention string
	}{
		{"bastion handshake", func(c *Config) { c.Bastion.Addr, c.Bastion.InsecureIgnoreHostKey = silent, true }, target.addr,
			"bastion", "bastion " + silent + ": SSH handshake did not finish within 1s"},
		// The tunnel has no socket deadlines: the watchdog bounds it.
		{"tunnelled handshake", func(c *Config) { c.InsecureIgnoreHostKey = true }, silent,
			"", silent + ": SSH handshake did not finish within 1s"},
	}
	for _, tt := range tests {
		t.Run(tt.what, func(t *testing.T) {
			cfg := bastionSetup(t, bastion, target, priv)
			cfg.Timeout = time.Second
			tt.edit(&cfg)
			start := time.Now()
			err := runTrue(newTestPool(t, cfg).Runner(tt.target))
			elapsed := time.Since(start)
			he := asHostError(t, err, settingOf(tt.hop, SettingTimeout), tt.mention)
			if he.Hop != tt.hop {
				t.Errorf("Hop = %q, want %q", he.Hop, tt.hop)
			}
			if elapsed < cfg.Timeout || elapsed > cfg.Timeout+time.Second {
				t.Errorf("gave up after %v, want about %v", elapsed, cfg.Timeout)
			}
		})
	}
}

func TestPoolBastionCanceled(t *testing.T) {
	priv, pub := newClientKey(t)
	bastion := startServer(t, pub)
	silent := testhosts.SilentPeer(t)
	cfg := bastionSetup(t, bastion, bastion, priv)
	cfg.InsecureIgnoreHostKey = true
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	time.AfterFunc(200*time.Millisecond, cancel)
	start := time.Now()
	_, err := newTestPool(t, cfg).Runner(silent).Run(ctx, systemd.Command{Argv: []string{"true"}})
	wantHostError(t, err, "", "interrupted")
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want it to wrap context.Canceled", err)
	}
	if time.Since(start) > time.Second {
		t.Errorf("the tunnelled handshake ignored the cancellation for %v", time.Since(start))
	}
}

func TestNewPoolBastion(t *testing.T) {
	k := getKeys(t)
	key := openSSHPEM(t, k.ed25519, "")
	good := func() Config {
		return Config{User: "root", PrivateKey: key, Timeout: time.Second,
			Bastion: &Bastion{Addr: "127.0.0.1:22", User: "jump", PrivateKey: key}}
	}
	tests := []struct {
		what      string
		edit      func(c *Config)
		attribute string // "" when the pool must be built
	}{
		{"minimal", func(c *Config) {}, ""},
		{"password only", func(c *Config) { c.Bastion.PrivateKey, c.Bastion.Password = "", "pw" }, ""},
		{"no address", func(c *Config) { c.Bastion.Addr = "" }, "bastion host"},
		{"no user", func(c *Config) { c.Bastion.User = "" }, "bastion user"},
		{"no auth", func(c *Config) { c.Bastion.PrivateKey = "" }, "bastion private key"},
		{"garbage key", func(c *Config) { c.Bastion.PrivateKey = "nope" }, "bastion private key"},
		{"encrypted key", func(c *Config) { c.Bastion.PrivateKey = openSSHPEM(t, k.ed25519, "pw") }, "bastion private key passphrase"},
		{"encrypted key with passphrase", func(c *Config) {
			c.Bastion.PrivateKey, c.Bastion.PrivateKeyPassphrase = openSSHPEM(t, k.ed25519, "pw"), "pw"
		}, ""},
		{"bad host key", func(c *Config) { c.Bastion.HostKey = "ssh-ed25519 notbase64" }, "bastion pinned host key"},
		{"agent without socket", func(c *Config) { c.Bastion.Agent = true }, "ssh-agent"},
		{"certificate of another key", func(c *Config) {
			c.Bastion.Certificate = string(ssh.MarshalAuthorizedKey(signCert(t, newCA(t), sshPublic(t, k.rsa), ssh.UserCert, time.Hour)))
		}, "bastion certificate"},
	}
	for _, tt := range tests {
		t.Run(tt.what, func(t *testing.T) {
			cfg := good()
			tt.edit(&cfg)
			pool, err := NewPool(cfg)
			if tt.attribute == "" {
				if err != nil {
					t.Fatal(err)
				}
				_ = pool.Close()
				return
			}
			if pool != nil {
				t.Error("pool returned along with an error")
			}
			wantConfigError(t, err, tt.attribute)
		})
	}
}

func TestHostErrorNamesTheHop(t *testing.T) {
	err := &HostError{Hop: "bastion", Addr: "127.0.0.1:2222", Err: errors.New("cannot connect")}
	if got := err.Error(); got != "bastion 127.0.0.1:2222: cannot connect" {
		t.Errorf("Error() = %q", got)
	}
}
