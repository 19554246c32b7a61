package systemd

import (
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"testing"
)

func TestParseScope(t *testing.T) {
	for i, name := range ScopeNames {
		s, err := ParseScope(name)
		if err != nil || s != Scope(i) || s.String() != name {
			t.Errorf("ParseScope(%q) = %v, %v", name, s, err)
		}
	}
	for _, bad := range []string{"", "System", "users", "--user"} {
		if _, err := ParseScope(bad); err == nil {
			t.Errorf("ParseScope(%q) accepted", bad)
		}
	}
}

func TestScopeCommands(t *testing.T) {
	tests := []struct {
		cmd        Command
		argv       []string
		privileged bool
	}{
		{ScopeSystem.MaskCommand("a.service", Persistent, false), []string{"systemctl", "mask", "--", "a.service"}, true},
		{ScopeSystem.MaskCommand("a.service", Runtime, true), []string{"systemctl", "mask", "--runtime", "--now", "--", "a.service"}, true},
		// A user's own units: never through sudo, which would reach root's.
		{ScopeUser.MaskCommand("a.service", Persistent, true), []string{"systemctl", "--user", "mask", "--now", "--", "a.service"}, false},
		{ScopeUser.UnmaskCommand("a.service", Runtime), []string{"systemctl", "--user", "unmask", "--runtime", "--", "a.service"}, false},
		// --global has no running manager to stop a unit in.
		{ScopeGlobal.MaskCommand("a.service", Runtime, true), []string{"systemctl", "--global", "mask", "--runtime", "--", "a.service"}, true},
		{ScopeGlobal.UnmaskCommand("a.service", Persistent), []string{"systemctl", "--global", "unmask", "--", "a.service"}, true},
	}
	for _, tt := range tests {
		if !reflect.DeepEqual(tt.cmd.Argv, tt.argv) || tt.cmd.Privileged != tt.privileged {
			t.Errorf("got %q privileged=%v, want %q privileged=%v", tt.cmd.Argv, tt.cmd.Privileged, tt.argv, tt.privileged)
		}
	}
	for _, s := range []Scope{ScopeSystem, ScopeUser, ScopeGlobal} {
		if s.ProbeCommand("a.service").Privileged {
			t.Errorf("%s probe needs no privileges", s)
		}
	}
}

func TestScopeDirs(t *testing.T) {
	want := map[Scope][2]string{
		ScopeSystem: {"/etc/systemd/system", "/run/systemd/system"},
		ScopeGlobal: {"/etc/systemd/user", "/run/systemd/user"},
		ScopeUser:   {"~/.config/systemd/user", "$XDG_RUNTIME_DIR/systemd/user"},
	}
	for s, dirs := range want {
		if s.Dir(Persistent) != dirs[0] || s.Dir(Runtime) != dirs[1] {
			t.Errorf("%s dirs = %s, %s; want %s", s, s.Dir(Persistent), s.Dir(Runtime), dirs)
		}
	}
}

// The user probe finds the user's directories from the environment of the
// remote shell, as systemctl --user does; run it with /bin/sh on temp ones.
func TestUserProbeFollowsEnvironment(t *testing.T) {
	home, runtime := t.TempDir(), t.TempDir()
	config := filepath.Join(home, ".config", "systemd", "user")
	rundir := filepath.Join(runtime, "systemd", "user")
	for _, d := range []string{config, rundir} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink("/dev/null", filepath.Join(config, "a.service")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/dev/null", filepath.Join(rundir, "b.service")); err != nil {
		t.Fatal(err)
	}
	cmd := ScopeUser.ProbeCommand("a.service", "b.service")
	sh := exec.Command("/bin/sh", cmd.Argv[1:]...)
	sh.Env = []string{"HOME=" + home, "XDG_RUNTIME_DIR=" + runtime, "PATH=/usr/bin:/bin"}
	out, err := sh.Output()
	if err != nil {
		t.Fatal(err)
	}
	got, err := ScopeUser.ParseProbe(out, []string{"a.service", "b.service"})
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	want := map[string]MaskState{"a.service": {Persistent: EntryNullLink}, "b.service": {Runtime: EntryNullLink}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v\n%s", got, want, out)
	}
	// A system path is not an answer about a user's unit.
	if _, err := ScopeGlobal.ParseProbe(out, []string{"a.service", "b.service"}); err == nil {
		t.Error("the global parser accepted user paths")
	}
}
