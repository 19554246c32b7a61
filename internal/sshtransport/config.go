// Package sshtransport runs systemd.Commands on hosts over SSH: it dials,
// verifies host keys, authenticates, pools one connection per host, wraps
// privileged commands in sudo and quotes every argv. It knows nothing of
// Terraform.
package sshtransport

import (
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
)

// Config is how to reach and authenticate to hosts. Secrets live only here
// and are never logged.
type Config struct {
	User                  string
	PrivateKey            string // key contents, OpenSSH or PEM
	PrivateKeyPassphrase  string
	Password              string
	Agent                 bool
	AgentSocket           string // SSH_AUTH_SOCK
	KnownHostsFile        string
	HostKey               string // one public key, authorized_keys format
	InsecureIgnoreHostKey bool
	Sudo                  bool
	SudoPassword          string
	Timeout               time.Duration
}

// ConfigError is a configuration that cannot work; Attribute names the
// provider attribute to change.
type ConfigError struct {
	Attribute string
	Err       error
}

func (e *ConfigError) Error() string { return e.Attribute + ": " + e.Err.Error() }
func (e *ConfigError) Unwrap() error { return e.Err }

func (c Config) sudoArgv() []string {
	switch {
	case c.SudoPassword != "":
		// -S reads the password from stdin; -p '' keeps the prompt out of stderr.
		return []string{"sudo", "-S", "-p", "", "--"}
	case c.Sudo:
		// -n fails at once instead of waiting for a password nobody types.
		return []string{"sudo", "-n", "--"}
	}
	return nil
}

// authMethods builds the client's authentication from the config; key
// parsing errors surface here, at configuration time, before any host is
// touched.
func (c Config) authMethods() ([]ssh.AuthMethod, func() error, error) {
	var methods []ssh.AuthMethod
	closeFn := func() error { return nil }
	if c.PrivateKey != "" {
		signer, err := parsePrivateKey(c.PrivateKey, c.PrivateKeyPassphrase)
		if err != nil {
			return nil, nil, err
		}
		methods = append(methods, ssh.PublicKeys(signer))
	}
	if c.Agent {
		if c.AgentSocket == "" {
			return nil, nil, &ConfigError{Attribute: "agent", Err: errors.New("agent is true but SSH_AUTH_SOCK is not set: start ssh-agent, or give private_key or password")}
		}
		conn, err := net.Dial("unix", c.AgentSocket)
		if err != nil {
			return nil, nil, &ConfigError{Attribute: "agent", Err: fmt.Errorf("cannot reach the ssh-agent at SSH_AUTH_SOCK=%s: %w", c.AgentSocket, err)}
		}
		methods = append(methods, ssh.PublicKeysCallback(agent.NewClient(conn).Signers))
		closeFn = conn.Close
	}
	if c.Password != "" {
		password := c.Password
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
		return nil, nil, &ConfigError{Attribute: "private_key", Err: errors.New("no way to authenticate: set private_key, password, or agent (with SSH_AUTH_SOCK)")}
	}
	return methods, closeFn, nil
}

func parsePrivateKey(pemBytes, passphrase string) (ssh.Signer, error) {
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
			return nil, &ConfigError{Attribute: "private_key_passphrase", Err: errors.New("private_key_passphrase does not decrypt private_key")}
		}
	} else {
		signer, err = ssh.ParsePrivateKey([]byte(pemBytes))
		var missing *ssh.PassphraseMissingError
		if errors.As(err, &missing) {
			return nil, &ConfigError{Attribute: "private_key_passphrase", Err: errors.New("private_key is encrypted: set private_key_passphrase")}
		}
	}
	if err != nil {
		return nil, &ConfigError{Attribute: "private_key", Err: fmt.Errorf("cannot parse the private key (give the key's contents, e.g. file(\"~/.ssh/id_ed25519\"), in OpenSSH or PEM format): %w", err)}
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
