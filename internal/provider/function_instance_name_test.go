package provider

import (
	"fmt"
	"strings"
	"testing"
)

// TestFunctionInstanceName runs provider::systemd::instance_name through
// the real CLI, as a configuration calls it.
func TestFunctionInstanceName(t *testing.T) {
	tests := []struct{ template, s, want string }{
		{"getty@.service", "tty1", "getty@tty1.service"},
		{"wg-quick@.service", "wg0", "wg-quick@wg0.service"},
		{"backup@.service", "db-1/daily", `backup@db\x2d1-daily.service`},
		{"x@.socket", "/a/", "x@-a-.socket"},
		{"x@.timer", ".hidden", `x@\x2ehidden.timer`},
		{"x@.service", "a@b c", `x@a\x40b\x20c.service`},
		{"x@.service", "ü", `x@\xc3\xbc.service`},
		{"x@.service", "--help", `x@\x2d\x2dhelp.service`},
		{"a.b@.target", "..", `a.b@\x2e..target`},
	}
	var calls, wants []string
	for _, tt := range tests {
		calls = append(calls, fmt.Sprintf("provider::systemd::instance_name(%s, %s)", hclString(tt.template), hclString(tt.s)))
		wants = append(wants, tt.want)
	}
	testFunctionResults(t, calls, wants)
}

// TestFunctionInstanceName_refusals: each refusal is an error on the
// argument at fault, saying why and what to do.
func TestFunctionInstanceName_refusals(t *testing.T) {
	tests := []struct {
		template, s string
		want        string // a regexp of the error, whose line breaks may fall anywhere
	}{
		{"getty@tty1.service", "x", `Invalid value for "template" parameter: "getty@tty1.service" is an instance name, not a template: give the template, "getty@.service"`},
		{"getty.service", "x", `Invalid value for "template" parameter: "getty.service" is not a template: a template has an "@" right before its type suffix, e.g. "getty@.service"`},
		{"getty@", "x", `Invalid value for "template" parameter: unit name "getty@" has no type suffix`},
		{"getty@.conf", "x", `Invalid value for "template" parameter: unit name "getty@.conf" ends in ".conf", which is not a unit type`},
		{"getty@.service", "", `Invalid value for "string" parameter: the string is empty`},
		{"getty@.service", strings.Repeat("y", 242), `Invalid value for "string" parameter: the string escapes to an instance of 242 bytes, so the unit name would be 256 bytes long`},
	}
	var calls, wants []string
	for _, tt := range tests {
		calls = append(calls, fmt.Sprintf("provider::systemd::instance_name(%s, %s)", hclString(tt.template), hclString(tt.s)))
		wants = append(wants, tt.want)
	}
	testFunctionRefusals(t, calls, wants)
}
