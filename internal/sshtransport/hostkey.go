package sshtransport

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
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
		hk.file = knownHostsDefault()
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
		cb := func(_ string, _ net.Addr, key ssh.PublicKey) error {
			if bytes.Equal(key.Marshal(), pinned.Marshal()) {
				return nil
			}
			*failure = &HostKeyError{Hop: hk.hop, Addr: addr, Got: key, Want: []string{describeKey(pinned)}, Changed: true, Pinned: true}
			return *failure
		}
		return cb, algorithmsFor(pinned.Type()), nil
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
		var keyErr *xknownhosts.KeyError
		if errors.As(err, &keyErr) {
			e := &HostKeyError{Hop: hk.hop, Addr: addr, Got: key, Source: hk.file, Others: hk.others, Changed: len(keyErr.Want) > 0}
			for _, w := range keyErr.Want {
				at := fmt.Sprintf("line %d", w.Line)
				if len(hk.others) > 0 {
					at = fmt.Sprintf("%s line %d", w.Filename, w.Line)
				}
				e.Want = append(e.Want, fmt.Sprintf("%s (%s)", describeKey(w.Key), at))
			}
			*failure = e
			return e
		}
		return err
	}
	return cb, hk.db.HostKeyAlgorithms(addr), nil
}

func algorithmsFor(keyType string) []string {
	if keyType == ssh.KeyAlgoRSA {
		return []string{ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256, ssh.KeyAlgoRSA}
	}
	return []string{keyType}
}
