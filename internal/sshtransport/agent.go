package sshtransport

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"runtime"
	"strings"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
)

// windowsAgentPipe is where Windows' OpenSSH agent listens when
// SSH_AUTH_SOCK names no other place.
const windowsAgentPipe = `\\.\pipe\openssh-ssh-agent`

// agentAddress is where the agent is for an operating system: socket
// (SSH_AUTH_SOCK) when set, a Unix socket, or on Windows a named pipe
// when it names one; on Windows with nothing set, OpenSSH's own pipe.
func agentAddress(goos, socket string) (network, address string) {
	if goos == "windows" {
		if socket == "" || strings.HasPrefix(socket, `\\.\pipe\`) || strings.HasPrefix(socket, `//./pipe/`) {
			if socket == "" {
				socket = windowsAgentPipe
			}
			return "pipe", socket
		}
	}
	return "unix", socket
}

// agentOS is the operating system whose agent openAgent looks for; tests
// set it.
var agentOS = runtime.GOOS

// openPipe opens a named pipe as a file: a Windows pipe client is a
// CreateFile of its name. Tests replace it.
var openPipe = func(name string) (io.ReadWriteCloser, error) {
	return os.OpenFile(name, os.O_RDWR, 0)
}

// openAgent connects to the ssh-agent at socket, once per provider: its
// client is safe for concurrent use.
func openAgent(socket string) (agent.ExtendedAgent, func() error, error) {
	network, address := agentAddress(agentOS, socket)
	if address == "" {
		return nil, nil, &ConfigError{Setting: SettingAgent, Err: errors.New("the ssh-agent is asked for, but SSH_AUTH_SOCK is not set: start ssh-agent, or log in with a private key or a password")}
	}
	var (
		conn io.ReadWriteCloser
		err  error
	)
	if network == "pipe" {
		conn, err = openPipe(address)
	} else {
		conn, err = net.Dial("unix", address)
	}
	if err != nil {
		return nil, nil, &ConfigError{Setting: SettingAgent, Err: fmt.Errorf("cannot reach the ssh-agent at %s: %w", address, err)}
	}
	return agent.NewClient(conn), conn.Close, nil
}

// agentIdentity reads an agent identity: a public key in authorized_keys
// format, or its SHA256 fingerprint, as `ssh-add -l` prints it.
func agentIdentity(s string) (string, error) {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "SHA256:") {
		if len(s) != len("SHA256:")+43 {
			return "", fmt.Errorf("%q is not a SHA256 fingerprint (SHA256: and 43 characters, as ssh-add -l prints it)", s)
		}
		return s, nil
	}
	key, _, _, rest, err := ssh.ParseAuthorizedKey([]byte(s))
	if err != nil {
		return "", fmt.Errorf("neither a public key in authorized_keys format nor a SHA256: fingerprint: %w", err)
	}
	if len(strings.TrimSpace(string(rest))) > 0 {
		return "", errors.New("holds more than one key; give exactly one")
	}
	if cert, ok := key.(*ssh.Certificate); ok {
		key = cert.Key
	}
	return ssh.FingerprintSHA256(key), nil
}

// checkAgentIdentity reads cfg's AgentIdentity, and makes sure the agent
// holds that key: its fingerprint, or "" when any agent key goes.
func checkAgentIdentity(cfg Config, keyring agent.ExtendedAgent) (string, error) {
	if cfg.AgentIdentity == "" {
		return "", nil
	}
	bad := func(err error) (string, error) {
		return "", &ConfigError{Setting: SettingAgentIdentity, Err: err}
	}
	fp, err := agentIdentity(cfg.AgentIdentity)
	if err != nil {
		return bad(err)
	}
	if keyring == nil {
		return bad(errors.New("names an agent key, but the ssh-agent is not used"))
	}
	keys, err := keyring.List()
	if err != nil {
		return "", &ConfigError{Setting: SettingAgent, Err: fmt.Errorf("cannot list the ssh-agent's keys: %w", err)}
	}
	for _, k := range keys {
		if ssh.FingerprintSHA256(k) == fp {
			return fp, nil
		}
	}
	return bad(fmt.Errorf("%s is not among the ssh-agent's %d keys: ssh-add it, or name one that `ssh-add -l` lists", fp, len(keys)))
}
