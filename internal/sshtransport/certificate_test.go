package sshtransport

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/systemd-tf/terraform-provider-systemd/internal/systemd"
)

func newCA(t *testing.T) ssh.Signer {
	t.Helper()
	key, _ := newClientKey(t)
	signer, err := ssh.NewSignerFromKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return signer
}

// signCert certifies pub for the principals root and deploy, valid from a
// minute ago for validity (negative: expired that long ago).
func signCert(t *testing.T, ca ssh.Signer, pub ssh.PublicKey, certType uint32, validity time.Duration) *ssh.Certificate {
	t.Helper()
	now := time.Now()
	after, before := now.Add(-time.Minute), now.Add(validity)
	if validity < 0 {
		after = before.Add(-time.Hour)
	}
	cert := &ssh.Certificate{
		Key:             pub,
		CertType:        certType,
		KeyId:           "test-cert",
		ValidPrincipals: []string{"root", "deploy"},
		ValidAfter:      uint64(after.Unix()),
		ValidBefore:     uint64(before.Unix()),
	}
	if err := cert.SignCert(rand.Reader, ca); err != nil {
		t.Fatal(err)
	}
	return cert
}

func certText(c *ssh.Certificate) string { return string(ssh.MarshalAuthorizedKey(c)) }

// startCertServer accepts only user certificates signed by ca, as sshd with
// TrustedUserCAKeys and no authorized_keys.
func startCertServer(t *testing.T, ca ssh.PublicKey) *fakeServer {
	t.Helper()
	checker := &ssh.CertChecker{
		IsUserAuthority: func(auth ssh.PublicKey) bool { return bytes.Equal(auth.Marshal(), ca.Marshal()) },
	}
	host, _ := newClientKey(t)
	hostSigner, err := ssh.NewSignerFromKey(host)
	if err != nil {
		t.Fatal(err)
	}
	return serveSSH(t, &ssh.ServerConfig{PublicKeyCallback: checker.Authenticate}, hostSigner)
}

func TestParseCertificate(t *testing.T) {
	ca := newCA(t)
	_, pub := newClientKey(t)
	tests := []struct {
		what, text string
		mention    string // "" for success
	}{
		{"user certificate", certText(signCert(t, ca, pub, ssh.UserCert, time.Hour)), ""},
		{"with surrounding blank lines", "\n" + certText(signCert(t, ca, pub, ssh.UserCert, time.Hour)) + "\n\n", ""},
		{"plain public key", string(ssh.MarshalAuthorizedKey(pub)), "not a certificate"},
		{"host certificate", certText(signCert(t, ca, pub, ssh.HostCert, time.Hour)), "host certificate"},
		{"expired", certText(signCert(t, ca, pub, ssh.UserCert, -time.Minute)), "expired at"},
		{"garbage", "ssh-ed25519-cert-v01@openssh.com AAAA", "authorized_keys format"},
		{"a private key", openSSHPEM(t, getKeys(t).ed25519, ""), "authorized_keys format"},
		{"two certificates", certText(signCert(t, ca, pub, ssh.UserCert, time.Hour)) + certText(signCert(t, ca, pub, ssh.UserCert, time.Hour)), "more than one"},
	}
	for _, tt := range tests {
		t.Run(tt.what, func(t *testing.T) {
			cert, err := parseCertificate(tt.text, "")
			if tt.mention == "" {
				if err != nil || cert == nil {
					t.Fatalf("parseCertificate = %v, %v", cert, err)
				}
				return
			}
			wantConfigError(t, err, "certificate", tt.mention)
			if strings.Contains(err.Error(), "PRIVATE KEY") {
				t.Errorf("error leaks a private key: %v", err)
			}
		})
	}
}

func TestAuthMethodsCertificate(t *testing.T) {
	ca := newCA(t)
	k := getKeys(t)
	key := openSSHPEM(t, k.ed25519, "")
	cert := certText(signCert(t, ca, sshPublic(t, k.ed25519), ssh.UserCert, time.Hour))
	otherCert := certText(signCert(t, ca, sshPublic(t, k.rsa), ssh.UserCert, time.Hour))
	agentWithKey := serveAgent(t, k.ed25519)
	agentWithOther := serveAgent(t, k.rsa)
	tests := []struct {
		what      string
		cfg       Config
		attribute string // "" for success
		mention   []string
	}{
		{"key and its certificate", Config{PrivateKey: key, Certificate: cert}, "", nil},
		{"agent holding the certified key", Config{Agent: true, AgentSocket: agentWithKey, Certificate: cert}, "", nil},
		{"key, its certificate and an agent", Config{PrivateKey: key, Certificate: cert, Agent: true, AgentSocket: agentWithOther}, "", nil},
		{"certificate of another key", Config{PrivateKey: key, Certificate: otherCert}, "certificate",
			[]string{"certifies the key ssh-rsa SHA256:", "the private key is ssh-ed25519 SHA256:"}},
		{"certificate alone", Config{Certificate: cert, Password: "pw"}, "certificate", []string{"needs its private key"}},
		{"agent without the certified key", Config{Agent: true, AgentSocket: agentWithOther, Certificate: cert}, "certificate",
			[]string{"does not hold", "ssh-add"}},
	}
	for _, tt := range tests {
		t.Run(tt.what, func(t *testing.T) {
			methods, closeFn, err := tt.cfg.authMethods()
			if tt.attribute == "" {
				if err != nil {
					t.Fatal(err)
				}
				if len(methods) != 1 {
					t.Errorf("%d methods, want one publickey method", len(methods))
				}
				_ = closeFn()
				return
			}
			wantConfigError(t, err, tt.attribute, tt.mention...)
			if strings.Contains(err.Error(), "PRIVATE KEY") {
				t.Errorf("error leaks the key: %v", err)
			}
		})
	}
}

func TestPoolCertificate(t *testing.T) {
	ca := newCA(t)
	k := getKeys(t)
	s := startCertServer(t, ca.PublicKey())
	s.setHandle(func(string) answer { return answer{stdout: "ok"} })
	cert := certText(signCert(t, ca, sshPublic(t, k.ed25519), ssh.UserCert, time.Hour))
	base := Config{User: "deploy", HostKey: string(ssh.MarshalAuthorizedKey(s.signer.PublicKey())), Timeout: 2 * time.Second}
	tests := []struct {
		what string
		edit func(c *Config)
		ok   bool
	}{
		{"key with its certificate", func(c *Config) { c.PrivateKey, c.Certificate = openSSHPEM(t, k.ed25519, ""), cert }, true},
		{"agent key with its certificate", func(c *Config) { c.Agent, c.AgentSocket, c.Certificate = true, serveAgent(t, k.ed25519), cert }, true},
		{"key without the certificate", func(c *Config) { c.PrivateKey = openSSHPEM(t, k.ed25519, "") }, false},
		{"certificate for another principal", func(c *Config) {
			c.User, c.PrivateKey, c.Certificate = "operator", openSSHPEM(t, k.ed25519, ""), cert
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.what, func(t *testing.T) {
			cfg := base
			tt.edit(&cfg)
			res, err := newTestPool(t, cfg).Runner(s.addr).Run(context.Background(), systemd.Command{Argv: []string{"true"}})
			if tt.ok {
				if err != nil || string(res.Stdout) != "ok" {
					t.Fatalf("Run = %q, %v", res.Stdout, err)
				}
				return
			}
			wantHostError(t, err, "user", "authentication as", "failed")
		})
	}
}

// x/crypto tries every method name once: the private key and the agent's
// keys must be offered within one publickey method, or the agent's are
// never tried after the key is refused.
func TestPoolAgentKeysAfterARefusedKey(t *testing.T) {
	agentKey, pub := newClientKey(t)
	wrong, _ := newClientKey(t)
	s := startServer(t, pub)
	cfg := clientSetup(t, s, wrong)
	cfg.Agent, cfg.AgentSocket = true, serveAgent(t, agentKey)
	if err := runTrue(newTestPool(t, cfg).Runner(s.addr)); err != nil {
		t.Fatalf("Run: %v", err)
	}
}

func TestBastionCredentialsNameTheBlock(t *testing.T) {
	_, err := Bastion{PrivateKey: "nope"}.credentials().authMethods(nil)
	var ce *ConfigError
	if !errors.As(err, &ce) || settingOf(ce.Hop, ce.Setting) != "bastion private key" {
		t.Errorf("err = %v, want a ConfigError on bastion.private_key", err)
	}
}
