package systemd

import (
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestMaskAndUnmaskCommands(t *testing.T) {
	tests := []struct {
		cmd  Command
		want []string
	}{
		{MaskCommand("cron.service", Persistent), []string{"systemctl", "mask", "--", "cron.service"}},
		{MaskCommand("cron.service", Runtime), []string{"systemctl", "mask", "--runtime", "--", "cron.service"}},
		{UnmaskCommand("cron.service", Persistent), []string{"systemctl", "unmask", "--", "cron.service"}},
		{UnmaskCommand("cron.service", Runtime), []string{"systemctl", "unmask", "--runtime", "--", "cron.service"}},
		// "--" must come before a name that looks like an option.
		{MaskCommand("--help.service", Persistent), []string{"systemctl", "mask", "--", "--help.service"}},
		{UnmaskCommand("--runtime.service", Persistent), []string{"systemctl", "unmask", "--", "--runtime.service"}},
	}
	for _, tt := range tests {
		if !reflect.DeepEqual(tt.cmd.Argv, tt.want) {
			t.Errorf("argv = %q, want %q", tt.cmd.Argv, tt.want)
		}
		// Changing unit files needs root: the transport adds sudo only to
		// privileged commands.
		if !tt.cmd.Privileged {
			t.Errorf("%q is not Privileged", tt.cmd.Argv)
		}
	}
}

func TestProbeCommand(t *testing.T) {
	names := []string{"a.service", "--help.service", "getty@tty1.service"}
	cmd := ProbeCommand(names...)
	// Reading unit directories needs no root, so never goes through sudo.
	if cmd.Privileged {
		t.Error("ProbeCommand is Privileged")
	}
	want := append([]string{"sh", "-c", probeScript, "probe"}, names...)
	if !reflect.DeepEqual(cmd.Argv, want) {
		t.Errorf("argv = %q, want %q", cmd.Argv, want)
	}
	// The names are arguments of the script, never part of its text.
	for _, n := range names {
		if strings.Contains(cmd.Argv[2], n) {
			t.Errorf("script text contains the name %q", n)
		}
	}
}

func TestCommandString(t *testing.T) {
	tests := []struct {
		cmd  Command
		want string
	}{
		{MaskCommand("x.service", Runtime), "systemctl mask --runtime -- x.service"},
		// The multi-line script is elided from logs and errors.
		{ProbeCommand("x.service"), "sh -c <script> probe x.service"},
	}
	for _, tt := range tests {
		if got := tt.cmd.String(); got != tt.want {
			t.Errorf("String() = %q, want %q", got, tt.want)
		}
	}
}

func TestLayer(t *testing.T) {
	tests := []struct {
		layer             Layer
		dir, path, str    string
		other             Layer
		fromRuntimeSwitch bool
	}{
		{Persistent, "/etc/systemd/system", "/etc/systemd/system/x.service", "persistent", Runtime, false},
		{Runtime, "/run/systemd/system", "/run/systemd/system/x.service", "runtime", Persistent, true},
	}
	for _, tt := range tests {
		if got := ScopeSystem.Dir(tt.layer); got != tt.dir {
			t.Errorf("%v.Dir() = %q, want %q", tt.layer, got, tt.dir)
		}
		if got := ScopeSystem.UnitPath(tt.layer, "x.service"); got != tt.path {
			t.Errorf("%v.UnitPath() = %q, want %q", tt.layer, got, tt.path)
		}
		if got := tt.layer.String(); got != tt.str {
			t.Errorf("String() = %q, want %q", got, tt.str)
		}
		if got := tt.layer.Other(); got != tt.other {
			t.Errorf("%v.Other() = %v, want %v", tt.layer, got, tt.other)
		}
		if got := LayerFor(tt.fromRuntimeSwitch); got != tt.layer {
			t.Errorf("LayerFor(%v) = %v, want %v", tt.fromRuntimeSwitch, got, tt.layer)
		}
	}
	// ParseProbe relies on this order, which is also the probe script's.
	if !reflect.DeepEqual(Layers, []Layer{Persistent, Runtime}) {
		t.Errorf("Layers = %v", Layers)
	}
}

// TestProbeScriptClassifies runs the real probe script with /bin/sh against
// two temporary directories standing in for the unit directories, then maps
// its answer back and parses it: the script and ParseProbe must agree on
// what systemd counts as a mask.
func TestProbeScriptClassifies(t *testing.T) {
	if _, err := exec.LookPath("readlink"); err != nil {
		t.Fatalf("readlink is needed: %v", err)
	}
	root := t.TempDir()
	etc, run := filepath.Join(root, "etc"), filepath.Join(root, "run")
	for _, d := range []string{etc, run} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	script := strings.ReplaceAll(probeScript, ScopeSystem.Dir(Persistent), etc)
	script = strings.ReplaceAll(script, ScopeSystem.Dir(Runtime), run)
	if script == probeScript || strings.Contains(script, "/systemd/system") {
		t.Fatal("test setup: the unit directories are no longer spelled out in probeScript")
	}

	symlink := func(target, link string) {
		t.Helper()
		if err := os.Symlink(target, link); err != nil {
			t.Fatal(err)
		}
	}
	write := func(p, content string) {
		t.Helper()
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(root, "empty"), "")
	write(filepath.Join(root, "full"), "[Unit]\n")
	symlink("/dev/null", filepath.Join(root, "null-link"))

	symlink("/dev/null", filepath.Join(etc, "null.service"))
	write(filepath.Join(etc, "empty.service"), "")
	write(filepath.Join(etc, "unit.service"), "[Unit]\n")
	symlink(filepath.Join(root, "missing"), filepath.Join(etc, "dangling.service"))
	symlink(filepath.Join(root, "empty"), filepath.Join(etc, "to-empty.service"))
	symlink(filepath.Join(root, "full"), filepath.Join(etc, "to-full.service"))
	symlink(filepath.Join(root, "null-link"), filepath.Join(etc, "chain.service"))
	// systemd takes any character device for a mask, not only /dev/null.
	symlink("/dev/zero", filepath.Join(etc, "zero.service"))
	if err := os.Mkdir(filepath.Join(etc, "dir.service"), 0o755); err != nil {
		t.Fatal(err)
	}
	symlink("/dev/null", filepath.Join(run, "--help.service"))
	write(filepath.Join(run, "both.service"), "")
	symlink("/dev/null", filepath.Join(etc, "both.service"))

	want := map[string]MaskState{
		"null.service":       {Persistent: EntryNullLink},
		"empty.service":      {Persistent: EntryEmptyFile},
		"unit.service":       {Persistent: EntryUnitFile},
		"dangling.service":   {Persistent: EntryUnitFile}, // a broken link is no mask
		"to-empty.service":   {Persistent: EntryEmptyFile},
		"to-full.service":    {Persistent: EntryUnitFile},
		"chain.service":      {Persistent: EntryNullLink},
		"zero.service":       {Persistent: EntryNullLink},
		"dir.service":        {Persistent: EntryUnitFile},
		"--help.service":     {Runtime: EntryNullLink},
		"both.service":       {Persistent: EntryNullLink, Runtime: EntryEmptyFile},
		"absent.service":     {},
		"getty@tty1.service": {},
	}
	var names []string
	for n := range want {
		names = append(names, n)
	}
	argv := append([]string{"-c", script, "probe"}, names...)
	out, err := exec.Command("/bin/sh", argv...).Output()
	if err != nil {
		t.Fatalf("probe script: %v", err)
	}
	mapped := strings.ReplaceAll(string(out), etc+"/", ScopeSystem.Dir(Persistent)+"/")
	mapped = strings.ReplaceAll(mapped, run+"/", ScopeSystem.Dir(Runtime)+"/")
	got, err := ParseProbe([]byte(mapped), names)
	if err != nil {
		t.Fatalf("ParseProbe: %v\n%s", err, out)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("probe = %v\nwant    %v\noutput:\n%s", got, want, out)
	}
}
