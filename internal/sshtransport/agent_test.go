package sshtransport

import (
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
)

func TestAgentAddress(t *testing.T) {
	tests := []struct{ goos, socket, network, address string }{
		{"linux", "/run/user/1000/agent.sock", "unix", "/run/user/1000/agent.sock"},
		{"linux", "", "unix", ""},
		{"windows", "", "pipe", `\\.\pipe\openssh-ssh-agent`},
		{"windows", `\\.\pipe\my-agent`, "pipe", `\\.\pipe\my-agent`},
		{"windows", `//./pipe/my-agent`, "pipe", `//./pipe/my-agent`},
		{"windows", `C:\Users\me\agent.sock`, "unix", `C:\Users\me\agent.sock`},
	}
	for _, tt := range tests {
		if n, a := agentAddress(tt.goos, tt.socket); n != tt.network || a != tt.address {
			t.Errorf("agentAddress(%s, %q) = %s %q, want %s %q", tt.goos, tt.socket, n, a, tt.network, tt.address)
		}
	}
}

// On Windows, with SSH_AUTH_SOCK unset, the agent is reached through
// OpenSSH's named pipe: the client talks the agent protocol over whatever
// the pipe opener returns (here, one end of an in-memory pipe that an
// agent serves).
func TestOpenAgentThroughThePipe(t *testing.T) {
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	keyring := agent.NewKeyring()
	if err := keyring.Add(agent.AddedKey{PrivateKey: priv}); err != nil {
		t.Fatal(err)
	}
	opened := ""
	oldOS, oldOpen := agentOS, openPipe
	t.Cleanup(func() { agentOS, openPipe = oldOS, oldOpen })
	agentOS = "windows"
	openPipe = func(name string) (io.ReadWriteCloser, error) {
		opened = name
		client, server := net.Pipe()
		go func() { _ = agent.ServeAgent(keyring, server) }()
		return client, nil
	}
	a, closeFn, err := openAgent("")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = closeFn() }()
	keys, err := a.List()
	if err != nil || len(keys) != 1 {
		t.Fatalf("List = %v, %v", keys, err)
	}
	if opened != windowsAgentPipe {
		t.Errorf("opened %q, want %q", opened, windowsAgentPipe)
	}
	openPipe = func(string) (io.ReadWriteCloser, error) {
		return nil, errors.New("The system cannot find the file specified.")
	}
	_, _, err = openAgent("")
	wantConfigError(t, err, "ssh-agent", `cannot reach the ssh-agent at \\.\pipe\openssh-ssh-agent`)
}

// With AgentIdentity, of an agent's six keys only the one it names is
// offered to the server, named by key or by fingerprint. (Against real
// sshd and its MaxAuthTries, the acceptance tests.)
func TestAgentIdentity(t *testing.T) {
	var keys []any
	var pubs []ssh.PublicKey
	for range 6 {
		_, priv, _ := ed25519.GenerateKey(rand.Reader)
		keys = append(keys, priv)
		pubs = append(pubs, sshPublic(t, priv))
	}
	right := pubs[5]
	var mu sync.Mutex
	offered := map[string]bool{}
	cfg := &ssh.ServerConfig{
		PublicKeyCallback: func(_ ssh.ConnMetadata, key ssh.PublicKey) (*ssh.Permissions, error) {
			mu.Lock()
			offered[ssh.FingerprintSHA256(key)] = true
			mu.Unlock()
			if string(key.Marshal()) == string(right.Marshal()) {
				return nil, nil
			}
			return nil, errors.New("unknown key")
		},
	}
	_, hostPriv, _ := ed25519.GenerateKey(rand.Reader)
	hostSigner, _ := ssh.NewSignerFromKey(hostPriv)
	s := serveSSH(t, cfg, hostSigner)
	sock := serveAgent(t, keys...)
	client := func(identity string) Config {
		return Config{User: "deploy", Agent: true, AgentSocket: sock, AgentIdentity: identity,
			HostKey: string(ssh.MarshalAuthorizedKey(hostSigner.PublicKey())), Timeout: 2 * time.Second, SessionPerCommand: true}
	}
	for _, identity := range []string{string(ssh.MarshalAuthorizedKey(right)), ssh.FingerprintSHA256(right)} {
		mu.Lock()
		clear(offered)
		mu.Unlock()
		if err := runTrue(newTestPool(t, client(identity)).Runner(s.addr)); err != nil {
			t.Errorf("agent_identity %q: %v", strings.TrimSpace(identity), err)
		}
		mu.Lock()
		if len(offered) != 1 || !offered[ssh.FingerprintSHA256(right)] {
			t.Errorf("agent_identity %q: offered %v, want only %s", strings.TrimSpace(identity), offered, ssh.FingerprintSHA256(right))
		}
		mu.Unlock()
	}
	// Without it, the agent's keys are offered in turn.
	clear(offered)
	if err := runTrue(newTestPool(t, client("")).Runner(s.addr)); err != nil {
		t.Fatal(err)
	}
	if len(offered) < 2 {
		t.Errorf("without agent_identity, offered %v: want the agent's keys in turn", offered)
	}
	_, other, _ := ed25519.GenerateKey(rand.Reader)
	_, err := NewPool(client(ssh.FingerprintSHA256(sshPublic(t, other))))
	wantConfigError(t, err, "agent identity", "is not among the ssh-agent's 6 keys")
	_, err = NewPool(client("SHA256:short"))
	wantConfigError(t, err, "agent identity", "is not a SHA256 fingerprint")
	noAgent := client(ssh.FingerprintSHA256(right))
	noAgent.Agent, noAgent.Password = false, "pw"
	_, err = NewPool(noAgent)
	wantConfigError(t, err, "agent identity", "the ssh-agent is not used")
}
