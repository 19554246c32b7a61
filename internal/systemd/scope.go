package systemd

import (
	"fmt"
	"strings"
)

// Manager is the manager whose units a command reads or changes: a scope,
// and for the user scope, optionally an account other than the login
// user's.
type Manager struct {
	Scope Scope
	// Account, for the user scope, is another account whose user units
	// are reached as root, through its own user manager (systemctl --user
	// --machine=ACCOUNT@, systemd 248 and later); empty for the login
	// user's own.
	Account string
}

func (m Manager) String() string {
	if m.Account != "" {
		return m.Scope.String() + ":" + m.Account
	}
	return m.Scope.String()
}

const accountChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-"

// ValidateAccount checks an account name for the user scope: letters,
// digits, '_', '.' and '-', not beginning with a digit, '.' or '-' (the
// names useradd makes, and nothing a shell or systemctl's --machine=USER@
// could read otherwise).
func ValidateAccount(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("the account name is empty")
	case len(name) > 256:
		return fmt.Errorf("the account name is %d characters long; at most 256", len(name))
	case strings.IndexByte("0123456789.-", name[0]) >= 0:
		return fmt.Errorf("account %q begins with %q; account names begin with a letter or '_'", name, name[0])
	}
	for _, c := range name {
		if !strings.ContainsRune(accountChars, c) {
			return fmt.Errorf("account %q contains %q; account names have letters, digits, '_', '.' and '-' only", name, c)
		}
	}
	return nil
}

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
