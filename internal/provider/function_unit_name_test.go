package provider

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
)

// functionOutputs is a configuration of one output per call, named o0, o1
// and so on.
func functionOutputs(calls ...string) string {
	var b strings.Builder
	for i, call := range calls {
		fmt.Fprintf(&b, "output \"o%d\" {\n  value = %s\n}\n", i, call)
	}
	return b.String()
}

// TestFunctionUnitName runs provider::systemd::unit_name through the real
// CLI, as a configuration calls it.
func TestFunctionUnitName(t *testing.T) {
	tests := []struct{ path, suffix, want string }{
		{"/var/lib/my-data", "mount", `var-lib-my\x2ddata.mount`},
		{"/", "mount", "-.mount"},
		{"/home", "automount", "home.automount"},
		{"/swapfile", "swap", "swapfile.swap"},
		{"/dev/disk/by-uuid/0a1b-2c3d", "swap", `dev-disk-by\x2duuid-0a1b\x2d2c3d.swap`},
		{"/srv//my data/", "mount", `srv-my\x20data.mount`},
		{"/.snapshots", "mount", `\x2esnapshots.mount`},
		{"/mnt/ü/日本", "mount", `mnt-\xc3\xbc-\xe6\x97\xa5\xe6\x9c\xac.mount`},
		{"/mnt/${x}", "mount", `mnt-\x24\x7bx\x7d.mount`},
		{"/../srv", "mount", "srv.mount"},
		{"/a/./b", "mount", "a-b.mount"},
		// Terraform holds strings in Unicode NFC: a decomposed "é" reaches
		// the function composed, so it escapes as the two bytes of U+00E9,
		// not as "e" and the three of U+0301 (systemd-escape's answer).
		{"/e\u0301", "mount", `\xc3\xa9.mount`},
	}
	var calls, wants []string
	for _, tt := range tests {
		calls = append(calls, fmt.Sprintf("provider::systemd::unit_name(%s, %s)", hclString(tt.path), hclString(tt.suffix)))
		wants = append(wants, tt.want)
	}
	testFunctionResults(t, calls, wants)
}

// testFunctionResults runs the calls through the CLI, in one configuration,
// and checks each result.
func testFunctionResults(t *testing.T, calls, wants []string) {
	t.Helper()
	var checks []statecheck.StateCheck
	for i, want := range wants {
		checks = append(checks, statecheck.ExpectKnownOutputValue(fmt.Sprintf("o%d", i), knownvalue.StringExact(want)))
	}
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		TerraformVersionChecks:   functionsVersionChecks,
		Steps: []resource.TestStep{{
			Config:            functionOutputs(calls...),
			ConfigStateChecks: checks,
		}},
	})
}

// TestFunctionUnitName_refusals: each refusal is an error on the argument
// at fault, saying why and what to do.
func TestFunctionUnitName_refusals(t *testing.T) {
	tests := []struct {
		path, suffix string
		want         string // the error, whose line breaks may fall anywhere
	}{
		{"/a", "Mount", `Invalid value for "suffix" parameter: "Mount" is not a unit type (did you mean "mount"?)`},
		{"/a", ".swap", `Invalid value for "suffix" parameter: ".swap" is not a unit type (did you mean "swap"?)`},
		{"/a", "", `Invalid value for "suffix" parameter: "" is not a unit type (it is empty)`},
		{"/srv/x/../data", "mount", `Invalid value for "path" parameter: "/srv/x/../data" is not normalized: it has a ".." component after "srv/x"`},
		{"../data", "mount", `Invalid value for "path" parameter: "../data" starts with ".."`},
		{".", "mount", `Invalid value for "path" parameter: "." is the current directory`},
		{"/" + strings.Repeat("x", 256), "mount", `Invalid value for "path" parameter: the path has a component of 256 bytes`},
		{"/" + strings.Repeat("x", 250), "mount", `Invalid value for "path" parameter: the unit name for this path would be 256 bytes long`},
		{"/a\x00b", "mount", `Invalid value for "path" parameter: the path contains a NUL byte at byte 2`},
	}
	var calls, wants []string
	for _, tt := range tests {
		calls = append(calls, fmt.Sprintf("provider::systemd::unit_name(%s, %s)", hclString(tt.path), hclString(tt.suffix)))
		wants = append(wants, tt.want)
	}
	testFunctionRefusals(t, calls, wants)
}

// testFunctionRefusals runs each call through the CLI on its own and checks
// that it fails with its error, whose line breaks may fall anywhere.
func testFunctionRefusals(t *testing.T, calls, wants []string) {
	t.Helper()
	var steps []resource.TestStep
	for i, call := range calls {
		steps = append(steps, resource.TestStep{
			Config:      functionOutputs(call),
			ExpectError: regexp.MustCompile(strings.ReplaceAll(regexp.QuoteMeta(wants[i]), " ", `\s+`)),
		})
	}
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		TerraformVersionChecks:   functionsVersionChecks,
		Steps:                    steps,
	})
}
