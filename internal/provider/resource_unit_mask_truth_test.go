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
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/systemd-tf/terraform-provider-systemd/internal/testhosts"
)

// loadState is systemd's own answer: the unit's LoadState in the manager.
func loadState(t *testing.T, env testhosts.Env, h testhosts.Host, name string) string {
	t.Helper()
	return strings.TrimSpace(env.MustRun(t, h, "systemctl show -P LoadState -- "+name))
}

// write replaces a file of the workspace (main.tf, or one of a module).
func (w *cliWorkspace) write(rel, content string) {
	w.t.Helper()
	p := filepath.Join(w.dir, rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		w.t.Fatal(err)
	}
	if rel == "main.tf" {
		content = "\nterraform {\n  required_providers {\n    systemd = { source = \"systemd-tf/systemd\" }\n  }\n}\n" + content
	}
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		w.t.Fatal(err)
	}
}

// A refactor without a moved block — a rename, a for_each key change, a
// move into a module — destroys one address and creates another for the
// same unit in one apply. Whatever order Terraform sends them in, and at
// -parallelism=1 too, the apply succeeds and systemd has the unit masked
// afterwards; the plan after it is empty.
func TestAccUnitMask_refactorKeepsMask(t *testing.T) {
	env := testAccPreCheck(t, 1)
	t.Parallel() // its units are its own
	h := env.Hosts[0]
	provider := providerBlock(env, h)
	mask := func(label, name string) string {
		return fmt.Sprintf("resource \"systemd_unit_mask\" %q {\n  name = %s\n}\n", label, hclString(name))
	}
	for _, parallelism := range []string{"-parallelism=1", "-parallelism=10"} {
		t.Run(parallelism, func(t *testing.T) {
			units := []string{testUnitName("refactor"), testUnitName("refactor"), testUnitName("refactor")}
			t.Cleanup(func() {
				_, _, _ = env.Run(h, "systemctl unmask -- "+strings.Join(units, " "))
			})
			before := provider + mask("a", units[0]) +
				fmt.Sprintf("resource \"systemd_unit_mask\" \"each\" {\n  for_each = { old = %s }\n  name = each.value\n}\n", hclString(units[1])) +
				mask("inner", units[2])
			after := provider + mask("b", units[0]) +
				fmt.Sprintf("resource \"systemd_unit_mask\" \"each\" {\n  for_each = { new = %s }\n  name = each.value\n}\n", hclString(units[1])) +
				"module \"m\" {\n  source = \"./m\"\n}\n"
			module := "terraform {\n  required_providers {\n    systemd = { source = \"systemd-tf/systemd\" }\n  }\n}\n" + mask("inner", units[2])

			w := newCLIWorkspace(t, before)
			w.write("m/main.tf", module)
			w.must("get") // local modules only: dev_overrides needs no init
			w.must("apply", "-auto-approve", "-input=false", parallelism)
			for _, u := range units {
				if got := loadState(t, env, h, u); got != "masked" {
					t.Fatalf("%s after the first apply: LoadState %s", u, got)
				}
			}
			w.write("main.tf", after)
			w.must("get") // local modules only: dev_overrides needs no init
			out := w.must("apply", "-auto-approve", "-input=false", parallelism)
			for _, u := range units {
				if got := loadState(t, env, h, u); got != "masked" {
					t.Errorf("%s after the refactor: LoadState %s, want masked\n%s", u, got, out)
				}
			}
			if n := strings.Count(out, "3 added, 0 changed, 3 destroyed"); n != 1 {
				t.Errorf("the refactor did not destroy 3 and create 3:\n%s", out)
			}
			t.Logf("%s: %d of 3 destroys came after their create and left the mask (warning)", parallelism, strings.Count(out, "Mask Left in Place"))
			w.converges()
			w.must("destroy", "-auto-approve", "-input=false", parallelism)
			for _, u := range units {
				if got := loadState(t, env, h, u); got == "masked" {
					t.Errorf("%s after destroy: still masked", u)
				}
			}
		})
	}
}

// A runtime mask under a unit file in /etc masks nothing (/etc is read
// first): the apply refuses it naming the file and the fix, leaves /run
// empty, and systemd still loads the unit; a /run link put there by hand
// is reported as shadowed, not masked, and cannot be imported.
func TestAccUnitMask_runtimeUnderUnitFile(t *testing.T) {
	env := testAccPreCheck(t, 1)
	h := env.Hosts[0]
	name := testUnitName("shadowed")
	env.MustRun(t, h, "printf '[Service]\\nExecStart=/bin/true\\n' > /etc/systemd/system/"+name+" && systemctl daemon-reload")
	t.Cleanup(func() {
		_, _, _ = env.Run(h, "rm -f /etc/systemd/system/"+name+" /run/systemd/system/"+name+"; systemctl daemon-reload")
	})
	config := providerBlock(env, h) + fmt.Sprintf("resource \"systemd_unit_mask\" \"m\" {\n  name    = %s\n  runtime = true\n}\n", hclString(name))
	dataConfig := providerBlock(env, h) + unitData("u", name)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      config,
				ExpectError: regexp.MustCompile(`(?s)would\s+have\s+no\s+effect.*/etc/systemd/system/` + regexp.QuoteMeta(name) + `.*runtime\s+=\s+false`),
			},
			{
				PreConfig: func() {
					if out := env.MustRun(t, h, "test -e /run/systemd/system/"+name+" && echo there || echo none"); strings.TrimSpace(out) != "none" {
						t.Errorf("the refused runtime mask left %s", "/run/systemd/system/"+name)
					}
					if got := loadState(t, env, h, name); got != "loaded" {
						t.Errorf("LoadState %s after the refusal, want loaded", got)
					}
					env.MustRun(t, h, "ln -s /dev/null /run/systemd/system/"+name+" && systemctl daemon-reload")
					if got := loadState(t, env, h, name); got != "loaded" {
						t.Errorf("systemd: LoadState %s with the shadowed /run link, want loaded", got)
					}
				},
				Config: dataConfig,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.systemd_unit.u", tfjsonpath.New("masked"), knownvalue.Bool(false)),
					statecheck.ExpectKnownValue("data.systemd_unit.u", tfjsonpath.New("load_state"), knownvalue.StringExact("loaded")),
					statecheck.ExpectKnownValue("data.systemd_unit.u", tfjsonpath.New("mask_path"), knownvalue.Null()),
					statecheck.ExpectKnownValue("data.systemd_unit.u", tfjsonpath.New("shadowed_masks"),
						knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact("/run/systemd/system/" + name)})),
				},
			},
			{
				Config:        config,
				ResourceName:  "systemd_unit_mask.m",
				ImportState:   true,
				ImportStateId: name,
				ExpectError:   regexp.MustCompile(`Cannot Import Unit Mask`),
			},
		},
	})
}
