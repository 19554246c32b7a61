package provider

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"golang.org/x/crypto/ssh"

	"github.com/systemd-tf/terraform-provider-systemd/internal/sshtransport"
	"github.com/systemd-tf/terraform-provider-systemd/internal/testhosts"
)

// This file tests how the provider connects: the bastion block, the
// ssh-agent, encrypted keys and certificates. Unit tests of Configure come
// first, then acceptance tests against the booted hosts.

// clearConnectionEnv is clearEnv, plus the variables of the bastion and the
// certificate.
func clearConnectionEnv(t *testing.T) {
	t.Helper()
	clearEnv(t)
	for _, name := range []string{envCertificate, envBastionHost, envBastionPort, envBastionUser} {
		t.Setenv(name, "")
	}
}

// resolve runs the provider's resolution of its configuration, as
// Configure does before building the SSH pool, on a configuration in which
// the attributes of set have those values and every other one is null.
// set["bastion"], when present, is a map of the block's attributes.
func resolve(t *testing.T, set map[string]any) (sshtransport.Config, diag.Diagnostics) {
	t.Helper()
	ctx := context.Background()
	cfg := configValue(t, set)
	var model providerModel
	diags := cfg.Get(ctx, &model)
	if diags.HasError() {
		t.Fatalf("Get: %v", diags)
	}
	_, tc := resolveConnection(ctx, model, &diags)
	return tc, diags
}

// configValue builds the provider configuration for set, like configure
// in provider_configure_test.go, with the bastion block as a nested map.
func configValue(t *testing.T, set map[string]any) tfsdk.Config {
	t.Helper()
	ctx := context.Background()
	var schemaResp provider.SchemaResponse
	New("test")().Schema(ctx, provider.SchemaRequest{}, &schemaResp)
	typ, ok := schemaResp.Schema.Type().TerraformType(ctx).(tftypes.Object)
	if !ok {
		t.Fatal("the provider schema is not an object")
	}
	values := map[string]tftypes.Value{}
	for name, at := range typ.AttributeTypes {
		values[name] = tftypes.NewValue(at, nil)
	}
	for name, v := range set {
		at, ok := typ.AttributeTypes[name]
		if !ok {
			t.Fatalf("the provider has no attribute %q", name)
		}
		// A block: one map, or several, of its attributes.
		var blocks []map[string]any
		switch b := v.(type) {
		case map[string]any:
			blocks = []map[string]any{b}
		case []map[string]any:
			blocks = b
		}
		if blocks != nil {
			lt, ok := at.(tftypes.List)
			bt, isObject := lt.ElementType.(tftypes.Object)
			if !ok || !isObject {
				t.Fatalf("the provider's %s is not a list of blocks", name)
			}
			var elems []tftypes.Value
			for _, block := range blocks {
				inner := map[string]tftypes.Value{}
				for n, it := range bt.AttributeTypes {
					inner[n] = tftypes.NewValue(it, nil)
				}
				for n, iv := range block {
					it, ok := bt.AttributeTypes[n]
					if !ok {
						t.Fatalf("the block %s has no attribute %q", name, n)
					}
					inner[n] = tftypes.NewValue(it, iv)
				}
				elems = append(elems, tftypes.NewValue(bt, inner))
			}
			values[name] = tftypes.NewValue(lt, elems)
			continue
		}
		values[name] = tftypes.NewValue(at, v)
	}
	return tfsdk.Config{Schema: schemaResp.Schema, Raw: tftypes.NewValue(typ, values)}
}

// configureWith runs Configure on the configuration of set (see resolve).
func configureWith(t *testing.T, set map[string]any) provider.ConfigureResponse {
	t.Helper()
	var resp provider.ConfigureResponse
	New("test")().Configure(context.Background(), provider.ConfigureRequest{Config: configValue(t, set)}, &resp)
	return resp
}

// onBlockPath returns the error diagnostics on attribute attr of the
// bastion block.
func onBlockPath(diags diag.Diagnostics, attr string) diag.Diagnostics {
	var out diag.Diagnostics
	want := path.Root("bastion").AtListIndex(0).AtName(attr)
	for _, d := range diags {
		if dp, ok := d.(diag.DiagnosticWithPath); ok && d.Severity() == diag.SeverityError && dp.Path().Equal(want) {
			out = append(out, d)
		}
	}
	return out
}

func TestResolveBastion(t *testing.T) {
	home := "" // set per test by clearConnectionEnv
	key, bastionKey, cert := "KEY", "BASTION KEY", "CERT"
	tests := []struct {
		what string
		env  map[string]string
		set  map[string]any
		want func() *sshtransport.Bastion
	}{
		{"no bastion", nil, map[string]any{"private_key": key}, func() *sshtransport.Bastion { return nil }},
		{"defaults from the provider", nil, map[string]any{
			"user": "deploy", "private_key": key, "private_key_passphrase": "pp", "certificate": cert, "password": "pw",
			"known_hosts_file": "/etc/kh", "host_key": "TARGET HOST KEY",
			"bastion": map[string]any{"host": "jump.example.com"},
		}, func() *sshtransport.Bastion {
			return &sshtransport.Bastion{Addr: "jump.example.com:22", User: "deploy", PrivateKey: key, PrivateKeyPassphrase: "pp",
				Certificate: cert, Password: "pw", KnownHostsFile: "/etc/kh"}
		}},
		{"the block's own settings", nil, map[string]any{
			"user": "deploy", "private_key": key, "private_key_passphrase": "pp", "certificate": cert, "password": "pw",
			"known_hosts_file": "/etc/kh",
			"bastion": map[string]any{"host": "[2001:db8::1]", "port": int64(2222), "user": "jump", "private_key": bastionKey,
				"password": "bpw", "known_hosts_file": "~/.ssh/bastion_known_hosts", "host_key": "BASTION HOST KEY"},
		}, func() *sshtransport.Bastion {
			// The certificate is for the targets' key: not for the bastion's.
			return &sshtransport.Bastion{Addr: "[2001:db8::1]:2222", User: "jump", PrivateKey: bastionKey, PrivateKeyPassphrase: "pp",
				Password: "bpw", KnownHostsFile: home + "/.ssh/bastion_known_hosts", HostKey: "BASTION HOST KEY"}
		}},
		{"the environment alone", map[string]string{envBastionHost: "jump", envBastionPort: "2200", envBastionUser: "hop"},
			map[string]any{"private_key": key}, func() *sshtransport.Bastion {
				return &sshtransport.Bastion{Addr: "jump:2200", User: "hop", PrivateKey: key, KnownHostsFile: ""}
			}},
		{"the block over the environment", map[string]string{envBastionHost: "jump", envBastionPort: "2200", envBastionUser: "hop"},
			map[string]any{"private_key": key, "bastion": map[string]any{"host": "other", "port": int64(22), "user": "me"}},
			func() *sshtransport.Bastion {
				return &sshtransport.Bastion{Addr: "other:22", User: "me", PrivateKey: key, KnownHostsFile: ""}
			}},
		{"the environment fills the block", map[string]string{envBastionHost: "jump"},
			map[string]any{"private_key": key, "bastion": map[string]any{"port": int64(2201)}},
			func() *sshtransport.Bastion {
				return &sshtransport.Bastion{Addr: "jump:2201", User: "root", PrivateKey: key, KnownHostsFile: ""}
			}},
		{"insecure covers the bastion", nil,
			map[string]any{"private_key": key, "insecure_ignore_host_key": true, "bastion": map[string]any{"host": "jump"}},
			func() *sshtransport.Bastion {
				return &sshtransport.Bastion{Addr: "jump:22", User: "root", PrivateKey: key, KnownHostsFile: "", InsecureIgnoreHostKey: true}
			}},
		{"insecure, but the bastion's known_hosts_file", nil,
			map[string]any{"private_key": key, "insecure_ignore_host_key": true, "bastion": map[string]any{"host": "jump", "known_hosts_file": "/kh"}},
			func() *sshtransport.Bastion {
				return &sshtransport.Bastion{Addr: "jump:22", User: "root", PrivateKey: key, KnownHostsFile: "/kh"}
			}},
		{"insecure, but the bastion's host_key", nil,
			map[string]any{"private_key": key, "insecure_ignore_host_key": true, "bastion": map[string]any{"host": "jump", "host_key": "K"}},
			func() *sshtransport.Bastion {
				return &sshtransport.Bastion{Addr: "jump:22", User: "root", PrivateKey: key, KnownHostsFile: "", HostKey: "K"}
			}},
		{"the agent serves the bastion too", map[string]string{"SSH_AUTH_SOCK": "/run/agent.sock"},
			map[string]any{"bastion": map[string]any{"host": "jump"}},
			func() *sshtransport.Bastion {
				return &sshtransport.Bastion{Addr: "jump:22", User: "root", Agent: true, KnownHostsFile: ""}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.what, func(t *testing.T) {
			clearConnectionEnv(t)
			home = os.Getenv("HOME")
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			tc, diags := resolve(t, tt.set)
			if diags.HasError() {
				t.Fatalf("diagnostics: %v", diags)
			}
			want := tt.want()
			switch {
			case want == nil && tc.Bastion != nil:
				t.Errorf("bastion = %+v, want none", *tc.Bastion)
			case want != nil && tc.Bastion == nil:
				t.Errorf("no bastion, want %+v", *want)
			case want != nil && !reflect.DeepEqual(*tc.Bastion, *want):
				t.Errorf("bastion =\n%+v\nwant\n%+v", *tc.Bastion, *want)
			}
		})
	}
}

func TestResolveBastionErrors(t *testing.T) {
	tests := []struct {
		what    string
		env     map[string]string
		set     map[string]any
		attr    string
		mention string
	}{
		{"block without host", nil, map[string]any{"password": "pw", "bastion": map[string]any{"port": int64(2222)}}, "host", envBastionHost},
		{"host variable with a port", map[string]string{envBastionHost: "jump:22"}, map[string]any{"password": "pw"}, "host", "bastion.port"},
		{"bad port variable", map[string]string{envBastionHost: "jump", envBastionPort: "ssh"}, map[string]any{"password": "pw"}, "port", envBastionPort},
	}
	for _, tt := range tests {
		t.Run(tt.what, func(t *testing.T) {
			clearConnectionEnv(t)
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			_, diags := resolve(t, tt.set)
			errs := onBlockPath(diags, tt.attr)
			if len(errs) != 1 {
				t.Fatalf("diagnostics = %v, want one error on bastion.%s", diags, tt.attr)
			}
			if !strings.Contains(errs[0].Detail(), tt.mention) {
				t.Errorf("detail %q does not mention %q", errs[0].Detail(), tt.mention)
			}
		})
	}
}

func TestConfigureBastion(t *testing.T) {
	clearConnectionEnv(t)
	key := testPrivateKey(t, "")
	t.Run("pool", func(t *testing.T) {
		resp := configureWith(t, map[string]any{"private_key": key, "bastion": map[string]any{"host": "jump", "port": int64(2222)}})
		if len(resp.Diagnostics) != 0 {
			t.Fatalf("diagnostics = %v", resp.Diagnostics)
		}
		if data := wantData(t, resp); data.host == nil {
			t.Error("no pool")
		}
	})
	t.Run("the block's key is checked, on the block", func(t *testing.T) {
		resp := configureWith(t, map[string]any{"private_key": key, "bastion": map[string]any{"host": "jump", "private_key": "not a key"}})
		errs := onBlockPath(resp.Diagnostics, "private_key")
		if len(errs) != 1 || !strings.Contains(errs[0].Detail(), "`bastion[0].private_key`") || !strings.Contains(errs[0].Detail(), `file("~/.ssh/id_ed25519")`) || resp.ResourceData != nil {
			t.Errorf("diagnostics = %v, want one error on bastion.private_key", resp.Diagnostics)
		}
	})
	t.Run("the block's key is decrypted with the provider's passphrase", func(t *testing.T) {
		resp := configureWith(t, map[string]any{"private_key": key, "bastion": map[string]any{"host": "jump", "private_key": testPrivateKey(t, "s3cret")}})
		errs := onPath(resp.Diagnostics, diag.SeverityError, "private_key_passphrase")
		if len(errs) != 1 || !strings.Contains(errs[0].Detail(), "as the bastion uses it") || !strings.Contains(errs[0].Detail(), "`bastion[0].private_key`") {
			t.Errorf("diagnostics = %v, want one error on private_key_passphrase, for the bastion's key", resp.Diagnostics)
		}
	})
	t.Run("the block's host_key is checked, on the block", func(t *testing.T) {
		resp := configureWith(t, map[string]any{"private_key": key, "bastion": map[string]any{"host": "jump", "host_key": "ssh-ed25519 AAAA"}})
		if errs := onBlockPath(resp.Diagnostics, "host_key"); len(errs) != 1 {
			t.Errorf("diagnostics = %v, want one error on bastion.host_key", resp.Diagnostics)
		}
	})
	t.Run("insecure warns about the bastion", func(t *testing.T) {
		resp := configureWith(t, map[string]any{"private_key": key, "insecure_ignore_host_key": true, "bastion": map[string]any{"host": "jump"}})
		warnings := onPath(resp.Diagnostics, diag.SeverityWarning, "insecure_ignore_host_key")
		if len(warnings) != 1 || !strings.Contains(warnings[0].Detail(), "the hosts and the bastion") {
			t.Errorf("diagnostics = %v, want the insecure warning naming the bastion", resp.Diagnostics)
		}
	})
	t.Run("unknown bastion host defers", func(t *testing.T) {
		resp := configureWith(t, map[string]any{"private_key": key, "bastion": map[string]any{"host": tftypes.UnknownValue}})
		if data := wantData(t, resp); !data.unknown || data.host != nil {
			t.Errorf("providerData = %+v, want unknown without a pool", data)
		}
	})
}

// testCertificate returns a private key (PEM) and an OpenSSH user
// certificate of it, and a second key the certificate does not certify.
func testCertificate(t *testing.T) (key, cert, otherKey string) {
	t.Helper()
	_, caKey, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ca, err := ssh.NewSignerFromKey(caKey)
	if err != nil {
		t.Fatal(err)
	}
	key = testPrivateKey(t, "")
	signer, err := ssh.ParsePrivateKey([]byte(key))
	if err != nil {
		t.Fatal(err)
	}
	c := &ssh.Certificate{Key: signer.PublicKey(), CertType: ssh.UserCert, KeyId: "test", ValidPrincipals: []string{"root"},
		ValidBefore: ssh.CertTimeInfinity}
	if err := c.SignCert(rand.Reader, ca); err != nil {
		t.Fatal(err)
	}
	return key, string(ssh.MarshalAuthorizedKey(c)), testPrivateKey(t, "")
}

func TestConfigureCertificate(t *testing.T) {
	key, cert, otherKey := testCertificate(t)
	tests := []struct {
		what    string
		env     map[string]string
		set     map[string]any
		mention string // "" for success
	}{
		{"key and its certificate", nil, map[string]any{"private_key": key, "certificate": cert}, ""},
		{"from the environment", map[string]string{envCertificate: cert}, map[string]any{"private_key": key}, ""},
		{"certificate of another key", nil, map[string]any{"private_key": otherKey, "certificate": cert}, "certifies the key"},
		{"a public key instead", nil, map[string]any{"private_key": key, "certificate": testHostKey(t)}, "not a certificate"},
		{"no key for it", nil, map[string]any{"password": "pw", "certificate": cert}, "needs its private key"},
	}
	for _, tt := range tests {
		t.Run(tt.what, func(t *testing.T) {
			clearConnectionEnv(t)
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			resp := configureWith(t, tt.set)
			if tt.mention == "" {
				if len(resp.Diagnostics) != 0 {
					t.Fatalf("diagnostics = %v", resp.Diagnostics)
				}
				wantData(t, resp)
				return
			}
			errs := onPath(resp.Diagnostics, diag.SeverityError, "certificate")
			if len(errs) != 1 || !strings.Contains(errs[0].Detail(), tt.mention) {
				t.Fatalf("diagnostics = %v, want one error on certificate mentioning %q", resp.Diagnostics, tt.mention)
			}
			if strings.Contains(errs[0].Detail(), "PRIVATE KEY") {
				t.Errorf("diagnostic leaks the key: %q", errs[0].Detail())
			}
		})
	}
}

// --- Acceptance tests ---

// hostPattern is the address of h as sshd logs a forwarding target.
func tunnelPattern(target testhosts.Host) *regexp.Regexp {
	return regexp.MustCompile(fmt.Sprintf(`(?m)server_request_direct_tcpip: originator .*, target %s port %d$`, regexp.QuoteMeta(target.IP), target.Port))
}

// sshdJournal is everything sshd logged, by its identifiers rather than its
// unit: OpenSSH 9.8 and later log a login from sshd-session, which
// pam_systemd has moved into the login's session scope, and even before,
// journald may file a line under the scope the process has just moved to.
// --sync first: the lines of a login that just ended may be in flight.
const sshdJournal = "journalctl --sync; journalctl -t sshd -t sshd-session --no-pager -o cat"

// tunnelsSoFar is how many direct-tcpip channels to target bastion's sshd
// has logged: the count checkTunnelled starts from.
func tunnelsSoFar(env testhosts.Env, bastion, target testhosts.Host) int {
	out, _, err := env.Run(bastion, sshdJournal)
	if err != nil {
		return 0
	}
	return len(tunnelPattern(target).FindAllString(out, -1))
}

// checkTunnelled asserts that bastion's sshd has opened more direct-tcpip
// channels to target than *seen, and records the new count: the provider
// reached target through the bastion since the last check.
func checkTunnelled(env testhosts.Env, bastion, target testhosts.Host, seen *int) resource.TestCheckFunc {
	return func(*terraform.State) error {
		out, stderr, err := env.Run(bastion, sshdJournal)
		if err != nil {
			return fmt.Errorf("reading sshd's journal on %s: %v: %s", bastion.Addr, err, stderr)
		}
		n := len(tunnelPattern(target).FindAllString(out, -1))
		if n <= *seen {
			return fmt.Errorf("sshd on the bastion %s logged %d direct-tcpip channels to %s, as many as before (%d): the provider did not go through it",
				bastion.Addr, n, target.Addr, *seen)
		}
		*seen = n
		return nil
	}
}

func bastionBlockConfig(lines ...string) string {
	return "bastion {\n" + indent(lines) + "}"
}

// A target reached only through a bastion: host1 is the bastion, host2 the
// target, whose sshd sees the connection come from host1's forwarding.
func TestAccProviderConnection_bastion(t *testing.T) {
	env := testAccPreCheck(t, 2)
	bastion, target := env.Hosts[0], env.Hosts[1]
	unit := testUnitName("bastion")
	emptyKnownHosts := filepath.Join(t.TempDir(), "known_hosts")
	if err := os.WriteFile(emptyKnownHosts, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	// The provider names no host of its own: the resource names the target.
	provider := func(block string) string {
		return fmt.Sprintf(`
provider "systemd" {
  private_key      = file(%q)
  known_hosts_file = %q
  %s
}
`, env.KeyFile, env.KnownHostsFile, block)
	}
	explicit := provider(bastionBlockConfig(
		fmt.Sprintf("host = %q", bastion.IP), fmt.Sprintf("port = %d", bastion.Port), `user = "root"`,
		fmt.Sprintf("private_key = file(%q)", env.KeyFile), fmt.Sprintf("known_hosts_file = %q", env.KnownHostsFile)))
	// The same, from the provider's defaults.
	defaults := provider(bastionBlockConfig(fmt.Sprintf("host = %q", bastion.IP), fmt.Sprintf("port = %d", bastion.Port)))
	unknownKey := provider(bastionBlockConfig(fmt.Sprintf("host = %q", bastion.IP), fmt.Sprintf("port = %d", bastion.Port),
		fmt.Sprintf("known_hosts_file = %q", emptyKnownHosts)))
	hostAttr := "host = " + hclString(target.Addr)
	seen := tunnelsSoFar(env, bastion, target)

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkHostMask(env, target, unit, false, false),
		Steps: []resource.TestStep{
			{
				// The bastion's key is checked against its own file, which
				// does not list it: refused, naming the bastion, before any
				// tunnel is opened.
				Config:      maskConfig(unknownKey, unit, hostAttr),
				ExpectError: errorPattern("bastion "+bastion.Addr, "is unknown", emptyKnownHosts, "bastion[0].known_hosts_file"),
			},
			{
				Config: maskConfig(explicit, unit, hostAttr),
				Check: resource.ComposeAggregateTestCheckFunc(
					checkHostMask(env, target, unit, true, false),
					checkHostMask(env, bastion, unit, false, false),
					checkTunnelled(env, bastion, target, &seen),
				),
			},
			{
				// Refreshed through the bastion, with the provider's defaults.
				Config: maskConfig(defaults, unit, hostAttr),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: checkTunnelled(env, bastion, target, &seen),
			},
		},
	})
}

// startAgent runs a real ssh-agent on a socket of its own, holding the
// given keys, until the test ends; it returns the socket.
func startAgent(t *testing.T, keyFiles ...string) string {
	t.Helper()
	sock := filepath.Join(t.TempDir(), "agent.sock")
	agentCmd := exec.Command("ssh-agent", "-D", "-a", sock)
	if err := agentCmd.Start(); err != nil {
		t.Fatalf("starting ssh-agent: %v", err)
	}
	t.Cleanup(func() {
		_ = agentCmd.Process.Kill()
		_ = agentCmd.Wait()
	})
	// The socket exists from ssh-agent's bind, before its listen: until a
	// connection is accepted, ssh-add can be refused.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if c, err := net.Dial("unix", sock); err == nil {
			_ = c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("ssh-agent did not accept connections on %s within 10 s", sock)
		}
	}
	for _, f := range keyFiles {
		add := exec.Command("ssh-add", f)
		add.Env = append(os.Environ(), "SSH_AUTH_SOCK="+sock)
		if out, err := add.CombinedOutput(); err != nil {
			t.Fatalf("ssh-add %s: %v: %s", f, err, out)
		}
	}
	return sock
}

// The provider logs in with the keys of a real ssh-agent, named by
// SSH_AUTH_SOCK: with agent = true, then by default (no key, no password).
// t.Setenv changes the process environment, so this test is not parallel.
func TestAccProviderConnection_agent(t *testing.T) {
	env := testAccPreCheck(t, 1)
	h := env.Hosts[0]
	unit := testUnitName("agent")
	t.Setenv("SSH_AUTH_SOCK", startAgent(t, env.KeyFile))
	for _, name := range []string{envPrivateKey, envPassword, envAgent} {
		t.Setenv(name, "")
	}
	provider := func(extra ...string) string {
		return fmt.Sprintf(`
provider "systemd" {
  host             = %q
  port             = %d
  known_hosts_file = %q
%s}
`, h.IP, h.Port, env.KnownHostsFile, indent(extra))
	}

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkHostMask(env, h, unit, false, false),
		Steps: []resource.TestStep{
			{
				Config: maskConfig(provider("agent = true"), unit),
				Check:  checkHostMask(env, h, unit, true, false),
			},
			{
				// agent unset: on, as SSH_AUTH_SOCK is set and there is no
				// key or password. The refresh reads the host through it.
				Config: maskConfig(provider(), unit),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: checkHostMask(env, h, unit, true, false),
			},
			{
				// agent = false leaves no way to log in.
				Config:      maskConfig(provider("agent = false"), unit),
				ExpectError: errorPattern("no way to authenticate"),
			},
			{
				// Back to the agent, for the destroy.
				Config: maskConfig(provider("agent = true"), unit),
			},
		},
	})
}

// An encrypted copy of the harness key, with private_key_passphrase.
func TestAccProviderConnection_encryptedKey(t *testing.T) {
	env := testAccPreCheck(t, 1)
	h := env.Hosts[0]
	unit := testUnitName("encrypted")
	const passphrase = "correct horse battery staple"
	encrypted := filepath.Join(t.TempDir(), "id_encrypted")
	if err := os.WriteFile(encrypted, []byte(env.PrivateKey(t)), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("ssh-keygen", "-q", "-p", "-N", passphrase, "-P", "", "-f", encrypted).CombinedOutput(); err != nil {
		t.Fatalf("ssh-keygen -p: %v: %s", err, out)
	}
	b, err := os.ReadFile(encrypted)
	if err != nil {
		t.Fatal(err)
	}
	var missing *ssh.PassphraseMissingError
	if _, err := ssh.ParsePrivateKey(b); !errors.As(err, &missing) {
		t.Fatalf("the copy is not encrypted: %v", err)
	}
	provider := func(extra ...string) string {
		return providerBlockWith(h, encrypted, env.KnownHostsFile, extra...)
	}

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkHostMask(env, h, unit, false, false),
		Steps: []resource.TestStep{
			{
				Config:      maskConfig(provider(), unit),
				ExpectError: errorPattern("`private_key_passphrase`", "the private key is encrypted", "Set `private_key_passphrase`"),
			},
			{
				Config:      maskConfig(provider(`private_key_passphrase = "wrong"`), unit),
				ExpectError: errorPattern("`private_key_passphrase`", "does not decrypt the private key"),
			},
			{
				Config: maskConfig(provider("private_key_passphrase = "+hclString(passphrase)), unit),
				Check:  checkHostMask(env, h, unit, true, false),
			},
		},
	})
}

// A key that is in no authorized_keys file logs in with its certificate,
// signed by a CA every host trusts; without the certificate it is refused.
func TestAccProviderConnection_certificate(t *testing.T) {
	env := testAccPreCheck(t, 1)
	if env.CertFile == "" || env.CertKeyFile == "" {
		t.Fatal("the harness exported no certificate (TESTHOSTS_CERT, TESTHOSTS_CERT_KEY)")
	}
	h := env.Hosts[0]
	unit := testUnitName("cert")
	provider := func(keyFile string, extra ...string) string {
		return providerBlockWith(h, keyFile, env.KnownHostsFile, extra...)
	}
	certificate := fmt.Sprintf("certificate = file(%q)", env.CertFile)

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkHostMask(env, h, unit, false, false),
		Steps: []resource.TestStep{
			{
				// The key alone is not authorized anywhere.
				Config:      maskConfig(provider(env.CertKeyFile), unit),
				ExpectError: errorPattern(h.Addr, `SSH authentication as "root" failed`),
			},
			{
				// The certificate of another key is refused at once.
				Config:      maskConfig(provider(env.KeyFile, certificate), unit),
				ExpectError: errorPattern("certificate", "certifies the key", "but the private key is"),
			},
			{
				Config: maskConfig(provider(env.CertKeyFile, certificate), unit),
				Check: resource.ComposeAggregateTestCheckFunc(
					checkHostMask(env, h, unit, true, false),
					checkStartRefused(env, h, unit),
				),
			},
		},
	})
}

// Several bastion blocks are a chain, in order, each with its own
// settings and the provider's defaults; the environment configures the
// first hop only.
func TestResolveBastionChain(t *testing.T) {
	clearConnectionEnv(t)
	useEnv(t, map[string]string{envBastionUser: "env-user"})
	tc, diags := resolve(t, map[string]any{"private_key": "KEY", "bastion": []map[string]any{
		{"host": "jump1", "port": int64(2201)},
		{"host": "jump2", "user": "second", "private_key": "SECOND KEY", "known_hosts_file": "/kh2"},
	}})
	if diags.HasError() {
		t.Fatalf("diagnostics = %v", diags)
	}
	var got []string
	for b := tc.Bastion; b != nil; b = b.Next {
		got = append(got, fmt.Sprintf("%s@%s key=%s kh=%s", b.User, b.Addr, b.PrivateKey, b.KnownHostsFile))
	}
	want := []string{"env-user@jump1:2201 key=KEY kh=", "second@jump2:22 key=SECOND KEY kh=/kh2"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("chain =\n%q\nwant\n%q", got, want)
	}
	_, diags = resolve(t, map[string]any{"private_key": "KEY", "bastion": []map[string]any{{"host": "jump1"}, {"user": "x"}}})
	if errs := onPathOf(diags, path.Root("bastion").AtListIndex(1).AtName("host")); len(errs) != 1 || !strings.Contains(errs[0].Detail(), "after the first needs `host`") {
		t.Errorf("diagnostics = %v, want the second block's missing host", diags)
	}
}

func onPathOf(diags diag.Diagnostics, want path.Path) diag.Diagnostics {
	var out diag.Diagnostics
	for _, d := range diags {
		if dp, ok := d.(diag.DiagnosticWithPath); ok && d.Severity() == diag.SeverityError && dp.Path().Equal(want) {
			out = append(out, d)
		}
	}
	return out
}

// Two bastion blocks, a chain: host1 dialled, host2 reached through it,
// host3 through host2; the second block logs in with its own key file.
func TestAccProviderConnection_bastionChain(t *testing.T) {
	env := testAccPreCheck(t, 3)
	first, second, target := env.Hosts[0], env.Hosts[1], env.Hosts[2]
	unit := testUnitName("hclchain")
	config := maskConfig(fmt.Sprintf(`
provider "systemd" {
  private_key      = file(%[1]q)
  known_hosts_file = %[2]q
  bastion {
    host = %[3]q
    port = %[4]d
  }
  bastion {
    host        = %[5]q
    port        = %[6]d
    user        = "root"
    private_key = file(%[1]q)
  }
}
`, env.KeyFile, env.KnownHostsFile, first.IP, first.Port, second.IP, second.Port), unit, "host = "+hclString(target.Addr))
	seenFirst, seenSecond := tunnelsSoFar(env, first, second), tunnelsSoFar(env, second, target)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkHostMask(env, target, unit, false, false),
		Steps: []resource.TestStep{
			{
				Config: config,
				Check: resource.ComposeAggregateTestCheckFunc(
					checkHostMask(env, target, unit, true, false),
					checkTunnelled(env, first, second, &seenFirst),
					checkTunnelled(env, second, target, &seenSecond),
				),
			},
			{
				Config:           config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
		},
	})
}
