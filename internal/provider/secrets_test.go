package provider

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
)

// Every attribute that holds a secret is Sensitive, in blocks too, so that
// Terraform never shows it in plans or output.
func TestSecretAttributesAreSensitive(t *testing.T) {
	var resp provider.SchemaResponse
	New("test")().Schema(context.Background(), provider.SchemaRequest{}, &resp)
	secret := func(name string) bool {
		return strings.Contains(name, "password") || strings.Contains(name, "passphrase") || name == "private_key"
	}
	found := 0
	var walk func(prefix string, attrs map[string]schema.Attribute, blocks map[string]schema.Block)
	walk = func(prefix string, attrs map[string]schema.Attribute, blocks map[string]schema.Block) {
		for name, a := range attrs {
			if secret(name) {
				found++
				if !a.IsSensitive() {
					t.Errorf("%s%s holds a secret but is not Sensitive", prefix, name)
				}
			}
		}
		for name, b := range blocks {
			if nb, ok := b.(schema.SingleNestedBlock); ok {
				walk(prefix+name+".", nb.Attributes, nb.Blocks)
			}
		}
	}
	walk("", resp.Schema.Attributes, resp.Schema.Blocks)
	if found < 4 {
		t.Errorf("found %d secret attributes, want at least private_key, private_key_passphrase, password, sudo_password", found)
	}
}

// A real `terraform apply` and `destroy` of the built provider, with
// TF_LOG=trace, as a user who logs in with an encrypted key and a password
// and runs sudo with a password: no secret appears anywhere in the CLI's
// output or its whole log.
func TestAccSecrets_neverLogged(t *testing.T) {
	env := testAccPreCheck(t, 1)
	t.Parallel() // its unit, key and logs are its own
	h := env.Hosts[0]
	dir := t.TempDir()
	// The harness key, encrypted with a passphrase.
	key := filepath.Join(dir, "key")
	raw, err := os.ReadFile(env.KeyFile)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(key, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	const passphrase = "correct-horse-battery-7"
	if out, err := exec.Command("ssh-keygen", "-q", "-p", "-f", key, "-N", passphrase, "-P", "").CombinedOutput(); err != nil {
		t.Fatalf("encrypting the key: %v\n%s", err, out)
	}
	encrypted, err := os.ReadFile(key)
	if err != nil {
		t.Fatal(err)
	}

	unit := testUnitName("secrets")
	config := fmt.Sprintf(`
provider "systemd" {
  host                   = %q
  port                   = %d
  user                   = "operator"
  private_key            = file(%q)
  private_key_passphrase = %q
  password               = %q
  sudo_password          = %q
  known_hosts_file       = %q
}

resource "systemd_unit_mask" "test" {
  name = %q
}
`, h.IP, h.Port, key, passphrase, env.OperatorPassword, env.OperatorPassword, env.KnownHostsFile, unit)
	w := newCLIWorkspace(t, config)
	var all bytes.Buffer
	for i, args := range [][]string{{"apply", "-auto-approve", "-input=false"}, {"destroy", "-auto-approve", "-input=false"}} {
		logFile := filepath.Join(dir, fmt.Sprintf("tf-%d.log", i))
		out, err := w.command([]string{"TF_LOG=trace", "TF_LOG_PATH=" + logFile}, args...).CombinedOutput()
		all.Write(out)
		if err != nil {
			t.Fatalf("terraform %s: %v\n%s", args[0], err, out)
		}
		logged, err := os.ReadFile(logFile)
		if err != nil {
			t.Fatal(err)
		}
		all.Write(logged)
		if i == 0 {
			if err := checkHostMask(env, h, unit, true, false)(nil); err != nil {
				t.Fatal(err)
			}
		}
	}
	if !strings.Contains(all.String(), "running remote command") {
		t.Fatal("the trace log holds no provider log lines: nothing was checked")
	}
	keyBody := strings.Split(strings.TrimSpace(string(encrypted)), "\n")
	secrets := map[string]string{
		"the sudo and login password":      env.OperatorPassword,
		"the key passphrase":               passphrase,
		"a line of the private key":        keyBody[1],
		"another line of the private key":  keyBody[len(keyBody)-2],
		"the private key's armour":         "PRIVATE KEY-----",
		"the unencrypted key's first line": strings.Split(string(raw), "\n")[1],
	}
	for what, s := range secrets {
		if strings.Contains(all.String(), s) {
			t.Errorf("%s appears in the CLI output or its TF_LOG=trace log", what)
		}
	}
	t.Logf("grepped %d bytes of output and trace logs for %d secrets", all.Len(), len(secrets))
}
