package testhosts

import (
	"fmt"
	"strings"
	"testing"
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
