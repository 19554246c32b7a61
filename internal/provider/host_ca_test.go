package provider

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
)

// Host certificates from the test host CA: trusted through a
// @cert-authority line or a pinned CA key, refused from another CA, and a
// key marked @revoked refused with its own message, at once.
func TestAccHostKeys_certificatesAndRevocation(t *testing.T) {
	env := testAccPreCheck(t, 1)
	if env.HostCAFile == "" {
		t.Fatal("the harness exported no host CA (TESTHOSTS_HOST_CA)")
	}
	h := env.Hosts[0]
	unit := testUnitName("hostca")
	caBytes, err := os.ReadFile(env.HostCAFile)
	if err != nil {
		t.Fatal(err)
	}
	ca := strings.TrimSpace(string(caBytes))
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	// Only the CA: no key of the host is listed.
	trusted := write("ca_known_hosts", "@cert-authority * "+ca+"\n")
	// Another CA (the test client's key, in that role).
	stranger := write("other_ca_known_hosts", "@cert-authority * "+testhostsPublicKey(t, env)+"\n")
	// The host's ed25519 key, listed and revoked.
	known, err := os.ReadFile(env.KnownHostsFile)
	if err != nil {
		t.Fatal(err)
	}
	var mine []string
	for _, l := range strings.Split(string(known), "\n") {
		if strings.HasPrefix(l, fmt.Sprintf("[%s]:%d ", h.IP, h.Port)) {
			mine = append(mine, l)
		}
	}
	var edLine, edKey string
	for _, l := range mine {
		if f := strings.Fields(l); len(f) == 3 && f[1] == "ssh-ed25519" {
			edLine, edKey = l, f[1]+" "+f[2]
		}
	}
	if edKey == "" {
		t.Fatalf("no ed25519 key of %s in %s", h.Addr, env.KnownHostsFile)
	}
	revoked := write("revoked_known_hosts", edLine+"\n@revoked * "+edKey+"\n")

	cfg := func(knownHosts string, extra ...string) string {
		return maskConfig(providerBlockWith(h, env.KeyFile, knownHosts, extra...), unit)
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkHostMask(env, h, unit, false, false),
		Steps: []resource.TestStep{
			{
				Config:      cfg(stranger),
				ExpectError: errorPattern(`host key of 127.0.0.1:`, `is unknown`),
			},
			{
				Config:      cfg(revoked),
				ExpectError: errorPattern(`host key of 127.0.0.1:`, `is REVOKED`, revoked+" line"),
			},
			{
				Config: cfg(trusted),
				Check:  checkHostMask(env, h, unit, true, false),
			},
			{
				// host_key pins the CA: the host's certificate is accepted.
				Config: cfg(stranger, "host_key = "+hclString(ca)),
				Check:  checkHostMask(env, h, unit, true, false),
			},
		},
	})
}
