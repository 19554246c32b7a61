package systemd

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestMaskedUnitsCommand(t *testing.T) {
	for _, s := range []Scope{ScopeSystem, ScopeUser, ScopeGlobal} {
		cmd := s.MaskedUnitsCommand()
		if cmd.Privileged {
			t.Errorf("%s: listing needs no privileges, and never sudo", s)
		}
		if want := []string{"sh", "-c", s.maskedUnitsScript(), "masked-units"}; !reflect.DeepEqual(cmd.Argv, want) {
			t.Errorf("%s: argv = %q", s, cmd.Argv)
		}
		list := strings.TrimSpace(systemctlWords(s) + " list-unit-files --state=masked,masked-runtime --no-legend --no-pager")
		if !strings.Contains(cmd.Argv[2], list) {
			t.Errorf("%s: the script does not run %q:\n%s", s, list, cmd.Argv[2])
		}
		if got := cmd.String(); got != "sh -c <script> masked-units" {
			t.Errorf("String() = %q", got)
		}
	}
}

// unitLines is one listed unit in an answer of the masked-units script.
func unitLines(s Scope, name, state string, kinds map[string]string) string {
	return "unit\t" + name + "\t" + state + "\n" + dirLines(s, name, kinds)
}

// debianAnswer is, in substance, what a fresh test host (Debian 12, in a
// container) answers, plus masks of every kind.
var debianAnswer = "listed\t0\n" +
	unitLines(ScopeSystem, "sudo.service", "masked", map[string]string{
		"/lib/systemd/system/sudo.service": "null", "/usr/lib/systemd/system/sudo.service": "null",
	}) +
	// An alias of the masked getty@.service: left out.
	unitLines(ScopeSystem, "autovt@.service", "masked", map[string]string{
		"/lib/systemd/system/autovt@.service": "link", "/usr/lib/systemd/system/autovt@.service": "link",
	}) +
	unitLines(ScopeSystem, "getty@.service", "masked", map[string]string{
		"/etc/systemd/system/getty@.service": "null", "/lib/systemd/system/getty@.service": "unit", "/usr/lib/systemd/system/getty@.service": "unit",
	}) +
	unitLines(ScopeSystem, "both.service", "masked", map[string]string{
		"/etc/systemd/system/both.service": "null", "/run/systemd/system/both.service": "null",
	}) +
	unitLines(ScopeSystem, "rt.service", "masked-runtime", map[string]string{"/run/systemd/system/rt.service": "null"}) +
	unitLines(ScopeSystem, "empty.service", "masked", map[string]string{"/etc/systemd/system/empty.service": "empty"}) +
	"end\n"

func TestParseMaskedUnits(t *testing.T) {
	tests := []struct {
		what   string
		scope  Scope
		answer string
		units  []MaskedUnit
		status int
	}{
		{
			what: "a Debian host", scope: ScopeSystem, answer: debianAnswer,
			units: []MaskedUnit{
				{Name: "both.service", Layer: SearchPersistent, Path: "/etc/systemd/system/both.service"},
				{Name: "empty.service", Layer: SearchPersistent, Path: "/etc/systemd/system/empty.service"},
				{Name: "getty@.service", Layer: SearchPersistent, Path: "/etc/systemd/system/getty@.service"},
				{Name: "rt.service", Layer: SearchRuntime, Path: "/run/systemd/system/rt.service"},
				{Name: "sudo.service", Layer: SearchVendor, Path: "/lib/systemd/system/sudo.service"},
			},
		},
		{
			// list-unit-files exits 1 when nothing matches.
			what: "nothing masked", scope: ScopeGlobal, answer: "listed\t1\nend\n", status: 1,
		},
		// The directories are read after the listing and win: a unit
		// unmasked, replaced or moved in between is reported as it now is.
		{
			what: "unmasked since the listing", scope: ScopeSystem,
			answer: "listed\t0\n" + unitLines(ScopeSystem, "x.service", "masked", nil) + "end\n",
		},
		{
			what: "a unit file first", scope: ScopeSystem,
			answer: "listed\t0\n" + unitLines(ScopeSystem, "x.service", "masked", map[string]string{"/etc/systemd/system/x.service": "unit", "/lib/systemd/system/x.service": "null"}) + "end\n",
		},
		{
			what: "moved to the persistent layer since the listing", scope: ScopeSystem,
			answer: "listed\t0\n" + unitLines(ScopeSystem, "x.service", "masked-runtime", map[string]string{"/etc/systemd/system/x.service": "null"}) + "end\n",
			units:  []MaskedUnit{{Name: "x.service", Layer: SearchPersistent, Path: "/etc/systemd/system/x.service"}},
		},
		{
			what: "moved to the runtime layer since the listing", scope: ScopeSystem,
			answer: "listed\t0\n" + unitLines(ScopeSystem, "x.service", "masked", map[string]string{"/run/systemd/system/x.service": "null"}) + "end\n",
			units:  []MaskedUnit{{Name: "x.service", Layer: SearchRuntime, Path: "/run/systemd/system/x.service"}},
		},
		{
			what: "global masks", scope: ScopeGlobal,
			answer: "listed\t0\n" +
				unitLines(ScopeGlobal, "g.service", "masked", map[string]string{"/etc/systemd/user/g.service": "null"}) +
				unitLines(ScopeGlobal, "gr.service", "masked-runtime", map[string]string{"/run/systemd/user/gr.service": "null"}) +
				"end\n",
			units: []MaskedUnit{
				{Name: "g.service", Layer: SearchPersistent, Path: "/etc/systemd/user/g.service"},
				{Name: "gr.service", Layer: SearchRuntime, Path: "/run/systemd/user/gr.service"},
			},
		},
		{
			what: "a user's masks, and a global one", scope: ScopeUser,
			answer: "listed\t0\n" +
				unitLines(ScopeUser, "u.service", "masked", map[string]string{"/home/deploy/.config/systemd/user/u.service": "null"}) +
				unitLines(ScopeUser, "ur.service", "masked-runtime", map[string]string{"/run/user/1000/systemd/user/ur.service": "empty"}) +
				unitLines(ScopeUser, "g.service", "masked", map[string]string{"/etc/systemd/user/g.service": "null", "/usr/lib/systemd/user/g.service": "unit"}) +
				"end\n",
			units: []MaskedUnit{
				{Name: "g.service", Layer: SearchPersistent, Path: "/etc/systemd/user/g.service"},
				{Name: "u.service", Layer: SearchPersistent, Path: "/home/deploy/.config/systemd/user/u.service"},
				{Name: "ur.service", Layer: SearchRuntime, Path: "/run/user/1000/systemd/user/ur.service"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.what, func(t *testing.T) {
			units, status, err := tt.scope.ParseMaskedUnits([]byte(tt.answer))
			if err != nil {
				t.Fatalf("ParseMaskedUnits: %v", err)
			}
			if !reflect.DeepEqual(units, tt.units) || status != tt.status {
				t.Errorf("got %+v (status %d)\nwant %+v (status %d)", units, status, tt.units, tt.status)
			}
		})
	}
}

// A truncated or garbled answer, or one the unit directories contradict,
// is an error: never a shorter list.
func TestParseMaskedUnitsRejects(t *testing.T) {
	sudo := unitLines(ScopeSystem, "sudo.service", "masked", map[string]string{"/lib/systemd/system/sudo.service": "null"})
	tests := []struct {
		what   string
		scope  Scope
		answer string
		want   string
	}{
		{"nothing", ScopeSystem, "", `does not end in "end"`},
		{"cut short", ScopeSystem, debianAnswer[:len(debianAnswer)/2], `does not end in "end"`},
		{"only end", ScopeSystem, "end\n", `does not end in "end"`},
		{"no status", ScopeSystem, sudo + "end\n", "expected the status"},
		{"a bad status", ScopeSystem, "listed\tx\nend\n", "expected the status"},
		{"a unit's directories cut short", ScopeSystem, "listed\t0\n" + strings.Join(strings.SplitAfter(sudo, "\n")[:3], "") + "end\n", "cut short"},
		{"a directory about another unit", ScopeSystem, "listed\t0\n" + strings.Replace(sudo, "/etc/systemd/system/sudo.service", "/etc/systemd/system/cron.service", 1) + "end\n", "expected the entry of sudo.service in /etc/systemd/system"},
		{"an untagged unit", ScopeSystem, "listed\t0\nsudo.service masked enabled\nend\n", "expected a unit"},
		{"an invalid name", ScopeSystem, "listed\t0\n" + unitLines(ScopeSystem, "UNIT", "FILE", nil) + "end\n", "no type suffix"},
		{"a unit not masked", ScopeSystem, "listed\t0\n" + unitLines(ScopeSystem, "cron.service", "enabled", map[string]string{"/lib/systemd/system/cron.service": "unit"}) + "end\n", `listed as "enabled"`},
		{"a unit twice", ScopeSystem, "listed\t0\n" + sudo + sudo + "end\n", "listed twice"},
		{"system paths for global units", ScopeGlobal, "listed\t0\n" + sudo + "end\n", "cut short"},
		{"a global answer for the system", ScopeSystem, "listed\t0\n" + unitLines(ScopeGlobal, "g.service", "masked", nil) + "end\n", "expected the entry of g.service in /etc/systemd/system"},
		{"relative user paths", ScopeUser, "listed\t0\n" + strings.ReplaceAll(unitLines(ScopeUser, "u.service", "masked", map[string]string{"/home/deploy/.config/systemd/user/u.service": "null"}), "\t/home/", "\thome/") + "end\n", "expected the entry of u.service"},
	}
	for _, tt := range tests {
		t.Run(tt.what, func(t *testing.T) {
			units, _, err := tt.scope.ParseMaskedUnits([]byte(tt.answer))
			if err == nil {
				t.Fatalf("accepted %q as %+v", tt.answer, units)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not say %q", err, tt.want)
			}
		})
	}
}

func TestManagerMaskedUnits(t *testing.T) {
	ctx := context.Background()
	r := &unitInfoRunner{res: Result{Stdout: []byte(debianAnswer)}}
	units, err := Manager{Runner: r}.MaskedUnits(ctx)
	if err != nil || len(units) != 5 {
		t.Fatalf("MaskedUnits = %+v, %v", units, err)
	}
	if len(r.got) != 1 || !reflect.DeepEqual(r.got[0], ScopeSystem.MaskedUnitsCommand()) {
		t.Errorf("ran %v", r.got)
	}

	// Nothing masked: list-unit-files exits 1 and says nothing.
	r = &unitInfoRunner{res: Result{Stdout: []byte("listed\t1\nend\n")}}
	if units, err = (Manager{Runner: r, Scope: ScopeGlobal}).MaskedUnits(ctx); err != nil || len(units) != 0 {
		t.Errorf("nothing masked: %+v, %v", units, err)
	}
	if r.got[0].Argv[2] != ScopeGlobal.maskedUnitsScript() {
		t.Error("not the global scope's script")
	}

	// list-unit-files failing, with a message: an error, not an empty list.
	r = &unitInfoRunner{res: Result{Stdout: []byte("listed\t1\nend\n"), Stderr: []byte("Failed to connect to bus: Permission denied\n")}}
	_, err = Manager{Runner: r, Scope: ScopeUser}.MaskedUnits(ctx)
	var ce *CommandError
	if !errors.As(err, &ce) || !ce.NoUserManager() || ce.ExitCode != 1 {
		t.Fatalf("no user manager: %v", err)
	}
	if want := "systemctl --user list-unit-files --state=masked,masked-runtime --no-legend --no-pager"; ce.Command.String() != want {
		t.Errorf("the failed command is %q, want %q", ce.Command, want)
	}
	r = &unitInfoRunner{res: Result{Stdout: []byte("listed\t4\nend\n")}}
	if _, err = (Manager{Runner: r}).MaskedUnits(ctx); !errors.As(err, &ce) || ce.ExitCode != 4 {
		t.Errorf("status 4: %v", err)
	}

	// The shell itself failing.
	r = &unitInfoRunner{res: Result{ExitCode: 127, Stderr: []byte("sh: not found")}}
	if _, err = (Manager{Runner: r}).MaskedUnits(ctx); !errors.As(err, &ce) || ce.ExitCode != 127 {
		t.Errorf("exit 127: %v", err)
	}

	// A garbled answer: an error, with stderr.
	r = &unitInfoRunner{res: Result{Stdout: []byte("listed\t0\nunit\tx.service\n"), Stderr: []byte("Broken pipe")}}
	if _, err = (Manager{Runner: r}).MaskedUnits(ctx); err == nil || !strings.Contains(err.Error(), "Broken pipe") {
		t.Errorf("garbled: %v", err)
	}
}

// TestMaskedUnitsScriptClassifies runs the real script with /bin/sh on
// temporary unit directories, with a fake systemctl listing the units as
// systemd 252 does, and parses the answer.
func TestMaskedUnitsScriptClassifies(t *testing.T) {
	h := newFakeHost(t, ScopeSystem)
	h.symlink(t, "/dev/null", "/usr/lib/systemd/system/sudo.service")
	h.write(t, "/usr/lib/systemd/system/getty@.service", "[Service]\n")
	h.symlink(t, "/dev/null", "/etc/systemd/system/getty@.service")
	h.symlink(t, "getty@.service", "/usr/lib/systemd/system/autovt@.service")
	h.symlink(t, "/dev/null", "/etc/systemd/system/both.service")
	h.symlink(t, "/dev/null", "/run/systemd/system/both.service")
	h.symlink(t, "/dev/null", "/run/systemd/system/rt.service")
	h.write(t, "/etc/systemd/system/empty.service", "")
	list := "autovt@.service                      masked         enabled\n" +
		"both.service                         masked         enabled\n" +
		"empty.service                        masked         enabled\n" +
		"getty@.service                       masked         enabled\n" +
		"rt.service                           masked-runtime enabled\n" +
		"sudo.service                         masked         enabled\n"
	answer, args := h.run(t, ScopeSystem, ScopeSystem.MaskedUnitsCommand(), list, 0)
	units, status, err := ScopeSystem.ParseMaskedUnits([]byte(answer))
	if err != nil {
		t.Fatalf("%v\n%s", err, answer)
	}
	want := []MaskedUnit{
		{Name: "both.service", Layer: SearchPersistent, Path: "/etc/systemd/system/both.service"},
		{Name: "empty.service", Layer: SearchPersistent, Path: "/etc/systemd/system/empty.service"},
		{Name: "getty@.service", Layer: SearchPersistent, Path: "/etc/systemd/system/getty@.service"},
		{Name: "rt.service", Layer: SearchRuntime, Path: "/run/systemd/system/rt.service"},
		// Through the /lib link first, as systemd finds it.
		{Name: "sudo.service", Layer: SearchVendor, Path: "/lib/systemd/system/sudo.service"},
	}
	if !reflect.DeepEqual(units, want) || status != 0 {
		t.Errorf("got %+v (status %d)\nwant %+v\n%s", units, status, want, answer)
	}
	if args != "list-unit-files --state=masked,masked-runtime --no-legend --no-pager\n" {
		t.Errorf("systemctl %q", args)
	}

	// Nothing masked: systemctl exits 1 and prints nothing.
	answer, _ = h.run(t, ScopeSystem, ScopeSystem.MaskedUnitsCommand(), "", 1)
	if answer != "listed\t1\nend\n" {
		t.Errorf("nothing masked: %q", answer)
	}

	// A user's masks, in the directories of the remote environment.
	u := newFakeHost(t, ScopeUser)
	u.symlink(t, "/dev/null", "/home/deploy/.config/systemd/user/u.service")
	u.write(t, "/run/user/1000/systemd/user/ur.service", "")
	answer, args = u.run(t, ScopeUser, ScopeUser.MaskedUnitsCommand(), "u.service masked enabled\nur.service masked-runtime enabled\n", 0)
	units, _, err = ScopeUser.ParseMaskedUnits([]byte(answer))
	if err != nil {
		t.Fatalf("user: %v\n%s", err, answer)
	}
	want = []MaskedUnit{
		{Name: "u.service", Layer: SearchPersistent, Path: "/home/deploy/.config/systemd/user/u.service"},
		{Name: "ur.service", Layer: SearchRuntime, Path: "/run/user/1000/systemd/user/ur.service"},
	}
	if !reflect.DeepEqual(units, want) {
		t.Errorf("user: got %+v, want %+v\n%s", units, want, answer)
	}
	if !strings.HasPrefix(args, "--user list-unit-files") {
		t.Errorf("user: systemctl %q", args)
	}
}

func TestSearchLayerNames(t *testing.T) {
	for i, l := range SearchLayers {
		if l != SearchLayer(i) || l.String() != SearchLayerNames[i] {
			t.Errorf("layer %d: %v %q", i, l, l.String())
		}
	}
	if !reflect.DeepEqual(SearchLayerNames, []string{"persistent", "runtime", "vendor"}) {
		t.Errorf("SearchLayerNames = %q", SearchLayerNames)
	}
}
