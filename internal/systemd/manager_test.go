package systemd

import (
	"context"
	"errors"
	"testing"
)

// fakeRunner records every command and answers from a script, one reply per
// call, in order.
type fakeRunner struct {
	replies []reply
	got     []Command
}

type reply struct {
	res Result
	err error
}

func (f *fakeRunner) Run(_ context.Context, cmd Command) (Result, error) {
	f.got = append(f.got, cmd)
	if len(f.replies) == 0 {
		return Result{}, errors.New("fakeRunner: unexpected command " + cmd.String())
	}
	r := f.replies[0]
	f.replies = f.replies[1:]
	return r.res, r.err
}

func ok(stdout string) reply { return reply{res: Result{Stdout: []byte(stdout)}} }

func failed(code int, stderr string) reply {
	return reply{res: Result{ExitCode: code, Stderr: []byte(stderr)}}
}

const existsStderr = "Failed to mask unit: File /etc/systemd/system/x.service already exists.\n"

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
