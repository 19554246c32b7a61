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
// hosts). sshd's own log is the oracle of what was offered: without
// agent_identity the agent's other keys are offered first, and an sshd
// that counts those offers (as OpenSSH's own ssh, with the same agent,
// finds) refuses the login, at once and saying why; with agent_identity,
// by public key or by fingerprint, only the right key is offered, and the
// login works everywhere.
func TestAccProviderConnection_agentIdentity(t *testing.T) {
	env := testAccPreCheck(t, 1)
	h := env.Hosts[0]
	unit := testUnitName("agentid")
	dir := t.TempDir()
	var keys, others []string
	for i := range 5 {
		k := filepath.Join(dir, fmt.Sprintf("other%d", i))
		if out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", k).CombinedOutput(); err != nil {
			t.Fatalf("ssh-keygen: %v: %s", err, out)
		}
		keys = append(keys, k)
		others = append(others, fingerprintOf(t, k+".pub"))
	}
	t.Setenv("SSH_AUTH_SOCK", startAgent(t, append(keys, env.KeyFile)...))
	for _, name := range []string{envPrivateKey, envPassword, envAgent, envAgentIdentity} {
		t.Setenv(name, "")
	}
	pub, err := os.ReadFile(env.KeyFile + ".pub")
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
	// offered counts the lines of sshd's log that name one of the other
	// keys: what the agent offered before the right one.
	offered := func() int {
		out, stderr, err := env.Run(h, sshdJournal)
		if err != nil {
			t.Fatalf("reading sshd's journal: %v: %s", err, stderr)
		}
		n := 0
		for _, fp := range others {
			n += strings.Count(out, fp)
		}
		return n
	}
	// Whether this sshd counts the offers toward MaxAuthTries (OpenSSH 9.2
	// and 10.0 do, 10.6 does not) is asked of OpenSSH itself: its ssh
	// offers the same agent's keys in the same order.
	probe := exec.Command("ssh", "-F", "/dev/null", "-p", fmt.Sprint(h.Port), "-o", "BatchMode=yes",
		"-o", "UserKnownHostsFile="+env.KnownHostsFile, "-o", "StrictHostKeyChecking=yes",
		"-o", "IdentityAgent="+os.Getenv("SSH_AUTH_SOCK"), env.SysopUser+"@"+h.IP, "true")
	probeOut, probeErr := probe.CombinedOutput()
	countsOffers := strings.Contains(string(probeOut), "Too many authentication failures")
	if probeErr != nil && !countsOffers {
		t.Fatalf("OpenSSH's ssh with the agent: %v: %s", probeErr, probeOut)
	}
	t.Logf("this sshd counts the agent's offers toward MaxAuthTries: %v", countsOffers)
	before := 0
	noIdentity := resource.TestStep{
		PreConfig: func() { before = offered() },
		Config:    maskConfig(provider(), unit),
		Check: func(*terraform.State) error {
			if offered() == before {
				return fmt.Errorf("sshd logged none of the agent's other keys: the test proves nothing")
			}
			return checkHostMask(env, h, unit, true, false)(nil)
		},
	}
	if countsOffers {
		noIdentity.Check, noIdentity.ExpectError = nil, errorPattern(`Too many authentication failures`, "`agent_identity`")
	}
	onlyTheRightKey := func(identity string) resource.TestStep {
		return resource.TestStep{
			PreConfig: func() { before = offered() },
			Config:    maskConfig(provider("agent_identity = "+hclString(identity)), unit),
			Check: func(*terraform.State) error {
				if n := offered() - before; n != 0 {
					return fmt.Errorf("sshd logged the agent's other keys %d times, though agent_identity names one", n)
				}
				return checkHostMask(env, h, unit, true, false)(nil)
			},
		}
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkHostMask(env, h, unit, false, false),
		Steps: []resource.TestStep{
			noIdentity,
			onlyTheRightKey(strings.TrimSpace(string(pub))),
			onlyTheRightKey(fingerprintOf(t, env.KeyFile+".pub")),
		},
	})
}

func fingerprintOf(t *testing.T, pubFile string) string {
	t.Helper()
	text, err := os.ReadFile(pubFile)
	if err != nil {
		t.Fatal(err)
	}
	key, _, _, _, err := ssh.ParseAuthorizedKey(text)
	if err != nil {
		t.Fatal(err)
	}
	return ssh.FingerprintSHA256(key)
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
