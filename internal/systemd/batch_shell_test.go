package systemd

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// fakeSystemctl plays systemctl for the batch script run by a real /bin/sh:
// mask, unmask, list-units, daemon-reload and stop on the directories
// $FAKE_P and $FAKE_R, logging each call to $FAKE_LOG. Like systemctl it
// goes on with the other units after one fails and never overwrites a file.
// The acceptance tests run the same script against real systemd.
const fakeSystemctl = `#!/bin/sh
echo "$*" >>"$FAKE_LOG"
case $1 in --user|--global) shift ;; esac
verb=$1; shift
dir=$FAKE_P
while [ $# -gt 0 ]; do
	case $1 in
	--runtime) dir=$FAKE_R ;;
	--) shift; break ;;
	esac
	shift
done
rc=0
case $verb in
mask)
	for n do
		if [ -L "$dir/$n" ] && [ "$(readlink "$dir/$n")" = /dev/null ]; then :
		elif [ -e "$dir/$n" ] || [ -L "$dir/$n" ]; then
			echo "Failed to mask unit, file \"$dir/$n\" already exists." >&2; rc=1
		else
			ln -s /dev/null "$dir/$n"
		fi
	done ;;
unmask)
	for n do
		if [ -c "$dir/$n" ] || { [ -f "$dir/$n" ] && [ ! -s "$dir/$n" ]; }; then rm -f "$dir/$n"; fi
	done ;;
list-units)
	for n do
		while read -r u rest; do [ "$u" != "$n" ] || echo "$u $rest"; done <"$FAKE_LOADED"
	done ;;
daemon-reload)
	[ -z "$FAKE_RELOAD_FAIL" ] || { echo "Failed to reload daemon: boom" >&2; rc=1; } ;;
stop)
	for n do
		case " $FAKE_STOP_FAIL " in *" $n "*) echo "Failed to stop $n: boom" >&2; rc=5 ;; esac
	done ;;
esac
exit $rc
`

type shellHost struct {
	t         *testing.T
	p, r, log string
	loaded    string
	env       []string
}

func newShellHost(t *testing.T) *shellHost {
	t.Helper()
	root := t.TempDir()
	h := &shellHost{t: t, p: filepath.Join(root, "etc"), r: filepath.Join(root, "run"), log: filepath.Join(root, "log"),
		loaded: filepath.Join(root, "loaded")}
	bin := filepath.Join(root, "bin")
	for _, d := range []string{h.p, h.r, bin} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(bin, "systemctl"), []byte(fakeSystemctl), 0o755); err != nil {
		t.Fatal(err)
	}
	h.write(h.loaded, "")
	h.write(h.log, "")
	h.env = []string{"PATH=" + bin + ":/usr/bin:/bin", "FAKE_P=" + h.p, "FAKE_R=" + h.r, "FAKE_LOG=" + h.log, "FAKE_LOADED=" + h.loaded}
	return h
}

func (h *shellHost) write(p, content string) {
	h.t.Helper()
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		h.t.Fatal(err)
	}
}

func (h *shellHost) symlink(target, link string) {
	h.t.Helper()
	if err := os.Symlink(target, link); err != nil {
		h.t.Fatal(err)
	}
}

// run runs the system scope's batch script with the unit directories moved
// to the temporary ones, and parses its answer as the real one.
func (h *shellHost) run(ops []Op, sweep bool, env ...string) (BatchResult, []string) {
	h.t.Helper()
	cmd := ScopeSystem.BatchCommand(ops, sweep)
	script := strings.Replace(cmd.Argv[2], "P=/etc/systemd/system\n", "P="+h.p+"\n", 1)
	script = strings.Replace(script, "R=/run/systemd/system\n", "R="+h.r+"\n", 1)
	if strings.Contains(script, "/systemd/system") {
		h.t.Fatal("test setup: the unit directories are no longer set once at the top of the script")
	}
	sh := exec.Command("/bin/sh", append([]string{"-c", script}, cmd.Argv[3:]...)...)
	sh.Env = append(append([]string{}, h.env...), env...)
	out, err := sh.Output()
	if err != nil {
		h.t.Fatalf("batch script: %v", err)
	}
	mapped := strings.ReplaceAll(string(out), h.p, ScopeSystem.Dir(Persistent))
	mapped = strings.ReplaceAll(mapped, h.r, ScopeSystem.Dir(Runtime))
	res, err := ScopeSystem.ParseBatch([]byte(mapped), ops)
	if err != nil {
		h.t.Fatalf("ParseBatch: %v\n%s", err, out)
	}
	log, err := os.ReadFile(h.log)
	if err != nil {
		h.t.Fatal(err)
	}
	h.write(h.log, "")
	return res, strings.Split(strings.TrimSpace(string(log)), "\n")
}

// One batch, every kind of op: each gets its own result, and a conflict in
// one unit fails that unit only.
func TestBatchScriptOps(t *testing.T) {
	h := newShellHost(t)
	h.write(filepath.Join(h.p, "b.service"), "[Unit]\n")
	h.write(filepath.Join(h.p, "e.service"), "")
	h.symlink("/dev/null", filepath.Join(h.p, "u.service"))
	h.symlink("/dev/null", filepath.Join(h.r, "u.service"))
	ops := []Op{
		{Kind: OpMask, Name: "a.service"},
		{Kind: OpMask, Name: "b.service"},                 // a real unit file
		{Kind: OpMask, Name: "e.service"},                 // an empty file: already a mask
		{Kind: OpMask, Name: "r.service", Layer: Runtime}, // alone in its group
		{Kind: OpUnmask, Name: "u.service"},
		{Kind: OpMask, Name: "s.service", Now: true},
		{Kind: OpMask, Name: "f.service", Now: true}, // its stop fails
		{Kind: OpMask, Name: "--help.service"},
	}
	res, log := h.run(ops, false, "FAKE_STOP_FAIL=f.service")

	for _, i := range []int{0, 2, 3, 4, 5, 7} {
		if res.Ops[i].Err != nil {
			t.Errorf("%s: %v", ops[i].Name, res.Ops[i].Err)
		}
	}
	var exists *UnitFileExistsError
	if !errors.As(res.Ops[1].Err, &exists) || exists.Path() != "/etc/systemd/system/b.service" || res.Ops[1].Applied {
		t.Errorf("b.service: %#v", res.Ops[1])
	}
	var stopErr *CommandError
	if !res.Ops[6].Applied || !errors.As(res.Ops[6].Err, &stopErr) || stopErr.ExitCode != 5 ||
		!strings.Contains(stopErr.Error(), "systemctl stop -- f.service") || !strings.Contains(stopErr.Stderr, "Failed to stop f.service: boom") {
		t.Errorf("f.service: %#v", res.Ops[6])
	}
	want := map[string]MaskState{
		"a.service":      {Persistent: EntryNullLink},
		"b.service":      {Persistent: EntryUnitFile},
		"e.service":      {Persistent: EntryEmptyFile},
		"r.service":      {Runtime: EntryNullLink},
		"u.service":      {Runtime: EntryNullLink}, // the other layer's mask stays
		"s.service":      {Persistent: EntryNullLink},
		"f.service":      {Persistent: EntryNullLink},
		"--help.service": {Persistent: EntryNullLink},
	}
	if !reflect.DeepEqual(res.States, want) {
		t.Errorf("states = %v\nwant     %v", res.States, want)
	}
	if res.Reloaded {
		t.Error("reloaded, with no unit loaded")
	}
	wantLog := []string{
		// One command for the group; it fails on b, so each unit again.
		"mask --no-reload -- a.service b.service e.service s.service f.service --help.service",
		"mask --no-reload -- a.service", "mask --no-reload -- b.service", "mask --no-reload -- e.service",
		"mask --no-reload -- s.service", "mask --no-reload -- f.service", "mask --no-reload -- --help.service",
		"mask --runtime --no-reload -- r.service",
		"unmask --no-reload -- u.service",
		"list-units --all --plain --no-legend --full -- a.service b.service e.service s.service f.service --help.service r.service u.service",
		"stop -- s.service f.service", "stop -- s.service", "stop -- f.service",
	}
	if !reflect.DeepEqual(log, wantLog) {
		t.Errorf("systemctl calls:\n%s\nwant\n%s", strings.Join(log, "\n"), strings.Join(wantLog, "\n"))
	}

	// A group that succeeds is one command, and nothing else runs.
	_, log = h.run([]Op{{Kind: OpUnmask, Name: "a.service"}, {Kind: OpUnmask, Name: "s.service"}}, false)
	if want := []string{"unmask --no-reload -- a.service s.service",
		"list-units --all --plain --no-legend --full -- a.service s.service"}; !reflect.DeepEqual(log, want) {
		t.Errorf("systemctl calls: %q, want %q", log, want)
	}
}

// The manager is reloaded only when a touched unit is loaded with a load
// state that the change made stale, as systemctl's own reload would fix.
func TestBatchScriptReloadsOnlyWhenNeeded(t *testing.T) {
	tests := []struct {
		what   string
		loaded string
		op     Op
		reload bool
	}{
		{"not loaded", "", Op{Kind: OpMask, Name: "x.service"}, false},
		{"loaded, masked now", "x.service loaded active running X\n", Op{Kind: OpMask, Name: "x.service"}, true},
		{"loaded as not found, masked now", "x.service not-found inactive dead x.service\n", Op{Kind: OpMask, Name: "x.service"}, true},
		{"already loaded as masked", "x.service masked inactive dead x.service\n", Op{Kind: OpMask, Name: "x.service"}, false},
		{"loaded as masked, unmasked now", "x.service masked inactive dead x.service\n", Op{Kind: OpUnmask, Name: "x.service"}, true},
		{"other units loaded", "y.service loaded active running Y\n", Op{Kind: OpMask, Name: "x.service"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.what, func(t *testing.T) {
			h := newShellHost(t)
			if tt.op.Kind == OpUnmask {
				h.symlink("/dev/null", filepath.Join(h.p, tt.op.Name))
			}
			h.write(h.loaded, tt.loaded)
			res, log := h.run([]Op{tt.op}, false)
			reloaded := log[len(log)-1] == "daemon-reload"
			if res.Reloaded != tt.reload || reloaded != tt.reload || res.Ops[0].Err != nil {
				t.Errorf("Reloaded = %v, daemon-reload run = %v, want %v; op: %v; calls %q", res.Reloaded, reloaded, tt.reload, res.Ops[0].Err, log)
			}
		})
	}

	// A failed reload fails every op, which is on disk nonetheless.
	h := newShellHost(t)
	h.write(h.loaded, "x.service loaded active running X\n")
	res, _ := h.run([]Op{{Kind: OpMask, Name: "x.service"}, {Kind: OpMask, Name: "y.service"}}, false, "FAKE_RELOAD_FAIL=1")
	for i, r := range res.Ops {
		if !r.Applied || r.Err == nil || !strings.Contains(r.Err.Error(), "Failed to reload daemon: boom") {
			t.Errorf("op %d: %#v", i, r)
		}
	}
}

// A sweep reads both directories whole and classifies every entry as
// systemd does (null_or_empty_path): the script and ParseBatch must agree on
// what a mask is.
func TestBatchScriptSweepClassifies(t *testing.T) {
	h := newShellHost(t)
	root := filepath.Dir(h.p)
	h.write(filepath.Join(root, "empty"), "")
	h.write(filepath.Join(root, "full"), "[Unit]\n")
	h.symlink("/dev/null", filepath.Join(root, "null-link"))

	h.symlink("/dev/null", filepath.Join(h.p, "null.service"))
	h.write(filepath.Join(h.p, "empty.service"), "")
	h.write(filepath.Join(h.p, "unit.service"), "[Unit]\n")
	h.symlink(filepath.Join(root, "missing"), filepath.Join(h.p, "dangling.service"))
	h.symlink(filepath.Join(root, "empty"), filepath.Join(h.p, "to-empty.service"))
	h.symlink(filepath.Join(root, "full"), filepath.Join(h.p, "to-full.service"))
	h.symlink(filepath.Join(root, "null-link"), filepath.Join(h.p, "chain.service"))
	// systemd takes any character device for a mask, not only /dev/null.
	h.symlink("/dev/zero", filepath.Join(h.p, "zero.service"))
	if err := os.Mkdir(filepath.Join(h.p, "dir.service"), 0o755); err != nil {
		t.Fatal(err)
	}
	h.symlink("/dev/null", filepath.Join(h.p, ".hidden.service"))
	// A crafted name with a newline must not pass for sshd.service.
	h.symlink("/dev/null", filepath.Join(h.p, "x\nsshd.service"))
	h.symlink("/dev/null", filepath.Join(h.r, "--help.service"))
	h.write(filepath.Join(h.r, "both.service"), "")
	h.symlink("/dev/null", filepath.Join(h.p, "both.service"))

	res, log := h.run(nil, true)
	want := map[string]MaskState{
		"null.service":     {Persistent: EntryNullLink},
		"empty.service":    {Persistent: EntryEmptyFile},
		"unit.service":     {Persistent: EntryUnitFile},
		"dangling.service": {Persistent: EntryUnitFile}, // a broken link is no mask
		"to-empty.service": {Persistent: EntryEmptyFile},
		"to-full.service":  {Persistent: EntryUnitFile},
		"chain.service":    {Persistent: EntryNullLink},
		"zero.service":     {Persistent: EntryNullLink},
		"dir.service":      {Persistent: EntryUnitFile},
		".hidden.service":  {Persistent: EntryNullLink},
		"--help.service":   {Runtime: EntryNullLink},
		"both.service":     {Persistent: EntryNullLink, Runtime: EntryEmptyFile},
	}
	if !reflect.DeepEqual(res.States, want) {
		t.Errorf("states = %v\nwant     %v", res.States, want)
	}
	if len(res.Ops) != 0 || res.Reloaded || len(log) != 1 || log[0] != "" {
		t.Errorf("a read-only sweep ran systemctl: %q", log)
	}
	if cmd := ScopeSystem.BatchCommand(nil, true); cmd.Privileged {
		t.Error("a read-only sweep asks for privileges")
	}
}

// The user scope's directories come from the remote shell's environment,
// as systemctl --user finds them.
func TestBatchScriptUserDirsFollowEnvironment(t *testing.T) {
	home, runtime := t.TempDir(), t.TempDir()
	config := filepath.Join(home, ".config", "systemd", "user")
	rundir := filepath.Join(runtime, "systemd", "user")
	for _, d := range []string{config, rundir} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink("/dev/null", filepath.Join(config, "a.service")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/dev/null", filepath.Join(rundir, "b.service")); err != nil {
		t.Fatal(err)
	}
	cmd := ScopeUser.BatchCommand(nil, true)
	if cmd.Privileged {
		t.Error("user scope asks for privileges")
	}
	sh := exec.Command("/bin/sh", cmd.Argv[1:]...)
	sh.Env = []string{"HOME=" + home, "XDG_RUNTIME_DIR=" + runtime, "PATH=/usr/bin:/bin"}
	out, err := sh.Output()
	if err != nil {
		t.Fatal(err)
	}
	res, err := ScopeUser.ParseBatch(out, nil)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	want := map[string]MaskState{"a.service": {Persistent: EntryNullLink}, "b.service": {Runtime: EntryNullLink}}
	if !reflect.DeepEqual(res.States, want) {
		t.Errorf("got %v, want %v\n%s", res.States, want, out)
	}
	// A system directory is not an answer about a user's units, nor the
	// reverse.
	if _, err := ScopeGlobal.ParseBatch(out, nil); err == nil {
		t.Error("the global parser accepted user directories")
	}
}
