package provider

import (
	"errors"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/function"
	"github.com/hashicorp/terraform-plugin-framework/path"

	"github.com/systemd-tf/terraform-provider-systemd/internal/sshtransport"
	"github.com/systemd-tf/terraform-provider-systemd/internal/systemd"
)

// addConfigError reports a provider configuration that cannot work, on the
// attribute that fixes it.
func addConfigError(diags *diag.Diagnostics, err error) {
	var ce *sshtransport.ConfigError
	if errors.As(err, &ce) {
		diags.AddAttributeError(path.Root(ce.Attribute), "Invalid SSH Configuration",
			fmt.Sprintf("The provider's `%s`: %s.", ce.Attribute, ce.Err))
		return
	}
	diags.AddError("Invalid SSH Configuration", err.Error())
}

// operationDetail explains a failed operation on a unit: what was attempted
// where, then why it failed and what to change.
func operationDetail(action string, target maskTarget, err error) string {
	return fmt.Sprintf("%s %s on %s failed.\n\n%s", action, target.describe(), target.addr, failureReason(target, err))
}

// listDetail explains a failed listing: what was listed where, then why it
// failed and what to change.
func listDetail(t maskTarget, err error) string {
	what := "system units"
	switch t.scope {
	case systemd.ScopeGlobal:
		what = "global user units"
	case systemd.ScopeUser:
		what = "user units of " + t.user
	}
	return fmt.Sprintf("Listing the masked %s on %s failed.\n\n%s", what, t.addr, failureReason(t, err))
}

// failureReason is the part of a failed operation's detail after its
// heading: why the operation on target failed, and what to change.
func failureReason(target maskTarget, err error) string {
	var (
		b        strings.Builder
		hostKey  *sshtransport.HostKeyError
		hostErr  *sshtransport.HostError
		config   *sshtransport.ConfigError
		conflict *systemd.UnitFileExistsError
		command  *systemd.CommandError
	)
	switch {
	case errors.As(err, &hostKey):
		prefix := ""
		if hostKey.Hop != "" {
			prefix = hostKey.Hop + "."
		}
		fmt.Fprintf(&b, "%s\n\nProvider attribute to change: `%s` (or `%sknown_hosts_file` / `%shost_key`).", hostKey, hostKey.Attribute, prefix, prefix)
	case errors.As(err, &config):
		fmt.Fprintf(&b, "%s\n\nProvider attribute to change: `%s`.", config.Err, config.Attribute)
	case errors.As(err, &hostErr):
		b.WriteString(hostErr.Error())
		if hostErr.Attribute != "" {
			fmt.Fprintf(&b, "\n\nAttribute to check: `%s`.", hostErr.Attribute)
		}
	case errors.As(err, &conflict):
		fmt.Fprintf(&b, "%s.\n\nA local unit definition (an administrator's file, or one written by `systemctl edit --full`) "+
			"is in the way, and systemctl never overwrites one. Nothing was changed on the host. Remove or rename %s "+
			"if the unit should be masked (then `systemctl daemon-reload`), or stop managing this mask.\n\nsystemctl said: %s",
			conflict, conflict.Path(), conflict.Stderr)
	case errors.As(err, &command):
		b.WriteString(command.Error())
		if target.scope == systemd.ScopeUser && command.NoUserManager() {
			fmt.Fprintf(&b, "\n\n%s has no running user manager to talk to: enable lingering (`loginctl enable-linger %s`), "+
				"and make sure the host has libpam-systemd and dbus-user-session.", target.user, target.user)
		} else if command.AccessDenied() {
			b.WriteString("\n\nThe login user may not change system units: connect as root, or set the provider's `sudo` (or `sudo_password`).")
		}
	default:
		b.WriteString(err.Error())
	}
	return b.String()
}

// escapeFuncError turns a refusal of systemd's escaping into a function
// error on the argument it names; params are the function's parameter
// names, in order.
func escapeFuncError(err error, params ...string) *function.FuncError {
	var ee *systemd.EscapeError
	if errors.As(err, &ee) {
		for i, name := range params {
			if ee.Argument == name {
				return function.NewArgumentFuncError(int64(i), ee.Reason)
			}
		}
	}
	return function.NewFuncError(err.Error())
}
