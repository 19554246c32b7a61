package systemd

import (
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
