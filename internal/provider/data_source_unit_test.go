package provider

import (
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/systemd-tf/terraform-provider-systemd/internal/testhosts"
)

// unitData is a systemd_unit data source block; attrs are extra lines.
func unitData(label, name string, attrs ...string) string {
	return fmt.Sprintf(`
data "systemd_unit" %q {
  name = %s
%s}
`, label, hclString(name), indent(attrs))
}

// unitDataChecks asserts attributes of data.systemd_unit.LABEL.
type unitDataChecks struct {
	label  string
	checks []statecheck.StateCheck
}

func (c *unitDataChecks) expect(attr string, v knownvalue.Check) *unitDataChecks {
	c.checks = append(c.checks, statecheck.ExpectKnownValue("data.systemd_unit."+c.label, tfjsonpath.New(attr), v))
	return c
}

func unitDataFor(label string) *unitDataChecks { return &unitDataChecks{label: label} }

func layersExact(layers ...string) knownvalue.Check {
	checks := []knownvalue.Check{}
	for _, l := range layers {
		checks = append(checks, knownvalue.StringExact(l))
	}
	return knownvalue.SetExact(checks)
}

// fragmentPath is systemd's own FragmentPath of a unit, the oracle for the
// data source's: packages install into /usr/lib from trixie on, and systemd
// 247 reports a masked unit's as /dev/null. A user's units are asked of
// that user's manager.
func fragmentPath(t *testing.T, env testhosts.Env, h testhosts.Host, user, name string) string {
	t.Helper()
	if user == "" {
		return strings.TrimSpace(env.MustRun(t, h, "systemctl show -P FragmentPath -- "+name))
	}
	return strings.TrimSpace(mustRunAs(t, env, h, user, "systemctl --user show -P FragmentPath -- "+name))
}

// mustRunAs is env.RunAs that fails the test on error.
func mustRunAs(t *testing.T, env testhosts.Env, h testhosts.Host, user, command string) string {
	t.Helper()
	out, stderr, err := env.RunAs(h, user, command)
	if err != nil {
		t.Fatalf("on %s as %s: `%s`: %v\nstderr: %s", h.Addr, user, command, err, stderr)
	}
	return out
}

// The system scope: Debian's own vendor mask, a running unit, a unit masked
// in both layers, a runtime mask that is an empty file, an instance masked
// through its template, a template, and a unit that does not exist.
func TestAccDataSourceUnit_system(t *testing.T) {
	env := testAccPreCheck(t, 1)
	h := env.Hosts[0]
	both, empty, missing := testUnitName("unit-both"), testUnitName("unit-empty"), testUnitName("unit-missing")
	env.MustRun(t, h, "systemctl mask -- "+both+" && systemctl mask --runtime -- "+both)
	env.MustRun(t, h, ": > /run/systemd/system/"+empty+" && systemctl daemon-reload")
	t.Cleanup(func() {
		_, _, _ = env.Run(h, "systemctl unmask -- "+both+"; systemctl unmask --runtime -- "+both+
			"; rm -f /run/systemd/system/"+empty+"; systemctl daemon-reload")
	})
	config := providerBlock(env, h) +
		unitData("sudo", "sudo.service") + unitData("cron", "cron.service") + unitData("both", both) +
		unitData("empty", empty) + unitData("missing", missing) +
		unitData("getty_tty1", "getty@tty1.service") + unitData("getty", "getty@.service")

	var checks []statecheck.StateCheck
	for _, c := range []*unitDataChecks{
		// Debian ships /lib/systemd/system/sudo.service → /dev/null.
		unitDataFor("sudo").
			expect("id", knownvalue.StringExact(h.Addr+"/sudo.service")).
			expect("scope", knownvalue.StringExact("system")).
			expect("host", knownvalue.Null()).
			expect("masked", knownvalue.Bool(true)).
			expect("mask_layers", layersExact("vendor")).
			expect("load_state", knownvalue.StringExact("masked")).
			expect("unit_file_state", knownvalue.StringExact("masked")).
			expect("fragment_path", knownvalue.StringExact(fragmentPath(t, env, h, "", "sudo.service"))),
		unitDataFor("cron").
			expect("masked", knownvalue.Bool(false)).
			expect("mask_layers", layersExact()).
			expect("load_state", knownvalue.StringExact("loaded")).
			expect("active_state", knownvalue.StringExact("active")).
			expect("unit_file_state", knownvalue.StringExact("enabled")).
			expect("fragment_path", knownvalue.StringExact(fragmentPath(t, env, h, "", "cron.service"))),
		unitDataFor("both").
			expect("masked", knownvalue.Bool(true)).
			expect("mask_layers", layersExact("persistent", "runtime")).
			expect("load_state", knownvalue.StringExact("masked")).
			expect("active_state", knownvalue.StringExact("inactive")).
			expect("unit_file_state", knownvalue.StringExact("masked")).
			expect("mask_path", knownvalue.StringExact("/etc/systemd/system/"+both)).
			expect("shadowed_masks", knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact("/run/systemd/system/" + both)})).
			expect("fragment_path", knownvalue.StringExact(fragmentPath(t, env, h, "", both))),
		unitDataFor("empty").
			expect("masked", knownvalue.Bool(true)).
			expect("mask_layers", layersExact("runtime")).
			expect("load_state", knownvalue.StringExact("masked")).
			expect("unit_file_state", knownvalue.StringExact("masked-runtime")),
		// Not an error: the unit is just not there.
		unitDataFor("missing").
			expect("id", knownvalue.StringExact(h.Addr+"/"+missing)).
			expect("masked", knownvalue.Bool(false)).
			expect("mask_layers", layersExact()).
			expect("load_state", knownvalue.StringExact("not-found")).
			expect("active_state", knownvalue.StringExact("inactive")).
			expect("unit_file_state", knownvalue.Null()).
			expect("fragment_path", knownvalue.Null()),
		// The test hosts mask getty@.service in /etc: every getty is masked.
		unitDataFor("getty_tty1").
			expect("masked", knownvalue.Bool(true)).
			expect("mask_layers", layersExact("persistent")).
			expect("load_state", knownvalue.StringExact("masked")).
			expect("mask_path", knownvalue.StringExact("/etc/systemd/system/getty@.service")).
			expect("fragment_path", knownvalue.StringExact(fragmentPath(t, env, h, "", "getty@tty1.service"))),
		// A template is never loaded: no manager state, only its files.
		unitDataFor("getty").
			expect("masked", knownvalue.Bool(true)).
			expect("mask_layers", layersExact("persistent")).
			expect("load_state", knownvalue.Null()).
			expect("active_state", knownvalue.Null()).
			expect("unit_file_state", knownvalue.StringExact("masked")),
	} {
		checks = append(checks, c.checks...)
	}

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: config, ConfigStateChecks: checks},
			{
				// Unmasked behind Terraform's back: the next read says so.
				PreConfig: runOn(t, env, h, "systemctl unmask --runtime -- "+both),
				Config:    config,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.systemd_unit.both", tfjsonpath.New("mask_layers"), layersExact("persistent")),
				},
			},
		},
	})
}

// A data source naming its own host reads that host, not the provider's.
func TestAccDataSourceUnit_host(t *testing.T) {
	env := testAccPreCheck(t, 2)
	h := env.Hosts[1]
	unit := testUnitName("unit-host")
	env.MustRun(t, h, "systemctl mask -- "+unit)
	t.Cleanup(func() { _, _, _ = env.Run(h, "systemctl unmask -- "+unit) })

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: providerBlock(env, env.Hosts[0]) +
				unitData("there", unit, "host = "+hclString(h.Addr)) + unitData("here", unit),
			ConfigStateChecks: append(
				unitDataFor("there").
					expect("id", knownvalue.StringExact(h.Addr+"/"+unit)).
					expect("host", knownvalue.StringExact(h.Addr)).
					expect("mask_layers", layersExact("persistent")).checks,
				unitDataFor("here").
					expect("id", knownvalue.StringExact(env.Hosts[0].Addr+"/"+unit)).
					expect("masked", knownvalue.Bool(false)).
					expect("load_state", knownvalue.StringExact("not-found")).checks...,
			),
		}},
	})
}

// The global scope has no manager: only the unit file state and the masks.
func TestAccDataSourceUnit_global(t *testing.T) {
	env := testAccPreCheck(t, 1)
	h := env.Hosts[0]
	unit, missing := testUnitName("unit-global"), testUnitName("unit-global-missing")
	env.MustRun(t, h, "systemctl --global mask -- "+unit)
	t.Cleanup(func() { _, _, _ = env.Run(h, "systemctl --global unmask -- "+unit) })
	scope := `scope = "global"`

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: providerBlock(env, h) + unitData("masked", unit, scope) +
				unitData("dbus", "dbus.socket", scope) + unitData("missing", missing, scope),
			ConfigStateChecks: append(append(
				unitDataFor("masked").
					expect("id", knownvalue.StringExact(h.Addr+"/global/"+unit)).
					expect("scope", knownvalue.StringExact("global")).
					expect("masked", knownvalue.Bool(true)).
					expect("mask_layers", layersExact("persistent")).
					expect("unit_file_state", knownvalue.StringExact("masked")).
					expect("load_state", knownvalue.Null()).
					expect("active_state", knownvalue.Null()).
					expect("fragment_path", knownvalue.Null()).checks,
				// /usr/lib/systemd/user/dbus.socket, shipped by dbus.
				unitDataFor("dbus").
					expect("masked", knownvalue.Bool(false)).
					expect("unit_file_state", knownvalue.StringExact("static")).checks...),
				unitDataFor("missing").
					expect("masked", knownvalue.Bool(false)).
					expect("unit_file_state", knownvalue.Null()).checks...,
			),
		}},
	})
}

// The user scope: the login user's own manager, asked as that user, and its
// own directories.
func TestAccDataSourceUnit_user(t *testing.T) {
	env := testAccPreCheck(t, 1)
	h := env.Hosts[0]
	user := env.LingerUser
	unit := testUnitName("unit-user")
	mustRunAs(t, env, h, user, "systemctl --user mask --runtime -- "+unit)
	t.Cleanup(func() { _, _, _ = env.RunAs(h, user, "systemctl --user unmask --runtime -- "+unit) })
	runtimeDir := strings.TrimSpace(mustRunAs(t, env, h, user, `echo "$XDG_RUNTIME_DIR"`))
	if !strings.HasPrefix(runtimeDir, "/run/user/") {
		t.Fatalf("XDG_RUNTIME_DIR of %s is %q", user, runtimeDir)
	}
	scope := `scope = "user"`

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			// sudo is on, and must not be used: it would reach root's manager.
			Config: providerBlock(env, h, fmt.Sprintf("user = %q", user), "sudo = true") +
				unitData("masked", unit, scope) + unitData("dbus", "dbus.socket", scope) + unitData("system", unit),
			ConfigStateChecks: append(append(
				unitDataFor("masked").
					expect("id", knownvalue.StringExact(h.Addr+"/user:"+user+"/"+unit)).
					expect("scope", knownvalue.StringExact("user")).
					expect("masked", knownvalue.Bool(true)).
					expect("mask_layers", layersExact("runtime")).
					expect("load_state", knownvalue.StringExact("masked")).
					expect("unit_file_state", knownvalue.StringExact("masked-runtime")).
					expect("mask_path", knownvalue.StringExact(runtimeDir+"/systemd/user/"+unit)).
					expect("fragment_path", knownvalue.StringExact(fragmentPath(t, env, h, user, unit))).checks,
				// The user's dbus.socket runs in the user manager.
				unitDataFor("dbus").
					expect("load_state", knownvalue.StringExact("loaded")).
					expect("active_state", knownvalue.StringExact("active")).
					expect("fragment_path", knownvalue.StringExact(fragmentPath(t, env, h, user, "dbus.socket"))).checks...),
				// The same name in the system scope is another unit.
				unitDataFor("system").
					expect("masked", knownvalue.Bool(false)).
					expect("load_state", knownvalue.StringExact("not-found")).checks...,
			),
		}},
	})
}

// Invalid arguments are refused at plan time, naming the attribute.
func TestAccDataSourceUnit_invalidArguments(t *testing.T) {
	env := testAccPreCheck(t, 1)
	provider := providerBlock(env, env.Hosts[0])
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      provider + unitData("bad", "cron"),
				PlanOnly:    true,
				ExpectError: errorPattern(`Invalid Unit Name`, `no type suffix`, `"cron.service"`),
			},
			{
				Config:      provider + unitData("bad", "$(touch /tmp/pwned).service"),
				PlanOnly:    true,
				ExpectError: errorPattern(`Invalid Unit Name`, `Attribute name must be a systemd unit name`),
			},
			{
				Config:      provider + unitData("bad", "cron.service", `scope = "users"`),
				PlanOnly:    true,
				ExpectError: errorPattern(`Attribute scope value must be one of`),
			},
			{
				Config:      provider + unitData("bad", "cron.service", `host = "a b"`),
				PlanOnly:    true,
				ExpectError: errorPattern(`Invalid Host`),
			},
		},
	})
}
