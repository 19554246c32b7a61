package systemd

import (
	"bytes"
	"context"
	"fmt"
	"strings"
)

// Manager masks, unmasks and inspects units on one host through a Runner,
// and turns systemctl's answers into typed errors.
type Manager struct {
	Runner Runner
	Scope  Scope // ScopeSystem unless set
}

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
	return strings.Contains(e.Stderr, "Failed to connect to bus") || strings.Contains(e.Stderr, "XDG_RUNTIME_DIR")
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

// Mask puts a mask on name in layer. It is idempotent: a unit already masked
// there (by a link, or by an empty file) is left as it is.
func (m Manager) Mask(ctx context.Context, name string, layer Layer) error {
	return m.mask(ctx, name, layer, false)
}

// MaskNow masks like Mask and also stops the unit (systemctl mask --now).
func (m Manager) MaskNow(ctx context.Context, name string, layer Layer) error {
	return m.mask(ctx, name, layer, true)
}

func (m Manager) mask(ctx context.Context, name string, layer Layer, now bool) error {
	cmd := m.Scope.MaskCommand(name, layer, now)
	res, err := m.Runner.Run(ctx, cmd)
	if err != nil {
		return err
	}
	if res.ExitCode == 0 {
		return nil
	}
	stderr := cleanStderr(res.Stderr)
	if strings.Contains(stderr, "already exists") {
		// systemctl also refuses when the file is an empty one, which
		// systemd already treats as a mask: that is success, not a conflict.
		states, err := m.State(ctx, name)
		if err == nil && states[name].Masked(layer) {
			return nil
		}
		return &UnitFileExistsError{Name: name, Layer: layer, Scope: m.Scope, Stderr: stderr}
	}
	return &CommandError{Command: cmd, ExitCode: res.ExitCode, Stderr: stderr}
}

// Unmask removes the mask of name in layer, and only that one. Unmasking a
// unit that is not masked succeeds, as with systemctl.
func (m Manager) Unmask(ctx context.Context, name string, layer Layer) error {
	cmd := m.Scope.UnmaskCommand(name, layer)
	res, err := m.Runner.Run(ctx, cmd)
	if err != nil {
		return err
	}
	if res.ExitCode != 0 {
		return &CommandError{Command: cmd, ExitCode: res.ExitCode, Stderr: cleanStderr(res.Stderr)}
	}
	return nil
}

// State reads what both layers hold for each named unit, in one command.
// An answer that does not parse is read once more before it is an error:
// once, right after sshd was killed and restarted under load, a probe came
// back empty with exit status 0, and reading is harmless to repeat.
func (m Manager) State(ctx context.Context, names ...string) (map[string]MaskState, error) {
	cmd := m.Scope.ProbeCommand(names...)
	var parseErr error
	for try := 0; try < 2; try++ {
		res, err := m.Runner.Run(ctx, cmd)
		if err != nil {
			return nil, err
		}
		if res.ExitCode != 0 {
			return nil, &CommandError{Command: cmd, ExitCode: res.ExitCode, Stderr: cleanStderr(res.Stderr)}
		}
		states, err := m.Scope.ParseProbe(res.Stdout, names)
		if err == nil {
			return states, nil
		}
		parseErr = err
	}
	return nil, parseErr
}

func cleanStderr(b []byte) string {
	return string(bytes.TrimSpace(b))
}
