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

// checkOnHost runs command on h as user and compares its trimmed output.
func checkOnHost(env testhosts.Env, h testhosts.Host, user, command, want string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		out, _, _ := env.RunAs(h, user, command)
		if got := strings.TrimSpace(out); got != want {
			return fmt.Errorf("on %s as %s, `%s` = %q, want %q", h.Addr, user, command, got, want)
		}
		return nil
	}
}

// The same unit masked in the user scope of the login user and in the system
// scope of the same host: two resources, two ids, two places. The user mask
// is made as the user, never through sudo, even with sudo on.
func TestAccUnitMask_userScope(t *testing.T) {
	env := testAccPreCheck(t, 1)
	h := env.Hosts[0]
	user := env.LingerUser
	unit := testUnitName("user")
	provider := providerBlock(env, h, fmt.Sprintf("user = %q", user), "sudo = true")
	config := func(runtime bool) string {
		return provider + fmt.Sprintf(`
resource "systemd_unit_mask" "test" {
  name    = %[1]q
  scope   = "user"
  runtime = %[2]t
}

resource "systemd_unit_mask" "system" {
  name = %[1]q
}
`, unit, runtime)
	}
	userLayers := `for d in "${XDG_CONFIG_HOME:-$HOME/.config}/systemd/user" "$XDG_RUNTIME_DIR/systemd/user"; do readlink "$d/` + unit + `" || echo none; done | tr '\n' ' '`

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy: resource.ComposeAggregateTestCheckFunc(
			checkOnHost(env, h, user, userLayers, "none none"),
			checkHostMask(env, h, unit, false, false),
		),
		Steps: []resource.TestStep{
			{
				Config: config(false),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(maskAddr, tfjsonpath.New("id"), knownvalue.StringExact(h.Addr+"/user:"+user+"/"+unit)),
					statecheck.ExpectKnownValue("systemd_unit_mask.system", tfjsonpath.New("id"), knownvalue.StringExact(h.Addr+"/"+unit)),
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					checkOnHost(env, h, user, userLayers, "/dev/null none"),
					checkOnHost(env, h, user, "systemctl --user is-enabled -- "+unit, "masked"),
					checkHostMask(env, h, unit, true, false),
					// Not root's user directory: sudo was not used for it.
					checkOnHost(env, h, "root", "ls ~/.config/systemd/user/"+unit+" 2>/dev/null || echo absent", "absent"),
				),
			},
			{
				Config: config(true),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(maskAddr, plancheck.ResourceActionUpdate)},
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					checkOnHost(env, h, user, userLayers, "none /dev/null"),
					checkOnHost(env, h, user, "systemctl --user is-enabled -- "+unit, "masked-runtime"),
				),
			},
			{
				Config:            config(true),
				ResourceName:      maskAddr,
				ImportState:       true,
				ImportStateId:     "/user/" + unit,
				ImportStateVerify: true,
			},
			{
				// Drift in the user's own directories is seen too.
				PreConfig: func() {
					if _, stderr, err := env.RunAs(h, user, "systemctl --user unmask --runtime -- "+unit); err != nil {
						t.Fatalf("unmask behind Terraform's back: %v: %s", err, stderr)
					}
				},
				Config: config(true),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(maskAddr, plancheck.ResourceActionCreate)},
				},
				Check: checkOnHost(env, h, user, userLayers, "none /dev/null"),
			},
		},
	})
}

// Global user units: /etc/systemd/user and /run/systemd/user.
func TestAccUnitMask_globalScope(t *testing.T) {
	env := testAccPreCheck(t, 1)
	h := env.Hosts[0]
	unit := testUnitName("global")
	provider := providerBlock(env, h)
	layers := "for d in /etc/systemd/user /run/systemd/user; do readlink $d/" + unit + " || echo none; done | tr '\\n' ' '"

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkOnHost(env, h, "root", layers, "none none"),
		Steps: []resource.TestStep{
			{
				Config: maskConfig(provider, unit, `scope = "global"`),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(maskAddr, tfjsonpath.New("id"), knownvalue.StringExact(h.Addr+"/global/"+unit)),
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					checkOnHost(env, h, "root", layers, "/dev/null none"),
					checkOnHost(env, h, "root", "systemctl --global is-enabled -- "+unit, "masked"),
					checkHostMask(env, h, unit, false, false),
				),
			},
			{
				Config: maskConfig(provider, unit, `scope = "global"`, "runtime = true"),
				Check: resource.ComposeAggregateTestCheckFunc(
					checkOnHost(env, h, "root", layers, "none /dev/null"),
					checkOnHost(env, h, "root", "systemctl --global is-enabled -- "+unit, "masked-runtime"),
				),
			},
			{
				Config:            maskConfig(provider, unit, `scope = "global"`, "runtime = true"),
				ResourceName:      maskAddr,
				ImportState:       true,
				ImportStateId:     h.Addr + "/global/" + unit,
				ImportStateVerify: true,
				// The config names no host; the ID does.
				ImportStateVerifyIgnore: []string{"host"},
			},
		},
	})
}

// stop = true stops a running unit as it masks it; stop = false leaves it
// running; unmasking starts neither again.
func TestAccUnitMask_stop(t *testing.T) {
	env := testAccPreCheck(t, 1)
	h := env.Hosts[0]
	stopped, running := testUnitName("stopped"), testUnitName("running")
	for _, u := range []string{stopped, running} {
		file := "/usr/local/lib/systemd/system/" + u
		env.MustRun(t, h, "mkdir -p /usr/local/lib/systemd/system && printf '[Service]\\nExecStart=/bin/sleep infinity\\n' > "+file+
			" && systemctl daemon-reload && systemctl start -- "+u)
		t.Cleanup(func() { _, _, _ = env.Run(h, "systemctl stop -- "+u+"; rm -f "+file+"; systemctl daemon-reload") })
	}
	config := func(stop bool) string {
		return providerBlock(env, h) + fmt.Sprintf(`
resource "systemd_unit_mask" "stopped" {
  name = %q
  stop = %t
}

resource "systemd_unit_mask" "running" {
  name = %q
}
`, stopped, stop, running)
	}
	isActive := func(u string) string { return "systemctl is-active -- " + u }

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy: resource.ComposeAggregateTestCheckFunc(
			checkHostMask(env, h, stopped, false, false),
			checkOnHost(env, h, "root", isActive(stopped), "inactive"),
			checkOnHost(env, h, "root", isActive(running), "active"),
		),
		Steps: []resource.TestStep{
			{
				Config: config(true),
				Check: resource.ComposeAggregateTestCheckFunc(
					checkHostMask(env, h, stopped, true, false),
					checkOnHost(env, h, "root", isActive(stopped), "inactive"),
					checkHostMask(env, h, running, true, false),
					checkOnHost(env, h, "root", isActive(running), "active"),
				),
			},
			{
				// Turning stop off changes state only.
				Config: config(false),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction("systemd_unit_mask.stopped", plancheck.ResourceActionUpdate)},
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					checkHostMask(env, h, stopped, true, false),
					checkOnHost(env, h, "root", isActive(stopped), "inactive"),
				),
			},
		},
	})
}
