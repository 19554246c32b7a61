package sshtransport

import (
	"slices"
	"strings"
	"testing"

	"github.com/systemd-tf/terraform-provider-systemd/internal/systemd"
)

// A command that runs as root as a whole goes through sudo where the
// provider uses sudo, in a session (not the long-lived shell), with the
// password on its standard input; logged in as root it runs as it is.
func TestAsRoot(t *testing.T) {
	script := systemd.Command{Argv: []string{"sh", "-c", "echo", "x"}, Servable: true, AsRoot: true}
	for _, tt := range []struct {
		cfg    Config
		prefix []string
		pw     string
	}{
		{Config{User: "root"}, nil, ""},
		{Config{User: "deploy", Sudo: true}, []string{"sudo", "-n"}, ""},
		{Config{User: "operator", SudoPassword: "s3cret"}, []string{"sudo", "-S", "-p", ""}, "s3cret"},
	} {
		p := &Pool{cfg: tt.cfg}
		got := p.asRoot(script)
		if want := append(slices.Clone(tt.prefix), script.Argv...); !slices.Equal(got.Argv, want) {
			t.Errorf("%s: argv %q, want %q", tt.cfg.User, got.Argv, want)
		}
		if got.Servable != (tt.prefix == nil) {
			t.Errorf("%s: Servable %v: through sudo it must run in a session", tt.cfg.User, got.Servable)
		}
		if pw := p.passwordFor(got); pw != tt.pw {
			t.Errorf("%s: password on stdin %q, want %q", tt.cfg.User, pw, tt.pw)
		}
	}
	// sudo refusing sh names sh, and the rule that would allow it.
	p := &Pool{cfg: Config{User: "sysop", Sudo: true}}
	err := p.sudoFailure("h:22", p.asRoot(script), systemd.Result{ExitCode: 1, Stderr: []byte("sudo: a password is required\n")})
	if err == nil || !strings.Contains(err.Error(), `run sh (another account's user units`) || !strings.Contains(err.Error(), "/usr/bin/sh") {
		t.Errorf("sudo refusing sh: %v", err)
	}
}
