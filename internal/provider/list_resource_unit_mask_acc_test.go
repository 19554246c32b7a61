package provider

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/querycheck"
	"github.com/hashicorp/terraform-plugin-testing/querycheck/queryfilter"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/systemd-tf/terraform-provider-systemd/internal/testhosts"
)

// listIdentity is the identity a listed mask of unit on h has.
func listIdentity(h testhosts.Host, scope, unit string) map[string]knownvalue.Check {
	return map[string]knownvalue.Check{
		"host":  knownvalue.StringExact(h.IP),
		"port":  knownvalue.Int64Exact(int64(h.Port)),
		"scope": knownvalue.StringExact(scope),
		"user":  knownvalue.StringExact(""),
		"name":  knownvalue.StringExact(unit),
	}
}

// listTotals records each list block's total, for a later step to compare
// with.
type listTotals map[string]int

func (totals listTotals) CheckQuery(_ context.Context, req querycheck.CheckQueryRequest, resp *querycheck.CheckQueryResponse) {
	for _, s := range req.QuerySummaries {
		totals[strings.TrimPrefix(s.Address, "list.")] = s.Total
	}
}

// expectGrowth asserts that a list block found exactly n more masks than
// the baseline step did.
type expectGrowth struct {
	baseline listTotals
	address  string
	n        int
}

func (e expectGrowth) CheckQuery(_ context.Context, req querycheck.CheckQueryRequest, resp *querycheck.CheckQueryResponse) {
	for _, s := range req.QuerySummaries {
		if strings.TrimPrefix(s.Address, "list.") != e.address {
			continue
		}
		if before, ok := e.baseline[e.address]; !ok || s.Total != before+e.n {
			resp.Error = fmt.Errorf("%s found %d masks; before this test's %d it found %d (recorded: %v)", e.address, s.Total, e.n, before, ok)
		}
		return
	}
	resp.Error = fmt.Errorf("no summary for %s", e.address)
}

// expectNames asserts the names of the results of a list block whose names
// start with prefix: exactly want, each once.
type expectNames struct {
	address, prefix string
	want            []string
}

func (e expectNames) CheckQuery(_ context.Context, req querycheck.CheckQueryRequest, resp *querycheck.CheckQueryResponse) {
	var got []string
	for _, r := range req.Query {
		name, _ := r.Identity["name"].(string)
		if strings.TrimPrefix(r.Address, "list.") == e.address && strings.HasPrefix(name, e.prefix) {
			got = append(got, name)
		}
	}
	slices.Sort(got)
	want := slices.Sorted(slices.Values(e.want))
	if !slices.Equal(got, want) {
		resp.Error = fmt.Errorf("%s listed %q of this test's units, want %q", e.address, got, want)
	}
}

// resourceValues checks attributes of the listed resource with identity id.
func resourceValues(address string, id map[string]knownvalue.Check, values map[string]knownvalue.Check) querycheck.QueryResultCheck {
	var checks []querycheck.KnownValueCheck
	for attr, v := range values {
		checks = append(checks, querycheck.KnownValueCheck{Path: tfjsonpath.New(attr), KnownValue: v})
	}
	return querycheck.ExpectResourceKnownValues(address, queryfilter.ByResourceIdentity(id), checks)
}

// The list finds every mask made beforehand over SSH that a resource can
// manage — persistent, runtime, both at once (one result), in the global
// scope — with its identity and attributes, and leaves out a vendor mask, a
// runtime mask shadowed by a unit file in /etc, an /etc mask behind one in
// system.control, and one behind the kernel's systemd.mask=
// (generator.early). The host is one of the test's own, booted with that
// systemd.mask=, so that the totals are the test's alone. A list that
// spells the provider's host out finds the same, with the same identities
// and no host attribute.
func TestAccQuery_unitMasks(t *testing.T) {
	testAccPreCheck(t, 1)
	skipUnlessCLI(t, listVersionChecks()) // before booting a host for nothing
	prefix := strings.TrimSuffix(testUnitName("query"), ".service") + "-"
	u := func(what string) string { return prefix + what + ".service" }
	persistent, persistent2, runtime, both := u("etc"), u("etc2"), u("run"), u("both")
	vendor, shadowed, control, early := u("vendor"), u("shadowed"), u("control"), u("early")
	global := u("global")
	t.Parallel()
	env := testhosts.BootPrivateWith(t, testhosts.PrivateOptions{InitArgs: []string{"systemd.mask=" + early}})
	h := env.Hosts[0]
	// systemctl first: it reloads the manager, which runs the generators
	// again; then the links made by hand.
	setup := strings.Join([]string{
		"systemctl mask -- " + persistent + " " + persistent2 + " " + both + " " + control + " " + early,
		"systemctl mask --runtime -- " + runtime + " " + both,
		"systemctl --global mask -- " + global,
		"mkdir -p /usr/local/lib/systemd/system && ln -s /dev/null /usr/local/lib/systemd/system/" + vendor,
		"printf '[Service]\\nExecStart=/bin/true\\n' > /etc/systemd/system/" + shadowed + " && ln -s /dev/null /run/systemd/system/" + shadowed,
		"mkdir -p /etc/systemd/system.control && ln -s /dev/null /etc/systemd/system.control/" + control,
	}, " && ")
	// The provider block is the configuration's; the query file holds the
	// list blocks alone.
	provider := providerBlock(env, h)
	query := fmt.Sprintf(`
list "systemd_unit_mask" "own" {
  provider         = systemd
  include_resource = true
}

list "systemd_unit_mask" "spelled" {
  provider         = systemd
  include_resource = true
  config {
    host = %q
  }
}

list "systemd_unit_mask" "global" {
  provider = systemd
  config {
    scope = "global"
  }
}
`, h.Addr)
	baseline := listTotals{}
	var checks []querycheck.QueryResultCheck
	for _, list := range []string{"systemd_unit_mask.own", "systemd_unit_mask.spelled"} {
		checks = append(checks,
			expectGrowth{baseline, list, 4},
			expectNames{list, prefix, []string{persistent, persistent2, runtime, both}},
		)
		for unit, isRuntime := range map[string]bool{persistent: false, persistent2: false, runtime: true, both: false} {
			checks = append(checks,
				querycheck.ExpectIdentity(list, listIdentity(h, "system", unit)),
				resourceValues(list, listIdentity(h, "system", unit), map[string]knownvalue.Check{
					"id":      knownvalue.StringExact(h.Addr + "/" + unit),
					"name":    knownvalue.StringExact(unit),
					"host":    knownvalue.Null(),
					"runtime": knownvalue.Bool(isRuntime),
					"scope":   knownvalue.StringExact("system"),
					"stop":    knownvalue.Bool(false),
				}))
		}
		for _, unit := range []string{vendor, shadowed, control, early} {
			checks = append(checks, querycheck.ExpectNoIdentity(list, listIdentity(h, "system", unit)))
		}
	}
	checks = append(checks,
		expectGrowth{baseline, "systemd_unit_mask.global", 1},
		expectNames{"systemd_unit_mask.global", prefix, []string{global}},
		querycheck.ExpectIdentity("systemd_unit_mask.global", listIdentity(h, "global", global)),
	)

	resource.Test(t, resource.TestCase{
		TerraformVersionChecks:   listVersionChecks(),
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: provider}, // a configuration to initialise
			{Query: true, Config: query, QueryResultChecks: []querycheck.QueryResultCheck{baseline}},
			{
				PreConfig: func() {
					env.MustRun(t, h, setup)
					// systemd's own view of the premises: it loads each from
					// its mask. systemd 247 and older give the end of the
					// link's chain (/dev/null) as FragmentPath: there
					// LoadState says it.
					for unit, mask := range map[string]string{
						early:   "/run/systemd/generator.early/" + early,
						control: "/etc/systemd/system.control/" + control,
					} {
						prop, want := "FragmentPath", mask
						if env.SystemdVersion != 0 && env.SystemdVersion < 248 {
							prop, want = "LoadState", "masked"
						}
						if got := strings.TrimSpace(env.MustRun(t, h, "systemctl daemon-reload && systemctl show -P "+prop+" -- "+unit)); got != want {
							t.Fatalf("systemd's %s of %s is %q, want %q (the mask %s)", prop, unit, got, want, mask)
						}
					}
				},
				Query:             true,
				Config:            query,
				QueryResultChecks: checks,
			},
		},
	})
}

// A host that is down fails the query, naming it.
func TestAccQuery_unreachableHost(t *testing.T) {
	env := testAccPreCheck(t, 1)
	h := env.Hosts[0]
	proxy := testhosts.StartProxy(t, h)
	proxy.Stop()
	provider := fmt.Sprintf(`
provider "systemd" {
  private_key      = file(%q)
  known_hosts_file = %q
  timeout          = "5s"
}
`, env.KeyFile, env.KnownHostsFor(t, h, proxy))

	resource.ParallelTest(t, resource.TestCase{
		TerraformVersionChecks:   listVersionChecks(),
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: provider},
			{
				Query: true,
				Config: fmt.Sprintf(`
list "systemd_unit_mask" "down" {
  provider = systemd
  config {
    host = %q
  }
}
`, proxy.Addr),
				ExpectError: errorPattern(`Unable to List Unit Masks`, `Listing the masked system units on `+proxy.Addr+` failed`),
			},
		},
	})
}

// generatedImportName finds the resource blocks that `terraform query
// -generate-config-out` wrote.
var generatedImportName = regexp.MustCompile(`(?m)^resource "systemd_unit_mask" "([a-z_0-9]+)" \{`)

// The real CLI, as a user runs it: `terraform query -generate-config-out`
// writes a resource and an import block for every mask found, `terraform
// apply` imports them all and changes nothing on the host (systemd's
// LoadState of each unit, and each of this test's mask files, are as
// before), and the plan after it is empty. On a host of the test's own:
// every mask the host holds is imported, and no other test's may come or go
// meanwhile.
func TestAccQuery_generateConfigAndImport(t *testing.T) {
	testAccPreCheck(t, 1)
	skipUnlessCLI(t, listVersionChecks())
	t.Parallel()
	env := testhosts.BootPrivate(t)
	h := env.Hosts[0]
	prefix := strings.TrimSuffix(testUnitName("gen"), ".service") + "-"
	persistent, runtime, both, global := prefix+"etc.service", prefix+"run.service", prefix+"both.service", prefix+"global.service"
	vendor := prefix + "vendor.service"
	env.MustRun(t, h, strings.Join([]string{
		"systemctl mask -- " + persistent + " " + both,
		"systemctl mask --runtime -- " + runtime + " " + both,
		"systemctl --global mask -- " + global,
		"mkdir -p /usr/local/lib/systemd/system && ln -s /dev/null /usr/local/lib/systemd/system/" + vendor,
	}, " && "))
	files := map[string]string{
		"/etc/systemd/system/" + persistent: "", "/etc/systemd/system/" + both: "", "/run/systemd/system/" + runtime: "",
		"/run/systemd/system/" + both: "", "/etc/systemd/user/" + global: "",
	}
	for f := range files {
		files[f] = maskFileOf(t, env, h, f)
	}

	provider := providerBlock(env, h)
	w := newCLIWorkspace(t, provider)
	w.write("query.tfquery.hcl", `
list "systemd_unit_mask" "own" {
  provider         = systemd
  include_resource = true
}

list "systemd_unit_mask" "global" {
  provider         = systemd
  include_resource = true
  config {
    scope = "global"
  }
}
`)
	out := w.must("query", "-generate-config-out=masks.tf")
	generated, err := os.ReadFile(filepath.Join(w.dir, "masks.tf"))
	if err != nil {
		t.Fatalf("query wrote no masks.tf: %v\n%s", err, out)
	}
	gen := string(generated)
	resources := generatedImportName.FindAllStringSubmatch(gen, -1)
	imports := strings.Count(gen, "\nimport {")
	if len(resources) == 0 || imports != len(resources) {
		t.Fatalf("masks.tf: %d resource blocks, %d import blocks:\n%s", len(resources), imports, gen)
	}
	// Every unit the generated config names, with what systemd says of it.
	units := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^\s*name\s*=\s*"([^"]+)"`).FindAllStringSubmatch(gen, -1) {
		units[m[1]] = true
	}
	for _, want := range []string{persistent, runtime, both, global} {
		if strings.Count(gen, `"`+want+`"`) != 2 { // the resource's name and the identity's
			t.Errorf("masks.tf names %s %d times, want 2 (one resource, one import):\n%s", want, strings.Count(gen, `"`+want+`"`), gen)
		}
	}
	if strings.Contains(gen, vendor) {
		t.Errorf("masks.tf imports the vendor mask %s:\n%s", vendor, gen)
	}
	systemdSays := func() map[string]string {
		says := map[string]string{}
		for u := range units {
			// A template has no LoadState of its own: is-enabled it is.
			if strings.Contains(u, "@.") {
				says[u+" (system)"] = strings.TrimSpace(env.MustRun(t, h, "systemctl is-enabled -- "+u+" || true"))
			} else {
				says[u+" (system)"] = loadState(t, env, h, u)
			}
			says[u+" (global)"] = strings.TrimSpace(env.MustRun(t, h, "systemctl --global is-enabled -- "+u+" || true"))
		}
		return says
	}
	before := systemdSays()

	applied := w.must("apply", "-auto-approve", "-input=false")
	summary := regexp.MustCompile(`Apply complete! Resources: (\d+) imported, 0 added, 0 changed, 0 destroyed`).FindStringSubmatch(applied)
	if summary == nil || summary[1] != fmt.Sprint(len(resources)) {
		t.Fatalf("apply: want %d imported and nothing else:\n%s", len(resources), applied)
	}
	if after := systemdSays(); !reflect.DeepEqual(after, before) {
		t.Errorf("systemd's view changed across the import:\nbefore %v\nafter  %v", before, after)
	}
	for f, was := range files {
		if now := maskFileOf(t, env, h, f); now != was {
			t.Errorf("%s is another file after the import (%s, was %s)", f, now, was)
		}
	}
	w.converges()
	state := w.stateResources()
	if len(state) != len(resources) {
		t.Errorf("state holds %d resources, want %d", len(state), len(resources))
	}
	t.Logf("terraform query found %d masks on %s (%d units, 4 of them this test's), wrote %d import blocks; apply imported %s "+
		"and changed nothing on the host; the plan after it is empty", len(resources), h.Addr, len(units), imports, summary[1])
	// No destroy: the host goes away with the test.
}

// A list of another account's user masks (as root): each result carries
// the account, in its identity and in its user attribute. Before systemd
// 248 the query says why it cannot.
func TestAccQuery_otherAccount(t *testing.T) {
	env := testAccPreCheck(t, 1)
	skipUnlessCLI(t, listVersionChecks())
	h := env.Hosts[0]
	account, unit := env.LingerUser, testUnitName("query-account")
	provider := providerBlock(env, h)
	query := fmt.Sprintf(`
list "systemd_unit_mask" "account" {
  provider         = systemd
  include_resource = true
  config {
    scope = "user"
    user  = %q
  }
}
`, account)
	step := resource.TestStep{Query: true, Config: query,
		ExpectError: errorPattern(fmt.Sprintf("systemd %d on the host cannot reach another account's user manager", env.SystemdVersion))}
	if env.SystemdVersion >= 248 {
		mustRunAs(t, env, h, account, "systemctl --user mask -- "+unit)
		t.Cleanup(func() { _, _, _ = env.RunAs(h, account, "systemctl --user unmask -- "+unit) })
		id := listIdentity(h, "user", unit)
		id["user"] = knownvalue.StringExact(account)
		step = resource.TestStep{Query: true, Config: query, QueryResultChecks: []querycheck.QueryResultCheck{
			querycheck.ExpectIdentity("systemd_unit_mask.account", id),
			resourceValues("systemd_unit_mask.account", id, map[string]knownvalue.Check{
				"id":    knownvalue.StringExact(h.Addr + "/user:" + account + "/" + unit),
				"scope": knownvalue.StringExact("user"),
				"user":  knownvalue.StringExact(account),
			}),
		}}
	}
	resource.ParallelTest(t, resource.TestCase{
		TerraformVersionChecks:   listVersionChecks(),
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps:                    []resource.TestStep{{Config: provider}, step},
	})
}
