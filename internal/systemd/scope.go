package systemd

import (
	"fmt"
	"strings"
)

// Scope is which manager's units a mask applies to.
type Scope int

const (
	// ScopeSystem is the system manager (systemctl).
	ScopeSystem Scope = iota
	// ScopeUser is the login user's own manager (systemctl --user), run as
	// that user, never through sudo.
	ScopeUser
	// ScopeGlobal is every user's manager (systemctl --global), which root
	// configures.
	ScopeGlobal
)

// ScopeNames lists the scopes as the provider spells them.
var ScopeNames = []string{"system", "user", "global"}

// ParseScope reads "system", "user" or "global".
func ParseScope(s string) (Scope, error) {
	for i, n := range ScopeNames {
		if s == n {
			return Scope(i), nil
		}
	}
	return 0, fmt.Errorf("scope %q is not one of %s", s, strings.Join(ScopeNames, ", "))
}

func (s Scope) String() string { return ScopeNames[s] }

// flag is systemctl's option for the scope.
func (s Scope) flag() []string {
	switch s {
	case ScopeUser:
		return []string{"--user"}
	case ScopeGlobal:
		return []string{"--global"}
	}
	return nil
}

// privileged: system and global unit files belong to root; a user's own
// belong to the user, and sudo would reach root's user manager instead.
func (s Scope) privileged() bool { return s != ScopeUser }

// Dir is the unit directory that `systemctl mask` writes for a layer; for
// the user scope, as it is usually spelled.
func (s Scope) Dir(l Layer) string {
	switch {
	case s == ScopeUser && l == Runtime:
		return "$XDG_RUNTIME_DIR/systemd/user"
	case s == ScopeUser:
		return "~/.config/systemd/user"
	case s == ScopeGlobal && l == Runtime:
		return "/run/systemd/user"
	case s == ScopeGlobal:
		return "/etc/systemd/user"
	case l == Runtime:
		return "/run/systemd/system"
	}
	return "/etc/systemd/system"
}

// UnitPath is where the mask of unit name sits, for messages and docs.
func (s Scope) UnitPath(l Layer, name string) string { return s.Dir(l) + "/" + name }
