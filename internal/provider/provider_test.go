package provider

import (
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/helper/acctest"

	"github.com/systemd-tf/terraform-provider-systemd/internal/testhosts"
)

// testAccProtoV6ProviderFactories serves the provider in-process to the real
// terraform CLI that terraform-plugin-testing runs (found on PATH, or at
// TF_ACC_TERRAFORM_PATH).
var testAccProtoV6ProviderFactories = map[string]func() (tfprotov6.ProviderServer, error){
	"systemd": providerserver.NewProtocol6WithError(New("test")()),
}

// testAccPreCheck fails, rather than skips, when TF_ACC is set but no test
// hosts are booted.
func testAccPreCheck(t *testing.T, hosts int) testhosts.Env {
	t.Helper()
	testhosts.SkipUnlessAcc(t)
	return testhosts.Require(t, hosts)
}

// testUnitName is a unit name no other test uses; it names no unit file, and
// masking a unit that does not exist works, as with systemctl.
func testUnitName(prefix string) string {
	return acctest.RandomWithPrefix("tfacc-"+prefix) + ".service"
}

// providerBlock configures the provider for host h, logging in as root with
// the harness's key and known_hosts file; extra lines are appended.
func providerBlock(env testhosts.Env, h testhosts.Host, extra ...string) string {
	return providerBlockWith(h, env.KeyFile, env.KnownHostsFile, extra...)
}

// providerBlockWith is providerBlock with another key or known_hosts file.
func providerBlockWith(h testhosts.Host, keyFile, knownHosts string, extra ...string) string {
	return fmt.Sprintf(`
provider "systemd" {
  host             = %q
  port             = %d
  private_key      = file(%q)
  known_hosts_file = %q
%s
}
`, h.IP, h.Port, keyFile, knownHosts, indent(extra))
}

func indent(lines []string) string {
	var b strings.Builder
	for _, l := range lines {
		b.WriteString("  " + l + "\n")
	}
	return b.String()
}

// hclString quotes s as an HCL string literal, escaping template sequences
// so that hostile names reach the provider byte for byte.
func hclString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\r':
			b.WriteString(`\r`)
		case (r == '$' || r == '%') && strings.HasPrefix(s[i+1:], "{"):
			b.WriteRune(r)
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// hclList is an HCL list of string literals.
func hclList(items []string) string {
	quoted := make([]string, len(items))
	for i, s := range items {
		quoted[i] = hclString(s)
	}
	return "[" + strings.Join(quoted, ", ") + "]"
}
