package sshtransport

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"slices"
	"strings"
	"sync"

	"github.com/skeema/knownhosts"
	"golang.org/x/crypto/ssh"
	xknownhosts "golang.org/x/crypto/ssh/knownhosts"
)

// HostKeyError is a host whose key could not be trusted: unknown, or
// different from the one on record.
type HostKeyError struct {
	Hop     string // "bastion" for the jump host, "" for a target
	Addr    string
	Got     ssh.PublicKey
	Want    []string // "TYPE SHA256:… (where)" of the keys on record
	Changed bool
	Pinned  bool     // the key on record is the pinned host key, not a file's
	Source  string   // the known_hosts file (the first one checked), unless Pinned
	Others  []string // the other known_hosts files checked
	Missing bool     // the known_hosts file does not exist
	Revoked bool     // a known_hosts file marks the key (or its CA) @revoked
}

// Setting is what to change when the new key is expected.
func (e *HostKeyError) Setting() Setting {
	if e.Pinned {
		return SettingHostKey
	}
	return SettingKnownHosts
}

func (e *HostKeyError) Error() string {
	host, port, _ := net.SplitHostPort(e.Addr)
	got := describeKey(e.Got)
	name := onHop(e.Hop, e.Addr)
	keyscan := fmt.Sprintf("ssh-keyscan -p %s %s >> %s", port, host, e.Source)
	switch {
	case e.Revoked:
		return fmt.Sprintf("the SSH host key of %s is REVOKED: %s is marked @revoked (%s). The key may have been stolen: "+
			"do not connect until the host has a new key, then record that one.", name, got, strings.Join(e.Want, " and "))
	case e.Changed && e.Pinned:
		return fmt.Sprintf("the SSH host key of %s has CHANGED: the pinned host key is %s, but the host presented %s. "+
			"Someone may be intercepting the connection, or the host was reinstalled. If the new key is expected, "+
			"pin it instead.", name, strings.Join(e.Want, " and "), got)
	case e.Changed:
		// known_hosts writes port 22 as a bare host name: -R needs that form.
		return fmt.Sprintf("the SSH host key of %s has CHANGED: %s lists %s, but the host presented %s. "+
			"Someone may be intercepting the connection, or the host was reinstalled. If the new key is expected, "+
			"replace the old entry (`ssh-keygen -R '%s' -f %s`, then `%s`) or pin the new key.",
			name, e.Source, strings.Join(e.Want, " and "), got, knownhosts.Normalize(e.Addr), e.Source, keyscan)
	}
	where := strings.Join(append([]string{e.Source}, e.Others...), ", ")
	switch {
	case e.Missing && len(e.Others) > 0:
		where += " (none of which exists)"
	case e.Missing:
		where += " (which does not exist)"
	}
	return fmt.Sprintf("the SSH host key of %s is unknown: %s is not in %s. If that fingerprint is the host's, add it with "+
		"`%s`, or pin it.", name, got, where, keyscan)
}

func describeKey(k ssh.PublicKey) string {
	if k == nil {
		return "no key"
	}
	return k.Type() + " " + ssh.FingerprintSHA256(k)
}

// hostKeys checks host keys against a pinned key, a known_hosts file (read
// once, on first use), or nothing at all when insecure.
type hostKeys struct {
	hop      string // "bastion", or "" for targets
	insecure bool
	pinned   ssh.PublicKey
	file     string   // the first known_hosts file: advice names it
	others   []string // the other known_hosts files

	once   sync.Once
	db     *knownhosts.HostKeyDB
	dbErr  error
	absent bool
}

// hostKeyPolicy is one hop's host key settings.
type hostKeyPolicy struct {
	hop            string
	knownHostsFile string
	// knownHostsFiles, when set, replace knownHostsFile: all are read.
	knownHostsFiles []string
	hostKey         string
	insecure        bool
}

func newHostKeys(cfg Config) (*hostKeys, error) {
	return hostKeyPolicy{knownHostsFile: cfg.KnownHostsFile, knownHostsFiles: cfg.KnownHostsFiles, hostKey: cfg.HostKey, insecure: cfg.InsecureIgnoreHostKey}.build()
}

func (pol hostKeyPolicy) build() (*hostKeys, error) {
	hk := &hostKeys{hop: pol.hop, insecure: pol.insecure, file: pol.knownHostsFile}
	if len(pol.knownHostsFiles) > 0 {
		hk.file, hk.others = pol.knownHostsFiles[0], pol.knownHostsFiles[1:]
	}
	if hk.file == "" {
		// As OpenSSH: the user's file, then the system's.
		hk.file, hk.others = knownHostsDefault(), []string{systemKnownHosts}
	}
	if pol.hostKey != "" {
		key, _, _, rest, err := ssh.ParseAuthorizedKey([]byte(pol.hostKey))
		if err != nil {
			return nil, &ConfigError{Hop: hk.hop, Setting: SettingHostKey, Err: fmt.Errorf("not a public key in authorized_keys format (e.g. \"ssh-ed25519 AAAA…\", as in the host's /etc/ssh/ssh_host_ed25519_key.pub): %w", err)}
		}
		if len(bytes.TrimSpace(rest)) > 0 {
			return nil, &ConfigError{Hop: hk.hop, Setting: SettingHostKey, Err: errors.New("holds more than one key; pin exactly one")}
		}
		hk.pinned = key
	}
	return hk, nil
}

func (hk *hostKeys) load() error {
	hk.once.Do(func() {
		// A file that does not exist holds no key, as for ssh.
		var present []string
		for _, f := range append([]string{hk.file}, hk.others...) {
			if _, err := os.Stat(f); !errors.Is(err, os.ErrNotExist) {
				present = append(present, f)
			}
		}
		if len(present) == 0 {
			hk.absent = true
			return
		}
		hk.db, hk.dbErr = knownhosts.NewDB(present...)
		if hk.dbErr != nil {
			hk.dbErr = &ConfigError{Hop: hk.hop, Setting: SettingKnownHosts, Err: fmt.Errorf("cannot read %s: %w", strings.Join(present, ", "), hk.dbErr)}
		}
	})
	return hk.dbErr
}

// callback returns the check for addr and the host key algorithms to offer:
// only the types on record, or x/crypto would negotiate a key type the
// known_hosts file does not list and report a mismatch.
func (hk *hostKeys) callback(addr string, failure *error) (ssh.HostKeyCallback, []string, error) {
	if hk.insecure {
		return ssh.InsecureIgnoreHostKey(), nil, nil
	}
	if hk.pinned != nil {
		pinned := hk.pinned
		same := func(k ssh.PublicKey) bool { return bytes.Equal(k.Marshal(), pinned.Marshal()) }
		// The pinned key is the host's key, or a CA that signs host
		// certificates: a certificate is accepted for the key it certifies
		// or for its signer, once valid for this host and now.
		checker := &ssh.CertChecker{IsHostAuthority: func(auth ssh.PublicKey, _ string) bool { return same(auth) }}
		cb := func(hostname string, remote net.Addr, key ssh.PublicKey) error {
			if same(key) {
				return nil
			}
			if cert, ok := key.(*ssh.Certificate); ok {
				if same(cert.Key) {
					return nil
				}
				if same(cert.SignatureKey) {
					if err := checker.CheckHostKey(hostname, remote, key); err != nil {
						*failure = &HostError{Hop: hk.hop, Addr: addr, Setting: SettingHostKey,
							Err: fmt.Errorf("the host certificate %q, signed by the pinned CA key, is not valid for this host now: %w", cert.KeyId, err)}
						return *failure
					}
					return nil
				}
			}
			*failure = &HostKeyError{Hop: hk.hop, Addr: addr, Got: key, Want: []string{describeKey(pinned)}, Changed: true, Pinned: true}
			return *failure
		}
		// The pinned type's certificate first, then its plain key, then any
		// other certificate (a CA may sign a key of another type).
		algos := append(certAlgorithmsFor(pinned.Type()), algorithmsFor(pinned.Type())...)
		for _, a := range allCertAlgorithms {
			if !slices.Contains(algos, a) {
				algos = append(algos, a)
			}
		}
		return cb, algos, nil
	}
	if err := hk.load(); err != nil {
		return nil, nil, err
	}
	if hk.absent {
		cb := func(_ string, _ net.Addr, key ssh.PublicKey) error {
			*failure = &HostKeyError{Hop: hk.hop, Addr: addr, Got: key, Source: hk.file, Others: hk.others, Missing: true}
			return *failure
		}
		return cb, nil, nil
	}
	inner := hk.db.HostKeyCallback()
	cb := func(hostname string, remote net.Addr, key ssh.PublicKey) error {
		err := inner(hostname, remote, key)
		if err == nil {
			return nil
		}
		var revoked *xknownhosts.RevokedError
		if cert, ok := key.(*ssh.Certificate); ok && !errors.As(err, &revoked) {
			// A certificate no listed CA signed: its plain key is checked
			// instead, as OpenSSH does.
			key = cert.Key
			if err = inner(hostname, remote, key); err == nil {
				return nil
			}
		}
		if errors.As(err, &revoked) {
			e := &HostKeyError{Hop: hk.hop, Addr: addr, Got: key, Source: hk.file, Others: hk.others, Revoked: true,
				Want: []string{fmt.Sprintf("%s line %d", revoked.Revoked.Filename, revoked.Revoked.Line)}}
			*failure = e
			return e
		}
		var keyErr *xknownhosts.KeyError
		if errors.As(err, &keyErr) {
			// A @cert-authority line is no key of the host: a host it does
			// not vouch for is unknown, not changed.
			var cas [][]byte
			for _, k := range hk.db.HostKeys(addr) {
				if k.Cert {
					cas = append(cas, k.Marshal())
				}
			}
			var want []xknownhosts.KnownKey
			for _, w := range keyErr.Want {
				if !slices.ContainsFunc(cas, func(ca []byte) bool { return bytes.Equal(ca, w.Key.Marshal()) }) {
					want = append(want, w)
				}
			}
			e := &HostKeyError{Hop: hk.hop, Addr: addr, Got: key, Source: hk.file, Others: hk.others, Changed: len(want) > 0}
			for _, w := range want {
				at := fmt.Sprintf("line %d", w.Line)
				if len(hk.others) > 0 {
					at = fmt.Sprintf("%s line %d", w.Filename, w.Line)
				}
				e.Want = append(e.Want, fmt.Sprintf("%s (%s)", describeKey(w.Key), at))
			}
			*failure = e
			return e
		}
		// Whatever else refused the key refuses it again: not transient.
		*failure = &HostError{Hop: hk.hop, Addr: addr, Setting: SettingKnownHosts, Err: fmt.Errorf("checking its host key: %w", err)}
		return *failure
	}
	return cb, hk.db.HostKeyAlgorithms(addr), nil
}

// systemKnownHosts is OpenSSH's system-wide known_hosts file.
const systemKnownHosts = "/etc/ssh/ssh_known_hosts"

var allCertAlgorithms = []string{
	ssh.CertAlgoED25519v01, ssh.CertAlgoECDSA256v01, ssh.CertAlgoECDSA384v01, ssh.CertAlgoECDSA521v01,
	ssh.CertAlgoRSASHA512v01, ssh.CertAlgoRSASHA256v01, ssh.CertAlgoRSAv01,
}

func certAlgorithmsFor(keyType string) []string {
	switch keyType {
	case ssh.KeyAlgoRSA:
		return []string{ssh.CertAlgoRSASHA512v01, ssh.CertAlgoRSASHA256v01, ssh.CertAlgoRSAv01}
	case ssh.KeyAlgoED25519:
		return []string{ssh.CertAlgoED25519v01}
	case ssh.KeyAlgoECDSA256:
		return []string{ssh.CertAlgoECDSA256v01}
	case ssh.KeyAlgoECDSA384:
		return []string{ssh.CertAlgoECDSA384v01}
	case ssh.KeyAlgoECDSA521:
		return []string{ssh.CertAlgoECDSA521v01}
	}
	return nil
}

func algorithmsFor(keyType string) []string {
	if keyType == ssh.KeyAlgoRSA {
		return []string{ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256, ssh.KeyAlgoRSA}
	}
	return []string{keyType}
}
