package systemd

import (
	"errors"
	"os"
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
		if want := []string{"sh", "-c", engineScript, "systemd-tf", "masked", s.String(), "0"}; !reflect.DeepEqual(cmd.Argv, want) {
			t.Errorf("%s: argv = %q", s, cmd.Argv[3:])
		}
		if got, want := cmd.String(), "sh -c <script> systemd-tf masked "+s.String()+" 0"; got != want {
			t.Errorf("String() = %q, want %q", got, want)
		}
	}
}

// debianAnswer is, in substance, what a fresh test host (Debian 12, in a
// container) answers, plus masks of every kind; debianMasked is what it
// lists.
var (
	debianAnswer = spLines(ScopeSystem) +
		rLine(ScopeSystem, "sudo.service", "/usr/lib/systemd/system:n") +
		// An alias of the masked getty@.service: left out.
		rLine(ScopeSystem, "autovt@.service", "/usr/lib/systemd/system:a:getty@.service") +
		rLine(ScopeSystem, "getty@.service", "/etc/systemd/system:n", "/usr/lib/systemd/system:f") +
		rLine(ScopeSystem, "both.service", "/etc/systemd/system:n", "/run/systemd/system:n") +
		rLine(ScopeSystem, "rt.service", "/run/systemd/system:n") +
		rLine(ScopeSystem, "empty.service", "/etc/systemd/system:e") +
		// The kernel's systemd.mask=.
		rLine(ScopeSystem, "gen.service", "/run/systemd/generator.early:n", "/etc/systemd/system:f") +
		rLine(ScopeSystem, "local.service", "/usr/local/lib/systemd/system:n", "/usr/lib/systemd/system:f") +
		// A runtime mask under a unit file in /etc masks nothing.
		rLine(ScopeSystem, "shadowed.service", "/etc/systemd/system:f", "/run/systemd/system:n") +
		// A mask in /usr/lib under a local unit file.
		rLine(ScopeSystem, "hidden.service", "/usr/local/lib/systemd/system:f", "/usr/lib/systemd/system:n") +
		"end\n"
	debianMasked = []MaskedUnit{
		{Name: "both.service", Layer: SearchPersistent, Path: "/etc/systemd/system/both.service"},
		{Name: "empty.service", Layer: SearchPersistent, Path: "/etc/systemd/system/empty.service"},
		{Name: "gen.service", Layer: SearchGenerator, Path: "/run/systemd/generator.early/gen.service"},
		{Name: "getty@.service", Layer: SearchPersistent, Path: "/etc/systemd/system/getty@.service"},
		{Name: "local.service", Layer: SearchVendor, Path: "/usr/local/lib/systemd/system/local.service"},
		{Name: "rt.service", Layer: SearchRuntime, Path: "/run/systemd/system/rt.service"},
		{Name: "sudo.service", Layer: SearchVendor, Path: "/usr/lib/systemd/system/sudo.service"},
	}
)

func TestParseMaskedUnits(t *testing.T) {
	tests := []struct {
		what   string
		scope  Scope
		answer string
		units  []MaskedUnit
	}{
		{what: "a Debian host", scope: ScopeSystem, answer: debianAnswer, units: debianMasked},
		{what: "nothing masked", scope: ScopeGlobal, answer: spLines(ScopeGlobal) + "end\n"},
		{
			what: "an alias of a masked unit", scope: ScopeSystem,
			answer: spLines(ScopeSystem) + rLine(ScopeSystem, "a.service", "/etc/systemd/system:a:b.service") + rLine(ScopeSystem, "b.service", "/usr/lib/systemd/system:n") + "end\n",
			units:  []MaskedUnit{{Name: "b.service", Layer: SearchVendor, Path: "/usr/lib/systemd/system/b.service"}},
		},
		{
			what: "global masks", scope: ScopeGlobal,
			answer: spLines(ScopeGlobal) +
				rLine(ScopeGlobal, "g.service", "/etc/systemd/user:n") +
				rLine(ScopeGlobal, "gr.service", "/run/systemd/user:n") +
				rLine(ScopeGlobal, "v.service", "/usr/share/systemd/user:e") +
				"end\n",
			units: []MaskedUnit{
				{Name: "g.service", Layer: SearchPersistent, Path: "/etc/systemd/user/g.service"},
				{Name: "gr.service", Layer: SearchRuntime, Path: "/run/systemd/user/gr.service"},
				{Name: "v.service", Layer: SearchVendor, Path: "/usr/share/systemd/user/v.service"},
			},
		},
		{
			what: "a user's masks, and a global one", scope: ScopeUser,
			answer: spLines(ScopeUser) +
				rLine(ScopeUser, "u.service", "/home/deploy/.config/systemd/user:n") +
				rLine(ScopeUser, "ur.service", "/run/user/1000/systemd/user:e") +
				rLine(ScopeUser, "g.service", "/etc/systemd/user:n", "/usr/lib/systemd/user:f") +
				// The user's own unit file hides the global mask.
				rLine(ScopeUser, "mine.service", "/home/deploy/.config/systemd/user:f", "/etc/systemd/user:n") +
				"end\n",
			units: []MaskedUnit{
				{Name: "g.service", Layer: SearchGlobal, Path: "/etc/systemd/user/g.service"},
				{Name: "u.service", Layer: SearchPersistent, Path: "/home/deploy/.config/systemd/user/u.service"},
				{Name: "ur.service", Layer: SearchRuntime, Path: "/run/user/1000/systemd/user/ur.service"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.what, func(t *testing.T) {
			units, err := tt.scope.ParseMaskedUnits([]byte(tt.answer))
			if err != nil {
				t.Fatalf("ParseMaskedUnits: %v", err)
			}
			if !reflect.DeepEqual(units, tt.units) {
				t.Errorf("got  %+v\nwant %+v", units, tt.units)
			}
		})
	}
}

// A truncated or garbled answer, or one about another scope, is an error:
// never a shorter list.
func TestParseMaskedUnitsRejects(t *testing.T) {
	sp := spLines(ScopeSystem)
	sudo := rLine(ScopeSystem, "sudo.service", "/usr/lib/systemd/system:n")
	tests := []struct {
		what   string
		scope  Scope
		answer string
		want   string
	}{
		{"nothing", ScopeSystem, "", `does not end in "end"`},
		{"cut short", ScopeSystem, debianAnswer[:len(debianAnswer)/2], `does not end in "end"`},
		{"cut before end", ScopeSystem, strings.TrimSuffix(debianAnswer, "end\n"), `does not end in "end"`},
		{"only end", ScopeSystem, "end\n", "unit directory of the system scope"},
		{"an unknown line", ScopeSystem, sp + "unit\tsudo.service\tmasked\n" + sudo + "end\n", "unexpected line 13"},
		{"an invalid name", ScopeSystem, sp + "r\tUNIT\t10:n\nend\n", "unexpected line 13"},
		{"a bad entry", ScopeSystem, sp + "r\tsudo.service\t10:n 9:n\nend\n", "unexpected line 13"},
		{"an entry past the search path", ScopeSystem, sp + "r\tsudo.service\t99:n\nend\n", "unexpected line 13"},
		{"system paths for global units", ScopeGlobal, sp + sudo + "end\n", "unit directory of the global scope"},
		{"a global answer for the system", ScopeSystem, spLines(ScopeGlobal) + "end\n", "unit directory of the system scope"},
		{"no runtime directory for a user", ScopeUser, spLinesOf(without(testSearchPath(ScopeUser), "/run/user/1000/systemd/user")) + "end\n", "runtime unit directory of the user scope"},
		{"relative user paths", ScopeUser, strings.ReplaceAll(spLines(ScopeUser), "\t/home/", "\thome/") + "end\n", "unexpected line 1"},
	}
	for _, tt := range tests {
		t.Run(tt.what, func(t *testing.T) {
			units, err := tt.scope.ParseMaskedUnits([]byte(tt.answer))
			if err == nil {
				t.Fatalf("accepted %q as %+v", tt.answer, units)
			}
			if !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "listing the masked units") {
				t.Errorf("error %q does not say %q", err, tt.want)
			}
		})
	}
}

// TestMaskedUnitsScriptClassifies runs the real engine with /bin/sh on
// temporary unit directories, and parses the answer.
func TestMaskedUnitsScriptClassifies(t *testing.T) {
	h := newShellHost(t)
	const (
		etc = "/etc/systemd/system/"
		run = "/run/systemd/system/"
		usr = "/usr/lib/systemd/system/"
	)
	h.symlink("/dev/null", usr+"sudo.service")
	h.write(usr+"getty@.service", "[Service]\n")
	h.symlink("/dev/null", etc+"getty@.service")
	h.symlink("getty@.service", usr+"autovt@.service")
	h.symlink("/dev/null", etc+"both.service")
	h.symlink("/dev/null", run+"both.service")
	h.symlink("/dev/null", run+"rt.service")
	h.write(etc+"empty.service", "")
	h.symlink("/dev/null", "/run/systemd/generator.early/gen.service")
	h.write(etc+"gen.service", "[Service]\n")
	h.symlink("/dev/null", "/usr/local/lib/systemd/system/local.service")
	h.write(usr+"local.service", "[Service]\n")
	h.write(etc+"shadowed.service", "[Service]\n")
	h.symlink("/dev/null", run+"shadowed.service")
	h.write("/usr/local/lib/systemd/system/hidden.service", "[Service]\n")
	h.symlink("/dev/null", usr+"hidden.service")
	// Not units, and names no unit has.
	h.symlink("/dev/null", etc+"multi-user.target.wants/x.service")
	h.symlink("/dev/null", etc+"x\nsshd.service")
	h.symlink("/dev/null", etc+"x\tsshd.service")
	h.symlink("/dev/null", etc+"notaunit")

	r := h.run(ScopeSystem.MaskedUnitsCommand(), "")
	units, err := ScopeSystem.ParseMaskedUnits([]byte(r.stdout))
	if err != nil {
		t.Fatalf("%v\n%s", err, r.stdout)
	}
	if !reflect.DeepEqual(units, debianMasked) {
		t.Errorf("got  %+v\nwant %+v\n%s", units, debianMasked, r.stdout)
	}
	if got := spOf(t, ScopeSystem, r.stdout); !reflect.DeepEqual(got, testSearchPath(ScopeSystem)) {
		t.Errorf("search path %v", got)
	}
	if strings.Contains(r.stdout, "sshd") || strings.Contains(r.stdout, "notaunit") || strings.Contains(r.stdout, "\tx.service") {
		t.Errorf("not units, listed:\n%s", r.stdout)
	}
	if want := []string{"show -P UnitPath"}; !reflect.DeepEqual(r.calls, want) {
		t.Errorf("systemctl %q, want %q", r.calls, want)
	}

	// Nothing masked.
	empty := newShellHost(t)
	r = empty.run(ScopeSystem.MaskedUnitsCommand(), "")
	if r.code != 0 || r.stdout != spLines(ScopeSystem)+"end\n" {
		t.Errorf("nothing masked: exit %d, %q", r.code, r.stdout)
	}

	// A user's masks, in the directories of the remote environment.
	h.symlink("/dev/null", "/home/deploy/.config/systemd/user/u.service")
	h.write("/run/user/1000/systemd/user/ur.service", "")
	h.symlink("/dev/null", "/etc/systemd/user/g.service")
	r = h.run(ScopeUser.MaskedUnitsCommand(), "")
	units, err = ScopeUser.ParseMaskedUnits([]byte(r.stdout))
	if err != nil {
		t.Fatalf("user: %v\n%s", err, r.stdout)
	}
	want := []MaskedUnit{
		{Name: "g.service", Layer: SearchGlobal, Path: "/etc/systemd/user/g.service"},
		{Name: "u.service", Layer: SearchPersistent, Path: "/home/deploy/.config/systemd/user/u.service"},
		{Name: "ur.service", Layer: SearchRuntime, Path: "/run/user/1000/systemd/user/ur.service"},
	}
	if !reflect.DeepEqual(units, want) {
		t.Errorf("user: got %+v, want %+v\n%s", units, want, r.stdout)
	}
	if want := []string{"--user show -P UnitPath"}; !reflect.DeepEqual(r.calls, want) {
		t.Errorf("user: systemctl %q, want %q", r.calls, want)
	}
}

// Where /usr is not merged, /lib is read on its own, after /usr/lib.
func TestMaskedUnitsScriptUnmergedUsr(t *testing.T) {
	h := newShellHost(t)
	if err := os.Remove(h.path("/lib")); err != nil {
		t.Fatal(err)
	}
	h.symlink("/dev/null", "/lib/systemd/system/sudo.service")
	r := h.run(ScopeSystem.MaskedUnitsCommand(), "")
	sp := spOf(t, ScopeSystem, r.stdout)
	if want := append(append(testSearchPath(ScopeSystem)[:11:11], searchDir{SearchVendor, "/lib/systemd/system"}), testSearchPath(ScopeSystem)[11]); !reflect.DeepEqual(sp, want) {
		t.Errorf("search path %v\nwant        %v", sp, want)
	}
	units, err := ScopeSystem.ParseMaskedUnits([]byte(r.stdout))
	if want := []MaskedUnit{{Name: "sudo.service", Layer: SearchVendor, Path: "/lib/systemd/system/sudo.service"}}; err != nil || !reflect.DeepEqual(units, want) {
		t.Errorf("%+v, %v", units, err)
	}
}

func TestSearchLayerNames(t *testing.T) {
	want := []string{"persistent", "runtime", "vendor", "control", "transient", "generator", "attached", "global"}
	if !reflect.DeepEqual(SearchLayerNames, want) {
		t.Errorf("SearchLayerNames = %q", SearchLayerNames)
	}
	for i, n := range SearchLayerNames {
		l, ok := searchLayerByName(n)
		if !ok || l != SearchLayer(i) || l.String() != n {
			t.Errorf("layer %d: %v %v %q", i, l, ok, l.String())
		}
	}
	for _, bad := range []string{"", "Persistent", "etc"} {
		if _, ok := searchLayerByName(bad); ok {
			t.Errorf("searchLayerByName(%q) accepted", bad)
		}
	}
}

// A link from /etc to a vendor mask is an alias of that unit, not a mask
// of its own, though its chain ends at /dev/null: systemd loads the alias
// by its target's name (the oracle found this on systemd 252). One
// readlink reads every deciding link of the answer.
func TestMaskedUnitsScriptAliasOfAMask(t *testing.T) {
	h := newShellHost(t)
	h.symlink("/dev/null", "/usr/lib/systemd/system/target.service")
	h.symlink("/usr/lib/systemd/system/target.service", "/etc/systemd/system/alias.service")
	h.symlink("/dev/null", "/etc/systemd/system/own.service")
	h.write("/bin/readlink", "#!/bin/sh\necho \"$*\" >>\"$FAKE_LOG.readlink\"\nexec /usr/bin/readlink \"$@\"\n")
	if err := os.Chmod(h.path("/bin/readlink"), 0o755); err != nil {
		t.Fatal(err)
	}
	r := h.run(ScopeSystem.MaskedUnitsCommand(), "")
	units, err := ScopeSystem.ParseMaskedUnits([]byte(r.stdout))
	if err != nil {
		t.Fatalf("%v\n%s", err, r.stdout)
	}
	want := []MaskedUnit{
		{Name: "own.service", Layer: SearchPersistent, Path: "/etc/systemd/system/own.service"},
		{Name: "target.service", Layer: SearchVendor, Path: "/usr/lib/systemd/system/target.service"},
	}
	if !reflect.DeepEqual(units, want) {
		t.Errorf("got  %+v\nwant %+v\n%s", units, want, r.stdout)
	}
	if !strings.Contains(r.stdout, "r\talias.service\t4:a:target.service") {
		t.Errorf("the alias is not reported as one:\n%s", r.stdout)
	}
	if got := h.take(h.log + ".readlink"); len(got) != 1 {
		t.Errorf("readlink ran %d times, want once: %q", len(got), got)
	}

	// A runtime mask under that alias would not mask by itself: refused.
	res, _ := h.batch(ScopeSystem, []Op{{Kind: OpMask, Name: "alias.service", Layer: Runtime}}, false)
	var shadowed *ShadowedMaskError
	if !errors.As(res.Ops[0].Err, &shadowed) || !shadowed.By.Link || shadowed.By.Path != "/etc/systemd/system/alias.service" {
		t.Errorf("runtime mask under the alias: %+v", res.Ops[0])
	}
	// A mask the batch just made is systemctl's own link: no readlink.
	h.take(h.log + ".readlink")
	if res, _ := h.batch(ScopeSystem, []Op{{Kind: OpMask, Name: "new.service"}}, false); res.Ops[0].Err != nil {
		t.Fatal(res.Ops[0].Err)
	}
	if got := h.take(h.log + ".readlink"); len(got) != 0 {
		t.Errorf("readlink ran after a mask of the batch's own: %q", got)
	}
}

// An alias in /etc whose chain ends at /dev/null is no mask of its own:
// masking its name there is refused as systemctl refuses a file, and the
// alias is left as it was (systemctl would take it for the mask).
func TestBatchScriptRefusesAnAliasInTheWay(t *testing.T) {
	h := newShellHost(t)
	h.symlink("/dev/null", "/etc/systemd/system.control/y.service")
	h.symlink("/etc/systemd/system.control/y.service", "/etc/systemd/system/x.service")
	res, run := h.batch(ScopeSystem, []Op{{Kind: OpMask, Name: "x.service"}}, false)
	var exists *UnitFileExistsError
	if !errors.As(res.Ops[0].Err, &exists) || exists.Path() != "/etc/systemd/system/x.service" {
		t.Errorf("mask over an alias: %+v", res.Ops[0])
	}
	for _, c := range run.calls {
		if strings.HasPrefix(c, "mask") {
			t.Errorf("systemctl was asked to mask over the alias: %q", c)
		}
	}
	if target, err := os.Readlink(h.path("/etc/systemd/system/x.service")); err != nil || target != h.path("/etc/systemd/system.control/y.service") {
		t.Errorf("the alias changed: %q, %v", target, err)
	}
}
