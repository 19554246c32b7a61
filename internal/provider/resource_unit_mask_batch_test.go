package provider

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/systemd-tf/terraform-provider-systemd/internal/testhosts"
)

// counter reads a count from the host: sessions sshd started, or PID 1's
// reloads. A private host has no other test's commands in it.
func counter(t *testing.T, env testhosts.Env, h testhosts.Host, command string) int {
	t.Helper()
	n, err := strconv.Atoi(strings.TrimSpace(env.MustRun(t, h, command)))
	if err != nil {
		t.Fatalf("%s: %v", command, err)
	}
	return n
}

const (
	countSessions = `journalctl --sync; journalctl -t sshd -t sshd-session -o cat | grep -c '^Starting session: command' || true`
	countReloads  = `journalctl _PID=1 -o cat | grep -c '^Reloading' || true`
)

// Concurrent masks on one host go out together, a unit-file conflict fails
// its own unit only, and the manager is reloaded only when a touched unit is
// loaded: a unit that is not loaded is refused by systemd right away, a
// loaded one is masked in the manager after the apply, and unmasked after
// the destroy. On a private host, so that its journal counts only this
// test's sessions and reloads.
func TestAccUnitMask_batchesOnOneHost(t *testing.T) {
	testhosts.SkipUnlessAcc(t)
	env := testhosts.BootPrivate(t)
	h := env.Hosts[0]
	const n = 8
	units := make([]string, n)
	for i := range units {
		units[i] = fmt.Sprintf("tfacc-batch-%d.service", i)
	}
	conflict := units[3]
	env.MustRun(t, h, "printf '[Service]\\nExecStart=/bin/true\\n' > /etc/systemd/system/"+conflict)
	// A vendor unit that nothing has loaded, and one that runs.
	env.MustRun(t, h, `printf '[Service]\nExecStart=/bin/sleep infinity\n' > /lib/systemd/system/tfacc-idle.service
printf '[Service]\nExecStart=/bin/sleep infinity\n' > /lib/systemd/system/tfacc-running.service
systemctl daemon-reload && systemctl start tfacc-running.service`)

	config := func(names ...string) string {
		return providerBlock(env, h) + fmt.Sprintf(`
resource "systemd_unit_mask" "test" {
  count = %d
  name  = %s[count.index]
}
`, len(names), hclList(names))
	}
	var sessions, reloads int
	mark := func() {
		sessions, reloads = counter(t, env, h, countSessions), counter(t, env, h, countReloads)
	}
	loadState := func(unit, want string) resource.TestCheckFunc {
		return func(*terraform.State) error {
			if got := strings.TrimSpace(env.MustRun(t, h, "systemctl show -P LoadState -- "+unit)); got != want {
				return fmt.Errorf("LoadState of %s = %q, want %q", unit, got, want)
			}
			return nil
		}
	}
	withIdle := append(append([]string{}, units...), "tfacc-idle.service")
	all := append(append([]string{}, withIdle...), "tfacc-running.service")

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy: resource.ComposeAggregateTestCheckFunc(
			checkHostMask(env, h, units[0], false, false),
			checkHostMask(env, h, "tfacc-running.service", false, false),
			// Unmasked in the manager too: the destroy reloaded it.
			loadState("tfacc-running.service", "loaded"),
		),
		Steps: []resource.TestStep{
			{
				PreConfig:   mark,
				Config:      config(withIdle...),
				ExpectError: errorPattern(`Unable to Mask Unit`, "/etc/systemd/system/"+conflict, `is a real unit file, not a mask`),
			},
			{
				// The conflict failed alone: every other mask is on the host and
				// in state, so only the conflicting one is left to create.
				PreConfig: func() {
					// Counting is a session too: one for each count since mark.
					if got := counter(t, env, h, countSessions) - sessions - 2; got >= len(withIdle) {
						t.Errorf("%d SSH sessions for %d masks: they were not batched", got, len(withIdle))
					} else {
						t.Logf("%d masks in %d SSH sessions", len(withIdle), got)
					}
					for i, u := range withIdle {
						want := "/dev/null"
						if u == conflict {
							want = "file"
						}
						if p, _, err := hostLayers(env, h, u); err != nil || p != want {
							t.Errorf("%s (%d) holds %q (%v) after the failed apply, want %q", u, i, p, err, want)
						}
					}
					if got := counter(t, env, h, countReloads); got != reloads {
						t.Errorf("%d daemon-reloads for units that are not loaded, want none", got-reloads)
					}
					if _, stderr, err := env.Run(h, "systemctl start tfacc-idle.service"); err == nil || !strings.Contains(stderr, "is masked") {
						t.Errorf("systemctl start of the masked, never loaded unit: %v %q", err, stderr)
					}
					env.MustRun(t, h, "rm /etc/systemd/system/"+conflict)
				},
				Config: config(withIdle...),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(fmt.Sprintf("%s[3]", maskAddr), plancheck.ResourceActionCreate),
						plancheck.ExpectResourceAction(fmt.Sprintf("%s[0]", maskAddr), plancheck.ResourceActionNoop),
						plancheck.ExpectResourceAction(fmt.Sprintf("%s[%d]", maskAddr, n), plancheck.ResourceActionNoop),
					},
				},
				Check: checkHostMask(env, h, conflict, true, false),
			},
			{
				// A loaded unit: the mask reaches the manager at once.
				PreConfig: mark,
				Config:    config(all...),
				Check: resource.ComposeAggregateTestCheckFunc(
					checkHostMask(env, h, "tfacc-running.service", true, false),
					loadState("tfacc-running.service", "masked"),
					func(*terraform.State) error {
						if counter(t, env, h, countReloads) == reloads {
							return fmt.Errorf("no daemon-reload after masking a loaded unit")
						}
						return nil
					},
				),
			},
		},
	})
}
