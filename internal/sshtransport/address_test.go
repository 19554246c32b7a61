package sshtransport

import (
	"strings"
	"testing"
)

func TestSplitAddress(t *testing.T) {
	tests := []struct {
		in      string
		want    string
		hasPort bool
	}{
		{"host", "host:22", false},
		{"host:2222", "host:2222", true},
		{"host:22", "host:22", true},
		{"host:65535", "host:65535", true},
		{"host:1", "host:1", true},
		{"web-1.example.com", "web-1.example.com:22", false},
		{"under_score", "under_score:22", false},
		{"10.0.0.1", "10.0.0.1:22", false},
		{"10.0.0.1:2022", "10.0.0.1:2022", true},
		{"[::1]", "[::1]:22", false},
		{"[::1]:2200", "[::1]:2200", true},
		{"[2001:db8::1]:22", "[2001:db8::1]:22", true},
		{"[fe80::1%eth0]:22", "[fe80::1%eth0]:22", true},
		{"[fe80::1%eth0]", "[fe80::1%eth0]:22", false},
		{"[::ffff:10.0.0.1]", "[::ffff:10.0.0.1]:22", false},
	}
	for _, tt := range tests {
		got, hasPort, err := SplitAddress(tt.in, 22)
		if err != nil || got != tt.want || hasPort != tt.hasPort {
			t.Errorf("SplitAddress(%q) = %q, %v, %v; want %q, %v", tt.in, got, hasPort, err, tt.want, tt.hasPort)
		}
		got, err = ParseAddress(tt.in, 22)
		if err != nil || got != tt.want {
			t.Errorf("ParseAddress(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestParseAddressDefaultPort(t *testing.T) {
	tests := []struct {
		in   string
		port int
		want string
	}{
		{"host", 2222, "host:2222"},
		{"host:99", 2222, "host:99"}, // a written port wins
		{"[::1]", 2200, "[::1]:2200"},
	}
	for _, tt := range tests {
		if got, err := ParseAddress(tt.in, tt.port); err != nil || got != tt.want {
			t.Errorf("ParseAddress(%q, %d) = %q, %v; want %q", tt.in, tt.port, got, err, tt.want)
		}
	}
	// A default port outside the range is refused too.
	if got, err := ParseAddress("host", 0); err == nil {
		t.Errorf("ParseAddress(host, 0) = %q, want an error", got)
	}
}

func TestParseAddressRefuses(t *testing.T) {
	tests := []struct {
		in   string
		want string
	}{
		{"", "empty"},
		{"::1", "brackets"},
		{"2001:db8::1:22", "brackets"},
		{"host:", "empty port"},
		{"host:0", "1-65535"},
		{"host:65536", "1-65535"},
		{"host:-1", "1-65535"},
		{"host:abc", "not a number"},
		// The zone of a link-local address ends up in ids and hints too.
		{"[fe80::1%$(id)]:22", "zone"},
		{"[fe80::1%a b]", "zone"},
		{"[fe80::1%]", "zone"},
		{"host:+22", "not a number"},
		{"host: 22", "not a number"},
		{":22", "empty host name"},
		{"[::1", "missing ']'"},
		{"[::1]x", ":PORT"},
		{"[::1]:", "empty port"},
		{"[::1]:0", "1-65535"},
		{"[::1]:x", "not a number"},
		{"[1.2.3.4]", "not an IPv6 address"},
		{"[host]", "not an IPv6 address"},
		{"[]", "not an IPv6 address"},
		{"a b", `" "`},
		{"a/b", `"/"`},
		{"a;b", `";"`},
		{"$(x)", `"$"`},
		{"`x`", "\"`\""},
		{"a\nb", `"\n"`},
		{"user@host", `"@"`},
		{"é", "not"},
		{strings.Repeat("a", 254), "253"},
	}
	for _, tt := range tests {
		got, hasPort, err := SplitAddress(tt.in, 22)
		if err == nil {
			t.Errorf("SplitAddress(%q) = %q, %v; want an error", tt.in, got, hasPort)
			continue
		}
		if !strings.Contains(err.Error(), tt.want) {
			t.Errorf("SplitAddress(%q) error %q does not mention %q", tt.in, err, tt.want)
		}
		if _, err := ParseAddress(tt.in, 22); err == nil {
			t.Errorf("ParseAddress(%q) accepted what SplitAddress refuses", tt.in)
		}
	}
}
