package provider

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
)

func writeSSHConfig(t *testing.T, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "ssh_config")
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

const testSSHConfig = `
Host web1
  HostName 10.0.0.5
  Port 2200
  User deploy
Host web2
  HostName 10.0.0.6
Host chain
  ProxyJump a,b:2222
Host a
  HostName 10.0.0.1
  User jumper
Host loop
  ProxyJump nested
Host nested
  ProxyJump a
Host twin
  HostName 10.0.0.5
  Port 2200
  User someone-else
Host *
  IdentityFile /nonexistent/id_ed25519
  UserKnownHostsFile /nonexistent/known_hosts
`

// Names resolve through the file at plan time, without touching a host;
// HCL wins over the file.
func TestSSHConfigAddresses(t *testing.T) {
	clearConnectionEnv(t)
	file := writeSSHConfig(t, testSSHConfig)
	resp := configureWith(t, map[string]any{"ssh_config_file": file, "password": "pw"})
	if resp.Diagnostics.HasError() {
		t.Fatalf("diagnostics = %v", resp.Diagnostics)
	}
	data := wantData(t, resp)
	// A refresh may reach web1's address before any plan names web1: the
	// name then brings its own settings.
	if _, err := data.sshConfig.address("10.0.0.5:2200", 22); err != nil {
		t.Fatal(err)
	}
	if u := data.loginUser("10.0.0.5:2200"); u != "root" {
		t.Errorf("the bare address logs in as %q, want root (no Host block names it)", u)
	}
	tests := []struct{ host, addr, user string }{
		{"web1", "10.0.0.5:2200", "deploy"},
		{"web1:23", "10.0.0.5:23", "deploy"}, // a port written in host wins
		{"web2", "10.0.0.6:22", "root"},      // the provider's default user
		{"unlisted.example", "unlisted.example:22", "root"},
	}
	for _, tt := range tests {
		addr, err := data.address(types.StringValue(tt.host))
		if err != nil || addr != tt.addr {
			t.Errorf("%s: address = %q, %v; want %q", tt.host, addr, err, tt.addr)
			continue
		}
		if u := data.loginUser(addr); u != tt.user {
			t.Errorf("%s: login user = %q, want %q", tt.host, u, tt.user)
		}
	}
	// A ProxyJump chain: each hop resolved through the file, in order.
	r, err := data.sshConfig.file.Resolve("chain", data.sshConfig.local)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := data.sshConfig.configFor(r)
	if err != nil {
		t.Fatal(err)
	}
	var hops []string
	for b := cfg.Bastion; b != nil; b = b.Next {
		hops = append(hops, b.User+"@"+b.Addr)
	}
	if strings.Join(hops, ",") != "jumper@10.0.0.1:22,root@b:2222" {
		t.Errorf("chain: hops %q", hops)
	}
	if _, err := data.address(types.StringValue("loop")); err == nil || !strings.Contains(err.Error(), "has a ProxyJump of its own") {
		t.Errorf("loop: err = %v, want the nested ProxyJump refused", err)
	}
	// twin reaches web1's address with another user: refused, by name.
	if _, err := data.address(types.StringValue("twin")); err == nil || !strings.Contains(err.Error(), `"web1" and "twin" both reach 10.0.0.5:2200`) {
		t.Errorf("twin: err = %v", err)
	}

	// The provider's port and user, set in HCL, win over the file's.
	resp = configureWith(t, map[string]any{"ssh_config_file": file, "password": "pw", "port": int64(2222), "user": "ops"})
	data = wantData(t, resp)
	if addr, err := data.address(types.StringValue("web1")); err != nil || addr != "10.0.0.5:2222" || data.loginUser(addr) != "ops" {
		t.Errorf("web1 with HCL port and user: %q (%s), %v", addr, data.loginUser(addr), err)
	}
}

// A bad file is refused at configuration, on the attribute, naming the
// file and line; lax host key checking in it is warned about.
func TestSSHConfigFileErrors(t *testing.T) {
	clearConnectionEnv(t)
	bad := writeSSHConfig(t, "Host a\n  Match exec \"true\"\n")
	resp := configureWith(t, map[string]any{"ssh_config_file": bad, "password": "pw"})
	errs := onPath(resp.Diagnostics, diag.SeverityError, "ssh_config_file")
	if len(errs) != 1 || !strings.Contains(errs[0].Detail(), bad+" line 2: the criterion Match exec is not supported") {
		t.Errorf("diagnostics = %v, want the file and line", resp.Diagnostics)
	}
	missing := filepath.Join(t.TempDir(), "absent")
	resp = configureWith(t, map[string]any{"ssh_config_file": missing, "password": "pw"})
	if errs := onPath(resp.Diagnostics, diag.SeverityError, "ssh_config_file"); len(errs) != 1 || !strings.Contains(errs[0].Detail(), missing) {
		t.Errorf("diagnostics = %v, want the missing file named", resp.Diagnostics)
	}
	lax := writeSSHConfig(t, "Host *\n  StrictHostKeyChecking accept-new\n")
	resp = configureWith(t, map[string]any{"ssh_config_file": lax, "password": "pw"})
	warnings := onPath(resp.Diagnostics, diag.SeverityWarning, "ssh_config_file")
	if resp.Diagnostics.HasError() || len(warnings) != 1 || !strings.Contains(warnings[0].Detail(), lax+" line 2 sets StrictHostKeyChecking accept-new") {
		t.Errorf("diagnostics = %v, want one warning naming the line", resp.Diagnostics)
	}
	// The environment variable stands in for the attribute.
	useEnv(t, map[string]string{envSSHConfigFile: bad})
	resp = configureWith(t, map[string]any{"password": "pw"})
	if errs := onPath(resp.Diagnostics, diag.SeverityError, "ssh_config_file"); len(errs) != 1 {
		t.Errorf("diagnostics = %v, want the file from %s refused", resp.Diagnostics, envSSHConfigFile)
	}
}

// Hosts reached through an OpenSSH configuration alone: host1 by its alias,
// host2 through host1 by ProxyJump. The provider is given nothing but the
// file; OpenSSH's own ssh, given the same file, then reads the masks back
// with systemctl.
func TestAccSSHConfig_aliasesAndProxyJump(t *testing.T) {
	env := testAccPreCheck(t, 2)
	jump, behind := env.Hosts[0], env.Hosts[1]
	unit := testUnitName("sshconfig")
	file := writeSSHConfig(t, fmt.Sprintf(`
Host web-direct
  HostName %[1]s
  Port %[2]d
Host web-behind
  HostName %[3]s
  Port %[4]d
  ProxyJump jump
Host jump
  HostName %[1]s
  Port %[2]d
Host *
  User root
  IdentityFile %[5]s
  IdentitiesOnly yes
  UserKnownHostsFile %[6]s
  BatchMode yes
  LogLevel ERROR
`, jump.IP, jump.Port, behind.IP, behind.Port, env.KeyFile, env.KnownHostsFile))
	config := fmt.Sprintf(`
provider "systemd" {
  ssh_config_file = %q
}
resource "systemd_unit_mask" "direct" {
  host = "web-direct"
  name = %q
}
resource "systemd_unit_mask" "behind" {
  host = "web-behind"
  name = %q
}
`, file, unit, unit)
	seen := tunnelsSoFar(env, jump, behind)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy: resource.ComposeAggregateTestCheckFunc(
			checkHostMask(env, jump, unit, false, false), checkHostMask(env, behind, unit, false, false)),
		Steps: []resource.TestStep{
			{
				Config: config,
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr("systemd_unit_mask.direct", "id", jump.Addr+"/"+unit),
					resource.TestCheckResourceAttr("systemd_unit_mask.behind", "id", behind.Addr+"/"+unit),
					checkHostMask(env, jump, unit, true, false),
					checkHostMask(env, behind, unit, true, false),
					checkTunnelled(env, jump, behind, &seen),
					checkMaskedThroughOpenSSH(file, "web-direct", unit),
					checkMaskedThroughOpenSSH(file, "web-behind", unit),
				),
			},
			{
				Config:           config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
		},
	})
}

// checkMaskedThroughOpenSSH asks systemd on alias, reached by OpenSSH's
// ssh with the provider's file, whether unit is masked.
func checkMaskedThroughOpenSSH(file, alias, unit string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		out, err := exec.CommandContext(ctx, "ssh", "-F", file, alias, "systemctl show -P LoadState -- "+unit+"; systemctl is-enabled -- "+unit).CombinedOutput()
		if got := strings.Fields(string(out)); len(got) != 2 || got[0] != "masked" || got[1] != "masked" {
			return fmt.Errorf("ssh -F %s %s: LoadState and is-enabled of %s = %q (%v), want masked and masked", file, alias, unit, out, err)
		}
		return nil
	}
}

// A two-hop chain from ssh_config: host1, then host2 reached through it,
// then host3 through host2. Each hop's sshd logs the tunnel to the next.
func TestAccSSHConfig_jumpChain(t *testing.T) {
	env := testAccPreCheck(t, 3)
	first, second, target := env.Hosts[0], env.Hosts[1], env.Hosts[2]
	unit := testUnitName("chain")
	file := writeSSHConfig(t, fmt.Sprintf(`
Host web-far
  HostName %[5]s
  Port %[6]d
  ProxyJump hop1,hop2
Host hop1
  HostName %[1]s
  Port %[2]d
Host hop2
  HostName %[3]s
  Port %[4]d
Host *
  User root
  IdentityFile %[7]s
  IdentitiesOnly yes
  UserKnownHostsFile %[8]s
  BatchMode yes
  LogLevel ERROR
`, first.IP, first.Port, second.IP, second.Port, target.IP, target.Port, env.KeyFile, env.KnownHostsFile))
	config := fmt.Sprintf(`
provider "systemd" {
  ssh_config_file = %q
}
resource "systemd_unit_mask" "far" {
  host = "web-far"
  name = %q
}
`, file, unit)
	seenFirst, seenSecond := tunnelsSoFar(env, first, second), tunnelsSoFar(env, second, target)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkHostMask(env, target, unit, false, false),
		Steps: []resource.TestStep{
			{
				Config: config,
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr("systemd_unit_mask.far", "id", target.Addr+"/"+unit),
					checkHostMask(env, target, unit, true, false),
					checkHostMask(env, first, unit, false, false),
					checkHostMask(env, second, unit, false, false),
					checkTunnelled(env, first, second, &seenFirst),
					checkTunnelled(env, second, target, &seenSecond),
					checkMaskedThroughOpenSSH(file, "web-far", unit),
				),
			},
			{
				Config:           config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
		},
	})
}
