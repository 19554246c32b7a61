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

// addConfigError reports a provider configuration that the SSH transport
// refused, on the attribute that fixes it, with how to fix it.
func addConfigError(diags *diag.Diagnostics, err error) {
	var ce *sshtransport.ConfigError
	if errors.As(err, &ce) {
		at := settingAttribute(ce.Hop, ce.Setting)
		detail := fmt.Sprintf("The provider's `%s`%s: %s.", at, hopNote(ce.Hop, at), ce.Err)
		if fix := settingFix(ce.Hop, ce.Setting); fix != "" {
			detail += "\n\n" + fix
		}
		diags.AddAttributeError(at, "Invalid SSH Configuration", detail)
		return
	}
	diags.AddError("Invalid SSH Configuration", err.Error())
}

// bastionSettings are the settings the bastion block has of its own; the
// bastion takes every other one (the passphrase, the certificate, the
// agent, the timeout) from the provider's.
var bastionSettings = map[sshtransport.Setting]bool{
	sshtransport.SettingHost: true, sshtransport.SettingUser: true, sshtransport.SettingPrivateKey: true,
	sshtransport.SettingPassword: true, sshtransport.SettingHostKey: true, sshtransport.SettingKnownHosts: true,
}

// settingNames are the provider attributes of the transport's settings.
var settingNames = map[sshtransport.Setting]string{
	sshtransport.SettingHost:          "host",
	sshtransport.SettingUser:          "user",
	sshtransport.SettingPrivateKey:    "private_key",
	sshtransport.SettingPassphrase:    "private_key_passphrase",
	sshtransport.SettingCertificate:   "certificate",
	sshtransport.SettingPassword:      "password",
	sshtransport.SettingAgent:         "agent",
	sshtransport.SettingHostKey:       "host_key",
	sshtransport.SettingKnownHosts:    "known_hosts_file",
	sshtransport.SettingTimeout:       "timeout",
	sshtransport.SettingSudoPassword:  "sudo_password",
	sshtransport.SettingAgentIdentity: "agent_identity",
	sshtransport.SettingProxy:         "proxy",
}

// settingAttribute is the attribute that holds setting for hop: inside the
// bastion block for the bastion's own settings.
func settingAttribute(hop string, setting sshtransport.Setting) path.Path {
	name := settingNames[setting]
	if i, ok := sshtransport.JumpIndex(hop); ok && bastionSettings[setting] {
		return path.Root("bastion").AtListIndex(i).AtName(name)
	}
	return path.Root(name)
}

// attrRef is settingAttribute as a detail names it, in backquotes.
func attrRef(hop string, setting sshtransport.Setting) string {
	return "`" + settingAttribute(hop, setting).String() + "`"
}

// hopNote says that a provider-wide attribute failed for the bastion.
func hopNote(hop string, at path.Path) string {
	if hop != "" && len(at.Steps()) == 1 {
		return " (as the " + hop + " uses it)"
	}
	return ""
}

// settingFix is how to set setting for hop, when there is more to say
// than its name.
func settingFix(hop string, setting sshtransport.Setting) string {
	at := func(s sshtransport.Setting) string { return attrRef(hop, s) }
	switch setting {
	case sshtransport.SettingPrivateKey:
		return fmt.Sprintf("Give the key's contents, not its path: for example `%s = file(\"~/.ssh/id_ed25519\")`. "+
			"Or log in with %s, or with `agent` (an ssh-agent at SSH_AUTH_SOCK).", settingAttribute(hop, setting), at(sshtransport.SettingPassword))
	case sshtransport.SettingCertificate:
		return "Give the contents of the certificate's *-cert.pub file, for example `certificate = file(\"~/.ssh/id_ed25519-cert.pub\")`, " +
			"with the key it certifies in `private_key` or in the ssh-agent (`agent`)."
	case sshtransport.SettingPassphrase:
		return "Set `private_key_passphrase` to the passphrase of " + at(sshtransport.SettingPrivateKey) + "."
	case sshtransport.SettingAgent:
		return "Start an ssh-agent (SSH_AUTH_SOCK) holding the key, or log in with `private_key` or `password` instead."
	case sshtransport.SettingHostKey:
		return "Pin one public key in authorized_keys format, for example " + at(setting) + ` = "ssh-ed25519 AAAA…"` +
			" (the host's /etc/ssh/ssh_host_ed25519_key.pub)."
	}
	return ""
}

// checkAttributes names what to check after a failure on hop.
func checkAttributes(hop string, setting sshtransport.Setting) string {
	at := func(s sshtransport.Setting) string { return attrRef(hop, s) }
	if setting == sshtransport.SettingUser {
		// A refused login: the user, or one of its credentials.
		creds := at(sshtransport.SettingPrivateKey) + " (with `certificate`)"
		if hop != "" {
			creds = at(sshtransport.SettingPrivateKey)
		}
		return fmt.Sprintf("Attributes to check: %s, and %s, %s or `agent`.", at(setting), creds, at(sshtransport.SettingPassword))
	}
	return fmt.Sprintf("Attribute to check: %s.", at(setting))
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
		at := settingAttribute(hostKey.Hop, hostKey.Setting())
		fmt.Fprintf(&b, "%s\n\nProvider attribute to change: `%s` (or %s / %s).", hostKey, at,
			attrRef(hostKey.Hop, sshtransport.SettingKnownHosts), attrRef(hostKey.Hop, sshtransport.SettingHostKey))
	case errors.As(err, &config):
		at := settingAttribute(config.Hop, config.Setting)
		fmt.Fprintf(&b, "%s\n\nProvider attribute to change: `%s`%s.", config.Err, at, hopNote(config.Hop, at))
		if fix := settingFix(config.Hop, config.Setting); fix != "" {
			b.WriteString(" " + fix)
		}
	case errors.As(err, &hostErr):
		b.WriteString(hostErr.Error())
		if hostErr.Setting != sshtransport.NoSetting {
			b.WriteString("\n\n" + checkAttributes(hostErr.Hop, hostErr.Setting))
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
