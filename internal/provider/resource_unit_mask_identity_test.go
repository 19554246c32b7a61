package provider

import (
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/systemd-tf/terraform-provider-systemd/internal/testhosts"
)

// expectMaskIdentity is the identity of a mask of unit on h.
func expectMaskIdentity(addr string, h testhosts.Host, scope, user, unit string) statecheck.StateCheck {
	return statecheck.ExpectIdentity(addr, map[string]knownvalue.Check{
		"host":  knownvalue.StringExact(h.IP),
		"port":  knownvalue.Int64Exact(int64(h.Port)),
		"scope": knownvalue.StringExact(scope),
		"user":  knownvalue.StringExact(user),
		"name":  knownvalue.StringExact(unit),
	})
}

// maskFileOf is the inode and change time of a mask file on h: a mask
// removed and made again is another file.
func maskFileOf(t *testing.T, env testhosts.Env, h testhosts.Host, path string) string {
	t.Helper()
	out, stderr, err := env.Run(h, "stat -c '%i %Z' "+path)
	if err != nil {
		t.Fatalf("stat %s on %s: %v: %s", path, h.Addr, err, stderr)
	}
	return strings.TrimSpace(out)
}

// checkSameMaskFile asserts that the mask file is still the one recorded.
func checkSameMaskFile(t *testing.T, env testhosts.Env, h testhosts.Host, path string, was *string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		if now := maskFileOf(t, env, h, path); now != *was {
			return fmt.Errorf("%s on %s is another file (inode and ctime %s, was %s): the mask was removed and made again", path, h.Addr, now, *was)
		}
		return nil
	}
}

// The identity is set on create, survives an import by identity, and does
// not change when runtime toggles.
func TestAccIdentity_lifecycle(t *testing.T) {
	env := testAccPreCheck(t, 1)
	h := env.Hosts[0]
	unit := testUnitName("identity")
	provider := providerBlock(env, h)
	identity := expectMaskIdentity(maskAddr, h, "system", "", unit)

	resource.ParallelTest(t, resource.TestCase{
		TerraformVersionChecks:   identityVersionChecks(),
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkHostMask(env, h, unit, false, false),
		Steps: []resource.TestStep{
			{
				Config:            maskConfig(provider, unit),
				ConfigStateChecks: []statecheck.StateCheck{identity},
				Check:             checkHostMask(env, h, unit, true, false),
			},
			{
				// An import block with the identity in state, as plugin-testing
				// writes it: the import plans no change.
				Config:          maskConfig(provider, unit),
				ResourceName:    maskAddr,
				ImportState:     true,
				ImportStateKind: resource.ImportBlockWithResourceIdentity,
				ImportPlanChecks: resource.ImportPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectKnownValue(maskAddr, tfjsonpath.New("id"), knownvalue.StringExact(h.Addr+"/"+unit)),
						plancheck.ExpectKnownValue(maskAddr, tfjsonpath.New("host"), knownvalue.Null()),
					},
				},
			},
			{
				Config: maskConfig(provider, unit, "runtime = true"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(maskAddr, plancheck.ResourceActionUpdate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{identity},
				Check:             checkHostMask(env, h, unit, false, true),
			},
			{
				Config:            maskConfig(provider, unit),
				ConfigStateChecks: []statecheck.StateCheck{identity},
				Check:             checkHostMask(env, h, unit, true, false),
			},
		},
	})
}

// importBlock is an import block for to, by identity.
func importBlock(to string, identity ...string) string {
	var b strings.Builder
	for _, l := range identity {
		b.WriteString("    " + l + "\n")
	}
	return fmt.Sprintf("\nimport {\n  to = %s\n  identity = {\n%s  }\n}\n", to, b.String())
}

// An import block with an identity written by hand, as the docs show it:
// masks made beforehand over SSH are adopted, persistent and runtime, on a
// host that is not the provider's, and nothing changes on the host. An
// identity that is not one is refused naming what is wrong.
func TestAccIdentity_importBlock(t *testing.T) {
	env := testAccPreCheck(t, 2)
	h := env.Hosts[1]
	persistent, runtime := testUnitName("idimport"), testUnitName("idimport-rt")
	t.Cleanup(func() {
		_, _, _ = env.Run(h, "systemctl unmask -- "+persistent+"; systemctl unmask --runtime -- "+runtime)
	})
	etcFile, runFile := "/etc/systemd/system/"+persistent, "/run/systemd/system/"+runtime
	var etcWas, runWas string
	// In the first step, after the version checks: a CLI without
	// identities skips before anything is made.
	setup := func() {
		env.MustRun(t, h, "systemctl mask -- "+persistent+" && systemctl mask --runtime -- "+runtime)
		etcWas, runWas = maskFileOf(t, env, h, etcFile), maskFileOf(t, env, h, runFile)
	}
	// The provider's own host is another one: the identity names the host.
	provider := providerBlock(env, env.Hosts[0])
	const rtAddr = "systemd_unit_mask.rt"
	resources := provider + fmt.Sprintf(`
resource "systemd_unit_mask" "test" {
  host = %[1]q
  name = %[2]q
}

resource "systemd_unit_mask" "rt" {
  host    = %[1]q
  name    = %[3]q
  runtime = true
}
`, h.Addr, persistent, runtime)
	identity := func(unit string, extra ...string) []string {
		return append([]string{fmt.Sprintf("host  = %q", h.IP), fmt.Sprintf("port  = %d", h.Port), `scope = "system"`,
			fmt.Sprintf("name  = %q", unit)}, extra...)
	}
	imports := importBlock(maskAddr, identity(persistent)...) + importBlock(rtAddr, identity(runtime)...)

	resource.ParallelTest(t, resource.TestCase{
		TerraformVersionChecks:   identityVersionChecks(),
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy: resource.ComposeAggregateTestCheckFunc(
			checkHostMask(env, h, persistent, false, false),
			checkHostMask(env, h, runtime, false, false),
		),
		Steps: []resource.TestStep{
			{
				PreConfig:   setup,
				Config:      resources + importBlock(maskAddr, fmt.Sprintf("host = %q", h.Addr), fmt.Sprintf("name = %q", persistent)),
				PlanOnly:    true,
				ExpectError: errorPattern(`Invalid Import Identity`, `carries a port`, `give the host alone, and the port in port`),
			},
			{
				Config:      resources + importBlock(maskAddr, identity(persistent, `user  = "root"`)...),
				PlanOnly:    true,
				ExpectError: errorPattern(`Invalid Import Identity`, `user applies to the user scope only`),
			},
			{
				Config: resources + imports,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(maskAddr, plancheck.ResourceActionNoop),
						plancheck.ExpectResourceAction(rtAddr, plancheck.ResourceActionNoop),
					},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					expectMaskIdentity(maskAddr, h, "system", "", persistent),
					statecheck.ExpectKnownValue(maskAddr, tfjsonpath.New("id"), knownvalue.StringExact(h.Addr+"/"+persistent)),
					statecheck.ExpectKnownValue(maskAddr, tfjsonpath.New("host"), knownvalue.StringExact(h.Addr)),
					statecheck.ExpectKnownValue(maskAddr, tfjsonpath.New("runtime"), knownvalue.Bool(false)),
					expectMaskIdentity(rtAddr, h, "system", "", runtime),
					statecheck.ExpectKnownValue(rtAddr, tfjsonpath.New("runtime"), knownvalue.Bool(true)),
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					checkHostMask(env, h, persistent, true, false),
					checkHostMask(env, h, runtime, false, true),
					checkSameMaskFile(t, env, h, etcFile, &etcWas),
					checkSameMaskFile(t, env, h, runFile, &runWas),
				),
			},
			{
				// The import blocks gone: nothing to do.
				Config: resources,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
		},
	})
}

// A user unit's mask, imported by an identity that names the user.
func TestAccIdentity_importBlockUserScope(t *testing.T) {
	env := testAccPreCheck(t, 1)
	h := env.Hosts[0]
	user := env.LingerUser
	unit := testUnitName("iduser")
	t.Cleanup(func() { _, _, _ = env.RunAs(h, user, "systemctl --user unmask -- "+unit) })
	setup := func() {
		if _, stderr, err := env.RunAs(h, user, "systemctl --user mask -- "+unit); err != nil {
			t.Fatalf("systemctl --user mask on %s: %v: %s", h.Addr, err, stderr)
		}
	}
	provider := providerBlock(env, h, fmt.Sprintf("user = %q", user))
	config := maskConfig(provider, unit, `scope = "user"`)
	userLayers := `for d in "${XDG_CONFIG_HOME:-$HOME/.config}/systemd/user" "$XDG_RUNTIME_DIR/systemd/user"; do readlink "$d/` + unit + `" || echo none; done | tr '\n' ' '`

	resource.ParallelTest(t, resource.TestCase{
		TerraformVersionChecks:   identityVersionChecks(),
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkOnHost(env, h, user, userLayers, "none none"),
		Steps: []resource.TestStep{
			{
				PreConfig: setup,
				Config: config + importBlock(maskAddr, fmt.Sprintf("host  = %q", h.IP), fmt.Sprintf("port  = %d", h.Port),
					`scope = "user"`, fmt.Sprintf("user  = %q", user), fmt.Sprintf("name  = %q", unit)),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(maskAddr, plancheck.ResourceActionNoop)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					expectMaskIdentity(maskAddr, h, "user", user, unit),
					statecheck.ExpectKnownValue(maskAddr, tfjsonpath.New("id"), knownvalue.StringExact(h.Addr+"/user:"+user+"/"+unit)),
				},
				Check: checkOnHost(env, h, user, userLayers, "/dev/null none"),
			},
			{
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
		},
	})
}
