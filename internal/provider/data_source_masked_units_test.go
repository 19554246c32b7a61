package provider

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/systemd-tf/terraform-provider-systemd/internal/systemd"
	"github.com/systemd-tf/terraform-provider-systemd/internal/testhosts"
)

const maskedUnitsAddr = "data.systemd_masked_units.test"

func maskedUnitsData(attrs ...string) string {
	return fmt.Sprintf(`
data "systemd_masked_units" "test" {
%s}
`, indent(attrs))
}

// listedUnit asserts that the list holds the unit, with that layer and path.
func listedUnit(name, layer, path string) resource.TestCheckFunc {
	return resource.TestCheckTypeSetElemNestedAttrs(maskedUnitsAddr, "units.*", map[string]string{
		"name": name, "layer": layer, "path": path,
	})
}

// listedNames reads the listed names, in order, from the state.
func listedNames(s *terraform.State) ([]string, error) {
	rs, ok := s.RootModule().Resources[maskedUnitsAddr]
	if !ok {
		return nil, fmt.Errorf("%s is not in the state", maskedUnitsAddr)
	}
	attrs := rs.Primary.Attributes
	n, err := strconv.Atoi(attrs["units.#"])
	if err != nil {
		return nil, fmt.Errorf("units.# = %q", attrs["units.#"])
	}
	names := make([]string, n)
	for i := range names {
		names[i] = attrs[fmt.Sprintf("units.%d.name", i)]
	}
	return names, nil
}

// checkNotListed asserts that none of the units is in the list.
func checkNotListed(units ...string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		names, err := listedNames(s)
		if err != nil {
			return err
		}
		for _, n := range names {
			for _, u := range units {
				if n == u {
					return fmt.Errorf("%s is listed: %q", u, names)
				}
			}
		}
		return nil
	}
}

// checkSortedListing asserts that the list is sorted by name, without
// duplicates, and that apart from the tests' own units (tfacc-*, which other
// tests create and remove meanwhile) it is what systemctl lists on the host,
// less the aliases (units masked only as a link to a masked unit).
func checkSortedListing(env testhosts.Env, h testhosts.Host, user, systemctl string, aliases ...string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		names, err := listedNames(s)
		if err != nil {
			return err
		}
		for i := 1; i < len(names); i++ {
			if names[i-1] >= names[i] {
				return fmt.Errorf("the list is not sorted by name, or repeats a unit: %q", names)
			}
		}
		out, stderr, err := env.RunAs(h, user, systemctl+" list-unit-files --state=masked,masked-runtime --no-legend --no-pager | awk '{print $1}'")
		if err != nil && strings.TrimSpace(out+stderr) != "" {
			return fmt.Errorf("listing on the host: %v: %s", err, stderr)
		}
		skip := map[string]bool{}
		for _, a := range aliases {
			skip[a] = true
		}
		var want, got []string
		for _, n := range strings.Fields(out) {
			if !strings.HasPrefix(n, "tfacc-") && !skip[n] {
				want = append(want, n)
			}
		}
		for _, n := range names {
			if !strings.HasPrefix(n, "tfacc-") {
				got = append(got, n)
			}
		}
		sort.Strings(want)
		if strings.Join(got, " ") != strings.Join(want, " ") {
			return fmt.Errorf("listed %q; the host lists %q (less aliases %q)", got, want, aliases)
		}
		return nil
	}
}

// The system scope: Debian's vendor masks, the container's own persistent
// ones, and masks of every kind made here.
// vendorDir is where systemd finds Debian's vendor units first: /lib on
// the split-/usr builds up to systemd 254 (which read it before /usr/lib),
// /usr/lib after. systemd says so in its UnitPath.
func vendorDir(t *testing.T, env testhosts.Env, h testhosts.Host) string {
	t.Helper()
	if slices.Contains(strings.Fields(env.MustRun(t, h, "systemctl show -P UnitPath")), "/lib/systemd/system") {
		return "/lib/systemd/system"
	}
	return "/usr/lib/systemd/system"
}

func TestAccDataSourceMaskedUnits_system(t *testing.T) {
	env := testAccPreCheck(t, 1)
	h := env.Hosts[0]
	persistent, runtime := testUnitName("list-persistent"), testUnitName("list-runtime")
	empty, both := testUnitName("list-empty"), testUnitName("list-both")
	env.MustRun(t, h, "systemctl mask -- "+persistent+" && systemctl mask --runtime -- "+runtime+
		" && systemctl mask -- "+both+" && systemctl mask --runtime -- "+both+
		" && : > /etc/systemd/system/"+empty+" && systemctl daemon-reload")
	t.Cleanup(func() {
		_, _, _ = env.Run(h, "systemctl unmask -- "+persistent+" "+both+"; systemctl unmask --runtime -- "+runtime+" "+both+
			"; rm -f /etc/systemd/system/"+empty+"; systemctl daemon-reload")
	})
	config := providerBlock(env, h) + maskedUnitsData()

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(maskedUnitsAddr, tfjsonpath.New("id"), knownvalue.StringExact(h.Addr)),
					statecheck.ExpectKnownValue(maskedUnitsAddr, tfjsonpath.New("scope"), knownvalue.StringExact("system")),
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					// Debian's own mask, seen once though /lib links to /usr/lib.
					listedUnit("sudo.service", "vendor", vendorDir(t, env, h)+"/sudo.service"),
					listedUnit("getty@.service", "persistent", "/etc/systemd/system/getty@.service"),
					listedUnit(persistent, "persistent", "/etc/systemd/system/"+persistent),
					listedUnit(runtime, "runtime", "/run/systemd/system/"+runtime),
					listedUnit(empty, "persistent", "/etc/systemd/system/"+empty),
					// /etc comes before /run in the search path.
					listedUnit(both, "persistent", "/etc/systemd/system/"+both),
					// autovt@.service is a link to getty@.service, which is listed.
					checkNotListed("cron.service", "autovt@.service"),
					checkSortedListing(env, h, "root", "systemctl", "autovt@.service"),
				),
			},
			{
				// The persistent mask goes: the runtime one shows through.
				PreConfig: runOn(t, env, h, "systemctl unmask -- "+both),
				Config:    config,
				Check:     listedUnit(both, "runtime", "/run/systemd/system/"+both),
			},
		},
	})
}

// The global scope lists the masks of /etc/systemd/user and
// /run/systemd/user, and no system unit.
func TestAccDataSourceMaskedUnits_global(t *testing.T) {
	env := testAccPreCheck(t, 1)
	h := env.Hosts[1%len(env.Hosts)]
	persistent, runtime := testUnitName("list-global"), testUnitName("list-global-runtime")
	env.MustRun(t, h, "systemctl --global mask -- "+persistent+" && systemctl --global mask --runtime -- "+runtime)
	t.Cleanup(func() {
		_, _, _ = env.Run(h, "systemctl --global unmask -- "+persistent+"; systemctl --global unmask --runtime -- "+runtime)
	})

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: providerBlock(env, h) + maskedUnitsData(`scope = "global"`),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(maskedUnitsAddr, tfjsonpath.New("id"), knownvalue.StringExact(h.Addr+"/global")),
			},
			Check: resource.ComposeAggregateTestCheckFunc(
				listedUnit(persistent, "persistent", "/etc/systemd/user/"+persistent),
				listedUnit(runtime, "runtime", "/run/systemd/user/"+runtime),
				checkNotListed("sudo.service", "getty@.service"),
				checkSortedListing(env, h, "root", "systemctl --global"),
			),
		}},
	})
}

// The user scope: the login user's own masks, listed by its own manager
// (never through sudo), and the global masks that its manager obeys too.
func TestAccDataSourceMaskedUnits_user(t *testing.T) {
	env := testAccPreCheck(t, 1)
	h := env.Hosts[2%len(env.Hosts)]
	user := env.LingerUser
	persistent, runtime, global := testUnitName("list-user"), testUnitName("list-user-runtime"), testUnitName("list-user-global")
	mustRunAs(t, env, h, user, "systemctl --user mask -- "+persistent+" && systemctl --user mask --runtime -- "+runtime)
	env.MustRun(t, h, "systemctl --global mask -- "+global)
	t.Cleanup(func() {
		_, _, _ = env.RunAs(h, user, "systemctl --user unmask -- "+persistent+"; systemctl --user unmask --runtime -- "+runtime)
		_, _, _ = env.Run(h, "systemctl --global unmask -- "+global)
	})
	home := strings.TrimSpace(mustRunAs(t, env, h, user, `echo "$HOME"`))
	runtimeDir := strings.TrimSpace(mustRunAs(t, env, h, user, `echo "$XDG_RUNTIME_DIR"`))
	globalLayer, globalDir := "global", "/etc/systemd/user"
	if slices.Contains(strings.Fields(mustRunAs(t, env, h, user, "systemctl --user show -P UnitPath")), "/etc/xdg/systemd/user") {
		globalLayer, globalDir = "persistent", "/etc/xdg/systemd/user"
	}

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: providerBlock(env, h, fmt.Sprintf("user = %q", user), "sudo = true") + maskedUnitsData(`scope = "user"`),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(maskedUnitsAddr, tfjsonpath.New("id"), knownvalue.StringExact(h.Addr+"/user:"+user)),
				statecheck.ExpectKnownValue(maskedUnitsAddr, tfjsonpath.New("scope"), knownvalue.StringExact("user")),
			},
			Check: resource.ComposeAggregateTestCheckFunc(
				listedUnit(persistent, "persistent", home+"/.config/systemd/user/"+persistent),
				listedUnit(runtime, "runtime", runtimeDir+"/systemd/user/"+runtime),
				// Found as systemd finds it: up to systemd 256, through
				// Debian's link /etc/xdg/systemd/user → /etc/systemd/user,
				// which comes first in a user's search path; from 257 on,
				// /etc/xdg is no longer searched by default.
				listedUnit(global, globalLayer, globalDir+"/"+global),
				checkNotListed("sudo.service"),
				checkSortedListing(env, h, user, "systemctl --user"),
			),
		}},
	})
}

// The import IDs that the data source's example prints are the IDs that
// systemd_unit_mask imports: "${id}/${name}" for the masks that are not a
// vendor's.
func TestAccDataSourceMaskedUnits_importIDs(t *testing.T) {
	testAccPreCheck(t, 1)
	// A host of its own: the output lists every mask on the host, and other
	// tests' masks coming and going would change it between plans.
	env := testhosts.BootPrivate(t)
	h := env.Hosts[0]
	unit := testUnitName("list-import")
	env.MustRun(t, h, "systemctl mask --runtime -- "+unit)
	t.Cleanup(func() { _, _, _ = env.Run(h, "systemctl unmask --runtime -- "+unit) })
	data := providerBlock(env, h) + maskedUnitsData("host = "+hclString(h.Addr)) + `
output "import_ids" {
  value = [
    for u in data.systemd_masked_units.test.units : "${data.systemd_masked_units.test.id}/${u.name}"
    if u.layer != "vendor"
  ]
}
`
	adopted := data + fmt.Sprintf(`
resource "systemd_unit_mask" "adopted" {
  name    = %q
  host    = %q
  runtime = true
}
`, unit, h.Addr)
	importID := h.Addr + "/" + unit

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: data,
				Check: func(s *terraform.State) error {
					out, ok := s.RootModule().Outputs["import_ids"]
					if !ok {
						return fmt.Errorf("no output import_ids")
					}
					ids, _ := out.Value.([]interface{})
					var found bool
					for _, id := range ids {
						switch id {
						case importID:
							found = true
						case h.Addr + "/sudo.service":
							return fmt.Errorf("the vendor mask of sudo.service is among the import IDs: %q", ids)
						}
					}
					if !found {
						return fmt.Errorf("%s is not among the import IDs %q", importID, ids)
					}
					return nil
				},
			},
			{
				Config:        adopted,
				ResourceName:  "systemd_unit_mask.adopted",
				ImportState:   true,
				ImportStateId: importID,
				ImportStateCheck: func(states []*terraform.InstanceState) error {
					for _, st := range states {
						if st.ID != importID {
							continue
						}
						if st.Attributes["runtime"] != "true" || st.Attributes["host"] != h.Addr {
							return fmt.Errorf("imported %v", st.Attributes)
						}
						return nil
					}
					return fmt.Errorf("nothing imported as %s", importID)
				},
			},
		},
	})
}

// A failed listing says what was listed where, why it failed, and for a
// user without a running user manager, the remedy.
func TestListDetail(t *testing.T) {
	noManager := &systemd.CommandError{
		Command:  systemd.Command{Argv: []string{"systemctl", "--user", "list-unit-files"}},
		ExitCode: 1,
		Stderr:   "Failed to connect to bus: Permission denied",
	}
	tests := []struct {
		target maskTarget
		err    error
		want   []string
	}{
		{
			maskTarget{addr: "h:22", scope: systemd.ScopeUser, user: "operator"}, noManager,
			[]string{"Listing the masked user units of operator on h:22 failed.\n\n", "Failed to connect to bus", "loginctl enable-linger operator"},
		},
		{
			maskTarget{addr: "h:22", scope: systemd.ScopeGlobal}, errors.New("connection reset"),
			[]string{"Listing the masked global user units on h:22 failed.\n\nconnection reset"},
		},
		{
			maskTarget{addr: "h:22"}, errors.New("unexpected answer"),
			[]string{"Listing the masked system units on h:22 failed.\n\nunexpected answer"},
		},
	}
	for _, tt := range tests {
		got := listDetail(tt.target, tt.err)
		for _, w := range tt.want {
			if !strings.Contains(got, w) {
				t.Errorf("listDetail = %q, lacks %q", got, w)
			}
		}
		if strings.Count(got, "failed.") != 1 {
			t.Errorf("listDetail = %q: one heading expected", got)
		}
	}
}
