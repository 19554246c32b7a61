package systemd

import (
	"bytes"
	"fmt"
	"strings"
)

// CommandError is a command that ran and failed.
type CommandError struct {
	Command  Command
	ExitCode int
	Stderr   string
}

func (e *CommandError) Error() string {
	msg := fmt.Sprintf("`%s` exited with status %d", e.Command, e.ExitCode)
	if e.Stderr != "" {
		msg += ": " + e.Stderr
	}
	return msg
}

// AccessDenied reports whether systemctl refused for lack of privileges,
// which sudo fixes.
func (e *CommandError) AccessDenied() bool {
	s := strings.ToLower(e.Stderr)
	return strings.Contains(s, "access denied") || strings.Contains(s, "permission denied") ||
		strings.Contains(s, "authentication required")
}

// NoUserManager reports whether systemctl --user found no user manager to
// talk to: the user needs lingering, or a session with pam_systemd.
func (e *CommandError) NoUserManager() bool {
	// systemd 252 says "Failed to connect to bus: $DBUS_SESSION_BUS_ADDRESS
	// and $XDG_RUNTIME_DIR not defined"; later releases "Failed to connect
	// to user scope bus via local transport: …".
	return strings.Contains(e.Stderr, "Failed to connect to bus") || strings.Contains(e.Stderr, "Failed to connect to user scope bus") ||
		strings.Contains(e.Stderr, "XDG_RUNTIME_DIR")
}

// UnitFileExistsError is a mask refused because the layer holds a real unit
// file under the unit's name; systemctl never overwrites one, nor do we.
type UnitFileExistsError struct {
	Name   string
	Layer  Layer
	Scope  Scope
	Stderr string
}

// Path is the unit file in the way.
func (e *UnitFileExistsError) Path() string { return e.Scope.UnitPath(e.Layer, e.Name) }

func (e *UnitFileExistsError) Error() string {
	return fmt.Sprintf("%s is a real unit file, not a mask, so %s cannot be masked in the %s layer without deleting it",
		e.Path(), e.Name, e.Layer)
}

func cleanStderr(b []byte) string {
	return string(bytes.TrimSpace(b))
}

// AccountError is another account's user manager out of reach: the engine
// script refused (a "refuse" line), and nothing was done on the host.
type AccountError struct {
	Account string
	// Reason is the script's: name, root, nouser, nomanager, version or
	// manager.
	Reason string
	// Detail is the script's detail: the manager's socket that is missing,
	// or what systemctl said.
	Detail string
	// Version is systemd's, when the script read it.
	Version int
}

func (e *AccountError) Error() string {
	a := e.Account
	switch e.Reason {
	case "name":
		return fmt.Sprintf("%q is not an account name the provider can pass to systemctl", a)
	case "root":
		return fmt.Sprintf("reaching the user units of %s needs root: log in as root, or set sudo (or sudo_password)", a)
	case "nouser":
		return fmt.Sprintf("there is no account %q on the host (getent passwd %s found nothing): check the user attribute", a, a)
	case "nomanager":
		return fmt.Sprintf("the user manager of %s is not running (%s is missing), and its units can only be changed through it: "+
			"run `loginctl enable-linger %s` on the host (as root) to keep it running from boot", a, e.Detail, a)
	case "version":
		return fmt.Sprintf("systemd %d on the host cannot reach another account's user manager: `systemctl --user --machine=%s@` "+
			"needs systemd 248 or later. Log in as %s and leave user unset, or upgrade systemd", e.Version, a, a)
	}
	return fmt.Sprintf("`systemctl --user --machine=%s@` did not reach the user manager of %s: %s", a, a, e.Detail)
}
