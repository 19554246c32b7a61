package provider

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"golang.org/x/crypto/ssh"
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
