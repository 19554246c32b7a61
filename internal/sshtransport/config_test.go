package sshtransport

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
)

// testKeys are generated once per test binary: RSA generation is slow.
type testKeys struct {
	ed25519 ed25519.PrivateKey
	rsa     *rsa.PrivateKey
	ecdsa   *ecdsa.PrivateKey
}

var (
	keysOnce sync.Once
	keys     testKeys
)

func getKeys(t *testing.T) testKeys {
	t.Helper()
	keysOnce.Do(func() {
		var err error
		if _, keys.ed25519, err = ed25519.GenerateKey(rand.Reader); err != nil {
			panic(err)
		}
		if keys.rsa, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
		if keys.ecdsa, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
			panic(err)
		}
	})
	return keys
}

// openSSHPEM is the key as `ssh-keygen` writes it.
func openSSHPEM(t testing.TB, key any, passphrase string) string {
	t.Helper()
	var (
		block *pem.Block
		err   error
	)
	if passphrase == "" {
		block, err = ssh.MarshalPrivateKey(key, "test")
	} else {
		block, err = ssh.MarshalPrivateKeyWithPassphrase(key, "test", []byte(passphrase))
	}
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(block))
}

func pemBlock(typ string, der []byte) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}))
}

func pkcs8(t *testing.T, key any) string {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return pemBlock("PRIVATE KEY", der)
}

func sshPublic(t testing.TB, key any) ssh.PublicKey {
	t.Helper()
	signer, err := ssh.NewSignerFromKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return signer.PublicKey()
}

// settingOf names a hop's setting as the tests' tables do, and as
// ConfigError.Error() begins: "bastion private key", "timeout".
func settingOf(hop string, s Setting) string {
	if hop != "" {
		return hop + " " + s.String()
	}
	return s.String()
}

func wantConfigError(t *testing.T, err error, attribute string, mention ...string) {
	t.Helper()
	var ce *ConfigError
	if !errors.As(err, &ce) {
		t.Fatalf("err = %#v, want *ConfigError on %s", err, attribute)
	}
	if got := settingOf(ce.Hop, ce.Setting); got != attribute {
		t.Errorf("setting = %q, want %q (err: %v)", got, attribute, err)
	}
	if !strings.HasPrefix(err.Error(), attribute+": ") {
		t.Errorf("Error() = %q does not start with the attribute", err)
	}
	for _, m := range mention {
		if !strings.Contains(err.Error(), m) {
			t.Errorf("Error() = %q does not mention %q", err, m)
		}
	}
}

func TestParsePrivateKey(t *testing.T) {
	k := getKeys(t)
	ecDER, err := x509.MarshalECPrivateKey(k.ecdsa)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		what       string
		pem        string
		passphrase string
		pub        ssh.PublicKey
	}{
		{"ed25519 OpenSSH", openSSHPEM(t, k.ed25519, ""), "", sshPublic(t, k.ed25519)},
		{"rsa OpenSSH", openSSHPEM(t, k.rsa, ""), "", sshPublic(t, k.rsa)},
		{"ecdsa OpenSSH", openSSHPEM(t, k.ecdsa, ""), "", sshPublic(t, k.ecdsa)},
		{"rsa PKCS#1 PEM", pemBlock("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(k.rsa)), "", sshPublic(t, k.rsa)},
		{"rsa PKCS#8 PEM", pkcs8(t, k.rsa), "", sshPublic(t, k.rsa)},
		{"ed25519 PKCS#8 PEM", pkcs8(t, k.ed25519), "", sshPublic(t, k.ed25519)},
		{"ecdsa SEC1 PEM", pemBlock("EC PRIVATE KEY", ecDER), "", sshPublic(t, k.ecdsa)},
		{"encrypted ed25519 OpenSSH", openSSHPEM(t, k.ed25519, "s3cret"), "s3cret", sshPublic(t, k.ed25519)},
		// A passphrase meant for another key (say, from the environment)
		// does not break an unencrypted one.
		{"unencrypted with a stray passphrase", openSSHPEM(t, k.ed25519, ""), "stray", sshPublic(t, k.ed25519)},
		// Surrounding whitespace, as from a heredoc or file(), is harmless.
		{"with blank lines", "\n\n" + openSSHPEM(t, k.ed25519, "") + "\n", "", sshPublic(t, k.ed25519)},
	}
	for _, tt := range tests {
		signer, err := parsePrivateKey(tt.pem, tt.passphrase, "")
		if err != nil {
			t.Errorf("%s: %v", tt.what, err)
			continue
		}
		if !bytes.Equal(signer.PublicKey().Marshal(), tt.pub.Marshal()) {
			t.Errorf("%s: parsed a different key", tt.what)
		}
	}
}

func TestParsePrivateKeyErrors(t *testing.T) {
	k := getKeys(t)
	encrypted := openSSHPEM(t, k.ed25519, "s3cret")
	tests := []struct {
		what, pem, passphrase string
		attribute             string
		mention               []string
	}{
		{"encrypted, no passphrase", encrypted, "", "private key passphrase", []string{"encrypted"}},
		{"encrypted, wrong passphrase", encrypted, "wrong", "private key passphrase", []string{"does not decrypt"}},
		{"garbage", "not a key", "", "private key", []string{"cannot parse"}},
		{"garbage with a passphrase", "not a key", "x", "private key", []string{"cannot parse"}},
		{"public key instead", string(ssh.MarshalAuthorizedKey(sshPublic(t, k.ed25519))), "", "private key", []string{"cannot parse"}},
		{"truncated", encrypted[:len(encrypted)/2], "s3cret", "private key", []string{"cannot parse"}},
	}
	for _, tt := range tests {
		t.Run(tt.what, func(t *testing.T) {
			_, err := parsePrivateKey(tt.pem, tt.passphrase, "")
			wantConfigError(t, err, tt.attribute, tt.mention...)
			// The key itself must never end up in an error message.
			if strings.Contains(err.Error(), "PRIVATE KEY") || (tt.passphrase != "" && strings.Contains(err.Error(), tt.passphrase)) {
				t.Errorf("error leaks a secret: %q", err)
			}
		})
	}
}

// serveAgent runs an ssh-agent holding key on a unix socket, for as long as
// the test runs.
func serveAgent(t *testing.T, keys ...any) string {
	t.Helper()
	keyring := agent.NewKeyring()
	for _, key := range keys {
		if err := keyring.Add(agent.AddedKey{PrivateKey: key}); err != nil {
			t.Fatal(err)
		}
	}
	sock := filepath.Join(t.TempDir(), "agent.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				_ = agent.ServeAgent(keyring, c)
				_ = c.Close()
			}()
		}
	}()
	t.Cleanup(func() {
		_ = l.Close()
		wg.Wait()
	})
	return sock
}

func TestAuthMethods(t *testing.T) {
	k := getKeys(t)
	key := openSSHPEM(t, k.ed25519, "")
	tests := []struct {
		what string
		cfg  Config
		n    int
	}{
		{"private key", Config{PrivateKey: key}, 1},
		{"password: password and keyboard-interactive", Config{Password: "pw"}, 2},
		{"key and password", Config{PrivateKey: key, Password: "pw"}, 3},
		// An agent socket alone does nothing unless agent is on.
		{"agent off", Config{PrivateKey: key, AgentSocket: "/nonexistent/agent.sock"}, 1},
	}
	for _, tt := range tests {
		methods, closeFn, err := tt.cfg.authMethods()
		if err != nil {
			t.Errorf("%s: %v", tt.what, err)
			continue
		}
		if len(methods) != tt.n {
			t.Errorf("%s: %d methods, want %d", tt.what, len(methods), tt.n)
		}
		if err := closeFn(); err != nil {
			t.Errorf("%s: close: %v", tt.what, err)
		}
	}
}

func TestAuthMethodsAgent(t *testing.T) {
	k := getKeys(t)
	sock := serveAgent(t, k.ed25519)
	methods, closeFn, err := Config{Agent: true, AgentSocket: sock}.authMethods()
	if err != nil {
		t.Fatal(err)
	}
	if len(methods) != 1 {
		t.Errorf("%d methods, want 1", len(methods))
	}
	// The agent connection is held until the pool closes.
	if err := closeFn(); err != nil {
		t.Errorf("close: %v", err)
	}
}

func TestAuthMethodsErrors(t *testing.T) {
	k := getKeys(t)
	missing := filepath.Join(t.TempDir(), "no-agent.sock")
	tests := []struct {
		what      string
		cfg       Config
		attribute string
		mention   []string
	}{
		{"nothing", Config{}, "private key", []string{"no way to authenticate"}},
		{"agent without socket", Config{Agent: true}, "ssh-agent", []string{"SSH_AUTH_SOCK"}},
		{"agent without socket, with a key", Config{Agent: true, PrivateKey: openSSHPEM(t, k.ed25519, "")}, "ssh-agent", []string{"SSH_AUTH_SOCK"}},
		{"agent socket missing", Config{Agent: true, AgentSocket: missing}, "ssh-agent", []string{missing}},
		{"encrypted key", Config{PrivateKey: openSSHPEM(t, k.ed25519, "pw")}, "private key passphrase", nil},
	}
	for _, tt := range tests {
		t.Run(tt.what, func(t *testing.T) {
			methods, closeFn, err := tt.cfg.authMethods()
			wantConfigError(t, err, tt.attribute, tt.mention...)
			if methods != nil || closeFn != nil {
				t.Error("methods returned along with an error")
			}
		})
	}
}

func TestUsesSudo(t *testing.T) {
	tests := []struct {
		cfg                     Config
		usesSudo, passwordStdin bool
	}{
		{Config{}, false, false},
		{Config{Sudo: true}, true, false},
		// A password implies sudo, and goes to standard input.
		{Config{SudoPassword: "pw"}, true, true},
		{Config{Sudo: true, SudoPassword: "pw"}, true, true},
	}
	for _, tt := range tests {
		if got := tt.cfg.UsesSudo(); got != tt.usesSudo {
			t.Errorf("%+v.UsesSudo() = %v, want %v", tt.cfg, got, tt.usesSudo)
		}
		if got := tt.cfg.SudoPasswordOnStdin(); got != tt.passwordStdin {
			t.Errorf("%+v.SudoPasswordOnStdin() = %v, want %v", tt.cfg, got, tt.passwordStdin)
		}
	}
}

func TestConfigErrorUnwraps(t *testing.T) {
	inner := errors.New("inner")
	err := error(&ConfigError{Setting: SettingTimeout, Err: inner})
	if !errors.Is(err, inner) || err.Error() != "timeout: inner" {
		t.Errorf("err = %q", err)
	}
}

func TestNewPool(t *testing.T) {
	k := getKeys(t)
	key := openSSHPEM(t, k.ed25519, "")
	hostKey := string(ssh.MarshalAuthorizedKey(sshPublic(t, k.ed25519)))
	good := Config{User: "root", PrivateKey: key, Timeout: time.Second}
	tests := []struct {
		what      string
		edit      func(c *Config)
		attribute string // "" when the pool must be built
	}{
		{"minimal", func(c *Config) {}, ""},
		{"pinned host key", func(c *Config) { c.HostKey = hostKey }, ""},
		{"pinned host key with comment", func(c *Config) { c.HostKey = strings.TrimSpace(hostKey) + " root@host" }, ""},
		{"zero timeout", func(c *Config) { c.Timeout = 0 }, "timeout"},
		{"negative timeout", func(c *Config) { c.Timeout = -time.Second }, "timeout"},
		{"no user", func(c *Config) { c.User = "" }, "user"},
		{"bad host key", func(c *Config) { c.HostKey = "ssh-ed25519 notbase64" }, "pinned host key"},
		{"private key as host key", func(c *Config) { c.HostKey = key }, "pinned host key"},
		{"two host keys", func(c *Config) { c.HostKey = hostKey + hostKey }, "pinned host key"},
		{"no auth", func(c *Config) { c.PrivateKey = "" }, "private key"},
		{"wrong passphrase", func(c *Config) {
			c.PrivateKey, c.PrivateKeyPassphrase = openSSHPEM(t, k.ed25519, "right"), "wrong"
		}, "private key passphrase"},
	}
	for _, tt := range tests {
		t.Run(tt.what, func(t *testing.T) {
			cfg := good
			tt.edit(&cfg)
			pool, err := NewPool(cfg)
			if tt.attribute == "" {
				if err != nil {
					t.Fatal(err)
				}
				if err := pool.Close(); err != nil {
					t.Errorf("Close: %v", err)
				}
				return
			}
			if pool != nil {
				t.Error("pool returned along with an error")
			}
			wantConfigError(t, err, tt.attribute)
		})
	}
}

func TestKnownHostsDefault(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	if got, want := knownHostsDefault(), home+"/.ssh/known_hosts"; got != want {
		t.Errorf("knownHostsDefault() = %q, want %q", got, want)
	}
	hk, err := newHostKeys(Config{})
	if err != nil {
		t.Fatal(err)
	}
	if hk.file != home+"/.ssh/known_hosts" {
		t.Errorf("default known_hosts file = %q", hk.file)
	}
}
