package provider

import (
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/types"
)

func TestParseImportID(t *testing.T) {
	tests := []struct {
		id, host, name string
	}{
		// No host: the provider's host applies.
		{"cron.service", "", "cron.service"},
		{"getty@tty1.service", "", "getty@tty1.service"},
		{"web1/cron.service", "web1", "cron.service"},
		{"web1:2222/cron.service", "web1:2222", "cron.service"},
		{"10.0.0.1/cron.service", "10.0.0.1", "cron.service"},
		{"[::1]:22/cron.service", "[::1]:22", "cron.service"},
		{"[::1]/cron.service", "[::1]", "cron.service"},
		// The host is kept as written, so the imported host attribute
		// matches the configuration.
		{"Web1.Example.com/cron.service", "Web1.Example.com", "cron.service"},
	}
	for _, tt := range tests {
		host, name, err := parseImportID(tt.id)
		if err != nil || host != tt.host || name != tt.name {
			t.Errorf("parseImportID(%q) = %q, %q, %v; want %q, %q", tt.id, host, name, err, tt.host, tt.name)
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
	}
	for _, tt := range tests {
		host, name, err := parseImportID(tt.id)
		if err == nil {
			t.Errorf("parseImportID(%q) = %q, %q; want an error", tt.id, host, name)
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
		addr, name, id string
	}{
		{"web1:22", "cron.service", "web1:22/cron.service"},
		{"10.0.0.1:2222", "getty@tty1.service", "10.0.0.1:2222/getty@tty1.service"},
		{"[::1]:22", `foo\x2dbar.mount`, `[::1]:22/foo\x2dbar.mount`},
		{"[fe80::1%eth0]:22", "a@b@c.service", "[fe80::1%eth0]:22/a@b@c.service"},
	}
	for _, tt := range tests {
		if got := formatMaskID(tt.addr, tt.name); got != tt.id {
			t.Errorf("formatMaskID(%q, %q) = %q, want %q", tt.addr, tt.name, got, tt.id)
		}
		addr, name, err := parseMaskID(tt.id)
		if err != nil || addr != tt.addr || name != tt.name {
			t.Errorf("parseMaskID(%q) = %q, %q, %v; want %q, %q", tt.id, addr, name, err, tt.addr, tt.name)
		}
	}
}

func TestParseMaskIDRefuses(t *testing.T) {
	for _, id := range []string{"", "x", "cron.service", "host:22/", "/cron.service", "/"} {
		addr, name, err := parseMaskID(id)
		if err == nil {
			t.Errorf("parseMaskID(%q) = %q, %q; want an error", id, addr, name)
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
