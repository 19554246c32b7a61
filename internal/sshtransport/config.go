// Package sshtransport runs systemd.Commands on hosts over SSH: it dials,
// verifies host keys, authenticates, pools one connection per host, runs
// servable commands in a long-lived shell on it (shell.go), hands sudo's
// password to privileged commands on their standard input, and quotes every
// argv. It knows nothing of Terraform.
package sshtransport

import (
	"bytes"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
)

// Config is how to reach and authenticate to hosts. Secrets live only here
// and are never logged.
type Config struct {
	User                 string
	PrivateKey           string // key contents, OpenSSH or PEM
	PrivateKeyPassphrase string
	Certificate          string // OpenSSH user certificate for PrivateKey (or an agent key), authorized_keys format
	Password             string
	Agent                bool
	AgentSocket          string // SSH_AUTH_SOCK
	// AgentIdentity, when set, is the one agent key offered (a public key
	// in authorized_keys format, or its SHA256: fingerprint), to the
	// targets and the bastion: an agent holding many keys would otherwise
	// use up a server's MaxAuthTries before the right one.
	AgentIdentity         string
	KnownHostsFile        string
	HostKey               string // one public key, authorized_keys format
	InsecureIgnoreHostKey bool
	// IdentityFiles are private key files offered after PrivateKey, in
	// order, as ssh's IdentityFile: one that does not exist, or that
	// PrivateKeyPassphrase does not open, is skipped, and FILE-cert.pub
	// beside one is its certificate.
	IdentityFiles []string
	// CertificateFiles are certificate files (*-cert.pub) for the
	// identity files' keys, as ssh's CertificateFile: each goes with the
	// key it certifies; one that does not exist is skipped.
	CertificateFiles []string
	// KnownHostsFiles, when set, are read instead of KnownHostsFile, all
	// of them (one that does not exist holds no key); advice names the
	// first.
	KnownHostsFiles []string
	Sudo            bool
	SudoPassword    string
	Timeout         time.Duration
	// SessionPerCommand runs every command in an SSH session of its own,
	// never in a long-lived shell (shell.go).
	SessionPerCommand bool
	// Proxy, when set, is how the first hop (the bastion, else each
	// target) is reached.
	Proxy *Proxy
	// Bastion, when set, is the jump host that every connection to a target
	// is tunnelled through (direct-tcpip).
	Bastion *Bastion
}

// Bastion is a jump host. Its settings are complete: the provider applies
// its defaults (the targets' user, key, password, known_hosts file) before
// building it. It shares the targets' agent (Config.AgentSocket) and
// Timeout.
type Bastion struct {
	Addr                  string // HOST:PORT
	User                  string
	PrivateKey            string
	PrivateKeyPassphrase  string
	Certificate           string
	Password              string
	Agent                 bool
	KnownHostsFile        string
	HostKey               string
	InsecureIgnoreHostKey bool
	IdentityFiles         []string // as Config's
	KnownHostsFiles       []string // as Config's
	// Next, when set, is the jump host after this one, reached through
	// it; the last of the chain reaches the targets.
	Next *Bastion
}

// UsesSudo says whether privileged commands need sudo: the caller's
// scripts then run systemctl (and only systemctl) through it, as
// 'sudo -S -p "" systemctl …' when SudoPasswordOnStdin (-p with an empty
// prompt keeps the prompt out of stderr), else 'sudo -n systemctl …'.
// The transport never adds sudo to a command itself.
func (c Config) UsesSudo() bool { return c.Sudo || c.SudoPassword != "" }

// SudoPasswordOnStdin says whether the standard input of every privileged
// command carries SudoPassword and a newline, for `sudo -S` to read (once:
// a script that runs sudo more than once must read the line itself and
// hand it to each sudo). Every other command's standard input is empty.
func (c Config) SudoPasswordOnStdin() bool { return c.SudoPassword != "" }

// credentials are one hop's ways to log in.
type credentials struct {
	hop         string // "" or "bastion"
	privateKey  string
	passphrase  string
	certificate string
	password    string
	agent       bool
	files       []string // identity files
	certFiles   []string
	// agentKey, when set, is the SHA256 fingerprint of the one agent key
	// to offer.
	agentKey string
}

func (c Config) credentials() credentials {
	return credentials{privateKey: c.PrivateKey, passphrase: c.PrivateKeyPassphrase, certificate: c.Certificate, password: c.Password, agent: c.Agent, files: c.IdentityFiles, certFiles: c.CertificateFiles}
}

func (b Bastion) credentials() credentials {
	return credentials{hop: "bastion", privateKey: b.PrivateKey, passphrase: b.PrivateKeyPassphrase, certificate: b.Certificate, password: b.Password, agent: b.Agent, files: b.IdentityFiles}
}

// authMethods builds the client's authentication from the config; key
// parsing errors surface here, at configuration time, before any host is
// touched.
func (c Config) authMethods() ([]ssh.AuthMethod, func() error, error) {
	var keyring agent.ExtendedAgent
	closeFn := func() error { return nil }
	if c.Agent {
		a, closeAgent, err := openAgent(c.AgentSocket)
		if err != nil {
			return nil, nil, err
		}
		keyring, closeFn = a, closeAgent
	}
	methods, err := c.credentials().authMethods(keyring)
	if err != nil {
		_ = closeFn()
		return nil, nil, err
	}
	return methods, closeFn, nil
}

// authMethods builds one "publickey" method holding every key (x/crypto
// tries each method name only once, so the private key and the agent's keys
// must share one), then password and keyboard-interactive. keyring is the
// agent, when cr.agent is set.
func (cr credentials) authMethods(keyring agent.ExtendedAgent) ([]ssh.AuthMethod, error) {
	var (
		static []ssh.Signer
		cert   *ssh.Certificate
		err    error
	)
	if cr.certificate != "" {
		if cert, err = parseCertificate(cr.certificate, cr.hop); err != nil {
			return nil, err
		}
		if cr.privateKey == "" && !cr.agent {
			return nil, &ConfigError{Hop: cr.hop, Setting: SettingCertificate, Err: errors.New("a certificate needs its private key: give the key, or use the ssh-agent holding it")}
		}
	}
	if cr.privateKey != "" {
		signer, err := parsePrivateKey(cr.privateKey, cr.passphrase, cr.hop)
		if err != nil {
			return nil, err
		}
		if cert != nil {
			certSigner, err := certSignerFor(cert, signer, cr.hop)
			if err != nil {
				return nil, err
			}
			// The certificate first, then the bare key, as OpenSSH does.
			static = append(static, certSigner)
		}
		static = append(static, signer)
	}
	fromFiles, skipped := cr.identityFiles()
	static = append(static, fromFiles...)
	if cr.agent && keyring == nil {
		return nil, &ConfigError{Setting: SettingAgent, Err: errors.New("the ssh-agent is asked for, but none was opened")}
	}
	var methods []ssh.AuthMethod
	switch {
	case cr.agent:
		// The agent's keys are listed at every login, so keys added to it
		// later are used too. A certificate given without a private key is
		// paired with the agent key it certifies.
		agentCert := cert
		if cr.privateKey != "" {
			agentCert = nil
		}
		if agentCert != nil {
			if err := checkAgentHolds(keyring, agentCert, cr.hop); err != nil {
				return nil, err
			}
		}
		methods = append(methods, ssh.PublicKeysCallback(func() ([]ssh.Signer, error) {
			signers, err := keyring.Signers()
			if err != nil {
				return nil, fmt.Errorf("listing the ssh-agent's keys: %w", err)
			}
			all := append([]ssh.Signer(nil), static...)
			for _, s := range signers {
				if cr.agentKey != "" && ssh.FingerprintSHA256(s.PublicKey()) != cr.agentKey {
					continue
				}
				if agentCert != nil && bytes.Equal(s.PublicKey().Marshal(), agentCert.Key.Marshal()) {
					if cs, err := ssh.NewCertSigner(agentCert, s); err == nil {
						all = append(all, cs)
					}
				}
				all = append(all, s)
			}
			return all, nil
		}))
	case len(static) > 0:
		methods = append(methods, ssh.PublicKeys(static...))
	}
	if cr.password != "" {
		password := cr.password
		methods = append(methods, ssh.Password(password),
			ssh.KeyboardInteractive(func(_, _ string, questions []string, _ []bool) ([]string, error) {
				answers := make([]string, len(questions))
				for i := range answers {
					answers[i] = password
				}
				return answers, nil
			}))
	}
	if len(methods) == 0 {
		if len(skipped) > 0 {
			return nil, &ConfigError{Hop: cr.hop, Setting: SettingPrivateKey, Err: fmt.Errorf("no way to authenticate: no password or ssh-agent is given, and no identity file could be used (%s)", strings.Join(skipped, "; "))}
		}
		return nil, &ConfigError{Hop: cr.hop, Setting: SettingPrivateKey, Err: errors.New("no way to authenticate: no private key, password or ssh-agent is given")}
	}
	return methods, nil
}

// identityFiles reads the identity files that can be used, each preceded
// by its certificate (FILE-cert.pub) when there is one for it, and says why
// each other one was skipped.
func (cr credentials) identityFiles() (signers []ssh.Signer, skipped []string) {
	for _, f := range cr.files {
		data, err := os.ReadFile(f)
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				err = errors.New("does not exist")
			}
			skipped = append(skipped, f+": "+err.Error())
			continue
		}
		signer, err := parsePrivateKey(string(data), cr.passphrase, cr.hop)
		if err != nil {
			var ce *ConfigError
			if errors.As(err, &ce) {
				err = ce.Err
			}
			skipped = append(skipped, f+": "+err.Error())
			continue
		}
		certFiles := cr.certFiles
		if !slices.Contains(certFiles, f+"-cert.pub") {
			certFiles = append(append([]string(nil), certFiles...), f+"-cert.pub")
		}
		for _, cf := range certFiles {
			text, err := os.ReadFile(cf)
			if err != nil {
				continue
			}
			if cert, err := parseCertificate(string(text), cr.hop); err == nil {
				if cs, err := certSignerFor(cert, signer, cr.hop); err == nil {
					signers = append(signers, cs)
				}
			}
		}
		signers = append(signers, signer)
	}
	return signers, skipped
}

// parseCertificate reads an OpenSSH user certificate (a *-cert.pub file).
// An expired one is refused here rather than by every host.
func parseCertificate(text, hop string) (*ssh.Certificate, error) {
	bad := func(err error) error { return &ConfigError{Hop: hop, Setting: SettingCertificate, Err: err} }
	key, _, _, rest, err := ssh.ParseAuthorizedKey([]byte(text))
	if err != nil {
		return nil, bad(fmt.Errorf("not an OpenSSH certificate in authorized_keys format (the contents of a *-cert.pub file): %w", err))
	}
	if len(bytes.TrimSpace(rest)) > 0 {
		return nil, bad(errors.New("holds more than one key; give exactly one certificate"))
	}
	cert, ok := key.(*ssh.Certificate)
	if !ok {
		return nil, bad(fmt.Errorf("is a plain %s public key, not a certificate (give the contents of the *-cert.pub file that ssh-keygen -s wrote)", key.Type()))
	}
	if cert.CertType != ssh.UserCert {
		return nil, bad(errors.New("is a host certificate; logging in needs a user certificate"))
	}
	if cert.ValidBefore != ssh.CertTimeInfinity && time.Now().Unix() >= int64(cert.ValidBefore) {
		return nil, bad(fmt.Errorf("expired at %s (certificate %q): have it signed again", time.Unix(int64(cert.ValidBefore), 0).UTC().Format(time.RFC3339), cert.KeyId))
	}
	return cert, nil
}

// certSignerFor pairs cert with the private key it certifies.
func certSignerFor(cert *ssh.Certificate, signer ssh.Signer, hop string) (ssh.Signer, error) {
	if !bytes.Equal(cert.Key.Marshal(), signer.PublicKey().Marshal()) {
		return nil, &ConfigError{Hop: hop, Setting: SettingCertificate, Err: fmt.Errorf("certifies the key %s, but the private key is %s: give the certificate of that key (its *-cert.pub file)",
			describeKey(cert.Key), describeKey(signer.PublicKey()))}
	}
	cs, err := ssh.NewCertSigner(cert, signer)
	if err != nil {
		return nil, &ConfigError{Hop: hop, Setting: SettingCertificate, Err: err}
	}
	return cs, nil
}

// checkAgentHolds makes sure the agent holds the key a certificate
// certifies, when the certificate comes without its private key.
func checkAgentHolds(keyring agent.ExtendedAgent, cert *ssh.Certificate, hop string) error {
	keys, err := keyring.List()
	if err != nil {
		return &ConfigError{Setting: SettingAgent, Err: fmt.Errorf("cannot list the ssh-agent's keys: %w", err)}
	}
	for _, k := range keys {
		if bytes.Equal(k.Marshal(), cert.Key.Marshal()) {
			return nil
		}
	}
	return &ConfigError{Hop: hop, Setting: SettingCertificate, Err: fmt.Errorf("certifies the key %s, which the ssh-agent does not hold (it holds %d keys): ssh-add that key, or give it as the private key", describeKey(cert.Key), len(keys))}
}

func parsePrivateKey(pemBytes, passphrase, hop string) (ssh.Signer, error) {
	var (
		signer ssh.Signer
		err    error
	)
	if passphrase != "" {
		signer, err = ssh.ParsePrivateKeyWithPassphrase([]byte(pemBytes), []byte(passphrase))
		if err != nil && strings.Contains(err.Error(), "not password protected") {
			// A passphrase set for another key (say, in the environment)
			// does not stop an unencrypted key from working.
			signer, err = ssh.ParsePrivateKey([]byte(pemBytes))
		}
		if errors.Is(err, x509.IncorrectPasswordError) {
			return nil, &ConfigError{Hop: hop, Setting: SettingPassphrase, Err: errors.New("does not decrypt the private key")}
		}
	} else {
		signer, err = ssh.ParsePrivateKey([]byte(pemBytes))
		var missing *ssh.PassphraseMissingError
		if errors.As(err, &missing) {
			return nil, &ConfigError{Hop: hop, Setting: SettingPassphrase, Err: errors.New("the private key is encrypted, and no passphrase is given")}
		}
	}
	if err != nil {
		return nil, &ConfigError{Hop: hop, Setting: SettingPrivateKey, Err: fmt.Errorf("cannot parse the private key (OpenSSH or PEM format): %w", err)}
	}
	return signer, nil
}

// knownHostsDefault is OpenSSH's user known_hosts file.
func knownHostsDefault() string {
	home, err := os.UserHomeDir()
	if err != nil {
		return ".ssh/known_hosts"
	}
	return home + "/.ssh/known_hosts"
}
