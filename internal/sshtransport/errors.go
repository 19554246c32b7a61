package sshtransport

import (
	"strconv"
	"strings"
)

// Setting is the part of a hop's configuration that an error is about:
// what to change to fix it. The caller maps it to its own name for it.
type Setting int

const (
	NoSetting Setting = iota
	SettingHost
	SettingUser
	SettingPrivateKey
	SettingPassphrase
	SettingCertificate
	SettingPassword
	SettingAgent
	SettingHostKey
	SettingKnownHosts
	SettingTimeout
	SettingSudoPassword
	SettingAgentIdentity
	SettingProxy
)

var settingNames = [...]string{
	NoSetting:            "",
	SettingHost:          "host",
	SettingUser:          "user",
	SettingPrivateKey:    "private key",
	SettingPassphrase:    "private key passphrase",
	SettingCertificate:   "certificate",
	SettingPassword:      "password",
	SettingAgent:         "ssh-agent",
	SettingHostKey:       "pinned host key",
	SettingKnownHosts:    "known_hosts file",
	SettingTimeout:       "timeout",
	SettingSudoPassword:  "sudo password",
	SettingAgentIdentity: "agent identity",
	SettingProxy:         "proxy",
}

func (s Setting) String() string {
	if s < 0 || int(s) >= len(settingNames) {
		return "unknown setting"
	}
	return settingNames[s]
}

// ConfigError is a configuration that cannot work, found before anything
// is dialed: Setting of Hop is what to change.
type ConfigError struct {
	Hop     string // "bastion" for the jump host's own settings, "" otherwise
	Setting Setting
	Err     error
}

func (e *ConfigError) Error() string {
	return onHop(e.Hop, e.Setting.String()) + ": " + e.Err.Error()
}
func (e *ConfigError) Unwrap() error { return e.Err }

// HostError is a failure to run a command on a host: no connection, no
// authentication, a timeout, a refused sudo. Hop is "bastion" when the jump
// host failed rather than the target. Setting, when set, is the part of
// Hop's configuration that fixes it.
type HostError struct {
	Hop     string
	Addr    string
	Setting Setting
	Err     error
	// Transient errors are a connection refused, reset or lost, or one
	// that stopped answering before a command started on it: worth another
	// try (on a new connection) for an idempotent command. Other timeouts,
	// authentication, host keys and sudo are not: trying again gives the
	// same answer.
	Transient bool
	// Started: the command had started on the host when this happened (it
	// timed out, or its connection died under it), so it may have run.
	Started bool
}

// MayHaveRun reports whether the command may have run on the host despite
// the error.
func (e *HostError) MayHaveRun() bool { return e.Started }

func (e *HostError) Error() string {
	return onHop(e.Hop, e.Addr) + ": " + e.Err.Error()
}
func (e *HostError) Unwrap() error { return e.Err }

// onHop prefixes what (an address, a setting) with its hop, if any:
// "bastion 10.0.0.1:22".
func onHop(hop, what string) string {
	if hop != "" {
		return hop + " " + what
	}
	return what
}

// jumpHopName is the Hop of jump host i (from 0) of a chain of n:
// "bastion" alone, "bastion 1", "bastion 2"… in a longer chain.
func jumpHopName(i, n int) string {
	if n == 1 {
		return "bastion"
	}
	return "bastion " + strconv.Itoa(i+1)
}

// JumpIndex is the position in the chain (from 0) of the jump host that
// an error's Hop names; false for a target.
func JumpIndex(hop string) (int, bool) {
	if hop == "bastion" {
		return 0, true
	}
	if n, ok := strings.CutPrefix(hop, "bastion "); ok {
		if i, err := strconv.Atoi(n); err == nil && i >= 1 {
			return i - 1, true
		}
	}
	return 0, false
}
