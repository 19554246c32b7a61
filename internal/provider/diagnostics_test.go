package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"

	"github.com/systemd-tf/terraform-provider-systemd/internal/sshtransport"
	"github.com/systemd-tf/terraform-provider-systemd/internal/systemd"
)

func TestAddConfigError(t *testing.T) {
	var diags diag.Diagnostics
	addConfigError(&diags, fmt.Errorf("wrapped: %w", &sshtransport.ConfigError{Setting: sshtransport.SettingTimeout, Err: errors.New("must be positive")}))
	addConfigError(&diags, errors.New("plain"))
	if len(diags) != 2 || diags.ErrorsCount() != 2 {
		t.Fatalf("diagnostics = %v", diags)
	}
	// A ConfigError lands on its attribute, even when wrapped.
	dp, ok := diags[0].(diag.DiagnosticWithPath)
	if !ok || !dp.Path().Equal(path.Root("timeout")) || !strings.Contains(diags[0].Detail(), "must be positive") {
		t.Errorf("first diagnostic = %v", diags[0])
	}
	if _, ok := diags[1].(diag.DiagnosticWithPath); ok || diags[1].Detail() != "plain" {
		t.Errorf("second diagnostic = %v", diags[1])
	}
}

func TestOperationDetail(t *testing.T) {
	mask := systemd.Command{Argv: []string{"systemctl", "mask", "--no-reload", "--", "x.service"}}
	tests := []struct {
		what string
		err  error
		want []string
		not  []string
	}{
		{"unit file in the way", &systemd.UnitFileExistsError{Name: "x.service", Layer: systemd.Persistent, Stderr: "File exists"},
			[]string{"/etc/systemd/system/x.service", "Nothing was changed", "systemctl said: File exists"}, nil},
		{"access denied", &systemd.CommandError{Command: mask, ExitCode: 1, Stderr: "Access denied"},
			[]string{"exited with status 1", "`sudo`"}, nil},
		{"other command failure", &systemd.CommandError{Command: mask, ExitCode: 1, Stderr: "boom"},
			[]string{"boom"}, []string{"`sudo`"}},
		{"host error", &sshtransport.HostError{Addr: "h:22", Setting: sshtransport.SettingSudoPassword, Err: errors.New("sudo needs a password")},
			[]string{"sudo needs a password", "`sudo_password`"}, nil},
		{"host error without attribute", &sshtransport.HostError{Addr: "h:22", Err: errors.New("lost")},
			[]string{"lost"}, []string{"Attribute to check"}},
		{"host key", &sshtransport.HostKeyError{Addr: "h:2222", Source: "/kh"},
			[]string{"unknown", "`known_hosts_file`"}, nil},
		{"config", &sshtransport.ConfigError{Setting: sshtransport.SettingKnownHosts, Err: errors.New("cannot read")},
			[]string{"cannot read", "`known_hosts_file`"}, nil},
		{"other", errors.New("something else"), []string{"something else"}, nil},
	}
	// A user unit whose user has no running manager gets the lingering hint.
	userBus := operationDetail("Masking", maskTarget{addr: "h:22", scope: systemd.ScopeUser, user: "alice", name: "x.service"},
		&systemd.CommandError{Command: mask, ExitCode: 1, Stderr: "Failed to connect to bus: No medium found"})
	for _, w := range []string{"x.service (user unit of alice) on h:22", "loginctl enable-linger alice"} {
		if !strings.Contains(userBus, w) {
			t.Errorf("user-scope detail does not mention %q:\n%s", w, userBus)
		}
	}
	for _, tt := range tests {
		got := operationDetail("Masking", maskTarget{addr: "h:22", name: "x.service"}, tt.err)
		if !strings.HasPrefix(got, "Masking x.service on h:22 failed.") {
			t.Errorf("%s: detail does not say what failed where: %q", tt.what, got)
		}
		for _, w := range tt.want {
			if !strings.Contains(got, w) {
				t.Errorf("%s: detail does not mention %q:\n%s", tt.what, w, got)
			}
		}
		for _, w := range tt.not {
			if strings.Contains(got, w) {
				t.Errorf("%s: detail mentions %q:\n%s", tt.what, w, got)
			}
		}
	}
}

// Every transport setting is an attribute of the provider's schema, inside
// the bastion block for the bastion's own settings.
func TestSettingAttributesExist(t *testing.T) {
	var resp provider.SchemaResponse
	New("test")().Schema(context.Background(), provider.SchemaRequest{}, &resp)
	bastion, ok := resp.Schema.Blocks["bastion"].(schema.ListNestedBlock)
	if !ok {
		t.Fatalf("bastion block is %T", resp.Schema.Blocks["bastion"])
	}
	n := 0
	for s := sshtransport.NoSetting + 1; s.String() != "unknown setting"; s++ {
		n++
		for _, hop := range []string{"", "bastion", "bastion 2"} {
			at := settingAttribute(hop, s)
			steps := at.Steps()
			last, ok := steps[len(steps)-1].(path.PathStepAttributeName)
			if !ok {
				t.Fatalf("%s of hop %q lands on %s, not on an attribute", s, hop, at)
			}
			name := string(last)
			attrs := resp.Schema.Attributes
			if len(steps) == 3 {
				if hop == "" || !bastionSettings[s] {
					t.Errorf("%s of hop %q lands on %s", s, hop, at)
				}
				attrs = bastion.NestedObject.Attributes
			}
			if _, ok := attrs[name]; !ok {
				t.Errorf("%s of hop %q lands on %s, which the schema lacks", s, hop, at)
			}
		}
	}
	if n != len(settingNames) {
		t.Errorf("%d settings, %d attribute names", n, len(settingNames))
	}
}

func TestFailureReasonNamesTheHopsAttributes(t *testing.T) {
	target := maskTarget{addr: "h:22", name: "x.service"}
	tests := []struct {
		what string
		err  error
		want []string
	}{
		{"refused login on the bastion", &sshtransport.HostError{Hop: "bastion", Addr: "b:22", Setting: sshtransport.SettingUser, Err: errors.New("SSH authentication failed")},
			[]string{"bastion b:22: SSH authentication failed", "`bastion[0].user`, and `bastion[0].private_key`, `bastion[0].password` or `agent`"}},
		{"refused login on the target", &sshtransport.HostError{Addr: "h:22", Setting: sshtransport.SettingUser, Err: errors.New("SSH authentication failed")},
			[]string{"`user`, and `private_key` (with `certificate`), `password` or `agent`"}},
		{"bastion's timeout", &sshtransport.HostError{Hop: "bastion", Addr: "b:22", Setting: sshtransport.SettingTimeout, Err: errors.New("slow")},
			[]string{"Attribute to check: `timeout`."}},
		{"bastion's key changed", &sshtransport.HostKeyError{Hop: "bastion", Addr: "b:22", Pinned: true, Changed: true},
			[]string{"Provider attribute to change: `bastion[0].host_key` (or `bastion[0].known_hosts_file` / `bastion[0].host_key`)"}},
		{"the targets' certificate, used by the bastion", &sshtransport.ConfigError{Hop: "bastion", Setting: sshtransport.SettingCertificate, Err: errors.New("expired")},
			[]string{"Provider attribute to change: `certificate` (as the bastion uses it).", "id_ed25519-cert.pub"}},
	}
	for _, tt := range tests {
		got := failureReason(target, tt.err)
		for _, w := range tt.want {
			if !strings.Contains(got, w) {
				t.Errorf("%s: reason does not mention %q:\n%s", tt.what, w, got)
			}
		}
	}
}
