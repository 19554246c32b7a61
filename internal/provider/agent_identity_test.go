package provider

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"golang.org/x/crypto/ssh"

	"github.com/systemd-tf/terraform-provider-systemd/internal/testhosts"
)

// An agent holding six keys, the right one last, against sshd allowing
// sysop three tries (MaxAuthTries 3, a Match User block on the test
// hosts): refused without agent_identity, at once and saying why; let in
// when agent_identity names the key, by public key or by fingerprint.
func TestAccProviderConnection_agentIdentity(t *testing.T) {
	env := testAccPreCheck(t, 1)
	h := env.Hosts[0]
	unit := testUnitName("agentid")
	dir := t.TempDir()
	var keys []string
	for i := range 5 {
		k := filepath.Join(dir, fmt.Sprintf("other%d", i))
		if out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", k).CombinedOutput(); err != nil {
			t.Fatalf("ssh-keygen: %v: %s", err, out)
		}
		keys = append(keys, k)
	}
	t.Setenv("SSH_AUTH_SOCK", startAgent(t, append(keys, env.KeyFile)...))
	for _, name := range []string{envPrivateKey, envPassword, envAgent, envAgentIdentity} {
		t.Setenv(name, "")
	}
	pub, err := os.ReadFile(env.KeyFile + ".pub")
	if err != nil {
		t.Fatal(err)
	}
	key, _, _, _, err := ssh.ParseAuthorizedKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	provider := func(extra ...string) string {
		return fmt.Sprintf(`
provider "systemd" {
  host             = %q
  port             = %d
  known_hosts_file = %q
  user             = %q
  sudo             = true
  agent            = true
%s}
`, h.IP, h.Port, env.KnownHostsFile, env.SysopUser, indent(extra))
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkHostMask(env, h, unit, false, false),
		Steps: []resource.TestStep{
			{
				Config:      maskConfig(provider(), unit),
				ExpectError: errorPattern(`Too many authentication failures`, "`agent_identity`"),
			},
			{
				Config: maskConfig(provider("agent_identity = "+hclString(strings.TrimSpace(string(pub)))), unit),
				Check:  checkHostMask(env, h, unit, true, false),
			},
			{
				Config: maskConfig(provider("agent_identity = "+hclString(ssh.FingerprintSHA256(key))), unit),
				Check:  checkHostMask(env, h, unit, true, false),
			},
		},
	})
}

// Hosts reached through a SOCKS5 and an HTTP CONNECT proxy, each asking
// for credentials, started by the test on loopback: wrong credentials are
// refused, the right ones tunnel; a host that NO_PROXY lists is reached
// directly.
func TestAccProviderConnection_proxies(t *testing.T) {
	env := testAccPreCheck(t, 1)
	h := env.Hosts[0]
	for _, tt := range []struct {
		what  string
		start func(testing.TB, string, string) *testhosts.ProxyServer
		url   string
	}{
		{"socks5", testhosts.StartSOCKS5, "socks5://tf:pw@%s"},
		{"http", testhosts.StartHTTPConnect, "http://tf:pw@%s"},
	} {
		t.Run(tt.what, func(t *testing.T) {
			unit := testUnitName("proxy-" + tt.what)
			t.Setenv("NO_PROXY", "")
			tunnels := 0
			proxy := tt.start(t, "tf", "pw")
			via := fmt.Sprintf("proxy = %q", fmt.Sprintf(tt.url, proxy.Addr))
			wrong := fmt.Sprintf("proxy = %q", fmt.Sprintf(strings.Replace(tt.url, ":pw@", ":nope@", 1), proxy.Addr))
			tunnelled := func(*terraform.State) error {
				got := proxy.Targets()
				if len(got) == 0 {
					return fmt.Errorf("no tunnel through the %s proxy", tt.what)
				}
				for _, g := range got {
					if g != h.Addr {
						return fmt.Errorf("tunnels to %q, want only %s", got, h.Addr)
					}
				}
				return nil
			}
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				CheckDestroy:             checkHostMask(env, h, unit, false, false),
				Steps: []resource.TestStep{
					{
						Config:      maskConfig(providerBlockWith(h, env.KeyFile, env.KnownHostsFile, wrong), unit),
						ExpectError: errorPattern("cannot connect through the proxy", "`proxy`"),
					},
					{
						Config: maskConfig(providerBlockWith(h, env.KeyFile, env.KnownHostsFile, via), unit),
						Check:  resource.ComposeAggregateTestCheckFunc(checkHostMask(env, h, unit, true, false), tunnelled),
					},
					{
						// NO_PROXY lists the host: the refused proxy is not asked.
						PreConfig: func() {
							tunnels = len(proxy.Targets())
							t.Setenv("NO_PROXY", "localhost,"+h.IP)
						},
						Config: maskConfig(providerBlockWith(h, env.KeyFile, env.KnownHostsFile, wrong), unit),
						Check: func(*terraform.State) error {
							if n := len(proxy.Targets()); n != tunnels {
								return fmt.Errorf("%d tunnels through the proxy, though NO_PROXY lists %s", n-tunnels, h.IP)
							}
							return checkHostMask(env, h, unit, true, false)(nil)
						},
					},
				},
			})
		})
	}
}
