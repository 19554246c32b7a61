package sshtransport

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

const testAddr = "127.0.0.1:2222"

var testRemote = &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 2222}

// newHostPublicKey returns a fresh ed25519 host key.
func newHostPublicKey(t *testing.T) ssh.PublicKey {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return sshPublic(t, priv)
}

// writeKnownHosts writes lines to a known_hosts file in a temporary
// directory and returns its path.
func writeKnownHosts(t *testing.T, lines ...string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "known_hosts")
	if err := os.WriteFile(p, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func knownLine(addr string, key ssh.PublicKey) string {
	return knownhosts.Line([]string{knownhosts.Normalize(addr)}, key)
}

// check builds the callback for addr from cfg and runs it against key, as
// the handshake would. It returns the host key algorithms that came with
// the callback, the callback's error, and what the callback left in its
// failure slot.
func check(t *testing.T, cfg Config, addr string, key ssh.PublicKey) (algos []string, err, failure error) {
	t.Helper()
	hk, err := newHostKeys(cfg)
	if err != nil {
		t.Fatalf("newHostKeys: %v", err)
	}
	cb, algos, err := hk.callback(addr, &failure)
	if err != nil {
		t.Fatalf("callback: %v", err)
	}
	// x/crypto's known_hosts check insists on a TCP remote address.
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	n, err := strconv.Atoi(port)
	if err != nil {
		t.Fatal(err)
	}
	remote := &net.TCPAddr{IP: net.ParseIP(host), Port: n}
	// The call comes first: it is what fills the failure slot.
	err = cb(addr, remote, key)
	return algos, err, failure
}

// wantHostKeyError fails t unless err is a *HostKeyError, also left in the
// failure slot, on attribute and changed or not as told, whose message
// mentions each of mention.
func wantHostKeyError(t *testing.T, err, failure error, changed bool, attribute string, mention ...string) {
	t.Helper()
	_ = asHostKeyError(t, err, failure, changed, attribute, mention...) // only the checks are wanted here
}

// asHostKeyError is wantHostKeyError returning the *HostKeyError, for
// checks of its other fields.
func asHostKeyError(t *testing.T, err, failure error, changed bool, attribute string, mention ...string) *HostKeyError {
	t.Helper()
	var he *HostKeyError
	if !errors.As(err, &he) {
		t.Fatalf("err = %#v, want *HostKeyError", err)
	}
	// dial reports the recorded failure rather than x/crypto's wrapped one.
	if failure != err {
		t.Errorf("failure slot = %v, want the returned error", failure)
	}
	if he.Changed != changed {
		t.Errorf("Changed = %v, want %v", he.Changed, changed)
	}
	if got := settingOf(he.Hop, he.Setting()); got != attribute {
		t.Errorf("setting = %q, want %q", got, attribute)
	}
	for _, m := range mention {
		if !strings.Contains(err.Error(), m) {
			t.Errorf("Error() does not mention %q:\n%s", m, err)
		}
	}
	return he
}

func TestHostKeysKnownHostsAccepts(t *testing.T) {
	key := newHostPublicKey(t)
	other := newHostPublicKey(t)
	rsaKey := sshPublic(t, getKeys(t).rsa)
	hashed := knownhosts.HashHostname(knownhosts.Normalize(testAddr)) + " " + strings.TrimSpace(string(ssh.MarshalAuthorizedKey(key)))
	tests := []struct {
		what  string
		lines []string
		addr  string
		key   ssh.PublicKey
		algos []string
	}{
		{"exact entry", []string{knownLine(testAddr, key)}, testAddr, key, []string{ssh.KeyAlgoED25519}},
		{"among others", []string{knownLine("127.0.0.1:2223", other), knownLine(testAddr, key)}, testAddr, key, []string{ssh.KeyAlgoED25519}},
		{"hashed entry", []string{hashed}, testAddr, key, []string{ssh.KeyAlgoED25519}},
		// Port 22 is written without brackets in known_hosts.
		{"port 22", []string{knownLine("127.0.0.1:22", key)}, "127.0.0.1:22", key, []string{ssh.KeyAlgoED25519}},
		{"rsa entry", []string{knownLine(testAddr, rsaKey)}, testAddr, rsaKey,
			[]string{ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256, ssh.KeyAlgoRSA}},
		// Only the types on record are offered, so the server cannot pick
		// another one and fail the check.
		{"two types", []string{knownLine(testAddr, key), knownLine(testAddr, rsaKey)}, testAddr, rsaKey,
			[]string{ssh.KeyAlgoED25519, ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256, ssh.KeyAlgoRSA}},
	}
	for _, tt := range tests {
		t.Run(tt.what, func(t *testing.T) {
			file := writeKnownHosts(t, tt.lines...)
			algos, err, failure := check(t, Config{KnownHostsFile: file}, tt.addr, tt.key)
			if err != nil || failure != nil {
				t.Fatalf("err = %v, failure = %v", err, failure)
			}
			if !reflect.DeepEqual(algos, tt.algos) {
				t.Errorf("algorithms = %q, want %q", algos, tt.algos)
			}
		})
	}
}

func TestHostKeysUnknownHost(t *testing.T) {
	key := newHostPublicKey(t)
	// The file knows another port of the same address, which is another host.
	file := writeKnownHosts(t, knownLine("127.0.0.1:2223", newHostPublicKey(t)))
	algos, err, failure := check(t, Config{KnownHostsFile: file}, testAddr, key)
	he := asHostKeyError(t, err, failure, false, "known_hosts file",
		"host key", "unknown", "ssh-keyscan", "ssh-keyscan -p 2222 127.0.0.1", file, ssh.FingerprintSHA256(key), testAddr)
	if he.Addr != testAddr || !bytes.Equal(he.Got.Marshal(), key.Marshal()) || len(he.Want) != 0 {
		t.Errorf("HostKeyError = %+v", he)
	}
	if algos != nil {
		t.Errorf("algorithms = %q for an unknown host", algos)
	}
}

func TestHostKeysChangedKey(t *testing.T) {
	old, presented := newHostPublicKey(t), newHostPublicKey(t)
	file := writeKnownHosts(t, "# a comment", knownLine(testAddr, old))
	_, err, failure := check(t, Config{KnownHostsFile: file}, testAddr, presented)
	he := asHostKeyError(t, err, failure, true, "known_hosts file",
		"CHANGED", ssh.FingerprintSHA256(old), ssh.FingerprintSHA256(presented), file, "line 2")
	if len(he.Want) != 1 {
		t.Errorf("Want = %q, want the one key on record", he.Want)
	}
	if !strings.Contains(he.Error(), "ssh-keygen -R '[127.0.0.1]:2222'") {
		t.Errorf("error lacks the ssh-keygen -R hint: %q", he.Error())
	}
}

// known_hosts writes port 22 as a bare host name; the removal hint must too,
// or ssh-keygen -R finds nothing to remove.
func TestHostKeysChangedKeyPort22Hint(t *testing.T) {
	old, presented := newHostPublicKey(t), newHostPublicKey(t)
	file := writeKnownHosts(t, knownLine("web1:22", old))
	_, err, failure := check(t, Config{KnownHostsFile: file}, "web1:22", presented)
	wantHostKeyError(t, err, failure, true, "known_hosts file", "ssh-keygen -R 'web1' -f "+file, "ssh-keyscan -p 22 web1 >> "+file)
}

func TestHostKeysChangedKeyType(t *testing.T) {
	// An RSA key where an ed25519 one is on record is a change too.
	old, presented := newHostPublicKey(t), sshPublic(t, getKeys(t).rsa)
	file := writeKnownHosts(t, knownLine(testAddr, old))
	_, err, failure := check(t, Config{KnownHostsFile: file}, testAddr, presented)
	wantHostKeyError(t, err, failure, true, "known_hosts file", ssh.FingerprintSHA256(old), ssh.FingerprintSHA256(presented))
}

func TestHostKeysMissingFile(t *testing.T) {
	key := newHostPublicKey(t)
	file := filepath.Join(t.TempDir(), "nope", "known_hosts")
	algos, err, failure := check(t, Config{KnownHostsFile: file}, testAddr, key)
	he := asHostKeyError(t, err, failure, false, "known_hosts file", "unknown", file, "does not exist", ssh.FingerprintSHA256(key))
	// The hint stays a runnable command.
	if !strings.Contains(he.Error(), "ssh-keyscan -p 2222 127.0.0.1 >> "+file+"`") {
		t.Errorf("hint is not a runnable command: %q", he.Error())
	}
	if algos != nil {
		t.Errorf("algorithms = %q", algos)
	}
}

func TestHostKeysUnreadableFile(t *testing.T) {
	// A corrupt file is a configuration error, not "every host unknown".
	file := writeKnownHosts(t, "this is not a known_hosts line")
	hk, err := newHostKeys(Config{KnownHostsFile: file})
	if err != nil {
		t.Fatal(err)
	}
	var failure error
	for i := 0; i < 2; i++ { // read once, and the error stays
		cb, _, err := hk.callback(testAddr, &failure)
		if cb != nil {
			t.Error("callback returned along with an error")
		}
		wantConfigError(t, err, "known_hosts file", file)
	}
}

func TestHostKeysFileReadOnce(t *testing.T) {
	// The file is read on first use; later edits are not seen by this pool.
	key := newHostPublicKey(t)
	file := writeKnownHosts(t, knownLine(testAddr, key))
	hk, err := newHostKeys(Config{KnownHostsFile: file})
	if err != nil {
		t.Fatal(err)
	}
	var failure error
	cb, _, err := hk.callback(testAddr, &failure)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(file); err != nil {
		t.Fatal(err)
	}
	cb2, _, err := hk.callback(testAddr, &failure)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []ssh.HostKeyCallback{cb, cb2} {
		if err := c(testAddr, testRemote, key); err != nil {
			t.Errorf("known key refused: %v", err)
		}
	}
}

func TestHostKeysPinned(t *testing.T) {
	pinned := newHostPublicKey(t)
	presented := newHostPublicKey(t)
	rsaKey := sshPublic(t, getKeys(t).rsa)
	// A known_hosts file that would refuse everything: host_key wins over it.
	file := writeKnownHosts(t, knownLine(testAddr, presented))
	authorized := func(k ssh.PublicKey) string { return string(ssh.MarshalAuthorizedKey(k)) }

	t.Run("match", func(t *testing.T) {
		algos, err, failure := check(t, Config{HostKey: authorized(pinned), KnownHostsFile: file}, testAddr, pinned)
		if err != nil || failure != nil {
			t.Fatalf("err = %v, failure = %v", err, failure)
		}
		// Its certificate, the key, then certificates only (a pinned CA
		// may sign a key of another type): no other plain key type.
		if !reflect.DeepEqual(algos[:2], []string{ssh.CertAlgoED25519v01, ssh.KeyAlgoED25519}) || !onlyCertificatesAfter(algos, 2) {
			t.Errorf("algorithms = %q, want ssh-ed25519's certificate and key, then certificates", algos)
		}
	})
	t.Run("mismatch", func(t *testing.T) {
		_, err, failure := check(t, Config{HostKey: authorized(pinned), KnownHostsFile: file}, testAddr, presented)
		he := asHostKeyError(t, err, failure, true, "pinned host key",
			"CHANGED", "pinned host key", ssh.FingerprintSHA256(pinned), ssh.FingerprintSHA256(presented))
		if !he.Pinned {
			t.Errorf("Pinned = false, Source = %q", he.Source)
		}
		// A pinned key is no file: no ssh-keygen advice.
		if strings.Contains(he.Error(), "ssh-keygen") || !strings.Contains(he.Error(), "pin it instead") {
			t.Errorf("advice for a pinned key: %q", he.Error())
		}
	})
	t.Run("rsa", func(t *testing.T) {
		algos, err, failure := check(t, Config{HostKey: authorized(rsaKey)}, testAddr, rsaKey)
		if err != nil || failure != nil {
			t.Fatalf("err = %v, failure = %v", err, failure)
		}
		// RSA keys sign with SHA-2 nowadays; plain ssh-rsa is the fallback.
		want := []string{ssh.CertAlgoRSASHA512v01, ssh.CertAlgoRSASHA256v01, ssh.CertAlgoRSAv01, ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256, ssh.KeyAlgoRSA}
		if !reflect.DeepEqual(algos[:6], want) || !onlyCertificatesAfter(algos, 6) {
			t.Errorf("algorithms = %q, want %q", algos, want)
		}
	})
	t.Run("other type", func(t *testing.T) {
		_, err, failure := check(t, Config{HostKey: authorized(pinned)}, testAddr, rsaKey)
		wantHostKeyError(t, err, failure, true, "pinned host key", ssh.FingerprintSHA256(pinned), ssh.FingerprintSHA256(rsaKey))
	})
}

func onlyCertificatesAfter(algos []string, n int) bool {
	for _, a := range algos[n:] {
		if !strings.Contains(a, "-cert-v01@openssh.com") {
			return false
		}
	}
	return true
}

// A pinned CA key accepts the host certificates it signed, for this host,
// now; and a certificate of the pinned key is that key.
func TestHostKeysPinnedCA(t *testing.T) {
	ca := newCA(t)
	hostKey := newHostPublicKey(t)
	sign := func(principals []string, validity time.Duration, signer ssh.Signer) *ssh.Certificate {
		now := time.Now()
		cert := &ssh.Certificate{Key: hostKey, CertType: ssh.HostCert, KeyId: "testhost", ValidPrincipals: principals,
			ValidAfter: uint64(now.Add(-time.Hour).Unix()), ValidBefore: uint64(now.Add(validity).Unix())}
		if err := cert.SignCert(rand.Reader, signer); err != nil {
			t.Fatal(err)
		}
		return cert
	}
	pinCA := Config{HostKey: string(ssh.MarshalAuthorizedKey(ca.PublicKey()))}
	if _, err, failure := check(t, pinCA, testAddr, sign([]string{"127.0.0.1"}, time.Hour, ca)); err != nil || failure != nil {
		t.Errorf("a certificate the pinned CA signed: err = %v, failure = %v", err, failure)
	}
	for what, cert := range map[string]*ssh.Certificate{
		"another host's": sign([]string{"10.9.9.9"}, time.Hour, ca),
		"expired":        sign([]string{"127.0.0.1"}, -time.Minute, ca),
	} {
		_, err, failure := check(t, pinCA, testAddr, cert)
		he := asHostError(t, err, "pinned host key", "signed by the pinned CA key, is not valid for this host now")
		if failure != error(he) || he.Transient {
			t.Errorf("%s: failure = %v, transient = %v", what, failure, he.Transient)
		}
	}
	// Signed by another CA: the key on record is not the one presented.
	_, err, failure := check(t, pinCA, testAddr, sign([]string{"127.0.0.1"}, time.Hour, newCA(t)))
	wantHostKeyError(t, err, failure, true, "pinned host key", "CHANGED")
	// The pinned host key, presented in a certificate: accepted.
	pinKey := Config{HostKey: string(ssh.MarshalAuthorizedKey(hostKey))}
	if _, err, failure := check(t, pinKey, testAddr, sign([]string{"elsewhere"}, -time.Minute, newCA(t))); err != nil || failure != nil {
		t.Errorf("the pinned key in a certificate: err = %v, failure = %v", err, failure)
	}
}

// A host certificate from no listed CA is checked as its plain key, as
// OpenSSH checks it: known, accepted; unknown, refused as unknown.
func TestHostKeysCertificateFallsBackToItsKey(t *testing.T) {
	hostKey := newHostPublicKey(t)
	cert := &ssh.Certificate{Key: hostKey, CertType: ssh.HostCert, KeyId: "h", ValidPrincipals: []string{"127.0.0.1"},
		ValidBefore: ssh.CertTimeInfinity}
	if err := cert.SignCert(rand.Reader, newCA(t)); err != nil {
		t.Fatal(err)
	}
	known := writeKnownHosts(t, knownLine(testAddr, hostKey))
	if _, err, failure := check(t, Config{KnownHostsFile: known}, testAddr, cert); err != nil || failure != nil {
		t.Errorf("known plain key in a certificate: err = %v, failure = %v", err, failure)
	}
	// A CA line that does not vouch for the host makes it unknown, not changed.
	empty := writeKnownHosts(t, "@cert-authority * "+strings.TrimSpace(string(ssh.MarshalAuthorizedKey(newHostPublicKey(t)))))
	_, err, failure := check(t, Config{KnownHostsFile: empty}, testAddr, cert)
	he := wantUnknown(t, err, failure)
	if !bytes.Equal(he.Got.Marshal(), hostKey.Marshal()) {
		t.Errorf("Got = %s, want the certificate's plain key", describeKey(he.Got))
	}
}

func wantUnknown(t *testing.T, err, failure error) *HostKeyError {
	t.Helper()
	return asHostKeyError(t, err, failure, false, "known_hosts file", "is unknown")
}

// A key marked @revoked is refused with its own message, whatever else
// lists it.
func TestHostKeysRevoked(t *testing.T) {
	key := newHostPublicKey(t)
	file := writeKnownHosts(t, knownLine(testAddr, key), "@revoked * "+strings.TrimSpace(string(ssh.MarshalAuthorizedKey(key))))
	_, err, failure := check(t, Config{KnownHostsFile: file}, testAddr, key)
	he := asHostKeyError(t, err, failure, false, "known_hosts file", "REVOKED", file+" line 2", ssh.FingerprintSHA256(key))
	if !he.Revoked {
		t.Errorf("Revoked = false")
	}
}

// Without known_hosts_file, the user's file and the system's are read, as
// by OpenSSH.
func TestHostKeysDefaultFiles(t *testing.T) {
	hk, err := newHostKeys(Config{})
	if err != nil {
		t.Fatal(err)
	}
	if hk.file != knownHostsDefault() || !reflect.DeepEqual(hk.others, []string{"/etc/ssh/ssh_known_hosts"}) {
		t.Errorf("files = %q, %q", hk.file, hk.others)
	}
}

func TestHostKeysInsecure(t *testing.T) {
	// insecure_ignore_host_key accepts anything, even against a pinned key
	// and a missing file; the provider warns about it.
	pinned := string(ssh.MarshalAuthorizedKey(newHostPublicKey(t)))
	cfg := Config{InsecureIgnoreHostKey: true, HostKey: pinned, KnownHostsFile: filepath.Join(t.TempDir(), "none")}
	algos, err, failure := check(t, cfg, testAddr, newHostPublicKey(t))
	if err != nil || failure != nil || algos != nil {
		t.Errorf("err = %v, failure = %v, algorithms = %q", err, failure, algos)
	}
}

func TestHostKeyErrorDescribesNoKey(t *testing.T) {
	e := &HostKeyError{Addr: testAddr, Source: "/k"}
	if !strings.Contains(e.Error(), "no key") {
		t.Errorf("Error() = %q", e)
	}
}
