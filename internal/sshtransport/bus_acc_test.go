package sshtransport

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/systemd-tf/terraform-provider-systemd/internal/systemd"
	"github.com/systemd-tf/terraform-provider-systemd/internal/testhosts"
)

// On a booted host, a root login's system-scope Engine masks, unmasks and
// asks what is loaded through the system bus (systemd.Bus), and systemd
// agrees with every result:
// a loaded unit's mask reloads it
// (LoadState masked), an unloaded one's is read when it loads, a unit
// file where the mask would go is refused with systemctl's words, and the
// runtime layer works the same. A login that is not root, or that goes
// through sudo, gets no Bus from PID 1 and runs systemctl as before.
func TestAccEngine_bus(t *testing.T) {
	testhosts.SkipUnlessAcc(t)
	env := testhosts.Require(t, 1)
	h := env.Hosts[0]
	ctx := context.Background()
	const loaded, idle, file = "tf-bus-loaded.service", "tf-bus-idle.service", "tf-bus-file.service"
	env.MustRun(t, h, `d=/usr/lib/systemd/system; [ -d $d ] || d=/lib/systemd/system
printf '[Service]\nType=oneshot\nRemainAfterExit=yes\nExecStart=/bin/true\n' > $d/`+loaded+`
printf '[Service]\nExecStart=/bin/true\n' > /etc/systemd/system/`+file+`
systemctl daemon-reload && systemctl start `+loaded)
	t.Cleanup(func() {
		env.MustRun(t, h, `systemctl unmask `+loaded+` `+idle+`; systemctl unmask --runtime `+loaded+` `+idle+`; systemctl stop `+loaded+`
rm -f /usr/lib/systemd/system/`+loaded+` /lib/systemd/system/`+loaded+` /etc/systemd/system/`+file+`; systemctl daemon-reload`)
	})
	loadState := func(unit string) string {
		return strings.TrimSpace(env.MustRun(t, h, "systemctl show -P LoadState -- "+unit))
	}

	proxy := testhosts.StartProxy(t, h)
	p := accPool(t, env, h, proxy, "root", nil)
	var engines []*systemd.Engine
	// A new Engine for each phase: an Engine keeps the masks it made
	// itself (OpResult.Kept).
	engine := func() *systemd.Engine {
		e := systemd.NewEngine(p.Runner(proxy.Addr), systemd.ScopeSystem, false)
		if e.Bus() == nil {
			t.Fatal("a root login's system-scope Engine has no Bus")
		}
		engines = append(engines, e)
		return e
	}
	for _, layer := range []systemd.Layer{systemd.Persistent, systemd.Runtime} {
		e := engine()
		for _, u := range []string{loaded, idle} {
			if res := e.Mask(ctx, u, layer, false); res.Err != nil {
				t.Fatalf("mask %s (%s): %v", u, layer, res.Err)
			}
			if got := loadState(u); got != "masked" {
				t.Errorf("after the %s mask of %s, systemd loads it as %q, want masked", layer, u, got)
			}
		}
		res := e.Mask(ctx, file, layer, false)
		var exists *systemd.UnitFileExistsError
		if layer == systemd.Persistent && !errors.As(res.Err, &exists) {
			t.Errorf("mask over a unit file in /etc: %v, want UnitFileExistsError", res.Err)
		}
		if exists != nil && !strings.Contains(exists.Error(), file) {
			t.Errorf("the refusal does not name the file: %v", exists)
		}
		e = engine()
		for _, u := range []string{loaded, idle} {
			if res := e.Unmask(ctx, u, layer); res.Err != nil || res.Kept {
				t.Fatalf("unmask %s (%s): %+v", u, layer, res)
			}
		}
		if got := loadState(loaded); got != "loaded" {
			t.Errorf("after the %s unmask, systemd loads %s as %q, want loaded", layer, loaded, got)
		}
		if got := loadState(idle); got != "not-found" {
			t.Errorf("after the %s unmask, systemd loads %s as %q, want not-found", layer, idle, got)
		}
	}
	for i, e := range engines {
		n := e.Bus().Served.Load()
		t.Logf("Engine %d: the Bus served %d calls", i+1, n)
		if n == 0 {
			t.Errorf("Engine %d: the Bus served no call: every call ran systemctl", i+1)
		}
	}

	// No socket there: a refusal, for good (the Bus turns off).
	d, ok := p.Runner(proxy.Addr).(systemd.UnixDialer)
	if !ok {
		t.Fatal("the Pool's Runner opens no streams")
	}
	_, err := d.DialUnix(ctx, "/run/dbus/tf-no-such-socket")
	var refused interface{ Refused() bool }
	if !errors.As(err, &refused) || !refused.Refused() {
		t.Errorf("a stream to a missing socket: %v, want a refusal", err)
	}

	// sudo: no Bus at all. Not root, no sudo: the bus refuses the login,
	// and the writes fail as systemctl fails them.
	sudoPool := accPool(t, env, h, proxy, "deploy", func(c *Config) { c.Sudo = true })
	if e := systemd.NewEngine(sudoPool.Runner(proxy.Addr), systemd.ScopeSystem, true); e.Bus() != nil {
		t.Error("an Engine through sudo has a Bus")
	} else if res := e.Mask(ctx, idle, systemd.Persistent, false); res.Err != nil || loadState(idle) != "masked" {
		t.Errorf("mask through sudo: %v, LoadState %s", res.Err, loadState(idle))
	}
	plain := accPool(t, env, h, proxy, "deploy", nil)
	e := systemd.NewEngine(plain.Runner(proxy.Addr), systemd.ScopeSystem, false)
	res := e.Mask(ctx, loaded, systemd.Persistent, false)
	if res.Err == nil {
		t.Error("a mask as deploy without sudo succeeded")
	}
	if !e.Bus().Off() || e.Bus().Served.Load() != 0 {
		t.Errorf("PID 1 served a login that is not root (off %v, served %d)", e.Bus().Off(), e.Bus().Served.Load())
	}
	if got := loadState(loaded); got != "loaded" {
		t.Errorf("after a refused mask as deploy, systemd loads %s as %q", loaded, got)
	}
	t.Logf("as deploy without sudo: %v", res.Err)
}

// PID 1 re-executing (systemctl daemon-reexec, as a systemd upgrade does)
// takes it off the system bus while it lasts: the write after it still
// succeeds (its calls run systemctl where the bus cannot deliver them),
// systemd agrees, and the Bus serves again afterwards. Its host
// is its own: a re-exec refuses every other test's systemctl while it
// lasts.
func TestAccEngine_busReexec(t *testing.T) {
	testhosts.SkipUnlessAcc(t)
	testhosts.Require(t, 1)
	t.Parallel()
	env := testhosts.BootPrivate(t)
	h := env.Hosts[0]
	ctx := context.Background()
	units := []string{"tf-bus-reexec-a.service", "tf-bus-reexec-b.service", "tf-bus-reexec-c.service"}
	t.Cleanup(func() { env.MustRun(t, h, "systemctl unmask "+strings.Join(units, " ")) })
	proxy := testhosts.StartProxy(t, h)
	p := accPool(t, env, h, proxy, "root", func(c *Config) { c.Timeout = 20 * time.Second })
	e := systemd.NewEngine(p.Runner(proxy.Addr), systemd.ScopeSystem, false)
	mask := func(u string) {
		t.Helper()
		if res := e.Mask(ctx, u, systemd.Persistent, false); res.Err != nil {
			t.Fatalf("mask %s: %v", u, res.Err)
		}
		if got := strings.TrimSpace(env.MustRun(t, h, "systemctl show -P LoadState -- "+u)); got != "masked" {
			t.Errorf("after the mask, systemd loads %s as %q", u, got)
		}
	}
	mask(units[0])
	before := e.Bus().Served.Load()
	env.MustRun(t, h, "systemctl daemon-reexec")
	mask(units[1])
	mask(units[2])
	after := e.Bus().Served.Load()
	t.Logf("the Bus served %d calls before the re-exec, %d after it", before, after-before)
	if before == 0 || after == before {
		t.Errorf("the Bus served %d calls before the re-exec and %d after it; want some in each", before, after-before)
	}
	if e.Bus().Off() {
		t.Error("the re-exec turned the Bus off for good")
	}
}
