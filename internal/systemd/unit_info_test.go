package systemd

import (
	"context"
	"reflect"
	"strings"
	"testing"
)

// unitInfoRunner answers every command with one Result, and records them.
type unitInfoRunner struct {
	res Result
	err error
	got []Command
}

func (r *unitInfoRunner) Run(_ context.Context, cmd Command) (Result, error) {
	r.got = append(r.got, cmd)
	return r.res, r.err
}

const (
	cronShow = "show\tLoadState=loaded\nshow\tActiveState=active\nshow\tFragmentPath=/usr/lib/systemd/system/cron.service\nshow\tUnitFileState=enabled\n"
	sudoShow = "show\tLoadState=masked\nshow\tActiveState=inactive\nshow\tFragmentPath=/usr/lib/systemd/system/sudo.service\nshow\tUnitFileState=masked\n"
)

func TestUnitInfoCommand(t *testing.T) {
	tests := []struct {
		scope Scope
		name  string
		args  []string // after the script
	}{
		{ScopeSystem, "cron.service", []string{"systemd-tf", "info", "system", "0", "cron.service"}},
		// An instance: its template too, which systemd loads when the
		// instance has no entry of its own.
		{ScopeSystem, "getty@tty1.service", []string{"systemd-tf", "info", "system", "0", "getty@tty1.service", "getty@.service"}},
		{ScopeSystem, "getty@.service", []string{"systemd-tf", "info", "system", "0", "getty@.service"}},
		{ScopeUser, "--help.service", []string{"systemd-tf", "info", "user", "0", "--help.service"}},
		{ScopeGlobal, "a.service", []string{"systemd-tf", "info", "global", "0", "a.service"}},
	}
	for _, tt := range tests {
		cmd := tt.scope.UnitInfoCommand(tt.name)
		if cmd.Privileged {
			t.Errorf("%s %s: reading needs no privileges, and never sudo", tt.scope, tt.name)
		}
		// The names are arguments, never part of the script's text.
		if want := append([]string{"sh", "-c", engineScript}, tt.args...); !reflect.DeepEqual(cmd.Argv, want) {
			t.Errorf("%s %s: argv = %q, want %q", tt.scope, tt.name, cmd.Argv[3:], tt.args)
		}
		if got := cmd.String(); got != "sh -c <script> "+strings.Join(tt.args, " ") {
			t.Errorf("String() = %q", got)
		}
	}
}

func TestUnitTemplate(t *testing.T) {
	tests := []struct {
		name, template string
		instance       bool
		isTemplate     bool
	}{
		{"getty@tty1.service", "getty@.service", true, false},
		{"a@b@c.socket", "a@.socket", true, false},
		{"getty@.service", "", false, true},
		{"cron.service", "", false, false},
		{"x.y@z.service", "x.y@.service", true, false},
	}
	for _, tt := range tests {
		got, ok := unitTemplate(tt.name)
		if got != tt.template || ok != tt.instance {
			t.Errorf("unitTemplate(%q) = %q, %v", tt.name, got, ok)
		}
		if isUnitTemplate(tt.name) != tt.isTemplate {
			t.Errorf("isUnitTemplate(%q) = %v", tt.name, !tt.isTemplate)
		}
	}
}

func TestParseUnitInfo(t *testing.T) {
	sys, usr, glb := ScopeSystem, ScopeUser, ScopeGlobal
	layers := func(ls ...SearchLayer) []SearchLayer { return ls }
	show := func(load, active, fragment, state string) string {
		return "show\tLoadState=" + load + "\nshow\tActiveState=" + active + "\nshow\tFragmentPath=" + fragment + "\nshow\tUnitFileState=" + state + "\n"
	}
	tests := []struct {
		what   string
		scope  Scope
		name   string
		answer string
		status *UnitStatus
		state  string
		masks  []SearchLayer
		masked bool
		// loaded is the path systemd loads the unit from ("" for none);
		// shadowed the masks it does not obey.
		loaded   string
		shadowed []string
	}{
		{
			what: "a running unit", scope: sys, name: "cron.service",
			answer: rLine(sys, "cron.service", "/usr/lib/systemd/system:f") + cronShow,
			status: &UnitStatus{LoadState: "loaded", ActiveState: "active", FragmentPath: "/usr/lib/systemd/system/cron.service"},
			state:  "enabled", loaded: "/usr/lib/systemd/system/cron.service",
		},
		{
			what: "a vendor mask", scope: sys, name: "sudo.service",
			answer: rLine(sys, "sudo.service", "/usr/lib/systemd/system:n") + sudoShow,
			status: &UnitStatus{LoadState: "masked", ActiveState: "inactive", FragmentPath: "/usr/lib/systemd/system/sudo.service"},
			state:  "masked", masks: layers(SearchVendor), masked: true, loaded: "/usr/lib/systemd/system/sudo.service",
		},
		{
			what: "masked persistently and at runtime, one of them by an empty file", scope: sys, name: "x.service",
			answer: rLine(sys, "x.service", "/etc/systemd/system:n", "/run/systemd/system:e") + show("masked", "inactive", "/etc/systemd/system/x.service", "masked"),
			status: &UnitStatus{LoadState: "masked", ActiveState: "inactive", FragmentPath: "/etc/systemd/system/x.service"},
			state:  "masked", masks: layers(SearchPersistent, SearchRuntime), masked: true,
			loaded: "/etc/systemd/system/x.service", shadowed: []string{"/run/systemd/system/x.service"},
		},
		{
			// A unit file in /usr/local/lib hides the mask in /usr/lib: the
			// first entry decides.
			what: "a local unit file before a vendor mask", scope: sys, name: "x.service",
			answer: rLine(sys, "x.service", "/usr/local/lib/systemd/system:f", "/usr/lib/systemd/system:n") + show("loaded", "inactive", "/usr/local/lib/systemd/system/x.service", "static"),
			status: &UnitStatus{LoadState: "loaded", ActiveState: "inactive", FragmentPath: "/usr/local/lib/systemd/system/x.service"},
			state:  "static", masks: layers(SearchVendor),
			loaded: "/usr/local/lib/systemd/system/x.service", shadowed: []string{"/usr/lib/systemd/system/x.service"},
		},
		{
			what: "a runtime mask under a unit file in /etc", scope: sys, name: "x.service",
			answer: rLine(sys, "x.service", "/etc/systemd/system:f", "/run/systemd/system:n") + show("loaded", "active", "/etc/systemd/system/x.service", "enabled"),
			status: &UnitStatus{LoadState: "loaded", ActiveState: "active", FragmentPath: "/etc/systemd/system/x.service"},
			state:  "enabled", masks: layers(SearchRuntime),
			loaded: "/etc/systemd/system/x.service", shadowed: []string{"/run/systemd/system/x.service"},
		},
		{
			// The kernel's systemd.mask= writes to generator.early, before /etc.
			what: "masked by the kernel command line", scope: sys, name: "x.service",
			answer: rLine(sys, "x.service", "/run/systemd/generator.early:n", "/etc/systemd/system:f") + show("masked", "inactive", "/run/systemd/generator.early/x.service", "masked-runtime"),
			status: &UnitStatus{LoadState: "masked", ActiveState: "inactive", FragmentPath: "/run/systemd/generator.early/x.service"},
			state:  "masked-runtime", masks: layers(SearchGenerator), masked: true, loaded: "/run/systemd/generator.early/x.service",
		},
		{
			what: "a unit that does not exist", scope: sys, name: "nope.service",
			answer: rLine(sys, "nope.service") + show("not-found", "inactive", "", ""),
			status: &UnitStatus{LoadState: "not-found", ActiveState: "inactive"},
		},
		{
			// The container masks getty@.service in /etc: every instance
			// without an entry of its own is masked through it.
			what: "an instance masked through its template", scope: sys, name: "getty@tty1.service",
			answer: rLine(sys, "getty@tty1.service") + rLine(sys, "getty@.service", "/etc/systemd/system:n", "/usr/lib/systemd/system:f") +
				show("masked", "inactive", "/etc/systemd/system/getty@.service", "masked"),
			status: &UnitStatus{LoadState: "masked", ActiveState: "inactive", FragmentPath: "/etc/systemd/system/getty@.service"},
			state:  "masked", masks: layers(SearchPersistent), masked: true, loaded: "/etc/systemd/system/getty@.service",
		},
		{
			what: "an instance with an entry of its own, later, hides its template's mask", scope: sys, name: "a@b.service",
			answer: rLine(sys, "a@b.service", "/usr/lib/systemd/system:f") + rLine(sys, "a@.service", "/etc/systemd/system:n") +
				show("loaded", "active", "/usr/lib/systemd/system/a@b.service", "static"),
			status: &UnitStatus{LoadState: "loaded", ActiveState: "active", FragmentPath: "/usr/lib/systemd/system/a@b.service"},
			state:  "static", loaded: "/usr/lib/systemd/system/a@b.service",
		},
		{
			// autovt@.service is an alias of getty@.service, which is
			// masked: systemd loads the mask, which is not autovt@'s own.
			what: "an alias of a masked unit", scope: sys, name: "autovt@.service",
			answer: rLine(sys, "autovt@.service", "/usr/lib/systemd/system:a:getty@.service") +
				rLine(sys, "getty@.service", "/etc/systemd/system:n", "/usr/lib/systemd/system:f") + "is-enabled\tmasked\n",
			state: "masked", masked: true, loaded: "/etc/systemd/system/getty@.service",
		},
		{
			what: "an alias of a unit", scope: sys, name: "dbus-org.freedesktop.login1.service",
			answer: rLine(sys, "dbus-org.freedesktop.login1.service", "/usr/lib/systemd/system:a:systemd-logind.service") +
				rLine(sys, "systemd-logind.service", "/usr/lib/systemd/system:f") + show("loaded", "active", "/usr/lib/systemd/system/systemd-logind.service", "static"),
			status: &UnitStatus{LoadState: "loaded", ActiveState: "active", FragmentPath: "/usr/lib/systemd/system/systemd-logind.service"},
			state:  "static", loaded: "/usr/lib/systemd/system/systemd-logind.service",
		},
		{
			what: "a template", scope: sys, name: "getty@.service",
			answer: rLine(sys, "getty@.service", "/etc/systemd/system:n", "/usr/lib/systemd/system:f") + "is-enabled\tmasked\n",
			state:  "masked", masks: layers(SearchPersistent), masked: true, loaded: "/etc/systemd/system/getty@.service",
		},
		{
			what: "a user's runtime mask", scope: usr, name: "q.service",
			answer: rLine(usr, "q.service", "/run/user/1000/systemd/user:n") + show("masked", "inactive", "/run/user/1000/systemd/user/q.service", "masked-runtime"),
			status: &UnitStatus{LoadState: "masked", ActiveState: "inactive", FragmentPath: "/run/user/1000/systemd/user/q.service"},
			state:  "masked-runtime", masks: layers(SearchRuntime), masked: true, loaded: "/run/user/1000/systemd/user/q.service",
		},
		{
			// systemctl --global mask reaches every user's manager.
			what: "a global mask, seen by a user", scope: usr, name: "g.service",
			answer: rLine(usr, "g.service", "/etc/systemd/user:n", "/usr/lib/systemd/user:f") + show("masked", "inactive", "/etc/systemd/user/g.service", "masked"),
			status: &UnitStatus{LoadState: "masked", ActiveState: "inactive", FragmentPath: "/etc/systemd/user/g.service"},
			state:  "masked", masks: layers(SearchGlobal), masked: true, loaded: "/etc/systemd/user/g.service",
		},
		{
			what: "global: masked at runtime", scope: glb, name: "gr.service",
			answer: rLine(glb, "gr.service", "/run/systemd/user:n") + "is-enabled\tmasked-runtime\n",
			state:  "masked-runtime", masks: layers(SearchRuntime), masked: true, loaded: "/run/systemd/user/gr.service",
		},
		{
			// systemd 252 says nothing on stdout about a unit it cannot find.
			what: "global: no such unit", scope: glb, name: "nope.service",
			answer: rLine(glb, "nope.service") + "is-enabled\t\n",
		},
		{
			// Later versions say not-found.
			what: "global: not-found", scope: glb, name: "nope.service",
			answer: rLine(glb, "nope.service") + "is-enabled\tnot-found\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.what, func(t *testing.T) {
			answer := spLines(tt.scope) + tt.answer + "end\n"
			got, err := tt.scope.ParseUnitInfo([]byte(answer), tt.name)
			if err != nil {
				t.Fatalf("ParseUnitInfo: %v\n%s", err, answer)
			}
			if got.Name != tt.name || !reflect.DeepEqual(got.Status, tt.status) || got.UnitFileState != tt.state {
				t.Errorf("got %q %+v %q, want %q %+v %q", got.Name, got.Status, got.UnitFileState, tt.name, tt.status, tt.state)
			}
			if masks := got.MaskLayers(); !reflect.DeepEqual(masks, tt.masks) {
				t.Errorf("MaskLayers() = %v, want %v", masks, tt.masks)
			}
			if got.Masked() != tt.masked || got.Loaded.Path != tt.loaded {
				t.Errorf("Masked() = %v, Loaded %+v; want %v, %q", got.Masked(), got.Loaded, tt.masked, tt.loaded)
			}
			var shadowed []string
			for _, l := range got.Shadowed() {
				shadowed = append(shadowed, l.Path)
			}
			if !reflect.DeepEqual(shadowed, tt.shadowed) {
				t.Errorf("Shadowed() = %q, want %q", shadowed, tt.shadowed)
			}
		})
	}
}

// Every answer that is not complete and exactly about the unit asked is an
// error: never a unit that is not masked.
func TestParseUnitInfoRejects(t *testing.T) {
	sp := spLines(ScopeSystem)
	sudoR := rLine(ScopeSystem, "sudo.service", "/usr/lib/systemd/system:n")
	good := sp + sudoR + sudoShow + "end\n"
	if _, err := ScopeSystem.ParseUnitInfo([]byte(good), "sudo.service"); err != nil {
		t.Fatalf("the good answer: %v", err)
	}
	gsp := spLines(ScopeGlobal)
	gR := rLine(ScopeGlobal, "g.service")
	tests := []struct {
		what   string
		scope  Scope
		name   string
		answer string
		want   string
	}{
		{"nothing", ScopeSystem, "sudo.service", "", `does not end in "end"`},
		{"only end", ScopeSystem, "sudo.service", "end\n", "unit directory of the system scope"},
		{"cut short", ScopeSystem, "sudo.service", good[:len(good)/2], `does not end in "end"`},
		{"no final newline", ScopeSystem, "sudo.service", strings.TrimSuffix(good, "\n"), `does not end in "end"`},
		{"after end", ScopeSystem, "sudo.service", good + sudoR, `does not end in "end"`},
		{"no search path", ScopeSystem, "sudo.service", sudoR + sudoShow + "end\n", "unexpected line 1"},
		{"no entries for the unit", ScopeSystem, "sudo.service", sp + sudoShow + "end\n", "no entries reported for it"},
		{"about another unit", ScopeSystem, "sudo.service", strings.ReplaceAll(good, "sudo.service", "cron.service"), "no entries reported for it"},
		{"an unknown kind", ScopeSystem, "sudo.service", strings.Replace(good, "10:n", "10:m", 1), "unexpected line 13"},
		{"a relative directory", ScopeSystem, "sudo.service", strings.Replace(good, "\t/etc/systemd/system\n", "\tetc/systemd/system\n", 1), "unexpected line 5"},
		{"an entry past the search path", ScopeSystem, "sudo.service", strings.Replace(good, "10:n", "12:n", 1), "unexpected line 13"},
		{"a property missing", ScopeSystem, "sudo.service", sp + sudoR + strings.Replace(sudoShow, "show\tActiveState=inactive\n", "", 1) + "end\n", "no ActiveState"},
		{"a property twice", ScopeSystem, "sudo.service", sp + sudoR + sudoShow + "show\tLoadState=loaded\nend\n", "LoadState twice"},
		{"another property", ScopeSystem, "sudo.service", sp + sudoR + sudoShow + "show\tSubState=dead\nend\n", `"SubState=dead"`},
		{"an untagged line", ScopeSystem, "sudo.service", sp + sudoR + "LoadState=masked\n" + sudoShow + "end\n", "unexpected line 14"},
		{"show said nothing", ScopeSystem, "sudo.service", sp + sudoR + "show\t\nend\n", "expected a property"},
		{"an empty LoadState", ScopeSystem, "sudo.service", sp + sudoR + strings.Replace(sudoShow, "LoadState=masked", "LoadState=", 1) + "end\n", "empty LoadState"},
		{"is-enabled where show was expected", ScopeSystem, "sudo.service", sp + sudoR + "is-enabled\tmasked\nend\n", "gave no LoadState"},
		{"show where is-enabled was expected", ScopeGlobal, "g.service", gsp + gR + sudoShow + "end\n", "expected one is-enabled line"},
		{"no is-enabled line", ScopeGlobal, "g.service", gsp + gR + "end\n", "expected one is-enabled line"},
		{"is-enabled garbled", ScopeGlobal, "g.service", gsp + gR + "is-enabled\tFailed to get\nend\n", "no unit file state"},
		{
			// A file is there, so an empty state means systemctl failed.
			"is-enabled silent about an existing unit", ScopeGlobal, "g.service",
			gsp + rLine(ScopeGlobal, "g.service", "/etc/systemd/user:n") + "is-enabled\t\nend\n",
			"no state, though /etc/systemd/user/g.service exists",
		},
		{"system paths for a global unit", ScopeGlobal, "g.service", sp + "r\tg.service\t\nis-enabled\t\nend\n", `persistent unit directory of the global scope is "/etc/systemd/system"`},
		{"the template's entries missing", ScopeSystem, "getty@tty1.service", sp + rLine(ScopeSystem, "getty@tty1.service") + sudoShow + "end\n", "no entries reported for its template getty@.service"},
		{"the template answered for the instance", ScopeSystem, "getty@tty1.service", sp + rLine(ScopeSystem, "getty@.service") + sudoShow + "end\n", "no entries reported for it"},
		{"a bad alias", ScopeSystem, "sudo.service", sp + rLine(ScopeSystem, "sudo.service", "/etc/systemd/system:n", "/usr/lib/systemd/system:a:x.service") + sudoShow + "end\n", "unexpected line 13"},
	}
	for _, tt := range tests {
		t.Run(tt.what, func(t *testing.T) {
			got, err := tt.scope.ParseUnitInfo([]byte(tt.answer), tt.name)
			if err == nil {
				t.Fatalf("accepted %q as %+v", tt.answer, got)
			}
			if !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), tt.name) {
				t.Errorf("error %q does not name %s and say %q", err, tt.name, tt.want)
			}
		})
	}
}

// TestUnitInfoScriptClassifies runs the real engine with /bin/sh against
// temporary unit directories and a fake systemctl, and parses its answer:
// the script and ParseUnitInfo must agree on what systemd loads, and what
// it counts as a mask, in which layer.
func TestUnitInfoScriptClassifies(t *testing.T) {
	h := newShellHost(t)
	s := ScopeSystem
	const (
		etc = "/etc/systemd/system/"
		run = "/run/systemd/system/"
		usr = "/usr/lib/systemd/system/"
	)
	h.write("/opt/empty", "")
	h.symlink("/dev/null", "/opt/null-link")
	h.write(usr+"real.service", "[Service]\nExecStart=/bin/true\n")
	h.symlink("/dev/null", usr+"vendor.service")
	h.symlink("/dev/null", etc+"both.service")
	h.write(run+"both.service", "")
	// A link to an empty file, and a chain of links to /dev/null: masks.
	h.symlink("/opt/empty", run+"to-empty.service")
	h.symlink("/opt/null-link", run+"chain.service")
	// systemd takes any character device for a mask.
	h.symlink("/dev/zero", etc+"zero.service")
	// An alias, a broken link, a directory: no masks.
	h.symlink("real.service", usr+"alias.service")
	h.symlink("/missing", etc+"dangling.service")
	h.mkdir(etc + "dir.service")
	// A masked template, and a template whose instance has its own unit.
	h.symlink("/dev/null", etc+"tmpl@.service")
	h.symlink("/dev/null", etc+"own@.service")
	h.write(usr+"own@x.service", "[Service]\n")
	h.write(etc+"--help.service", "")
	// The kernel's systemd.mask=, over a unit file in /etc.
	h.symlink("/dev/null", "/run/systemd/generator.early/gen.service")
	h.write(etc+"gen.service", "[Service]\n")
	// A runtime mask under a unit file in /etc: it masks nothing.
	h.write(etc+"shadowed.service", "[Service]\n")
	h.symlink("/dev/null", run+"shadowed.service")
	h.symlink("/dev/null", "/usr/local/lib/systemd/system/local.service")
	h.write(usr+"local.service", "[Service]\n")
	// An alias of a masked unit.
	h.write(usr+"getty@.service", "[Service]\n")
	h.symlink("/dev/null", etc+"getty@.service")
	h.symlink("getty@.service", usr+"autovt@.service")
	// Links in the search path that are no aliases, skipped by systemd: to
	// the same name, to another unit type, to no unit. A later directory
	// decides.
	h.write(usr+"self.service", "[Service]\n")
	h.symlink(usr+"self.service", etc+"self.service")
	h.write(usr+"typed.socket", "[Socket]\n")
	h.symlink(usr+"typed.socket", etc+"typed.service")
	h.symlink("/dev/null", usr+"typed.service")
	h.write(usr+"README", "")
	h.symlink(usr+"README", etc+"readme.service")
	show := "LoadState=loaded\nActiveState=inactive\nFragmentPath=/x\nUnitFileState=static\n"

	tests := []struct {
		name   string
		masks  []SearchLayer
		masked bool
		loaded string
	}{
		{"real.service", nil, false, usr + "real.service"},
		{"vendor.service", []SearchLayer{SearchVendor}, true, usr + "vendor.service"},
		{"both.service", []SearchLayer{SearchPersistent, SearchRuntime}, true, etc + "both.service"},
		{"to-empty.service", []SearchLayer{SearchRuntime}, true, run + "to-empty.service"},
		{"chain.service", []SearchLayer{SearchRuntime}, true, run + "chain.service"},
		{"zero.service", []SearchLayer{SearchPersistent}, true, etc + "zero.service"},
		{"alias.service", nil, false, usr + "real.service"},
		{"dangling.service", nil, false, etc + "dangling.service"},
		{"dir.service", nil, false, etc + "dir.service"},
		{"absent.service", nil, false, ""},
		{"tmpl@i.service", []SearchLayer{SearchPersistent}, true, etc + "tmpl@.service"},
		{"own@x.service", nil, false, usr + "own@x.service"},
		{"--help.service", []SearchLayer{SearchPersistent}, true, etc + "--help.service"},
		{"gen.service", []SearchLayer{SearchGenerator}, true, "/run/systemd/generator.early/gen.service"},
		{"shadowed.service", []SearchLayer{SearchRuntime}, false, etc + "shadowed.service"},
		{"local.service", []SearchLayer{SearchVendor}, true, "/usr/local/lib/systemd/system/local.service"},
		{"autovt@.service", nil, true, etc + "getty@.service"},
		{"autovt@tty1.service", nil, true, etc + "getty@.service"},
		{"self.service", nil, false, usr + "self.service"},
		{"typed.service", []SearchLayer{SearchVendor}, true, usr + "typed.service"},
		{"readme.service", nil, false, ""},
	}
	for _, tt := range tests {
		cmd := s.UnitInfoCommand(tt.name)
		r := h.run(cmd, "", "FAKE_SHOW="+show, "FAKE_IS_ENABLED=static\n")
		if r.code != 0 {
			t.Fatalf("%s: exit %d: %s", tt.name, r.code, r.stderr)
		}
		if got := spOf(t, s, r.stdout); !reflect.DeepEqual(got, testSearchPath(s)) {
			t.Errorf("%s: search path %v", tt.name, got)
		}
		info, err := s.ParseUnitInfo([]byte(r.stdout), tt.name)
		if err != nil {
			t.Errorf("%s: %v\n%s", tt.name, err, r.stdout)
			continue
		}
		if got := info.MaskLayers(); !reflect.DeepEqual(got, tt.masks) || info.Masked() != tt.masked || info.Loaded.Path != tt.loaded {
			t.Errorf("%s: mask layers %v, masked %v, loaded %q; want %v, %v, %q\n%s", tt.name, got, info.Masked(), info.Loaded.Path, tt.masks, tt.masked, tt.loaded, r.stdout)
		}
		want := []string{"show -P UnitPath", "show -p LoadState,ActiveState,UnitFileState,FragmentPath -- " + tt.name, "is-enabled -- " + tt.name}
		if isUnitTemplate(tt.name) {
			want = []string{"show -P UnitPath", "is-enabled -- " + tt.name}
		}
		if !reflect.DeepEqual(r.calls, want) {
			t.Errorf("%s: systemctl %q, want %q", tt.name, r.calls, want)
		}
	}

	// systemctl show failing fails the script, with its status.
	r := h.run(s.UnitInfoCommand("x.service"), "", "FAKE_STATUS=4")
	if r.code != 4 || strings.Contains(r.stdout, "end\n") {
		t.Errorf("exit %d, want 4, and no end:\n%s", r.code, r.stdout)
	}
}

// The manager's own unit search path, when it answers, replaces the one
// the script computes: a distribution's build decides whether /lib is read
// on its own.
func TestUnitInfoScriptManagerPath(t *testing.T) {
	h := newShellHost(t)
	h.symlink("/dev/null", "/lib/systemd/system/sudo.service")
	unitPath := "/etc/systemd/system.control /run/systemd/transient /run/systemd/generator.early /etc/systemd/system /run/systemd/system " +
		"/run/systemd/generator /usr/lib/systemd/system /lib/systemd/system /run/systemd/generator.late"
	r := h.run(ScopeSystem.UnitInfoCommand("sudo.service"), "", "FAKE_UNITPATH="+unitPath, "FAKE_SHOW=LoadState=masked\nActiveState=inactive\nFragmentPath=\nUnitFileState=masked\n")
	sp := spOf(t, ScopeSystem, r.stdout)
	want := []searchDir{
		{SearchControl, "/etc/systemd/system.control"}, {SearchTransient, "/run/systemd/transient"}, {SearchGenerator, "/run/systemd/generator.early"},
		{SearchPersistent, "/etc/systemd/system"}, {SearchRuntime, "/run/systemd/system"}, {SearchGenerator, "/run/systemd/generator"},
		{SearchVendor, "/usr/lib/systemd/system"}, {SearchVendor, "/lib/systemd/system"}, {SearchGenerator, "/run/systemd/generator.late"},
	}
	if !reflect.DeepEqual(sp, want) {
		t.Errorf("search path %v\nwant        %v", sp, want)
	}
	info, err := ScopeSystem.ParseUnitInfo([]byte(r.stdout), "sudo.service")
	if err != nil {
		t.Fatal(err)
	}
	// /lib is a link to /usr/lib here: the mask is seen in both, and
	// systemd loads the first.
	if info.Loaded.Path != "/usr/lib/systemd/system/sudo.service" || len(info.Masks) != 2 || !reflect.DeepEqual(info.MaskLayers(), []SearchLayer{SearchVendor}) {
		t.Errorf("%+v", info)
	}
}

// The global and user scopes, through the real script: a user's own
// directories come from the remote environment.
func TestUnitInfoScriptScopes(t *testing.T) {
	h := newShellHost(t)
	h.symlink("/dev/null", "/run/systemd/user/gr.service")
	r := h.run(ScopeGlobal.UnitInfoCommand("gr.service"), "", "FAKE_IS_ENABLED=masked-runtime\n", "FAKE_STATUS=1")
	if got := spOf(t, ScopeGlobal, r.stdout); !reflect.DeepEqual(got, testSearchPath(ScopeGlobal)) {
		t.Errorf("global: search path %v", got)
	}
	info, err := ScopeGlobal.ParseUnitInfo([]byte(r.stdout), "gr.service")
	if err != nil {
		t.Fatalf("global: %v\n%s", err, r.stdout)
	}
	if info.Status != nil || info.UnitFileState != "masked-runtime" || !reflect.DeepEqual(info.MaskLayers(), []SearchLayer{SearchRuntime}) {
		t.Errorf("global: %+v", info)
	}
	if want := []string{"--global is-enabled -- gr.service"}; !reflect.DeepEqual(r.calls, want) {
		t.Errorf("global: systemctl %q, want %q", r.calls, want)
	}

	h.symlink("/dev/null", "/home/deploy/.config/systemd/user/p.service")
	h.symlink("/dev/null", "/etc/systemd/user/p.service")
	h.write("/run/user/1000/systemd/user/p.service", "")
	h.write("/home/deploy/.local/share/systemd/user/p.service", "")
	show := "LoadState=masked\nActiveState=inactive\nFragmentPath=/home/deploy/.config/systemd/user/p.service\nUnitFileState=masked\n"
	r = h.run(ScopeUser.UnitInfoCommand("p.service"), "", "FAKE_SHOW="+show)
	if got := spOf(t, ScopeUser, r.stdout); !reflect.DeepEqual(got, testSearchPath(ScopeUser)) {
		t.Errorf("user: search path %v", got)
	}
	info, err = ScopeUser.ParseUnitInfo([]byte(r.stdout), "p.service")
	if err != nil {
		t.Fatalf("user: %v\n%s", err, r.stdout)
	}
	if want := []SearchLayer{SearchPersistent, SearchGlobal, SearchRuntime, SearchVendor}; !reflect.DeepEqual(info.MaskLayers(), want) {
		t.Errorf("user: mask layers %v, want %v\n%s", info.MaskLayers(), want, r.stdout)
	}
	if info.Loaded.Path != "/home/deploy/.config/systemd/user/p.service" {
		t.Errorf("user: loaded %+v", info.Loaded)
	}
	if want := []string{"--user show -P UnitPath", "--user show -p LoadState,ActiveState,UnitFileState,FragmentPath -- p.service", "--user is-enabled -- p.service"}; !reflect.DeepEqual(r.calls, want) {
		t.Errorf("user: systemctl %q, want %q", r.calls, want)
	}

	// An invalid name never reaches systemctl.
	r = h.run(Command{Argv: append(ScopeSystem.UnitInfoCommand("x.service").Argv[:7:7], "x;id.service")}, "")
	if r.code != 2 || strings.Contains(strings.Join(r.calls, "\n"), "x;id") {
		t.Errorf("invalid name: exit %d, systemctl %q", r.code, r.calls)
	}
}

// For an alias, systemctl show reports the unit it names; the unit file
// state users read is is-enabled's ("alias"), which the oracle compares.
func TestParseUnitInfoTakesIsEnabledState(t *testing.T) {
	out := spLines(ScopeSystem) + "r\ta.service\t4:a:b.service\nr\tb.service\t10:f\n" +
		"show\tLoadState=loaded\nshow\tActiveState=inactive\nshow\tUnitFileState=static\nshow\tFragmentPath=/usr/lib/systemd/system/b.service\n" +
		"is-enabled\talias\nend\n"
	info, err := ScopeSystem.ParseUnitInfo([]byte(out), "a.service")
	if err != nil {
		t.Fatal(err)
	}
	if info.UnitFileState != "alias" || info.Masked() {
		t.Errorf("unit file state %q, masked %v", info.UnitFileState, info.Masked())
	}
	// No word from is-enabled (older systemd, a unit it does not know):
	// show's state stands.
	out = strings.Replace(out, "is-enabled\talias\n", "is-enabled\t\n", 1)
	if info, err = ScopeSystem.ParseUnitInfo([]byte(out), "a.service"); err != nil || info.UnitFileState != "static" {
		t.Errorf("%q, %v", info.UnitFileState, err)
	}
}
