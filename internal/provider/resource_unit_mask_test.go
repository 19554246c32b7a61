package provider

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
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

const maskAddr = "systemd_unit_mask.test"

func maskConfig(provider, name string, attrs ...string) string {
	return provider + fmt.Sprintf(`
resource "systemd_unit_mask" "test" {
  name = %s
%s}
`, hclString(name), indent(attrs))
}

// hostLayers reads, independently of the provider, what each layer holds:
// "/dev/null" for a mask link, "none", or "file".
func hostLayers(env testhosts.Env, h testhosts.Host, unit string) (persistent, runtime string, err error) {
	out, stderr, err := env.Run(h, fmt.Sprintf(`for p in /etc/systemd/system/%[1]s /run/systemd/system/%[1]s; do
if [ -L "$p" ]; then readlink "$p"; elif [ -e "$p" ]; then echo file; else echo none; fi; done`, unit))
	if err != nil {
		return "", "", fmt.Errorf("%v: %s", err, stderr)
	}
	f := strings.Fields(out)
	if len(f) != 2 {
		return "", "", fmt.Errorf("unexpected answer %q", out)
	}
	return f[0], f[1], nil
}

// checkHostMask asserts the host's layers: which of them hold a /dev/null link.
func checkHostMask(env testhosts.Env, h testhosts.Host, unit string, persistent, runtime bool) resource.TestCheckFunc {
	return func(*terraform.State) error {
		p, r, err := hostLayers(env, h, unit)
		if err != nil {
			return err
		}
		want := func(b bool) string {
			if b {
				return "/dev/null"
			}
			return "none"
		}
		if p != want(persistent) || r != want(runtime) {
			return fmt.Errorf("on %s, %s: /etc holds %s and /run holds %s; want %s and %s", h.Addr, unit, p, r, want(persistent), want(runtime))
		}
		return nil
	}
}

// checkStartRefused asserts that systemd itself refuses to start the unit.
func checkStartRefused(env testhosts.Env, h testhosts.Host, unit string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		_, stderr, err := env.Run(h, "systemctl start -- "+unit)
		if err == nil || !strings.Contains(stderr, "is masked") {
			return fmt.Errorf("systemctl start %s on %s: err=%v stderr=%q; want a refusal saying it is masked", unit, h.Addr, err, stderr)
		}
		return nil
	}
}

func checkIsEnabled(env testhosts.Env, h testhosts.Host, unit, want string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		out, _, _ := env.Run(h, "systemctl is-enabled -- "+unit)
		if got := strings.TrimSpace(out); got != want {
			return fmt.Errorf("systemctl is-enabled %s on %s = %q, want %q", unit, h.Addr, got, want)
		}
		return nil
	}
}

// errorPattern matches the given fragments in order, across the line breaks
// Terraform puts into wrapped diagnostics.
func errorPattern(fragments ...string) *regexp.Regexp {
	quoted := make([]string, len(fragments))
	for i, f := range fragments {
		quoted[i] = strings.Join(strings.Fields(regexp.QuoteMeta(f)), `\s+`)
	}
	return regexp.MustCompile(`(?s)` + strings.Join(quoted, `.*`))
}

func runOn(t *testing.T, env testhosts.Env, h testhosts.Host, command string) func() {
	return func() { env.MustRun(t, h, command) }
}

// Persistent mask: create, no-op plan, import by NAME, toggle to runtime in
// place, destroy leaving other masks alone.
func TestAccUnitMask_persistentLifecycle(t *testing.T) {
	env := testAccPreCheck(t, 1)
	h := env.Hosts[0]
	unit, bystander := testUnitName("persist"), testUnitName("bystander")
	env.MustRun(t, h, "systemctl mask -- "+bystander)
	t.Cleanup(func() { _, _, _ = env.Run(h, "systemctl unmask -- "+bystander) })
	provider := providerBlock(env, h)

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy: resource.ComposeAggregateTestCheckFunc(
			checkHostMask(env, h, unit, false, false),
			checkHostMask(env, h, bystander, true, false),
		),
		Steps: []resource.TestStep{
			{
				Config: maskConfig(provider, unit),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(maskAddr, tfjsonpath.New("id"), knownvalue.StringExact(h.Addr+"/"+unit)),
					statecheck.ExpectKnownValue(maskAddr, tfjsonpath.New("runtime"), knownvalue.Bool(false)),
					statecheck.ExpectKnownValue(maskAddr, tfjsonpath.New("host"), knownvalue.Null()),
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					checkHostMask(env, h, unit, true, false),
					checkIsEnabled(env, h, unit, "masked"),
					checkStartRefused(env, h, unit),
				),
			},
			{
				Config: maskConfig(provider, unit),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
			{
				ResourceName:      maskAddr,
				ImportState:       true,
				ImportStateId:     unit,
				ImportStateVerify: true,
			},
			{
				Config: maskConfig(provider, unit, "runtime = true"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(maskAddr, plancheck.ResourceActionUpdate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(maskAddr, tfjsonpath.New("runtime"), knownvalue.Bool(true)),
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					checkHostMask(env, h, unit, false, true),
					checkIsEnabled(env, h, unit, "masked-runtime"),
					checkStartRefused(env, h, unit),
				),
			},
		},
	})
}

// Runtime mask on a host named by the resource: create, import through an
// import block with HOST:PORT/NAME, toggle back to persistent.
func TestAccUnitMask_runtimeWithResourceHost(t *testing.T) {
	env := testAccPreCheck(t, 2)
	h := env.Hosts[1]
	unit := testUnitName("runtime")
	// The provider's own host is another one: the resource's host wins.
	provider := providerBlock(env, env.Hosts[0])
	hostAttr := "host = " + hclString(h.Addr)

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkHostMask(env, h, unit, false, false),
		Steps: []resource.TestStep{
			{
				Config: maskConfig(provider, unit, "runtime = true", hostAttr),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(maskAddr, tfjsonpath.New("id"), knownvalue.StringExact(h.Addr+"/"+unit)),
					statecheck.ExpectKnownValue(maskAddr, tfjsonpath.New("host"), knownvalue.StringExact(h.Addr)),
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					checkHostMask(env, h, unit, false, true),
					checkHostMask(env, env.Hosts[0], unit, false, false),
					checkIsEnabled(env, h, unit, "masked-runtime"),
					checkStartRefused(env, h, unit),
				),
			},
			{
				Config:          maskConfig(provider, unit, "runtime = true", hostAttr),
				ResourceName:    maskAddr,
				ImportState:     true,
				ImportStateKind: resource.ImportBlockWithID,
				ImportStateId:   h.Addr + "/" + unit,
				// The harness insists on a no-op import plan: the imported
				// state equals the config. The values are checked too.
				ImportPlanChecks: resource.ImportPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectKnownValue(maskAddr, tfjsonpath.New("id"), knownvalue.StringExact(h.Addr+"/"+unit)),
						plancheck.ExpectKnownValue(maskAddr, tfjsonpath.New("runtime"), knownvalue.Bool(true)),
						plancheck.ExpectKnownValue(maskAddr, tfjsonpath.New("host"), knownvalue.StringExact(h.Addr)),
					},
				},
			},
			{
				Config:            maskConfig(provider, unit, "runtime = true", hostAttr),
				ResourceName:      maskAddr,
				ImportState:       true,
				ImportStateId:     h.Addr + "/" + unit,
				ImportStateVerify: true,
			},
			{
				Config: maskConfig(provider, unit, "runtime = false", hostAttr),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(maskAddr, plancheck.ResourceActionUpdate)},
				},
				Check: checkHostMask(env, h, unit, true, false),
			},
		},
	})
}

// Drift: a mask removed behind Terraform's back is planned again; a mask
// moved to the other layer is planned back; a second mask in the other
// layer is no drift, and destroy leaves it in place.
func TestAccUnitMask_drift(t *testing.T) {
	env := testAccPreCheck(t, 1)
	h := env.Hosts[0]
	unit := testUnitName("drift")
	config := maskConfig(providerBlock(env, h), unit)
	t.Cleanup(func() { _, _, _ = env.Run(h, "systemctl unmask --runtime -- "+unit) })

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		// Destroy removed the managed persistent mask only.
		CheckDestroy: checkHostMask(env, h, unit, false, true),
		Steps: []resource.TestStep{
			{
				Config: config,
				Check:  checkHostMask(env, h, unit, true, false),
			},
			{
				PreConfig: runOn(t, env, h, "systemctl unmask -- "+unit),
				Config:    config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(maskAddr, plancheck.ResourceActionCreate)},
				},
				Check: checkHostMask(env, h, unit, true, false),
			},
			{
				PreConfig: runOn(t, env, h, "systemctl unmask -- "+unit+" && systemctl mask --runtime -- "+unit),
				Config:    config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(maskAddr, plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue(maskAddr, tfjsonpath.New("runtime"), knownvalue.Bool(false)),
					},
				},
				Check: checkHostMask(env, h, unit, true, false),
			},
			{
				PreConfig: runOn(t, env, h, "systemctl mask --runtime -- "+unit),
				Config:    config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: checkHostMask(env, h, unit, true, true),
			},
		},
	})
}

// One provider block serves many hosts, each resource naming its own. (The
// test uses count: terraform-plugin-testing's state shim cannot read
// for_each keys; examples/fleet does the same with for_each, and `make demo`
// applies it on booted hosts.)
func TestAccUnitMask_manyHosts(t *testing.T) {
	env := testAccPreCheck(t, 3)
	unit := testUnitName("fleet")
	var hosts []string
	for _, h := range env.Hosts[:3] {
		hosts = append(hosts, h.Addr)
	}
	config := fmt.Sprintf(`
provider "systemd" {
  private_key      = file(%q)
  known_hosts_file = %q
}

locals {
  hosts = %s
}

resource "systemd_unit_mask" "fleet" {
  count = length(local.hosts)
  host  = local.hosts[count.index]
  name  = %q
}
`, env.KeyFile, env.KnownHostsFile, hclList(hosts), unit)

	var (
		stateChecks          []statecheck.StateCheck
		checks, destroyCheck []resource.TestCheckFunc
	)
	for i, h := range env.Hosts[:3] {
		addr := fmt.Sprintf("systemd_unit_mask.fleet[%d]", i)
		stateChecks = append(stateChecks, statecheck.ExpectKnownValue(addr, tfjsonpath.New("id"), knownvalue.StringExact(h.Addr+"/"+unit)))
		checks = append(checks, checkHostMask(env, h, unit, true, false))
		destroyCheck = append(destroyCheck, checkHostMask(env, h, unit, false, false))
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             resource.ComposeAggregateTestCheckFunc(destroyCheck...),
		Steps: []resource.TestStep{
			{Config: config, ConfigStateChecks: stateChecks, Check: resource.ComposeAggregateTestCheckFunc(checks...)},
		},
	})
}

// When the provider's target moves under a resource that names no host, the
// plan replaces the mask: the old host is unmasked, not forgotten.
func TestAccUnitMask_providerTargetChangeReplaces(t *testing.T) {
	env := testAccPreCheck(t, 2)
	h1, h2 := env.Hosts[0], env.Hosts[1]
	unit := testUnitName("move")

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkHostMask(env, h2, unit, false, false),
		Steps: []resource.TestStep{
			{
				Config: maskConfig(providerBlock(env, h1), unit),
				Check:  checkHostMask(env, h1, unit, true, false),
			},
			{
				Config: maskConfig(providerBlock(env, h2), unit),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(maskAddr, plancheck.ResourceActionDestroyBeforeCreate)},
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					checkHostMask(env, h1, unit, false, false),
					checkHostMask(env, h2, unit, true, false),
					resource.TestCheckResourceAttr(maskAddr, "id", h2.Addr+"/"+unit),
				),
			},
		},
	})
}

// A host written another way for the same address — the provider's host
// named outright, then with the provider's port — is an update in place that
// leaves the mask file alone; another address replaces the resource.
func TestAccUnitMask_hostRespelledInPlace(t *testing.T) {
	env := testAccPreCheck(t, 2)
	h1, h2 := env.Hosts[0], env.Hosts[1]
	unit := testUnitName("respell")
	provider := providerBlock(env, h1)
	file := "/etc/systemd/system/" + unit
	var was string
	record := func(*terraform.State) error {
		was = maskFileOf(t, env, h1, file)
		return nil
	}
	inPlace := func(host string) resource.TestStep {
		return resource.TestStep{
			Config: maskConfig(provider, unit, "host = "+hclString(host)),
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(maskAddr, plancheck.ResourceActionUpdate)},
			},
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(maskAddr, tfjsonpath.New("host"), knownvalue.StringExact(host)),
				statecheck.ExpectKnownValue(maskAddr, tfjsonpath.New("id"), knownvalue.StringExact(h1.Addr+"/"+unit)),
			},
			Check: resource.ComposeAggregateTestCheckFunc(
				checkHostMask(env, h1, unit, true, false),
				checkSameMaskFile(t, env, h1, file, &was),
			),
		}
	}

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy: resource.ComposeAggregateTestCheckFunc(
			checkHostMask(env, h1, unit, false, false),
			checkHostMask(env, h2, unit, false, false),
		),
		Steps: []resource.TestStep{
			{
				Config: maskConfig(provider, unit),
				Check:  resource.ComposeAggregateTestCheckFunc(checkHostMask(env, h1, unit, true, false), record),
			},
			inPlace(h1.IP),   // the provider's host named outright
			inPlace(h1.Addr), // with the provider's port
			{
				Config: maskConfig(provider, unit),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(maskAddr, plancheck.ResourceActionUpdate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(maskAddr, tfjsonpath.New("host"), knownvalue.Null()),
				},
				Check: checkSameMaskFile(t, env, h1, file, &was),
			},
			{
				Config: maskConfig(provider, unit, "host = "+hclString(h2.Addr)),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(maskAddr, plancheck.ResourceActionDestroyBeforeCreate)},
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					checkHostMask(env, h1, unit, false, false),
					checkHostMask(env, h2, unit, true, false),
				),
			},
		},
	})
}

// Non-root users: deploy through passwordless sudo, operator through sudo
// with a password on stdin; operator without the password gets a clear error.
func TestAccUnitMask_sudo(t *testing.T) {
	env := testAccPreCheck(t, 1)
	h := env.Hosts[0]
	deployUnit, operatorUnit, refusedUnit := testUnitName("deploy"), testUnitName("operator"), testUnitName("refused")
	deploy := providerBlock(env, h, `user = "deploy"`, `sudo = true`)
	operator := providerBlock(env, h, `user = "operator"`, "sudo_password = "+hclString(env.OperatorPassword))

	t.Run("deploy", func(t *testing.T) {
		resource.ParallelTest(t, resource.TestCase{
			ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
			CheckDestroy:             checkHostMask(env, h, deployUnit, false, false),
			Steps: []resource.TestStep{{
				Config: maskConfig(deploy, deployUnit),
				Check:  checkHostMask(env, h, deployUnit, true, false),
			}},
		})
	})
	t.Run("operator", func(t *testing.T) {
		resource.ParallelTest(t, resource.TestCase{
			ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
			CheckDestroy:             checkHostMask(env, h, operatorUnit, false, false),
			Steps: []resource.TestStep{{
				Config: maskConfig(operator, operatorUnit, "runtime = true"),
				Check:  checkHostMask(env, h, operatorUnit, false, true),
			}},
		})
	})
	// sysop's only sudo right is systemctl: a rule for systemctl alone
	// masks, moves the mask between layers, and unmasks.
	t.Run("sysop", func(t *testing.T) {
		if env.SysopUser == "" {
			t.Fatal("the harness exports no TESTHOSTS_SYSOP_USER")
		}
		sysopUnit := testUnitName("sysop")
		sysop := providerBlock(env, h, "user = "+hclString(env.SysopUser), `sudo = true`)
		masked := func() error {
			if got := loadState(t, env, h, sysopUnit); got != "masked" {
				return fmt.Errorf("systemd: LoadState %s, want masked", got)
			}
			return nil
		}
		resource.ParallelTest(t, resource.TestCase{
			ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
			CheckDestroy:             checkHostMask(env, h, sysopUnit, false, false),
			Steps: []resource.TestStep{
				{
					Config: maskConfig(sysop, sysopUnit),
					Check:  resource.ComposeTestCheckFunc(checkHostMask(env, h, sysopUnit, true, false), func(*terraform.State) error { return masked() }),
				},
				{
					Config: maskConfig(sysop, sysopUnit, "runtime = true"),
					Check:  resource.ComposeTestCheckFunc(checkHostMask(env, h, sysopUnit, false, true), func(*terraform.State) error { return masked() }),
				},
			},
		})
		if out := mustRunAs(t, env, h, env.SysopUser, "sudo -n true 2>&1 || echo refused"); !strings.Contains(out, "refused") {
			t.Errorf("sysop may sudo more than systemctl: %q", out)
		}
	})
	t.Run("operator without password", func(t *testing.T) {
		resource.ParallelTest(t, resource.TestCase{
			ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
			Steps: []resource.TestStep{{
				Config:      maskConfig(providerBlock(env, h, `user = "operator"`, `sudo = true`), refusedUnit),
				ExpectError: errorPattern(`sudo needs a password for "operator"`, "sudo_password"),
				Check:       checkHostMask(env, h, refusedUnit, false, false),
			}},
		})
	})
	t.Run("operator with a wrong password", func(t *testing.T) {
		resource.ParallelTest(t, resource.TestCase{
			ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
			Steps: []resource.TestStep{{
				Config:      maskConfig(providerBlock(env, h, `user = "operator"`, `sudo_password = "not-the-password"`), refusedUnit),
				ExpectError: errorPattern(`sudo rejected the sudo password`, "`sudo_password`"),
				Check:       checkHostMask(env, h, refusedUnit, false, false),
			}},
		})
	})
}

// Host keys: a host missing from known_hosts and a host whose key changed
// are refused, with the fix (or both fingerprints) in the error.
func TestAccUnitMask_hostKeys(t *testing.T) {
	env := testAccPreCheck(t, 1)
	h := env.Hosts[0]
	unit := testUnitName("hostkey")
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty_known_hosts")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	// A known_hosts that lists another ed25519 key for the host: a changed key.
	changed := filepath.Join(dir, "changed_known_hosts")
	other := strings.Fields(testhostsPublicKey(t, env))
	line := fmt.Sprintf("[%s]:%d %s %s\n", h.IP, h.Port, other[0], other[1])
	if err := os.WriteFile(changed, []byte(line), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := func(knownHosts string) string {
		return maskConfig(providerBlockWith(h, env.KeyFile, knownHosts), unit)
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      cfg(empty),
				ExpectError: errorPattern(`host key of 127.0.0.1:`, `is unknown`, `ssh-keyscan`),
			},
			{
				Config:      cfg(changed),
				ExpectError: errorPattern(`host key of 127.0.0.1:`, `has CHANGED`, `SHA256:`, `SHA256:`),
				Check:       checkHostMask(env, h, unit, false, false),
			},
		},
	})
}

// testhostsPublicKey is an ed25519 public key that is not the host's: the
// test client's own.
func testhostsPublicKey(t *testing.T, env testhosts.Env) string {
	t.Helper()
	b, err := os.ReadFile(env.KeyFile + ".pub")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// A real unit file where the mask would go: a clear error, nothing changed
// on the host, nothing in state (the next plan still creates the mask).
func TestAccUnitMask_unitFileConflict(t *testing.T) {
	env := testAccPreCheck(t, 1)
	h := env.Hosts[0]
	unit := testUnitName("conflict")
	file := "/etc/systemd/system/" + unit
	env.MustRun(t, h, fmt.Sprintf("printf '[Service]\\nExecStart=/bin/true\\n' > %s", file))
	t.Cleanup(func() { _, _, _ = env.Run(h, "rm -f "+file) })
	config := maskConfig(providerBlock(env, h), unit)

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkHostMask(env, h, unit, false, false),
		Steps: []resource.TestStep{
			{
				Config:      config,
				ExpectError: errorPattern(`Unable to Mask Unit`, `is a real unit file, not a mask`, `Nothing was changed on the host`),
			},
			{
				// Still the administrator's file, untouched; then it goes away
				// and the plan creates the mask: nothing had reached state.
				PreConfig: func() {
					if got := env.MustRun(t, h, "cat "+file); got != "[Service]\nExecStart=/bin/true\n" {
						t.Errorf("the unit file changed: %q", got)
					}
					env.MustRun(t, h, "rm "+file)
				},
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(maskAddr, plancheck.ResourceActionCreate)},
				},
				Check: checkHostMask(env, h, unit, true, false),
			},
		},
	})
}

// Importing a unit that is not masked is an error, not an empty resource.
func TestAccUnitMask_importNotMasked(t *testing.T) {
	env := testAccPreCheck(t, 1)
	h := env.Hosts[0]
	unit := testUnitName("nomask")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config:        maskConfig(providerBlock(env, h), unit),
			ResourceName:  maskAddr,
			ImportState:   true,
			ImportStateId: unit,
			ExpectError:   errorPattern(`Cannot Import Unit Mask`, `is not masked on 127.0.0.1`),
		}},
	})
}

// Hostile and invalid names are refused at plan time, naming the attribute,
// and nothing reaches the host.
func TestAccUnitMask_invalidNames(t *testing.T) {
	env := testAccPreCheck(t, 1)
	h := env.Hosts[0]
	// Other tests' units (tfacc-*) come and go meanwhile; everything else in
	// the unit directories must stay as it was, and no name may have run a
	// command (they would all create something called pwned).
	listing := "ls -A /etc/systemd/system /run/systemd/system | grep -v '^tfacc-'; find / -xdev -name '*pwned*' 2>/dev/null"
	before := env.MustRun(t, h, listing)
	names := []string{
		"cups", "cron.conf", "; touch /tmp/pwned", "x;touch /tmp/pwned.service", "$(touch /tmp/pwned).service",
		"`touch /tmp/pwned`.service", "../../../tmp/pwned.service", "/tmp/pwned.service", "a\nb.service",
		"a\x00b.service", "a b.service", "it's.service", `"q".service`, "*.service", "cron?.service",
		"a|b.service", "a&b.service", "@.service", strings.Repeat("a", 250) + ".service",
	}
	var steps []resource.TestStep
	for _, name := range names {
		steps = append(steps, resource.TestStep{
			Config:      maskConfig(providerBlock(env, h), name),
			PlanOnly:    true,
			ExpectError: errorPattern(`Invalid Unit Name`, `Attribute name must be a systemd unit name`),
		})
	}
	steps = append(steps, resource.TestStep{
		Config:      maskConfig(providerBlock(env, h), "cups"),
		PlanOnly:    true,
		ExpectError: errorPattern(`no type suffix`, `write it in full`, `"cups.service"`),
	})
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps:                    steps,
	})
	if after := env.MustRun(t, h, listing); after != before {
		t.Errorf("the host's unit directories changed, or a name ran a command:\nbefore: %s\nafter:  %s", before, after)
	}
}

// A host that cannot be reached: the refresh fails naming it, and the state
// keeps the mask (a host that is down has not lost its masks). The host is
// reached through a local proxy, so stopping the proxy cuts only this test.
func TestAccUnitMask_unreachableHostKeepsState(t *testing.T) {
	env := testAccPreCheck(t, 1)
	h := env.Hosts[0]
	proxy := testhosts.StartProxy(t, h)
	unit := testUnitName("unreachable")
	config := maskConfig(fmt.Sprintf(`
provider "systemd" {
  private_key      = file(%q)
  known_hosts_file = %q
  timeout          = "10s"
}
`, env.KeyFile, env.KnownHostsFor(t, h, proxy)), unit, "host = "+hclString(proxy.Addr))

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkHostMask(env, h, unit, false, false),
		Steps: []resource.TestStep{
			{
				Config: config,
				Check:  checkHostMask(env, h, unit, true, false),
			},
			{
				PreConfig:   proxy.Stop,
				Config:      config,
				ExpectError: errorPattern(`Unable to Read Unit Mask`, proxy.Addr, `cannot connect`),
			},
			{
				// Reachable again: the mask is still in state, nothing to do.
				PreConfig: func() { proxy.Restart(t) },
				Config:    config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: checkHostMask(env, h, unit, true, false),
			},
		},
	})
}
