package provider

import (
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/systemd-tf/terraform-provider-systemd/internal/systemd"
)

func TestParseImportID(t *testing.T) {
	tests := []struct {
		id   string
		want importID
	}{
		// No host: the provider's host applies.
		{"cron.service", importID{name: "cron.service"}},
		{"getty@tty1.service", importID{name: "getty@tty1.service"}},
		{"web1/cron.service", importID{host: "web1", name: "cron.service"}},
		{"web1:2222/cron.service", importID{host: "web1:2222", name: "cron.service"}},
		{"10.0.0.1/cron.service", importID{host: "10.0.0.1", name: "cron.service"}},
		{"[::1]:22/cron.service", importID{host: "[::1]:22", name: "cron.service"}},
		{"[::1]/cron.service", importID{host: "[::1]", name: "cron.service"}},
		// The host is kept as written, so the imported host attribute
		// matches the configuration.
		{"Web1.Example.com/cron.service", importID{host: "Web1.Example.com", name: "cron.service"}},
		// Scopes, with the provider's host when HOST is empty.
		{"web1/system/cron.service", importID{host: "web1", name: "cron.service"}},
		{"web1:22/global/a.service", importID{host: "web1:22", scope: systemd.ScopeGlobal, name: "a.service"}},
		{"/user/a.service", importID{scope: systemd.ScopeUser, name: "a.service"}},
		{"web1/user:alice/a.service", importID{host: "web1", scope: systemd.ScopeUser, user: "alice", name: "a.service"}},
		// A unit name may contain ':', and "global" may be a host name.
		{"global/user:x.service", importID{host: "global", name: "user:x.service"}},
	}
	for _, tt := range tests {
		got, err := parseImportID(tt.id)
		if err != nil || got != tt.want {
			t.Errorf("parseImportID(%q) = %+v, %v; want %+v", tt.id, got, err, tt.want)
		}
	}
}

func TestParseImportIDRefuses(t *testing.T) {
	tests := []struct {
		id, want string
	}{
		{"/cron.service", "nothing before '/'"},
		{"a b/cron.service", "host names may only contain"},
		{"::1/cron.service", "brackets"},
		{"web1:0/cron.service", "1-65535"},
		{"web1:/cron.service", "empty port"},
		{"$(id)/cron.service", "host names may only contain"},
		{"web1/users/a.service", "not one of system, user, global"},
		{"web1/user:/a.service", "user:USER"},
		{"a/b/c/d.service", "too many '/'"},
	}
	for _, tt := range tests {
		got, err := parseImportID(tt.id)
		if err == nil {
			t.Errorf("parseImportID(%q) = %+v; want an error", tt.id, got)
			continue
		}
		// The error quotes the whole ID so the user sees what was read.
		if !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), tt.id) {
			t.Errorf("parseImportID(%q) error %q, want it to quote the ID and mention %q", tt.id, err, tt.want)
		}
	}
}

func TestMaskIDRoundTrip(t *testing.T) {
	tests := []struct {
		target maskTarget
		id     string
	}{
		{maskTarget{addr: "web1:22", name: "cron.service"}, "web1:22/cron.service"},
		{maskTarget{addr: "10.0.0.1:2222", name: "getty@tty1.service"}, "10.0.0.1:2222/getty@tty1.service"},
		{maskTarget{addr: "[::1]:22", name: `foo\x2dbar.mount`}, `[::1]:22/foo\x2dbar.mount`},
		{maskTarget{addr: "[fe80::1%eth0]:22", name: "a@b@c.service"}, "[fe80::1%eth0]:22/a@b@c.service"},
		{maskTarget{addr: "web1:22", scope: systemd.ScopeGlobal, name: "a.service"}, "web1:22/global/a.service"},
		{maskTarget{addr: "web1:22", scope: systemd.ScopeUser, user: "alice", name: "a.service"}, "web1:22/user:alice/a.service"},
		{maskTarget{addr: "web1:22", name: "user:x.service"}, "web1:22/user:x.service"},
	}
	for _, tt := range tests {
		if got := tt.target.id(); got != tt.id {
			t.Errorf("%+v.id() = %q, want %q", tt.target, got, tt.id)
		}
		got, err := parseMaskID(tt.id)
		if err != nil || got != tt.target {
			t.Errorf("parseMaskID(%q) = %+v, %v; want %+v", tt.id, got, err, tt.target)
		}
	}
}

func TestParseMaskIDRefuses(t *testing.T) {
	for _, id := range []string{"", "x", "cron.service", "host:22/", "/cron.service", "/", "h:22/system/a.service", "h:22/user:/a.service", "h:22//a.service", "h/x/y/z"} {
		got, err := parseMaskID(id)
		if err == nil {
			t.Errorf("parseMaskID(%q) = %+v; want an error", id, got)
			continue
		}
		if !strings.Contains(err.Error(), "HOST:PORT/NAME") {
			t.Errorf("parseMaskID(%q) error %q does not show the expected form", id, err)
		}
	}
}

func TestProviderDataAddress(t *testing.T) {
	tests := []struct {
		what string
		data providerData
		host types.String
		want string
	}{
		{"provider host and port", providerData{defaultHost: "prov", port: 2222}, types.StringNull(), "prov:2222"},
		{"provider IPv6 host", providerData{defaultHost: "[::1]", port: 2200}, types.StringNull(), "[::1]:2200"},
		{"resource host, provider port", providerData{defaultHost: "prov", port: 2222}, types.StringValue("h"), "h:2222"},
		{"resource host and port", providerData{defaultHost: "prov", port: 2222}, types.StringValue("h:99"), "h:99"},
		{"resource host without provider host", providerData{port: 22}, types.StringValue("h"), "h:22"},
		{"resource IPv6 host", providerData{port: 22}, types.StringValue("[2001:db8::1]"), "[2001:db8::1]:22"},
	}
	for _, tt := range tests {
		got, err := tt.data.address(tt.host)
		if err != nil || got != tt.want {
			t.Errorf("%s: address = %q, %v; want %q", tt.what, got, err, tt.want)
		}
	}
}

func TestProviderDataAddressErrors(t *testing.T) {
	tests := []struct {
		what string
		data providerData
		host types.String
		want string
	}{
		{"no host anywhere", providerData{port: 22}, types.StringNull(), "`host`"},
		{"bad resource host", providerData{defaultHost: "prov", port: 22}, types.StringValue("a b"), "host names may only contain"},
		{"empty resource host", providerData{defaultHost: "prov", port: 22}, types.StringValue(""), "empty"},
	}
	for _, tt := range tests {
		got, err := tt.data.address(tt.host)
		if err == nil {
			t.Errorf("%s: address = %q, want an error", tt.what, got)
			continue
		}
		if !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %q does not mention %q", tt.what, err, tt.want)
		}
	}
	// The error names the environment variable that also sets the host.
	_, err := (&providerData{port: 22}).address(types.StringNull())
	if err == nil || !strings.Contains(err.Error(), envHost) {
		t.Errorf("error %v does not mention %s", err, envHost)
	}
}
