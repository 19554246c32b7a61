package systemd

import (
	"testing"
)

func TestCommandErrorAccessDenied(t *testing.T) {
	tests := []struct {
		stderr string
		want   bool
	}{
		{"Failed to mask unit: Access denied", true},
		{"Failed to unmask unit: Permission denied", true},
		{"==== AUTHENTICATING FOR org.freedesktop.systemd1.manage-unit-files ====\nAuthentication required.", true},
		{"Failed to mask unit: File /etc/systemd/system/x.service already exists.", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := (&CommandError{Stderr: tt.stderr}).AccessDenied(); got != tt.want {
			t.Errorf("AccessDenied(%q) = %v, want %v", tt.stderr, got, tt.want)
		}
	}
}

func TestCommandErrorNoUserManager(t *testing.T) {
	tests := []struct {
		stderr string
		want   bool
	}{
		// systemd 252.
		{"Failed to connect to bus: $DBUS_SESSION_BUS_ADDRESS and $XDG_RUNTIME_DIR not defined (consider using --machine=<user>@.host --user to connect to bus of other user)", true},
		// Later releases.
		{"Failed to connect to user scope bus via local transport: No such file or directory", true},
		{"Failed to connect to bus: No medium found", true},
		{"Failed to mask unit: Access denied", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := (&CommandError{Stderr: tt.stderr}).NoUserManager(); got != tt.want {
			t.Errorf("NoUserManager(%q) = %v, want %v", tt.stderr, got, tt.want)
		}
	}
}

func TestCommandErrorMessage(t *testing.T) {
	e := &CommandError{Command: Command{Argv: []string{"systemctl", "daemon-reload"}}, ExitCode: 1, Stderr: "Failed to reload daemon: boom"}
	if got, want := e.Error(), "`systemctl daemon-reload` exited with status 1: Failed to reload daemon: boom"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	e = &CommandError{Command: ScopeSystem.MaskedUnitsCommand(), ExitCode: 127}
	if got, want := e.Error(), "`sh -c <script> systemd-tf masked system 0` exited with status 127"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}
