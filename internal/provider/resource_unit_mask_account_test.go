package provider

import (
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
)

// accountConfig masks unit (persistently) and runtimeUnit (at runtime)
// among account's user units.
func accountConfig(provider, account, unit, runtimeUnit string) string {
	return provider + fmt.Sprintf(`
resource "systemd_unit_mask" "test" {
  name  = %[2]q
  scope = "user"
  user  = %[1]q
}

resource "systemd_unit_mask" "runtime" {
  name    = %[3]q
  scope   = "user"
  user    = %[1]q
  runtime = true
}
`, account, unit, runtimeUnit)
}

// Another account's user units, masked as root and through sudo: the
// account's own user manager, asked as that account, is the oracle. Root's
// own user directories never get the mask (SYSTEMCTL_INSTALL_CLIENT_SIDE
// would put it there). Before systemd 248 the provider refuses with the
// version, and the host keeps nothing.
func TestAccUnitMask_otherAccount(t *testing.T) {
	env := testAccPreCheck(t, 1)
	h := env.Hosts[0]
	account := env.LingerUser
	unit, runtimeUnit := testUnitName("account"), testUnitName("account-rt")
	asRoot := providerBlock(env, h)
	asOperator := providerBlock(env, h, `user = "operator"`, "sudo_password = "+hclString(env.OperatorPassword))
	layers := func(u string) string {
		return `for d in ~/.config/systemd/user /run/user/$(id -u)/systemd/user; do readlink "$d/` + u + `" || echo none; done | tr '\n' ' '`
	}
	loadState := func(u string) string { return "systemctl --user show -P LoadState -- " + u }
	isEnabled := func(u string) string { return "systemctl --user is-enabled -- " + u }
	t.Cleanup(func() {
		_, _, _ = env.RunAs(h, account, "systemctl --user unmask -- "+unit+"; systemctl --user unmask --runtime -- "+runtimeUnit)
	})

	if env.SystemdVersion < 248 {
		resource.ParallelTest(t, resource.TestCase{
			ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
			Steps: []resource.TestStep{{
				Config:      accountConfig(asRoot, account, unit, runtimeUnit),
				ExpectError: errorPattern(fmt.Sprintf("systemd %d on the host cannot reach another account's user manager", env.SystemdVersion), "needs systemd 248 or later"),
				Check:       checkOnHost(env, h, account, layers(unit), "none none"),
			}},
			CheckDestroy: checkOnHost(env, h, account, layers(unit)+"; "+layers(runtimeUnit), "none none none none"),
		})
		return
	}

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkOnHost(env, h, account, layers(unit)+"; "+layers(runtimeUnit), "none none none none"),
		Steps: []resource.TestStep{
			{
				// The data sources read the account's units as well, after
				// the masks are made.
				Config: accountConfig(asRoot, account, unit, runtimeUnit) + fmt.Sprintf(`
data "systemd_unit" "account" {
  name       = %[2]q
  scope      = "user"
  user       = %[1]q
  depends_on = [systemd_unit_mask.test]
}

data "systemd_masked_units" "account" {
  scope      = "user"
  user       = %[1]q
  depends_on = [systemd_unit_mask.test, systemd_unit_mask.runtime]
}
`, account, unit),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(maskAddr, tfjsonpath.New("id"), knownvalue.StringExact(h.Addr+"/user:"+account+"/"+unit)),
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					checkOnHost(env, h, account, layers(unit), "/dev/null none"),
					checkOnHost(env, h, account, layers(runtimeUnit), "none /dev/null"),
					checkOnHost(env, h, account, loadState(unit), "masked"),
					checkOnHost(env, h, account, isEnabled(unit), "masked"),
					checkOnHost(env, h, account, isEnabled(runtimeUnit), "masked-runtime"),
					// Not root's own user directories.
					checkOnHost(env, h, "root", "ls ~/.config/systemd/user/"+unit+" /run/user/0/systemd/user/"+runtimeUnit+" 2>/dev/null || echo absent", "absent"),
					checkHostMask(env, h, unit, false, false),
					resource.TestCheckResourceAttr("data.systemd_unit.account", "load_state", "masked"),
					resource.TestCheckResourceAttr("data.systemd_unit.account", "unit_file_state", "masked"),
					resource.TestCheckResourceAttr("data.systemd_unit.account", "mask_layer", "persistent"),
					resource.TestCheckResourceAttr("data.systemd_unit.account", "mask_path", "/home/"+account+"/.config/systemd/user/"+unit),
					resource.TestCheckResourceAttr("data.systemd_unit.account", "id", h.Addr+"/user:"+account+"/"+unit),
					resource.TestCheckTypeSetElemNestedAttrs("data.systemd_masked_units.account", "units.*", map[string]string{"name": unit, "layer": "persistent"}),
					resource.TestCheckTypeSetElemNestedAttrs("data.systemd_masked_units.account", "units.*", map[string]string{"name": runtimeUnit, "layer": "runtime"}),
				),
			},
			{
				Config:                  accountConfig(asRoot, account, unit, runtimeUnit),
				ResourceName:            "systemd_unit_mask.runtime",
				ImportState:             true,
				ImportStateId:           "/user:" + account + "/" + runtimeUnit,
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"host"},
			},
			{
				// Drift in the account's directories is seen.
				PreConfig: func() {
					if _, stderr, err := env.RunAs(h, account, "systemctl --user unmask -- "+unit); err != nil {
						t.Fatalf("unmask behind Terraform's back: %v: %s", err, stderr)
					}
				},
				Config: accountConfig(asRoot, account, unit, runtimeUnit),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(maskAddr, plancheck.ResourceActionCreate)},
				},
				Check: checkOnHost(env, h, account, isEnabled(unit), "masked"),
			},
			{
				// Another login, through sudo with a password: the same
				// masks, nothing to change; destroy then goes through sudo.
				Config: accountConfig(asOperator, account, unit, runtimeUnit),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
		},
	})
}

// An import block names another account's unit by identity (Terraform
// 1.12 and later); the identity carries the account. Before systemd 248
// the import is refused with the version.
func TestAccUnitMask_otherAccountIdentity(t *testing.T) {
	env := testAccPreCheck(t, 1)
	h := env.Hosts[0]
	account, unit := env.LingerUser, testUnitName("account-id")
	config := providerBlock(env, h) + fmt.Sprintf(`
resource "systemd_unit_mask" "test" {
  name  = %q
  scope = "user"
  user  = %q
}
`, unit, account)
	imports := importBlock(maskAddr, fmt.Sprintf("host  = %q", h.IP), fmt.Sprintf("port  = %d", h.Port), `scope = "user"`,
		fmt.Sprintf("user  = %q", account), fmt.Sprintf("name  = %q", unit))
	step := resource.TestStep{
		Config:      config + imports,
		ExpectError: errorPattern(fmt.Sprintf("systemd %d on the host cannot reach another account's user manager", env.SystemdVersion)),
	}
	if env.SystemdVersion >= 248 {
		step = resource.TestStep{
			PreConfig: func() { mustRunAs(t, env, h, account, "systemctl --user mask -- "+unit) },
			Config:    config + imports,
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(maskAddr, plancheck.ResourceActionNoop)},
			},
			ConfigStateChecks: []statecheck.StateCheck{
				expectMaskIdentity(maskAddr, h, "user", account, unit),
				statecheck.ExpectKnownValue(maskAddr, tfjsonpath.New("user"), knownvalue.StringExact(account)),
			},
			Check: checkOnHost(env, h, account, "systemctl --user is-enabled -- "+unit, "masked"),
		}
	}
	resource.ParallelTest(t, resource.TestCase{
		TerraformVersionChecks:   identityVersionChecks(),
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkOnHost(env, h, account, `readlink ~/.config/systemd/user/`+unit+` || echo none`, "none"),
		Steps:                    []resource.TestStep{step},
	})
}

// What stops another account's units is said before anything changes,
// on every systemd (the account is checked before the version): no root
// (at plan), user outside the user scope (at validation), no such account,
// an account with no running user manager, and sudo that may run
// systemctl only.
func TestAccUnitMask_otherAccountRefusals(t *testing.T) {
	env := testAccPreCheck(t, 1)
	h := env.Hosts[0]
	unit := testUnitName("refused")
	// An account that has never logged in has no user manager.
	idle := strings.TrimSuffix(testUnitName("u"), ".service")[:20]
	env.MustRun(t, h, "useradd --create-home -- "+idle)
	t.Cleanup(func() { _, _, _ = env.Run(h, "userdel --remove -- "+idle) })
	asDeploy := providerBlock(env, h, "user = "+hclString(env.LingerUser))
	asRoot := providerBlock(env, h)
	one := func(provider, account string, attrs ...string) string {
		return provider + fmt.Sprintf(`
resource "systemd_unit_mask" "test" {
  name  = %q
  user  = %q
%s}
`, unit, account, indent(attrs))
	}
	steps := []resource.TestStep{
		{Config: one(asRoot, "operator"), PlanOnly: true, ExpectError: errorPattern("User Without the User Scope", `Set scope = "user"`)},
		{Config: one(asDeploy, "operator", `scope = "user"`), PlanOnly: true,
			ExpectError: errorPattern("Another Account's Units Need Root", "log in as root, or set sudo = true")},
		{Config: one(asRoot, "tfacc-nobody", `scope = "user"`), ExpectError: errorPattern(`there is no account "tfacc-nobody" on the host`)},
		{Config: one(asRoot, idle, `scope = "user"`), ExpectError: errorPattern("the user manager of "+idle+" is not running", "loginctl enable-linger "+idle)},
	}
	if env.SysopUser != "" {
		asSysop := providerBlock(env, h, "user = "+hclString(env.SysopUser), "sudo = true")
		steps = append(steps, resource.TestStep{Config: one(asSysop, env.LingerUser, `scope = "user"`),
			ExpectError: errorPattern("run sh (another account's user units are read and changed as root)")})
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps:                    steps,
		CheckDestroy: resource.ComposeAggregateTestCheckFunc(
			checkOnHost(env, h, env.LingerUser, `readlink ~/.config/systemd/user/`+unit+` || echo none`, "none"),
			checkOnHost(env, h, "root", "ls /home/"+idle+"/.config/systemd/user 2>/dev/null || echo absent", "absent"),
		),
	})
}
