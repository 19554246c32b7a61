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

// UnitFileExistsError is a mask refused because the layer holds a real unit
// file under the unit's name; systemctl never overwrites one, nor do we.
type UnitFileExistsError struct {
	Name   string
	Layer  Layer
	Stderr string
}

func (e *UnitFileExistsError) Error() string {
	return fmt.Sprintf("%s is a real unit file, not a mask, so %s cannot be masked in the %s layer without deleting it",
		e.Layer.UnitPath(e.Name), e.Name, e.Layer)
}

// Mask puts a mask on name in layer. It is idempotent: a unit already masked
// there (by a link, or by an empty file) is left as it is.
func (m Manager) Mask(ctx context.Context, name string, layer Layer) error {
	cmd := MaskCommand(name, layer)
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
		return &UnitFileExistsError{Name: name, Layer: layer, Stderr: stderr}
	}
	return &CommandError{Command: cmd, ExitCode: res.ExitCode, Stderr: stderr}
}

// Unmask removes the mask of name in layer, and only that one. Unmasking a
// unit that is not masked succeeds, as with systemctl.
func (m Manager) Unmask(ctx context.Context, name string, layer Layer) error {
	cmd := UnmaskCommand(name, layer)
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
func (m Manager) State(ctx context.Context, names ...string) (map[string]MaskState, error) {
	cmd := ProbeCommand(names...)
	res, err := m.Runner.Run(ctx, cmd)
	if err != nil {
		return nil, err
	}
	if res.ExitCode != 0 {
		return nil, &CommandError{Command: cmd, ExitCode: res.ExitCode, Stderr: cleanStderr(res.Stderr)}
	}
	return ParseProbe(res.Stdout, names)
}

func cleanStderr(b []byte) string {
	return string(bytes.TrimSpace(b))
}
