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
