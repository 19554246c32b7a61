package testhosts

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestAccTestHosts_runtimeMask proves on every booted host that it runs a
// real systemd reached over real SSH: a runtime mask is reported as
// masked-runtime and refuses to start.
func TestAccTestHosts_runtimeMask(t *testing.T) {
	SkipUnlessAcc(t)
	env := Require(t, 1)
	for i, h := range env.Hosts {
		t.Run(fmt.Sprintf("host%d", i+1), func(t *testing.T) {
			if got := strings.TrimSpace(env.MustRun(t, h, "cat /proc/1/comm")); got != "systemd" {
				t.Fatalf("PID 1 is %q, want systemd", got)
			}
			// A real unit of the test's own, in the vendor directory that a
			// runtime mask overrides, so no other test sees it come and go.
			unit := fmt.Sprintf("tfacc-smoke-%d.service", i+1)
			file := "/usr/local/lib/systemd/system/" + unit
			env.MustRun(t, h, "mkdir -p /usr/local/lib/systemd/system && printf '[Service]\\nExecStart=/bin/sleep infinity\\n' > "+file+" && systemctl daemon-reload")
			defer env.MustRun(t, h, "rm -f "+file+" && systemctl daemon-reload")
			env.MustRun(t, h, "systemctl mask --runtime -- "+unit)
			defer env.MustRun(t, h, "systemctl unmask --runtime -- "+unit)
			if got := strings.TrimSpace(env.MustRun(t, h, "systemctl is-enabled -- "+unit+" || true")); got != "masked-runtime" {
				t.Errorf("systemctl is-enabled %s = %q, want masked-runtime", unit, got)
			}
			_, stderr, err := env.Run(h, "systemctl start -- "+unit)
			if err == nil {
				t.Fatalf("systemctl start %s succeeded on a masked unit", unit)
			}
			if want := "Unit " + unit + " is masked"; !strings.Contains(stderr, want) {
				t.Errorf("systemctl start stderr = %q, want it to contain %q", stderr, want)
			}
		})
	}
}

// TestAccTestHosts_users proves the harness's users on every booted host:
// root and the others log in with the key, deploy has sudo without a
// password and a user manager from boot (lingering), operator's sudo asks
// a password, and sysop may run systemctl as root and nothing else.
func TestAccTestHosts_users(t *testing.T) {
	SkipUnlessAcc(t)
	t.Parallel()
	env := Require(t, 1)
	if env.SysopUser == "" || env.Release == "" || env.SystemdVersion == 0 {
		t.Fatalf("the env file lacks TESTHOSTS_SYSOP_USER, TESTHOSTS_RELEASE or TESTHOSTS_SYSTEMD_VERSION: %+v", env)
	}
	for i, h := range env.Hosts {
		t.Run(fmt.Sprintf("host%d", i+1), func(t *testing.T) {
			mustRunAs := func(user, command string) string {
				t.Helper()
				out, errOut, err := env.RunAs(h, user, command)
				if err != nil {
					t.Fatalf("on %s as %s: `%s`: %v\nstdout: %s\nstderr: %s", h.Addr, user, command, err, out, errOut)
				}
				return strings.TrimSpace(out)
			}
			refusedAs := func(user, command, want string) {
				t.Helper()
				out, errOut, err := env.RunAs(h, user, command)
				if err == nil || !strings.Contains(errOut, want) {
					t.Errorf("on %s as %s: `%s` = %v, stdout %q, stderr %q; want a failure saying %q", h.Addr, user, command, err, out, errOut, want)
				}
			}
			if got := mustRunAs("root", "systemctl --version | head -n1"); !strings.HasPrefix(got, fmt.Sprintf("systemd %d ", env.SystemdVersion)) {
				t.Errorf("systemctl --version = %q, want systemd %d (TESTHOSTS_SYSTEMD_VERSION)", got, env.SystemdVersion)
			}
			if got := mustRunAs(env.LingerUser, "sudo -n id -u"); got != "0" {
				t.Errorf("%s: sudo -n id -u = %q, want 0", env.LingerUser, got)
			}
			if got := mustRunAs(env.LingerUser, "systemctl --user is-system-running --wait || true"); got != "running" && got != "degraded" {
				t.Errorf("%s: systemctl --user is-system-running = %q, want running", env.LingerUser, got)
			}
			refusedAs("operator", "sudo -n true", "password is required")
			if got := mustRunAs("operator", "printf '%s\\n' '"+env.OperatorPassword+"' | sudo -S -p '' id -u"); got != "0" {
				t.Errorf("operator: sudo -S id -u = %q, want 0", got)
			}

			unit := fmt.Sprintf("tfacc-sysop-%d.service", i+1)
			mustRunAs(env.SysopUser, "sudo -n systemctl mask --no-reload -- "+unit)
			if got := mustRunAs("root", "readlink /etc/systemd/system/"+unit); got != "/dev/null" {
				t.Errorf("sysop's mask of %s links to %q, want /dev/null", unit, got)
			}
			mustRunAs(env.SysopUser, "SYSTEMCTL_INSTALL_CLIENT_SIDE=1 sudo -n systemctl unmask --no-reload -- "+unit)
			if out, _, err := env.Run(h, "test -e /etc/systemd/system/"+unit); err == nil {
				t.Errorf("sysop's unmask left /etc/systemd/system/%s: %s", unit, out)
			}
			refusedAs(env.SysopUser, "sudo -n true", "password is required")
			refusedAs(env.SysopUser, "sudo -n /bin/sh -c true", "password is required")
		})
	}
}

// TestAccTestHosts_sysopKeepsInstallClientSide proves that sudo hands
// SYSTEMCTL_INSTALL_CLIENT_SIDE to sysop's systemctl (and, as a control,
// drops a variable it was not told to keep): root reads the environment of
// the systemctl process while it waits for a unit of the test's own.
func TestAccTestHosts_sysopKeepsInstallClientSide(t *testing.T) {
	SkipUnlessAcc(t)
	t.Parallel()
	env := Require(t, 1)
	h := env.Hosts[0]
	const unit = "tfacc-sysop-env.service"
	// The unit runs until the test has read the environment and stops it:
	// a fixed sleep raced slow SSH round trips on a loaded machine.
	env.MustRun(t, h, "printf '[Service]\\nType=exec\\nExecStart=/bin/sleep 120\\n' > /run/systemd/system/"+unit+" && systemctl daemon-reload")
	defer env.MustRun(t, h, "rm -f /run/systemd/system/"+unit+" && systemctl daemon-reload")

	done := make(chan error, 1)
	go func() {
		_, errOut, err := env.RunAs(h, env.SysopUser, "SYSTEMCTL_INSTALL_CLIENT_SIDE=1 TFACC_NOT_KEPT=1 sudo -n systemctl start --wait "+unit)
		if err != nil {
			err = fmt.Errorf("%v: %s", err, errOut)
		}
		done <- err
	}()
	var environ string
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline) && environ == ""; {
		out, _, _ := env.Run(h, "pid=$(pgrep -o -x -f 'systemctl start --wait "+unit+"') && tr '\\0' '\\n' </proc/$pid/environ")
		environ = out
		if environ == "" {
			time.Sleep(100 * time.Millisecond)
		}
	}
	// Stopped once it runs: a stop while the start job is still queued
	// cancels that job, and `start --wait` fails with "Job canceled".
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if out, _, _ := env.Run(h, "systemctl is-active "+unit); strings.TrimSpace(out) == "active" {
			break
		}
	}
	_, _, _ = env.Run(h, "systemctl stop "+unit)
	if err := <-done; err != nil {
		t.Fatalf("sysop: sudo -n systemctl start --wait %s: %v", unit, err)
	}
	if environ == "" {
		t.Fatal("never saw sysop's systemctl running")
	}
	vars := strings.Split(environ, "\n")
	if !slices.Contains(vars, "SYSTEMCTL_INSTALL_CLIENT_SIDE=1") {
		t.Errorf("sysop's systemctl runs without SYSTEMCTL_INSTALL_CLIENT_SIDE=1; its environment:\n%s", environ)
	}
	if slices.Contains(vars, "TFACC_NOT_KEPT=1") {
		t.Errorf("sudo kept TFACC_NOT_KEPT, which no env_keep names: env_reset is off; the environment:\n%s", environ)
	}
}

// TestAccTestHosts_initArgs proves that kernel-style arguments reach a
// private host's PID 1: systemd.mask= makes systemd-debug-generator mask
// the unit, in /run/systemd/generator.early, for that boot.
func TestAccTestHosts_initArgs(t *testing.T) {
	SkipUnlessAcc(t)
	t.Parallel()
	const unit = "cron.service"
	env := BootPrivateWith(t, PrivateOptions{InitArgs: []string{"systemd.mask=" + unit, "systemd.mask=tfacc-absent.service"}})
	h := env.Hosts[0]
	for _, name := range []string{unit, "tfacc-absent.service"} {
		if got := strings.TrimSpace(env.MustRun(t, h, "systemctl show -P LoadState -- "+name)); got != "masked" {
			t.Errorf("systemctl show -P LoadState %s = %q, want masked", name, got)
		}
		if got := strings.TrimSpace(env.MustRun(t, h, "readlink /run/systemd/generator.early/"+name+" || true")); got != "/dev/null" {
			t.Errorf("/run/systemd/generator.early/%s links to %q, want /dev/null", name, got)
		}
	}
	if got := strings.TrimSpace(env.MustRun(t, h, "tr '\\0' ' ' </proc/1/cmdline")); !strings.Contains(got, "systemd.mask="+unit) {
		t.Errorf("PID 1's command line is %q, want it to hold systemd.mask=%s", got, unit)
	}
}
