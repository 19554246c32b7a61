package systemd

import (
	"context"
	"errors"
	"reflect"
	"strings"
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

func TestManagerMask(t *testing.T) {
	transportErr := errors.New("connection reset")
	mask := MaskCommand("x.service", Persistent)
	probe := ProbeCommand("x.service")
	tests := []struct {
		what    string
		layer   Layer
		replies []reply
		want    []Command
		check   func(t *testing.T, err error)
	}{
		{
			what: "success", layer: Persistent,
			replies: []reply{ok("")},
			want:    []Command{mask},
			check:   wantNil,
		},
		{
			what: "runtime success", layer: Runtime,
			replies: []reply{ok("")},
			want:    []Command{MaskCommand("x.service", Runtime)},
			check:   wantNil,
		},
		{
			// systemctl refuses to replace an empty file, which systemd
			// already reads as a mask: that is success.
			what: "empty file in the way", layer: Persistent,
			replies: []reply{failed(1, existsStderr), ok(probeAnswer([3]string{"x.service", "empty", "none"}))},
			want:    []Command{mask, probe},
			check:   wantNil,
		},
		{
			what: "real unit file in the way", layer: Persistent,
			replies: []reply{failed(1, existsStderr), ok(probeAnswer([3]string{"x.service", "unit", "none"}))},
			want:    []Command{mask, probe},
			check: func(t *testing.T, err error) {
				var ue *UnitFileExistsError
				if !errors.As(err, &ue) {
					t.Fatalf("err = %#v, want *UnitFileExistsError", err)
				}
				if ue.Name != "x.service" || ue.Layer != Persistent || ue.Stderr != strings.TrimSpace(existsStderr) {
					t.Errorf("err = %+v", ue)
				}
				for _, w := range []string{"/etc/systemd/system/x.service", "real unit file", "persistent"} {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("%q does not mention %q", err, w)
					}
				}
			},
		},
		{
			// An empty file in the other layer does not mask this one.
			what: "unit file here, empty file in the other layer", layer: Runtime,
			replies: []reply{failed(1, "Failed to mask unit: File /run/systemd/system/x.service already exists."), ok(probeAnswer([3]string{"x.service", "empty", "unit"}))},
			want:    []Command{MaskCommand("x.service", Runtime), probe},
			check: func(t *testing.T, err error) {
				var ue *UnitFileExistsError
				if !errors.As(err, &ue) || ue.Layer != Runtime {
					t.Fatalf("err = %#v, want *UnitFileExistsError in the runtime layer", err)
				}
			},
		},
		{
			// When the follow-up probe fails, the conflict is still reported
			// rather than claimed as success.
			what: "probe fails after conflict", layer: Persistent,
			replies: []reply{failed(1, existsStderr), {err: transportErr}},
			want:    []Command{mask, probe},
			check: func(t *testing.T, err error) {
				var ue *UnitFileExistsError
				if !errors.As(err, &ue) {
					t.Fatalf("err = %#v, want *UnitFileExistsError", err)
				}
			},
		},
		{
			what: "other failure", layer: Persistent,
			replies: []reply{failed(1, "Failed to mask unit: Access denied\n")},
			want:    []Command{mask},
			check: func(t *testing.T, err error) {
				var ce *CommandError
				if !errors.As(err, &ce) {
					t.Fatalf("err = %#v, want *CommandError", err)
				}
				if ce.ExitCode != 1 || ce.Stderr != "Failed to mask unit: Access denied" || !reflect.DeepEqual(ce.Command, mask) {
					t.Errorf("err = %+v", ce)
				}
				if !ce.AccessDenied() {
					t.Error("AccessDenied() = false for \"Access denied\"")
				}
				if !strings.Contains(err.Error(), "exited with status 1") || !strings.Contains(err.Error(), "systemctl mask -- x.service") {
					t.Errorf("Error() = %q", err)
				}
			},
		},
		{
			what: "failure with another exit code", layer: Persistent,
			replies: []reply{failed(5, "  Unit file x.service does not exist.  ")},
			want:    []Command{mask},
			check: func(t *testing.T, err error) {
				var ce *CommandError
				if !errors.As(err, &ce) || ce.ExitCode != 5 || ce.Stderr != "Unit file x.service does not exist." {
					t.Fatalf("err = %#v", err)
				}
				if ce.AccessDenied() {
					t.Error("AccessDenied() = true")
				}
			},
		},
		{
			what: "transport error", layer: Persistent,
			replies: []reply{{err: transportErr}},
			want:    []Command{mask},
			check: func(t *testing.T, err error) {
				if err != transportErr {
					t.Errorf("err = %#v, want the transport's error unchanged", err)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.what, func(t *testing.T) {
			f := &fakeRunner{replies: tt.replies}
			err := Manager{Runner: f}.Mask(context.Background(), "x.service", tt.layer)
			tt.check(t, err)
			if !reflect.DeepEqual(f.got, tt.want) {
				t.Errorf("commands run:\n%q\nwant\n%q", f.got, tt.want)
			}
		})
	}
}

func wantNil(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Errorf("err = %v, want nil", err)
	}
}

func TestManagerUnmask(t *testing.T) {
	transportErr := errors.New("timeout")
	tests := []struct {
		what    string
		layer   Layer
		replies []reply
		check   func(t *testing.T, err error)
	}{
		{"success", Persistent, []reply{ok("")}, wantNil},
		{"runtime success", Runtime, []reply{ok("")}, wantNil},
		{"failure", Persistent, []reply{failed(1, "Failed to unmask unit: Permission denied\n")}, func(t *testing.T, err error) {
			var ce *CommandError
			if !errors.As(err, &ce) || ce.ExitCode != 1 || ce.Stderr != "Failed to unmask unit: Permission denied" {
				t.Fatalf("err = %#v", err)
			}
			if !ce.AccessDenied() {
				t.Error("AccessDenied() = false for \"Permission denied\"")
			}
		}},
		{"transport error", Persistent, []reply{{err: transportErr}}, func(t *testing.T, err error) {
			if err != transportErr {
				t.Errorf("err = %#v, want the transport's error unchanged", err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.what, func(t *testing.T) {
			f := &fakeRunner{replies: tt.replies}
			err := Manager{Runner: f}.Unmask(context.Background(), "x.service", tt.layer)
			tt.check(t, err)
			want := []Command{UnmaskCommand("x.service", tt.layer)}
			if !reflect.DeepEqual(f.got, want) {
				t.Errorf("commands run: %q, want %q", f.got, want)
			}
		})
	}
}

func TestManagerState(t *testing.T) {
	names := []string{"a.service", "b@c.socket"}
	f := &fakeRunner{replies: []reply{ok(probeAnswer([3]string{"a.service", "null", "empty"}, [3]string{"b@c.socket", "unit", "none"}))}}
	got, err := Manager{Runner: f}.State(context.Background(), names...)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]MaskState{
		"a.service":  {Persistent: EntryNullLink, Runtime: EntryEmptyFile},
		"b@c.socket": {Persistent: EntryUnitFile},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("State = %v, want %v", got, want)
	}
	if wantCmd := []Command{ProbeCommand(names...)}; !reflect.DeepEqual(f.got, wantCmd) {
		t.Errorf("commands run: %q, want %q", f.got, wantCmd)
	}
}

// An empty answer once, then a good one: read again, no error.
func TestManagerStateRereadsAGarbledAnswer(t *testing.T) {
	good := "null\t/etc/systemd/system/a.service\nnone\t/run/systemd/system/a.service\nend\n"
	f := &fakeRunner{replies: []reply{ok(""), ok(good)}}
	states, err := Manager{Runner: f}.State(context.Background(), "a.service")
	if err != nil || !states["a.service"].Masked(Persistent) || len(f.got) != 2 {
		t.Fatalf("State = %v, %v after %d commands", states, err, len(f.got))
	}
}

func TestManagerStateErrors(t *testing.T) {
	transportErr := errors.New("no route to host")
	tests := []struct {
		what  string
		reply reply
		check func(t *testing.T, err error)
	}{
		{"transport error", reply{err: transportErr}, func(t *testing.T, err error) {
			if err != transportErr {
				t.Errorf("err = %#v, want the transport's error unchanged", err)
			}
		}},
		{"script fails", failed(127, "sh: not found\n"), func(t *testing.T, err error) {
			var ce *CommandError
			if !errors.As(err, &ce) || ce.ExitCode != 127 || ce.Stderr != "sh: not found" {
				t.Errorf("err = %#v, want *CommandError", err)
			}
		}},
		{"garbled answer, twice", ok("null\t/etc/systemd/system/a.service\n"), func(t *testing.T, err error) {
			if err == nil || !strings.Contains(err.Error(), "unexpected answer") {
				t.Errorf("err = %v", err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.what, func(t *testing.T) {
			// A garbled answer is read once more; give it the same again.
			f := &fakeRunner{replies: []reply{tt.reply, tt.reply}}
			states, err := Manager{Runner: f}.State(context.Background(), "a.service")
			if states != nil {
				t.Errorf("states = %v, want nil with an error", states)
			}
			tt.check(t, err)
		})
	}
}

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
