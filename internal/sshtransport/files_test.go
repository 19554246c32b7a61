package sshtransport

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
)

// Identity files are offered in order; one that does not exist, or that
// the passphrase does not open, is skipped, as ssh skips it.
func TestIdentityFiles(t *testing.T) {
	k := getKeys(t)
	priv, pub := newClientKey(t)
	s := startServer(t, pub)
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	missing := filepath.Join(dir, "missing")
	locked := write("locked", openSSHPEM(t, k.ed25519, "other passphrase"))
	good := write("good", openSSHPEM(t, priv, ""))

	cfg := clientSetup(t, s, priv)
	cfg.PrivateKey, cfg.IdentityFiles = "", []string{missing, locked, good}
	if err := runTrue(newTestPool(t, cfg).Runner(s.addr)); err != nil {
		t.Fatalf("Run with the third identity file: %v", err)
	}

	cfg.IdentityFiles = []string{missing, locked}
	_, err := NewPool(cfg)
	wantConfigError(t, err, "private key", "no identity file could be used", missing+": does not exist", locked+": the private key is encrypted")
}

// A certificate beside an identity file (FILE-cert.pub) is offered with it.
func TestIdentityFileCertificate(t *testing.T) {
	k := getKeys(t)
	dir := t.TempDir()
	key := filepath.Join(dir, "id")
	if err := os.WriteFile(key, []byte(openSSHPEM(t, k.ed25519, "")), 0o600); err != nil {
		t.Fatal(err)
	}
	cert := signCert(t, newCA(t), sshPublic(t, k.ed25519), ssh.UserCert, time.Hour)
	if err := os.WriteFile(key+"-cert.pub", ssh.MarshalAuthorizedKey(cert), 0o644); err != nil {
		t.Fatal(err)
	}
	signers, skipped := credentials{files: []string{key}}.identityFiles()
	if len(skipped) != 0 || len(signers) != 2 {
		t.Fatalf("signers = %d, skipped = %q; want the certificate and the key", len(signers), skipped)
	}
	if _, ok := signers[0].PublicKey().(*ssh.Certificate); !ok {
		t.Errorf("the first signer is %T, want the certificate", signers[0].PublicKey())
	}
}

// Every known_hosts file is read; one that does not exist holds no key.
func TestKnownHostsFiles(t *testing.T) {
	key := newHostPublicKey(t)
	missing := filepath.Join(t.TempDir(), "none")
	other := writeKnownHosts(t, knownLine("10.9.9.9:22", newHostPublicKey(t)))
	holding := writeKnownHosts(t, knownLine(testAddr, key))
	if _, err, _ := check(t, Config{KnownHostsFiles: []string{missing, other, holding}}, testAddr, key); err != nil {
		t.Errorf("key in the third file: %v", err)
	}
	_, err, failure := check(t, Config{KnownHostsFiles: []string{missing, other}}, testAddr, key)
	he := asHostKeyError(t, err, failure, false, "known_hosts file", "is not in "+missing+", "+other, "ssh-keyscan -p 2222 127.0.0.1 >> "+missing)
	if strings.Contains(he.Error(), "does not exist") {
		t.Errorf("one file exists, but: %v", he)
	}
	_, err, failure = check(t, Config{KnownHostsFiles: []string{missing, missing + "2"}}, testAddr, key)
	wantHostKeyError(t, err, failure, false, "known_hosts file", "none of which exists")
}
