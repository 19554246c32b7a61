package provider

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"

	"github.com/systemd-tf/terraform-provider-systemd/internal/testhosts"
)

// Faults in the middle of real applies. After each: what state holds is
// exactly what the host holds, and a plan has nothing left to do.

// fleetConfig masks count units named PREFIX-NN.service on host.
func fleetConfig(env testhosts.Env, host, prefix string, count int, extra string) string {
	return fmt.Sprintf(`
provider "systemd" {
  private_key      = file(%q)
  known_hosts_file = %q
  %s
}

resource "systemd_unit_mask" "fault" {
  count = %d
  host  = %q
  name  = format("%s-%%02d.service", count.index)
}
`, env.KeyFile, env.KnownHostsFile, extra, count, host, prefix)
}

// hostMasks lists the units named PREFIX-* masked in /etc on h.
func hostMasks(t *testing.T, env testhosts.Env, h testhosts.Host, prefix string) []string {
	t.Helper()
	out := env.MustRun(t, h, "cd /etc/systemd/system && for f in "+prefix+"-*; do [ \"$(readlink \"$f\")\" = /dev/null ] && echo \"$f\"; done; true")
	names := strings.Fields(out)
	sort.Strings(names)
	return names
}

// assertStateMatchesHost compares the masks in state with the host's.
func assertStateMatchesHost(t *testing.T, w *cliWorkspace, env testhosts.Env, h testhosts.Host, addr, prefix string) int {
	t.Helper()
	var inState []string
	for _, id := range w.stateIDs() {
		if name, ok := strings.CutPrefix(id, addr+"/"); ok && strings.HasPrefix(name, prefix+"-") {
			inState = append(inState, name)
		}
	}
	sort.Strings(inState)
	onHost := hostMasks(t, env, h, prefix)
	if strings.Join(inState, " ") != strings.Join(onHost, " ") {
		t.Fatalf("state and host differ after the fault:\nstate: %q\nhost:  %q", inState, onHost)
	}
	return len(onHost)
}

// waitForMasks waits until at least n of the units are masked on h.
func waitForMasks(t *testing.T, env testhosts.Env, h testhosts.Host, prefix string, n int) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if len(hostMasks(t, env, h, prefix)) >= n {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("fewer than %d masks appeared on %s", n, h.Addr)
}

// Every sshd process on the host (the listener and every session: Debian's
// ssh.service has KillMode=process) is killed in the middle of an apply of
// 50 masks, then ssh is started again.
func TestAccFaults_sshdKilledMidApply(t *testing.T) {
	testAccPreCheck(t, 1)
	t.Parallel()
	env := testhosts.BootPrivate(t)
	h := env.Hosts[0]
	prefix := "tfacc-sshdkill"
	w := newCLIWorkspace(t, fleetConfig(env, h.Addr, prefix, 50, `timeout = "20s"`))

	apply, out := w.start("apply", "-auto-approve", "-input=false")
	waitForMasks(t, env, h, prefix, 5)
	if got, err := env.Console(h, "pkill -KILL -x 'sshd|sshd-session|sshd-auth'; sleep 1; systemctl restart ssh.service"); err != nil {
		t.Fatalf("killing sshd: %v\n%s", err, got)
	}
	err := apply.Wait()
	t.Logf("apply during the fault: err=%v\n%s", err, out)
	if n := assertStateMatchesHost(t, w, env, h, h.Addr, prefix); err == nil && n != 50 {
		t.Fatalf("the apply succeeded with %d of 50 masks", n)
	}
	w.must("apply", "-auto-approve", "-input=false")
	if n := assertStateMatchesHost(t, w, env, h, h.Addr, prefix); n != 50 {
		t.Fatalf("%d of 50 masks after the re-apply", n)
	}
	w.converges()
	w.must("destroy", "-auto-approve", "-input=false")
	if left := hostMasks(t, env, h, prefix); len(left) != 0 {
		t.Fatalf("masks left after destroy: %q", left)
	}
}

// Every connection is dropped in the middle of an apply of 30 masks (the
// host stays up): commands in flight lose their session.
func TestAccFaults_connectionDroppedMidApply(t *testing.T) {
	env := testAccPreCheck(t, 1)
	t.Parallel()
	h := env.Hosts[0]
	proxy := testhosts.StartProxy(t, h)
	prefix := testUnitName("drop")
	prefix = strings.TrimSuffix(prefix, ".service")
	config := fmt.Sprintf(`
provider "systemd" {
  private_key      = file(%q)
  known_hosts_file = %q
  timeout          = "20s"
}

resource "systemd_unit_mask" "fault" {
  count = 30
  host  = %q
  name  = format("%s-%%02d.service", count.index)
}
`, env.KeyFile, env.KnownHostsFor(t, h, proxy), proxy.Addr, prefix)
	w := newCLIWorkspace(t, config)
	apply, out := w.start("apply", "-auto-approve", "-input=false")
	waitForMasks(t, env, h, prefix, 3)
	proxy.Stop()
	time.Sleep(300 * time.Millisecond)
	proxy.Restart(t)
	err := apply.Wait()
	t.Logf("apply during the fault: err=%v", err)
	if n := assertStateMatchesHost(t, w, env, h, proxy.Addr, prefix); err == nil && n != 30 {
		t.Fatalf("the apply succeeded with %d of 30 masks:\n%s", n, out.String())
	}
	w.must("apply", "-auto-approve", "-input=false")
	if n := assertStateMatchesHost(t, w, env, h, proxy.Addr, prefix); n != 30 {
		t.Fatalf("%d of 30 masks after the re-apply", n)
	}
	w.converges()
	w.must("destroy", "-auto-approve", "-input=false")
}

// A host that cannot be reached during an apply of new masks: the apply
// fails within `timeout` (retries included) plus a small margin, naming the
// host, and the masks of a host that is up are applied and kept.
func TestAccFaults_unreachableDuringApply(t *testing.T) {
	env := testAccPreCheck(t, 1)
	t.Parallel()
	up := env.Hosts[0]
	refused := testhosts.StartProxy(t, up)
	refused.Stop() // connection refused
	silent := testhosts.SilentPeer(t)
	prefix := strings.TrimSuffix(testUnitName("unreach"), ".service")
	const timeout = 3 * time.Second
	for _, down := range []struct{ what, addr string }{{"refused", refused.Addr}, {"silent", silent}} {
		t.Run(down.what, func(t *testing.T) {
			p := prefix + "-" + down.what
			// The unreachable host's provider has the short timeout under
			// test; the healthy host's a generous one, so that a loaded
			// machine cannot make its masks time out too.
			config := fmt.Sprintf(`
provider "systemd" {
  private_key      = file(%[1]q)
  known_hosts_file = %[2]q
  timeout          = "60s"
}

provider "systemd" {
  alias            = "down"
  private_key      = file(%[1]q)
  known_hosts_file = %[2]q
  timeout          = "%[3]s"
}

resource "systemd_unit_mask" "up" {
  count = 3
  host  = %[4]q
  name  = format("%[6]s-%%02d.service", count.index)
}

resource "systemd_unit_mask" "down" {
  provider = systemd.down
  count    = 3
  host     = %[5]q
  name     = format("%[6]s-%%02d.service", count.index)
}
`, env.KeyFile, env.KnownHostsFile, timeout, up.Addr, down.addr, p)
			w := newCLIWorkspace(t, config)
			start := time.Now()
			out, err := w.run("apply", "-auto-approve", "-input=false", "-no-color")
			elapsed := time.Since(start)
			if err == nil {
				t.Fatalf("the apply succeeded with an unreachable host:\n%s", out)
			}
			if !strings.Contains(out, down.addr) {
				t.Errorf("the error does not name %s:\n%s", down.addr, out)
			}
			// The CLI's own start-up and the other host's masks take a few
			// seconds on this machine; the unreachable host adds `timeout`.
			if limit := timeout + 6*time.Second; elapsed > limit {
				t.Errorf("the apply took %s; want under %s (timeout %s plus margin)", elapsed, limit, timeout)
			}
			t.Logf("%s host: apply failed after %s", down.what, elapsed.Round(time.Millisecond))
			if n := assertStateMatchesHost(t, w, env, up, up.Addr, p); n != 3 {
				t.Errorf("%d of the reachable host's 3 masks applied", n)
			}
			ids := w.stateIDs()
			for _, id := range ids {
				if strings.HasPrefix(id, down.addr+"/") {
					t.Errorf("state holds %s for the unreachable host", id)
				}
			}
			// Without the unreachable host, everything converges.
			w.must("destroy", "-auto-approve", "-input=false", "-target=systemd_unit_mask.up")
		})
	}
}

// A reboot: runtime masks vanish and the next plan creates exactly those
// again; persistent ones stay.
func TestAccFaults_reboot(t *testing.T) {
	testAccPreCheck(t, 1)
	t.Parallel()
	env := testhosts.BootPrivate(t)
	h := env.Hosts[0]
	persistent, runtime := testUnitName("keep"), testUnitName("gone")
	config := providerBlock(env, h) + fmt.Sprintf(`
resource "systemd_unit_mask" "persistent" {
  name = %q
}

resource "systemd_unit_mask" "runtime" {
  name    = %q
  runtime = true
}
`, persistent, runtime)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: config,
				Check: resource.ComposeAggregateTestCheckFunc(
					checkHostMask(env, h, persistent, true, false),
					checkHostMask(env, h, runtime, false, true),
				),
			},
			{
				PreConfig: func() {
					env.Reboot(t, h)
					if err := checkHostMask(env, h, runtime, false, false)(nil); err != nil {
						t.Fatalf("after the reboot: %v", err)
					}
				},
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction("systemd_unit_mask.runtime", plancheck.ResourceActionCreate),
						plancheck.ExpectResourceAction("systemd_unit_mask.persistent", plancheck.ResourceActionNoop),
					},
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					checkHostMask(env, h, persistent, true, false),
					checkHostMask(env, h, runtime, false, true),
				),
			},
		},
	})
}

// insecure_ignore_host_key: a host in no known_hosts file is reached, and
// the real CLI's plan carries the warning (terraform-plugin-testing cannot
// see warnings, so this reads `terraform plan -json`).
func TestAccHostKeys_insecureWorksAndWarns(t *testing.T) {
	env := testAccPreCheck(t, 1)
	t.Parallel()
	h := env.Hosts[0]
	unit := testUnitName("insecure")
	w := newCLIWorkspace(t, fmt.Sprintf(`
provider "systemd" {
  host                     = %q
  port                     = %d
  private_key              = file(%q)
  known_hosts_file         = "/nonexistent/known_hosts"
  insecure_ignore_host_key = true
}

resource "systemd_unit_mask" "test" {
  name = %q
}
`, h.IP, h.Port, env.KeyFile, unit))
	plan := w.must("plan", "-json", "-input=false")
	warned := false
	for _, line := range strings.Split(plan, "\n") {
		if strings.Contains(line, `"@level":"warn"`) && strings.Contains(line, "Host Keys Are Not Verified") {
			warned = true
		}
	}
	if !warned {
		t.Errorf("no warning in the plan's JSON:\n%s", plan)
	}
	w.must("apply", "-auto-approve", "-input=false")
	if err := checkHostMask(env, h, unit, true, false)(nil); err != nil {
		t.Fatal(err)
	}
	w.must("destroy", "-auto-approve", "-input=false")
	if err := checkHostMask(env, h, unit, false, false)(nil); err != nil {
		t.Fatal(err)
	}
}

// The long-lived shell (sshtransport) is killed in the middle of a batch
// (the moment one of its commands runs) and then again and again, between
// and during the batches of an apply of 30 masks and of its destroy. Each
// command in flight runs again in a new shell; the applies succeed and
// state equals the host. The units run, so each batch's mask or unmask
// makes a daemon-reload: a command lasts long enough to be killed in its
// middle even where a batch is otherwise over within a few ms.
func TestAccFaults_shellKilled(t *testing.T) {
	testAccPreCheck(t, 1)
	t.Parallel()
	env := testhosts.BootPrivate(t)
	h := env.Hosts[0]
	prefix, count := "tfacc-shellkill", 30
	env.MustRun(t, h, `d=/usr/local/lib/systemd/system; mkdir -p $d && for i in $(seq -w 0 `+strconv.Itoa(count-1)+`); do
	printf '[Service]\nExecStart=/bin/sleep infinity\n' > $d/`+prefix+`-$i.service
done && systemctl daemon-reload && systemctl start $(cd $d && ls `+prefix+`-*)`)
	w := newCLIWorkspace(t, fleetConfig(env, h.Addr, prefix, count, `timeout = "20s"`))

	// kill kills every process of the long-lived shell (the shell, and the
	// subshells of a command it is running) and says how many it killed.
	// With first, it kills only once a command runs, and tries again while
	// a command ends between its look and its kill: a kill of more than one
	// process is one in the middle of a command. (The pattern's brackets
	// keep it from matching its own shell.)
	kill := func(first bool) int {
		script := `pkill -e -KILL -f 'systemd-tf-shel[l]' | wc -l`
		if first {
			script = `i=0; while [ $i -lt 20000 ]; do
	if [ "$(pgrep -c -f 'systemd-tf-shel[l]')" -ge 2 ]; then
		k=$(pkill -e -KILL -f 'systemd-tf-shel[l]' | wc -l)
		[ "$k" -lt 2 ] || { echo "$k"; exit 0; }
	fi
	i=$((i + 1))
done; echo 0`
		}
		out, err := env.Console(h, script)
		n, convErr := strconv.Atoi(strings.TrimSpace(out))
		if err != nil || convErr != nil {
			t.Logf("killing the shell: %v: %q", err, out)
		}
		return n
	}
	killDuring := func(args ...string) (killed []int) {
		cmd, out := w.start(args...)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		if n := kill(true); n > 0 {
			killed = append(killed, n)
		}
		for len(killed) < 6 {
			select {
			case err := <-done:
				if err != nil {
					t.Fatalf("terraform %s with the shell killed %v: %v\n%s", args[0], killed, err, out)
				}
				return killed
			case <-time.After(200 * time.Millisecond):
				if n := kill(false); n > 0 {
					killed = append(killed, n)
				}
			}
		}
		if err := <-done; err != nil {
			t.Fatalf("terraform %s with the shell killed %v: %v\n%s", args[0], killed, err, out)
		}
		return killed
	}
	killed := killDuring("apply", "-auto-approve", "-input=false")
	t.Logf("apply: shells killed with %v processes each", killed)
	if len(killed) == 0 || killed[0] < 2 {
		t.Fatalf("the first kill found %v processes: no command was running in the long-lived shell", killed)
	}
	if n := assertStateMatchesHost(t, w, env, h, h.Addr, prefix); n != count {
		t.Fatalf("%d of %d masks after the apply", n, count)
	}
	w.converges()
	killed = killDuring("destroy", "-auto-approve", "-input=false")
	t.Logf("destroy: shells killed with %v processes each", killed)
	if left := hostMasks(t, env, h, prefix); len(left) != 0 {
		t.Fatalf("masks left after destroy: %q", left)
	}
	if ids := w.stateIDs(); len(ids) != 0 {
		t.Fatalf("state after destroy: %v", ids)
	}
}
