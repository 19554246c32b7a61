package provider

import (
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/systemd-tf/terraform-provider-systemd/internal/sshtransport"
	"github.com/systemd-tf/terraform-provider-systemd/internal/systemd"
)

// maskTarget is what a mask's id records: where the mask lives and what it
// masks.
type maskTarget struct {
	addr  string        // HOST:PORT
	scope systemd.Scope // which manager's units
	user  string        // the user, for the user scope
	name  string        // the unit
}

// id is "HOST:PORT/NAME" for a system unit, "HOST:PORT/global/NAME" and
// "HOST:PORT/user:USER/NAME" for the others, so that the same unit in
// different scopes, or of different users, never collides. Unit names never
// contain '/'.
func (t maskTarget) id() string {
	switch t.scope {
	case systemd.ScopeGlobal:
		return t.addr + "/global/" + t.name
	case systemd.ScopeUser:
		return t.addr + "/user:" + t.user + "/" + t.name
	}
	return t.addr + "/" + t.name
}

func (t maskTarget) host(data *providerData) systemd.Host {
	return data.host(t.addr, t.manager(data))
}

// manager is whose units t's are: a user unit of an account other than
// the login user's is reached through that account's user manager.
func (t maskTarget) manager(data *providerData) systemd.Manager {
	m := systemd.Manager{Scope: t.scope}
	if t.scope == systemd.ScopeUser && t.user != data.loginUser(t.addr) {
		m.Account = t.user
	}
	return m
}

// userAttribute is the resource's user for t: the account when it is
// another than the login user's, else null.
func (t maskTarget) userAttribute(data *providerData) types.String {
	if t.manager(data).Account != "" {
		return types.StringValue(t.user)
	}
	return types.StringNull()
}

// describe names the unit and its scope for messages.
func (t maskTarget) describe() string {
	switch t.scope {
	case systemd.ScopeGlobal:
		return t.name + " (global user unit)"
	case systemd.ScopeUser:
		return t.name + " (user unit of " + t.user + ")"
	}
	return t.name
}

const idForms = "HOST:PORT/NAME, HOST:PORT/global/NAME or HOST:PORT/user:USER/NAME"

func parseMaskID(id string) (maskTarget, error) {
	parts := strings.Split(id, "/")
	bad := func() (maskTarget, error) {
		return maskTarget{}, fmt.Errorf("id %q is not %s", id, idForms)
	}
	for _, p := range parts {
		if p == "" {
			return bad()
		}
	}
	switch len(parts) {
	case 2:
		return maskTarget{addr: parts[0], name: parts[1]}, nil
	case 3:
		t := maskTarget{addr: parts[0], name: parts[2]}
		switch user, isUser := strings.CutPrefix(parts[1], "user:"); {
		case parts[1] == "global":
			t.scope = systemd.ScopeGlobal
		case isUser && user != "":
			t.scope, t.user = systemd.ScopeUser, user
		default:
			return bad()
		}
		return t, nil
	}
	return bad()
}

// importID is what an import ID names: the host as written (empty for the
// provider's), the scope, and the unit.
type importID struct {
	host  string
	scope systemd.Scope
	user  string // for "user:USER"; empty means the provider's user
	name  string
}

const importForms = "NAME, HOST/NAME, HOST:PORT/NAME, or HOST[:PORT]/SCOPE/NAME with SCOPE system, global, user or user:USER (HOST may be empty for the provider's host)"

// parseImportID reads the import ID forms; the host is kept as written so
// that the imported `host` matches a configuration written the same way.
func parseImportID(id string) (importID, error) {
	parts := strings.Split(id, "/")
	var imp importID
	switch len(parts) {
	case 1:
		imp.name = parts[0]
		return imp, nil
	case 2:
		imp.host, imp.name = parts[0], parts[1]
		if imp.host == "" {
			return importID{}, fmt.Errorf("import ID %q has nothing before '/': use %s", id, importForms)
		}
	case 3:
		imp.host, imp.name = parts[0], parts[2]
		switch user, isUser := strings.CutPrefix(parts[1], "user:"); {
		case isUser:
			if user == "" {
				return importID{}, fmt.Errorf("import ID %q: write user:USER, or just user", id)
			}
			imp.scope, imp.user = systemd.ScopeUser, user
		default:
			scope, err := systemd.ParseScope(parts[1])
			if err != nil {
				return importID{}, fmt.Errorf("import ID %q: %w; use %s", id, err, importForms)
			}
			imp.scope = scope
		}
	default:
		return importID{}, fmt.Errorf("import ID %q has too many '/': use %s", id, importForms)
	}
	if imp.host != "" {
		if _, err := sshtransport.ParseAddress(imp.host, defaultPort); err != nil {
			return importID{}, fmt.Errorf("import ID %q: %w", id, err)
		}
	}
	return imp, nil
}

// address resolves a resource's host attribute (null: the provider's host)
// to the address to dial.
func (d *providerData) address(host types.String) (string, error) {
	s := d.defaultHost
	if !host.IsNull() {
		s = host.ValueString()
	} else if s == "" {
		return "", fmt.Errorf("no host to connect to: set `host` on this resource, or on the provider (or %s)", envHost)
	}
	if d.sshConfig != nil {
		return d.sshConfig.address(s, d.port)
	}
	return sshtransport.ParseAddress(s, d.port)
}
