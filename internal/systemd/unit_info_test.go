package systemd

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
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

// dirLines is the "dir" part of an answer: kinds gives what some
// directories hold (by path); every other directory holds nothing.
func dirLines(s Scope, name string, kinds map[string]string) string {
	var b strings.Builder
	for _, d := range s.unitDirs() {
		p := d.path + "/" + name
		if d.path == "" {
			p = userDirForTest(d) + "/" + name
		}
		k := kinds[p]
		if k == "" {
			k = "none"
		}
		b.WriteString("dir\t" + k + "\t" + p + "\n")
	}
	return b.String()
}

// userDirForTest is where a user's own directories are for deploy (uid
// 1000) in the answers below.
func userDirForTest(d unitDir) string {
	switch d.layer {
	case SearchPersistent:
		return "/home/deploy/.config/systemd/user"
	case SearchRuntime:
		return "/run/user/1000/systemd/user"
	}
	return "/home/deploy/.local/share/systemd/user"
}

const (
	cronShow = "show\tLoadState=loaded\nshow\tActiveState=active\nshow\tFragmentPath=/lib/systemd/system/cron.service\nshow\tUnitFileState=enabled\n"
	sudoShow = "show\tLoadState=masked\nshow\tActiveState=inactive\nshow\tFragmentPath=/lib/systemd/system/sudo.service\nshow\tUnitFileState=masked\n"
)

func TestUnitInfoCommand(t *testing.T) {
	tests := []struct {
		scope       Scope
		name        string
		args        []string // after the script
		withManager bool
		systemctl   string
	}{
		{ScopeSystem, "cron.service", []string{"probe", "cron.service"}, true, "systemctl show -p LoadState,ActiveState,UnitFileState,FragmentPath -- \"$1\""},
		// An instance: its template too, which systemd loads when the
		// instance has no file of its own.
		{ScopeSystem, "getty@tty1.service", []string{"probe", "getty@tty1.service", "getty@.service"}, true, "systemctl show"},
		// A template is never loaded: no show, only its unit file state.
		{ScopeSystem, "getty@.service", []string{"probe", "getty@.service"}, false, "systemctl is-enabled -- \"$1\""},
		{ScopeUser, "--help.service", []string{"probe", "--help.service"}, true, "systemctl --user show -p"},
		// --global has no manager to ask.
		{ScopeGlobal, "a.service", []string{"probe", "a.service"}, false, "systemctl --global is-enabled -- \"$1\""},
	}
	for _, tt := range tests {
		cmd := tt.scope.UnitInfoCommand(tt.name)
		if cmd.Privileged {
			t.Errorf("%s %s: reading needs no privileges, and never sudo", tt.scope, tt.name)
		}
		if len(cmd.Argv) < 3 || cmd.Argv[0] != "sh" || cmd.Argv[1] != "-c" {
			t.Fatalf("argv = %q", cmd.Argv)
		}
		script := cmd.Argv[2]
		if script != tt.scope.unitInfoScript(tt.withManager) {
			t.Errorf("%s %s: not the script with manager=%v", tt.scope, tt.name, tt.withManager)
		}
		if !reflect.DeepEqual(cmd.Argv[3:], tt.args) {
			t.Errorf("%s %s: args = %q, want %q", tt.scope, tt.name, cmd.Argv[3:], tt.args)
		}
		if !strings.Contains(script, tt.systemctl) {
			t.Errorf("%s %s: script lacks %q:\n%s", tt.scope, tt.name, tt.systemctl, script)
		}
		// The names are arguments, never part of the script's text.
		for _, n := range tt.args[1:] {
			if strings.Contains(script, n) {
				t.Errorf("script text contains the name %q", n)
			}
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
	layers := func(ls ...SearchLayer) []SearchLayer { return ls }
	tests := []struct {
		what   string
		scope  Scope
		name   string
		answer string
		status *UnitStatus
		state  string
		masks  []SearchLayer
	}{
		{
			what: "a running unit", scope: ScopeSystem, name: "cron.service",
			answer: dirLines(ScopeSystem, "cron.service", map[string]string{
				"/lib/systemd/system/cron.service": "unit", "/usr/lib/systemd/system/cron.service": "unit",
			}) + cronShow + "end\n",
			status: &UnitStatus{LoadState: "loaded", ActiveState: "active", FragmentPath: "/lib/systemd/system/cron.service"},
			state:  "enabled",
		},
		{
			// Debian's own mask, seen twice through the /lib link: one layer.
			what: "a vendor mask", scope: ScopeSystem, name: "sudo.service",
			answer: dirLines(ScopeSystem, "sudo.service", map[string]string{
				"/lib/systemd/system/sudo.service": "null", "/usr/lib/systemd/system/sudo.service": "null",
			}) + sudoShow + "end\n",
			status: &UnitStatus{LoadState: "masked", ActiveState: "inactive", FragmentPath: "/lib/systemd/system/sudo.service"},
			state:  "masked",
			masks:  layers(SearchVendor),
		},
		{
			what: "masked persistently and at runtime, one of them by an empty file", scope: ScopeSystem, name: "x.service",
			answer: dirLines(ScopeSystem, "x.service", map[string]string{
				"/etc/systemd/system/x.service": "null", "/run/systemd/system/x.service": "empty",
			}) + "show\tLoadState=masked\nshow\tActiveState=inactive\nshow\tFragmentPath=/etc/systemd/system/x.service\nshow\tUnitFileState=masked\nend\n",
			status: &UnitStatus{LoadState: "masked", ActiveState: "inactive", FragmentPath: "/etc/systemd/system/x.service"},
			state:  "masked",
			masks:  layers(SearchPersistent, SearchRuntime),
		},
		{
			// A unit file in /usr/local/lib hides the mask in /lib: within a
			// layer, the first directory holding anything counts.
			what: "a local unit file before a vendor mask", scope: ScopeSystem, name: "x.service",
			answer: dirLines(ScopeSystem, "x.service", map[string]string{
				"/usr/local/lib/systemd/system/x.service": "unit", "/lib/systemd/system/x.service": "null",
			}) + "show\tLoadState=loaded\nshow\tActiveState=inactive\nshow\tFragmentPath=/usr/local/lib/systemd/system/x.service\nshow\tUnitFileState=static\nend\n",
			status: &UnitStatus{LoadState: "loaded", ActiveState: "inactive", FragmentPath: "/usr/local/lib/systemd/system/x.service"},
			state:  "static",
		},
		{
			what: "a unit that does not exist", scope: ScopeSystem, name: "nope.service",
			answer: dirLines(ScopeSystem, "nope.service", nil) +
				"show\tLoadState=not-found\nshow\tActiveState=inactive\nshow\tFragmentPath=\nshow\tUnitFileState=\nend\n",
			status: &UnitStatus{LoadState: "not-found", ActiveState: "inactive"},
		},
		{
			// The container masks getty@.service in /etc: every instance
			// without a file of its own is masked through it.
			what: "an instance masked through its template", scope: ScopeSystem, name: "getty@tty1.service",
			answer: dirLines(ScopeSystem, "getty@tty1.service", nil) + dirLines(ScopeSystem, "getty@.service", map[string]string{
				"/etc/systemd/system/getty@.service": "null", "/lib/systemd/system/getty@.service": "unit", "/usr/lib/systemd/system/getty@.service": "unit",
			}) + "show\tLoadState=masked\nshow\tActiveState=inactive\nshow\tFragmentPath=/etc/systemd/system/getty@.service\nshow\tUnitFileState=masked\nend\n",
			status: &UnitStatus{LoadState: "masked", ActiveState: "inactive", FragmentPath: "/etc/systemd/system/getty@.service"},
			state:  "masked",
			masks:  layers(SearchPersistent),
		},
		{
			what: "an instance with a file of its own hides its template's mask", scope: ScopeSystem, name: "a@b.service",
			answer: dirLines(ScopeSystem, "a@b.service", map[string]string{"/run/systemd/system/a@b.service": "unit"}) +
				dirLines(ScopeSystem, "a@.service", map[string]string{"/etc/systemd/system/a@.service": "null"}) +
				"show\tLoadState=loaded\nshow\tActiveState=active\nshow\tFragmentPath=/run/systemd/system/a@b.service\nshow\tUnitFileState=static\nend\n",
			status: &UnitStatus{LoadState: "loaded", ActiveState: "active", FragmentPath: "/run/systemd/system/a@b.service"},
			state:  "static",
		},
		{
			what: "an alias is no mask", scope: ScopeSystem, name: "autovt@.service",
			answer: dirLines(ScopeSystem, "autovt@.service", map[string]string{"/lib/systemd/system/autovt@.service": "link"}) +
				"is-enabled\tmasked\nend\n",
			state: "masked",
		},
		{
			what: "a template", scope: ScopeSystem, name: "getty@.service",
			answer: dirLines(ScopeSystem, "getty@.service", map[string]string{"/etc/systemd/system/getty@.service": "null", "/lib/systemd/system/getty@.service": "unit"}) +
				"is-enabled\tmasked\nend\n",
			state: "masked",
			masks: layers(SearchPersistent),
		},
		{
			what: "a user's runtime mask", scope: ScopeUser, name: "q.service",
			answer: dirLines(ScopeUser, "q.service", map[string]string{"/run/user/1000/systemd/user/q.service": "null"}) +
				"show\tLoadState=masked\nshow\tActiveState=inactive\nshow\tFragmentPath=/run/user/1000/systemd/user/q.service\nshow\tUnitFileState=masked-runtime\nend\n",
			status: &UnitStatus{LoadState: "masked", ActiveState: "inactive", FragmentPath: "/run/user/1000/systemd/user/q.service"},
			state:  "masked-runtime",
			masks:  layers(SearchRuntime),
		},
		{
			// systemctl --global mask reaches every user's manager.
			what: "a global mask, seen by a user", scope: ScopeUser, name: "g.service",
			answer: dirLines(ScopeUser, "g.service", map[string]string{"/etc/systemd/user/g.service": "null", "/usr/lib/systemd/user/g.service": "unit"}) +
				"show\tLoadState=masked\nshow\tActiveState=inactive\nshow\tFragmentPath=/etc/systemd/user/g.service\nshow\tUnitFileState=masked\nend\n",
			status: &UnitStatus{LoadState: "masked", ActiveState: "inactive", FragmentPath: "/etc/systemd/user/g.service"},
			state:  "masked",
			masks:  layers(SearchPersistent),
		},
		{
			what: "global: masked at runtime", scope: ScopeGlobal, name: "gr.service",
			answer: dirLines(ScopeGlobal, "gr.service", map[string]string{"/run/systemd/user/gr.service": "null"}) + "is-enabled\tmasked-runtime\nend\n",
			state:  "masked-runtime",
			masks:  layers(SearchRuntime),
		},
		{
			// systemd 252 says nothing on stdout about a unit it cannot find.
			what: "global: no such unit", scope: ScopeGlobal, name: "nope.service",
			answer: dirLines(ScopeGlobal, "nope.service", nil) + "is-enabled\t\nend\n",
		},
		{
			// Later versions say not-found.
			what: "global: not-found", scope: ScopeGlobal, name: "nope.service",
			answer: dirLines(ScopeGlobal, "nope.service", nil) + "is-enabled\tnot-found\nend\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.what, func(t *testing.T) {
			got, err := tt.scope.ParseUnitInfo([]byte(tt.answer), tt.name)
			if err != nil {
				t.Fatalf("ParseUnitInfo: %v\n%s", err, tt.answer)
			}
			if got.Name != tt.name || !reflect.DeepEqual(got.Status, tt.status) || got.UnitFileState != tt.state {
				t.Errorf("got %q %+v %q, want %q %+v %q", got.Name, got.Status, got.UnitFileState, tt.name, tt.status, tt.state)
			}
			if masks := got.MaskLayers(); !reflect.DeepEqual(masks, tt.masks) {
				t.Errorf("MaskLayers() = %v, want %v", masks, tt.masks)
			}
			if got.Masked() != (len(tt.masks) > 0) {
				t.Errorf("Masked() = %v", got.Masked())
			}
		})
	}
}

// Every answer that is not complete and exactly about the unit asked is an
// error: never a unit that is not masked.
func TestParseUnitInfoRejects(t *testing.T) {
	sudoDirs := dirLines(ScopeSystem, "sudo.service", map[string]string{"/lib/systemd/system/sudo.service": "null"})
	good := sudoDirs + sudoShow + "end\n"
	if _, err := ScopeSystem.ParseUnitInfo([]byte(good), "sudo.service"); err != nil {
		t.Fatalf("the good answer: %v", err)
	}
	dropLine := func(s string, i int) string {
		lines := strings.SplitAfter(s, "\n")
		return strings.Join(append(lines[:i:i], lines[i+1:]...), "")
	}
	tests := []struct {
		what   string
		scope  Scope
		name   string
		answer string
		want   string
	}{
		{"nothing", ScopeSystem, "sudo.service", "", `does not end in "end"`},
		{"only end", ScopeSystem, "sudo.service", "end\n", "0 lines"},
		{"cut short", ScopeSystem, "sudo.service", good[:len(good)/2], `does not end in "end"`},
		{"no final newline", ScopeSystem, "sudo.service", strings.TrimSuffix(good, "\n"), `does not end in "end"`},
		{"after end", ScopeSystem, "sudo.service", good + "dir\tnull\t/etc/systemd/system/sudo.service\n", `does not end in "end"`},
		{"a directory missing", ScopeSystem, "sudo.service", dropLine(good, 1), "expected the entry of sudo.service in /run/systemd/system"},
		{"about another unit", ScopeSystem, "sudo.service", strings.ReplaceAll(good, "sudo.service", "cron.service"), "expected the entry of sudo.service"},
		{"an unknown kind", ScopeSystem, "sudo.service", strings.Replace(good, "dir\tnone", "dir\tmasked", 1), "line 1"},
		{"a relative path", ScopeSystem, "sudo.service", strings.Replace(good, "/etc/systemd/system/", "etc/systemd/system/", 1), "line 1"},
		{"a property missing", ScopeSystem, "sudo.service", sudoDirs + strings.Replace(sudoShow, "show\tActiveState=inactive\n", "", 1) + "end\n", "no ActiveState"},
		{"a property twice", ScopeSystem, "sudo.service", sudoDirs + sudoShow + "show\tLoadState=loaded\nend\n", "LoadState twice"},
		{"another property", ScopeSystem, "sudo.service", sudoDirs + sudoShow + "show\tSubState=dead\nend\n", `"show\tSubState=dead"`},
		{"an untagged line", ScopeSystem, "sudo.service", sudoDirs + "LoadState=masked\n" + sudoShow + "end\n", "expected a property"},
		{"show said nothing", ScopeSystem, "sudo.service", sudoDirs + "show\t\nend\n", "expected a property"},
		{"an empty LoadState", ScopeSystem, "sudo.service", sudoDirs + strings.Replace(sudoShow, "LoadState=masked", "LoadState=", 1) + "end\n", "empty LoadState"},
		{"is-enabled where show was expected", ScopeSystem, "sudo.service", sudoDirs + "is-enabled\tmasked\nend\n", "expected a property"},
		{"show where is-enabled was expected", ScopeGlobal, "g.service", dirLines(ScopeGlobal, "g.service", nil) + sudoShow + "end\n", "expected one is-enabled line"},
		{"no is-enabled line", ScopeGlobal, "g.service", dirLines(ScopeGlobal, "g.service", nil) + "end\n", "expected one is-enabled line"},
		{"is-enabled garbled", ScopeGlobal, "g.service", dirLines(ScopeGlobal, "g.service", nil) + "is-enabled\tFailed to get\nend\n", "no unit file state"},
		{
			// A file is there, so an empty state means systemctl failed.
			"is-enabled silent about an existing unit", ScopeGlobal, "g.service",
			dirLines(ScopeGlobal, "g.service", map[string]string{"/etc/systemd/user/g.service": "null"}) + "is-enabled\t\nend\n",
			"no state, though /etc/systemd/user/g.service exists",
		},
		{"system paths for a global unit", ScopeGlobal, "g.service", dirLines(ScopeSystem, "g.service", nil) + "is-enabled\t\nend\n", "expected the entry of g.service in /etc/systemd/user"},
		{"the template's lines missing", ScopeSystem, "getty@tty1.service", dirLines(ScopeSystem, "getty@tty1.service", nil) + sudoShow + "end\n", "expected at least 10"},
		{"the template answered for the instance", ScopeSystem, "getty@tty1.service", dirLines(ScopeSystem, "getty@.service", nil) + dirLines(ScopeSystem, "getty@.service", nil) + sudoShow + "end\n", "expected the entry of getty@tty1.service"},
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

func TestManagerUnitInfo(t *testing.T) {
	answer := dirLines(ScopeSystem, "cron.service", map[string]string{"/lib/systemd/system/cron.service": "unit"}) + cronShow + "end\n"
	r := &unitInfoRunner{res: Result{Stdout: []byte(answer)}}
	info, err := Manager{Runner: r}.UnitInfo(context.Background(), "cron.service")
	if err != nil || info.Status == nil || info.Status.ActiveState != "active" {
		t.Fatalf("UnitInfo = %+v, %v", info, err)
	}
	if len(r.got) != 1 || !reflect.DeepEqual(r.got[0], ScopeSystem.UnitInfoCommand("cron.service")) {
		t.Errorf("ran %v, want the one unit-info command", r.got)
	}

	// systemctl --user without a user manager: show fails, the script too.
	r = &unitInfoRunner{res: Result{ExitCode: 1, Stderr: []byte("Failed to connect to bus: Permission denied\n")}}
	_, err = Manager{Runner: r, Scope: ScopeUser}.UnitInfo(context.Background(), "x.service")
	var ce *CommandError
	if !errors.As(err, &ce) || !ce.NoUserManager() || ce.ExitCode != 1 {
		t.Errorf("no user manager: %v", err)
	}
	if r.got[0].Argv[2] != ScopeUser.unitInfoScript(true) {
		t.Error("not the user scope's script")
	}

	// A garbled answer is an error, with what the command said on stderr.
	r = &unitInfoRunner{res: Result{Stdout: []byte("dir\tnone\n"), Stderr: []byte("sh: 3: printf: I/O error\n")}}
	if _, err = (Manager{Runner: r}).UnitInfo(context.Background(), "x.service"); err == nil || !strings.Contains(err.Error(), "I/O error") {
		t.Errorf("garbled: %v", err)
	}

	transport := errors.New("connection reset")
	r = &unitInfoRunner{err: transport}
	if _, err = (Manager{Runner: r}).UnitInfo(context.Background(), "x.service"); !errors.Is(err, transport) {
		t.Errorf("transport error: %v", err)
	}
}

// fakeHost is a temporary root with a scope's unit directories and a fake
// systemctl on PATH, for running the real scripts with /bin/sh.
type fakeHost struct {
	root string
	env  []string
	log  string
}

// newFakeHost makes the fixed unit directories of s under a temp root, with
// /lib a link to usr/lib (a merged /usr, as on Debian 12), and a user's own
// directories under root/home/deploy and root/run/user/1000. The fake
// systemctl logs its arguments, prints $FAKE_OUT, and exits $FAKE_STATUS.
func newFakeHost(t *testing.T, s Scope) *fakeHost {
	t.Helper()
	h := &fakeHost{root: t.TempDir()}
	if err := os.MkdirAll(filepath.Join(h.root, "usr/lib"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("usr/lib", filepath.Join(h.root, "lib")); err != nil {
		t.Fatal(err)
	}
	for _, d := range s.unitDirs() {
		p := d.path
		if p == "" {
			p = userDirForTest(d)
		}
		if err := os.MkdirAll(filepath.Join(h.root, p), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	bin := filepath.Join(h.root, "bin")
	h.log = filepath.Join(h.root, "systemctl.log")
	fake := "#!/bin/sh\nprintf '%s\\n' \"$*\" >> " + h.log + "\nprintf '%s' \"$FAKE_OUT\"\nexit \"${FAKE_STATUS:-0}\"\n"
	if err := os.Mkdir(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(bin, "systemctl"), []byte(fake), 0o755); err != nil {
		t.Fatal(err)
	}
	h.env = []string{
		"PATH=" + bin + ":/usr/bin:/bin",
		"HOME=" + filepath.Join(h.root, "home/deploy"),
		"XDG_RUNTIME_DIR=" + filepath.Join(h.root, "run/user/1000"),
	}
	return h
}

// path is p (as on the host) in the temp root.
func (h *fakeHost) path(p string) string { return filepath.Join(h.root, p) }

func (h *fakeHost) symlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.Symlink(target, h.path(link)); err != nil {
		t.Fatal(err)
	}
}

func (h *fakeHost) write(t *testing.T, p, content string) {
	t.Helper()
	if err := os.WriteFile(h.path(p), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// run runs cmd's script with /bin/sh, its fixed unit directories moved
// into the temp root, and returns its answer with the root taken out of
// the paths again, and the fake systemctl's arguments.
func (h *fakeHost) run(t *testing.T, s Scope, cmd Command, systemctlOut string, systemctlStatus int) (answer, systemctlArgs string) {
	t.Helper()
	script := cmd.Argv[2]
	var moved []string
	for _, d := range s.unitDirs() {
		if d.path != "" {
			moved = append(moved, h.path(d.path))
		} else {
			moved = append(moved, d.word)
		}
	}
	loop := "for d in " + s.dirWords() + ";"
	if !strings.Contains(script, loop) {
		t.Fatalf("test setup: the script no longer loops over the unit directories as %q:\n%s", loop, script)
	}
	script = strings.ReplaceAll(script, loop, "for d in "+strings.Join(moved, " ")+";")
	sh := exec.Command("/bin/sh", append([]string{"-c", script}, cmd.Argv[3:]...)...)
	sh.Env = append(h.env, "FAKE_OUT="+systemctlOut, "FAKE_STATUS="+strconv.Itoa(systemctlStatus))
	out, err := sh.Output()
	if err != nil {
		t.Fatalf("script: %v\n%s", err, out)
	}
	args, err := os.ReadFile(h.log)
	if err != nil {
		t.Fatalf("systemctl did not run: %v", err)
	}
	_ = os.Remove(h.log)
	return strings.ReplaceAll(string(out), h.root, ""), string(args)
}

// TestUnitInfoScriptClassifies runs the real script with /bin/sh against
// temporary unit directories and a fake systemctl, and parses its answer:
// the script and ParseUnitInfo must agree on what systemd counts as a mask,
// in which layer.
func TestUnitInfoScriptClassifies(t *testing.T) {
	h := newFakeHost(t, ScopeSystem)
	h.write(t, "/usr/lib/empty", "")
	h.write(t, "/usr/lib/systemd/system/real.service", "[Service]\nExecStart=/bin/true\n")
	h.symlink(t, "/dev/null", "/usr/lib/systemd/system/vendor.service")
	h.symlink(t, "/dev/null", "/etc/systemd/system/both.service")
	h.write(t, "/run/systemd/system/both.service", "")
	// A link to an empty file, and a chain of links to /dev/null: masks.
	h.symlink(t, h.path("/usr/lib/empty"), "/run/systemd/system/to-empty.service")
	h.symlink(t, h.path("/etc/systemd/system/both.service"), "/run/systemd/system/chain.service")
	// systemd takes any character device for a mask.
	h.symlink(t, "/dev/zero", "/etc/systemd/system/zero.service")
	// An alias, a broken link, a directory: no masks.
	h.symlink(t, "real.service", "/usr/lib/systemd/system/alias.service")
	h.symlink(t, h.path("/missing"), "/etc/systemd/system/dangling.service")
	if err := os.Mkdir(h.path("/etc/systemd/system/dir.service"), 0o755); err != nil {
		t.Fatal(err)
	}
	h.symlink(t, "/dev/null", "/etc/systemd/system/tmpl@.service")
	h.write(t, "/etc/systemd/system/--help.service", "")
	show := "LoadState=loaded\nActiveState=inactive\nFragmentPath=/x\nUnitFileState=static\n"

	tests := []struct {
		name  string
		masks []SearchLayer
	}{
		{"real.service", nil},
		{"vendor.service", []SearchLayer{SearchVendor}},
		{"both.service", []SearchLayer{SearchPersistent, SearchRuntime}},
		{"to-empty.service", []SearchLayer{SearchRuntime}},
		{"chain.service", []SearchLayer{SearchRuntime}},
		{"zero.service", []SearchLayer{SearchPersistent}},
		{"alias.service", nil},
		{"dangling.service", nil},
		{"dir.service", nil},
		{"absent.service", nil},
		{"tmpl@i.service", []SearchLayer{SearchPersistent}},
		{"--help.service", []SearchLayer{SearchPersistent}},
	}
	for _, tt := range tests {
		cmd := ScopeSystem.UnitInfoCommand(tt.name)
		answer, args := h.run(t, ScopeSystem, cmd, show, 0)
		info, err := ScopeSystem.ParseUnitInfo([]byte(answer), tt.name)
		if err != nil {
			t.Errorf("%s: %v\n%s", tt.name, err, answer)
			continue
		}
		if got := info.MaskLayers(); !reflect.DeepEqual(got, tt.masks) {
			t.Errorf("%s: mask layers %v, want %v\n%s", tt.name, got, tt.masks, answer)
		}
		if want := "show -p LoadState,ActiveState,UnitFileState,FragmentPath -- " + tt.name + "\n"; args != want {
			t.Errorf("%s: systemctl %q, want %q", tt.name, args, want)
		}
	}

	// systemctl show failing fails the script, with its status.
	cmd := ScopeSystem.UnitInfoCommand("x.service")
	sh := exec.Command("/bin/sh", append([]string{"-c", cmd.Argv[2]}, cmd.Argv[3:]...)...)
	sh.Env = append(h.env, "FAKE_STATUS=4")
	if err := sh.Run(); err == nil {
		t.Error("the script succeeded though systemctl show failed")
	} else if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 4 {
		t.Errorf("script: %v, want exit status 4", err)
	}
}

// The global and user scopes, through the real script: a user's own
// directories come from the remote environment.
func TestUnitInfoScriptScopes(t *testing.T) {
	g := newFakeHost(t, ScopeGlobal)
	g.symlink(t, "/dev/null", "/run/systemd/user/gr.service")
	answer, args := g.run(t, ScopeGlobal, ScopeGlobal.UnitInfoCommand("gr.service"), "masked-runtime\n", 1)
	info, err := ScopeGlobal.ParseUnitInfo([]byte(answer), "gr.service")
	if err != nil {
		t.Fatalf("global: %v\n%s", err, answer)
	}
	if info.Status != nil || info.UnitFileState != "masked-runtime" || !reflect.DeepEqual(info.MaskLayers(), []SearchLayer{SearchRuntime}) {
		t.Errorf("global: %+v", info)
	}
	if args != "--global is-enabled -- gr.service\n" {
		t.Errorf("global: systemctl %q", args)
	}

	u := newFakeHost(t, ScopeUser)
	u.symlink(t, "/dev/null", "/home/deploy/.config/systemd/user/p.service")
	u.symlink(t, "/dev/null", "/etc/systemd/user/p.service")
	u.write(t, "/run/user/1000/systemd/user/p.service", "")
	u.write(t, "/home/deploy/.local/share/systemd/user/p.service", "")
	show := "LoadState=masked\nActiveState=inactive\nFragmentPath=/home/deploy/.config/systemd/user/p.service\nUnitFileState=masked\n"
	answer, args = u.run(t, ScopeUser, ScopeUser.UnitInfoCommand("p.service"), show, 0)
	info, err = ScopeUser.ParseUnitInfo([]byte(answer), "p.service")
	if err != nil {
		t.Fatalf("user: %v\n%s", err, answer)
	}
	if want := []SearchLayer{SearchPersistent, SearchRuntime, SearchVendor}; !reflect.DeepEqual(info.MaskLayers(), want) {
		t.Errorf("user: mask layers %v, want %v\n%s", info.MaskLayers(), want, answer)
	}
	if !strings.Contains(answer, "dir\tnull\t/home/deploy/.config/systemd/user/p.service\n") {
		t.Errorf("user: the config directory is not the user's:\n%s", answer)
	}
	if args != "--user show -p LoadState,ActiveState,UnitFileState,FragmentPath -- p.service\n" {
		t.Errorf("user: systemctl %q", args)
	}
}
