package provider

import (
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
)

// What the provider decides at plan time, through the real CLI
// (resource.UnitTest: no TF_ACC, no host, no root): every configuration
// here is refused before anything could reach a host, which is a
// documentation address (192.0.2.0/24) that nothing answers on.

// planProvider is a provider that configures without connecting anywhere.
const planProvider = `
provider "systemd" {
  host                     = "192.0.2.10"
  password                 = "not-used"
  insecure_ignore_host_key = true
}
`

func planOnly(config string, expect ...string) resource.TestStep {
	return resource.TestStep{Config: config, PlanOnly: true, ExpectError: errorPattern(expect...)}
}

func TestPlanTime_unitNames(t *testing.T) {
	names := []string{
		"cron.conf", "; touch /tmp/pwned", "x;touch /tmp/pwned.service", "$(touch /tmp/pwned).service",
		"`touch /tmp/pwned`.service", "../../../tmp/pwned.service", "/tmp/pwned.service", "a\nb.service",
		"a\x00b.service", "a b.service", "it's.service", `"q".service`, "*.service", "cron?.service",
		"a|b.service", "a&b.service", "@.service", strings.Repeat("a", 250) + ".service",
	}
	var steps []resource.TestStep
	for _, name := range names {
		steps = append(steps, planOnly(maskConfig(planProvider, name), `Invalid Unit Name`, `Attribute name must be a systemd unit name`))
	}
	steps = append(steps,
		planOnly(maskConfig(planProvider, "cups"), `no type suffix`, `write it in full`, `"cups.service"`),
		planOnly(planProvider+unitData("u", "cron"), `Invalid Unit Name`, `no type suffix`, `"cron.service"`),
	)
	resource.UnitTest(t, resource.TestCase{ProtoV6ProviderFactories: testAccProtoV6ProviderFactories, Steps: steps})
}

func TestPlanTime_hostsAndConnection(t *testing.T) {
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			planOnly(maskConfig(planProvider, "cups.service", `host = "web1:99999"`), `Invalid Host`, `HOST or HOST:PORT`),
			planOnly(maskConfig(planProvider, "cups.service", `host = "[2001:db8::1"`), `Invalid Host`, `HOST or HOST:PORT`),
			planOnly(maskConfig(planProvider, "cups.service", `scope = "everyone"`), `Attribute scope value must be one of`),
			planOnly(maskConfig(`
provider "systemd" {
  host     = "web1:22"
  password = "not-used"
}
`, "cups.service"), `Invalid Host`, "the provider's `port`"),
			planOnly(maskConfig(`
provider "systemd" {
  host     = "192.0.2.10"
  port     = 0
  password = "not-used"
}
`, "cups.service"), `Attribute port value must be between 1 and 65535`),
			planOnly(maskConfig(`
provider "systemd" {
  host     = "192.0.2.10"
  password = "not-used"
  timeout  = "soon"
}
`, "cups.service"), `Invalid Timeout`),
			planOnly(maskConfig(`
provider "systemd" {
  host     = "192.0.2.10"
  password = "not-used"
  bastion {
    host = "jump:22"
  }
}
`, "cups.service"), `Invalid Bastion Host`, `bastion.port`),
			planOnly(maskConfig(`
provider "systemd" {
  host                     = "192.0.2.10"
  password                 = "not-used"
  host_key                 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHMlDmfbF5kzLTJk6GmmPRNn3QkK7MkXqa4H9Dm2mBv8"
  insecure_ignore_host_key = true
}
`, "cups.service"), `Conflicting Host Key Settings`, `remove one of them`),
			// No host in the resource or the provider: nothing to connect to.
			planOnly(maskConfig(`
provider "systemd" {
  password = "not-used"
}
`, "cups.service"), `No Host to Connect To`),
		},
	})
}

func TestPlanTime_importIDs(t *testing.T) {
	config := maskConfig(planProvider, "cups.service")
	importStep := func(id string, expect ...string) resource.TestStep {
		return resource.TestStep{
			Config: config, ResourceName: maskAddr, ImportState: true, ImportStateId: id,
			ExpectError: errorPattern(expect...),
		}
	}
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			importStep("cups", `Invalid Import ID`, `no type suffix`),
			importStep("web1/nowhere/cups.service", `Invalid Import ID`),
			importStep("web1/system/cups.service/extra", `Invalid Import ID`, `too many '/'`),
			importStep("/system/a b.service", `Invalid Import ID`),
			importStep("web1:99999/cups.service", `Invalid Import ID`),
		},
	})
}

// Another account's user units: user only with the user scope, a name
// that is an account name, and root (a root login or sudo) to reach it.
func TestPlanTime_otherAccount(t *testing.T) {
	asDeploy := `
provider "systemd" {
  host                     = "192.0.2.10"
  user                     = "deploy"
  password                 = "not-used"
  insecure_ignore_host_key = true
}
`
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			planOnly(maskConfig(planProvider, "cups.service", `user = "alice"`), `User Without the User Scope`, `the scope here is "system"`, `Set scope = "user"`),
			planOnly(maskConfig(planProvider, "cups.service", `scope = "global"`, `user = "alice"`), `User Without the User Scope`, `the scope here is "global"`),
			planOnly(maskConfig(planProvider, "cups.service", `scope = "user"`, `user = "alice@host"`), `Invalid Account Name`, `Attribute user must name an account`, `contains '@'`),
			planOnly(maskConfig(planProvider, "cups.service", `scope = "user"`, `user = "-rf"`), `Invalid Account Name`, `begins with '-'`),
			planOnly(maskConfig(asDeploy, "cups.service", `scope = "user"`, `user = "alice"`), `Another Account's Units Need Root`,
				`names another account than the login user "deploy"`, `log in as root, or set sudo = true`),
		},
	})
}
