package systemd

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// fakeSystemctl plays systemctl for engine.sh run by a real /bin/sh, on
// the unit directories under $FAKE_ROOT (the test's stand-in for /), and
// logs each call's arguments to $FAKE_LOG. Like systemctl, mask and unmask
// go on with the other units after one fails and never touch a real unit
// file, except where systemd 239 does: $FAKE_VERSION (252 by default) is
// what --version says, and below 240 unmask refuses --runtime, and the
// plain unmask, once it finds a mask in /etc or /run, unlinks the name in
// both, unit file or not (engine.sh, unmask239). $FAKE_NOOP makes mask and unmask
// report success and do nothing. show -P (the manager's UnitPath) fails
// unless $FAKE_UNITPATH is set; show -p prints $FAKE_SHOW, is-enabled
// $FAKE_IS_ENABLED, with the status in $FAKE_STATUS. The acceptance tests
// run the same engine against real systemd.
const fakeSystemctl = `#!/bin/sh
echo "$*" >>"$FAKE_LOG"
version=${FAKE_VERSION:-252}
scope=system
case $1 in --user) scope=user; shift ;; --global) scope=global; shift ;; esac
if [ "$1" = --version ]; then
	echo "systemd $version ($version.5-2)"
	echo "+PAM +AUDIT +SELINUX"
	exit 0
fi
case $scope in
system) P=$FAKE_ROOT/etc/systemd/system R=$FAKE_ROOT/run/systemd/system ;;
global) P=$FAKE_ROOT/etc/systemd/user R=$FAKE_ROOT/run/systemd/user ;;
user) P=${XDG_CONFIG_HOME:-$HOME/.config}/systemd/user R=$XDG_RUNTIME_DIR/systemd/user ;;
esac
verb=$1; shift
dir=$P runtime= prop=
while [ $# -gt 0 ]; do
	case $1 in
	--runtime) dir=$R runtime=1 ;;
	-P) shift; prop=$1 ;;
	-p) shift ;;
	--) shift; break ;;
	esac
	shift
done
ismask() { [ -c "$1" ] || { [ -f "$1" ] && [ ! -s "$1" ]; }; }
rc=0
case $verb in
mask)
	[ -z "$FAKE_NOOP" ] || exit 0
	mkdir -p "$dir"
	for n do
		if [ -L "$dir/$n" ] && [ "$(readlink "$dir/$n")" = /dev/null ]; then :
		elif [ -e "$dir/$n" ] || [ -L "$dir/$n" ]; then
			echo "Failed to mask unit, file \"$dir/$n\" already exists." >&2; rc=1
		else
			ln -s /dev/null "$dir/$n"
		fi
	done ;;
unmask)
	if [ -n "$runtime" ] && [ "$version" -lt 240 ]; then
		echo "--runtime cannot be used with unmask" >&2
		exit 1
	fi
	[ -z "$FAKE_NOOP" ] || exit 0
	for n do
		if [ "$version" -lt 240 ]; then
			if ismask "$P/$n" || ismask "$R/$n"; then rm -f "$P/$n" "$R/$n"; fi
		elif ismask "$dir/$n"; then
			rm -f "$dir/$n"
		fi
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
show)
	if [ -n "$prop" ]; then
		[ -n "$FAKE_UNITPATH" ] || { echo "Failed to get properties: Access denied" >&2; exit 1; }
		echo "$FAKE_UNITPATH"
		exit 0
	fi
	printf '%s' "$FAKE_SHOW"
	rc=${FAKE_STATUS:-0} ;;
is-enabled)
	printf '%s' "$FAKE_IS_ENABLED"
	rc=${FAKE_STATUS:-0} ;;
*)
	echo "fake systemctl: unknown verb $verb" >&2; rc=1 ;;
esac
exit $rc
`

// fakeSudo plays sudo: it logs its arguments, each in brackets, one call a
// line, to $FAKE_SUDO_LOG, and for -S the line it reads on stdin to
// $FAKE_SUDO_STDIN, then runs the command. With $FAKE_SUDO_REFUSE it
// refuses, as sudo -n does for a user without NOPASSWD.
const fakeSudo = `#!/bin/sh
printf '[%s]' "$@" >>"$FAKE_SUDO_LOG"
echo >>"$FAKE_SUDO_LOG"
if [ -n "$FAKE_SUDO_REFUSE" ]; then
	echo "sudo: a password is required" >&2
	exit 1
fi
while [ $# -gt 0 ]; do
	case $1 in
	-n) ;;
	-S) IFS= read -r pw; printf '%s\n' "$pw" >>"$FAKE_SUDO_STDIN" ;;
	-p) shift ;;
	--) shift; break ;;
	-*) echo "fake sudo: unknown option $1" >&2; exit 2 ;;
	*) break ;;
	esac
	shift
done
exec "$@"
`

// shellHost is a temporary directory standing for a host's /, with a fake
// systemctl and sudo on PATH, for running the real engine.sh with /bin/sh.
// /lib is a link to usr/lib (a merged /usr, as on Debian 12); a user's
// directories are under /home/deploy and /run/user/1000.
type shellHost struct {
	t    *testing.T
	root string
	env  []string
	// log, sudoLog, sudoStdin and loaded are the fakes' files.
	log, sudoLog, sudoStdin, loaded string
}

func newShellHost(t *testing.T) *shellHost {
	t.Helper()
	h := &shellHost{t: t, root: t.TempDir()}
	for _, d := range []string{"/bin", "/etc/systemd/system", "/run/systemd/system", "/usr/lib/systemd/system", "/tmp",
		"/home/deploy", "/run/user/1000"} {
		h.mkdir(d)
	}
	h.symlink("usr/lib", "/lib")
	h.write("/bin/systemctl", fakeSystemctl)
	h.write("/bin/sudo", fakeSudo)
	for _, f := range []string{"/bin/systemctl", "/bin/sudo"} {
		if err := os.Chmod(h.path(f), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	h.log, h.sudoLog, h.sudoStdin, h.loaded = h.path("/tmp/systemctl.log"), h.path("/tmp/sudo.log"), h.path("/tmp/sudo.stdin"), h.path("/tmp/loaded")
	h.write("/tmp/loaded", "")
	h.env = []string{
		"PATH=" + h.path("/bin") + ":/usr/bin:/bin",
		"HOME=" + h.path("/home/deploy"),
		"XDG_RUNTIME_DIR=" + h.path("/run/user/1000"),
		"FAKE_ROOT=" + h.root, "FAKE_LOG=" + h.log, "FAKE_LOADED=" + h.loaded,
		"FAKE_SUDO_LOG=" + h.sudoLog, "FAKE_SUDO_STDIN=" + h.sudoStdin,
	}
	return h
}

// path is p, a path on the host, in the temporary root.
func (h *shellHost) path(p string) string { return filepath.Join(h.root, p) }

func (h *shellHost) mkdir(p string) {
	h.t.Helper()
	if err := os.MkdirAll(h.path(p), 0o755); err != nil {
		h.t.Fatal(err)
	}
}

// write writes a file at p on the host, making its directory.
func (h *shellHost) write(p, content string) {
	h.t.Helper()
	h.mkdir(filepath.Dir(p))
	if err := os.WriteFile(h.path(p), []byte(content), 0o644); err != nil {
		h.t.Fatal(err)
	}
}

// symlink makes a link at p on the host; a target starting with / is a
// path on the host too, /dev/… excepted.
func (h *shellHost) symlink(target, p string) {
	h.t.Helper()
	h.mkdir(filepath.Dir(p))
	if strings.HasPrefix(target, "/") && !strings.HasPrefix(target, "/dev/") {
		target = h.path(target)
	}
	if err := os.Symlink(target, h.path(p)); err != nil {
		h.t.Fatal(err)
	}
}

// exists reports whether anything, a dangling link included, is at p.
func (h *shellHost) exists(p string) bool {
	_, err := os.Lstat(h.path(p))
	return err == nil
}

// shellRun is what the engine did: its answer and stderr with the root
// taken out of every path, its exit status, and the fakes' logs.
type shellRun struct {
	stdout, stderr string
	code           int
	// calls are systemctl's argument lists, one a call; sudo sudo's, each
	// argument in brackets; sudoStdin the lines sudo -S read.
	calls, sudo, sudoStdin []string
}

// run runs cmd, which must run the embedded engine, with /bin/sh and root
// pointed at the temporary directory, stdin on its standard input and env
// added to the environment.
func (h *shellHost) run(cmd Command, stdin string, env ...string) shellRun {
	h.t.Helper()
	if len(cmd.Argv) < 4 || cmd.Argv[0] != "sh" || cmd.Argv[1] != "-c" || cmd.Argv[2] != engineScript {
		h.t.Fatalf("not the engine: %q", cmd.Argv)
	}
	script := strings.Replace(engineScript, "\nroot=\n", "\nroot="+h.root+"\n", 1)
	if script == engineScript {
		h.t.Fatal("test setup: engine.sh no longer sets root= on a line of its own")
	}
	sh := exec.Command("/bin/sh", append([]string{"-c", script}, cmd.Argv[3:]...)...)
	sh.Env = append(append([]string{}, h.env...), env...)
	sh.Stdin = strings.NewReader(stdin)
	var stdout, stderr strings.Builder
	sh.Stdout, sh.Stderr = &stdout, &stderr
	err := sh.Run()
	var r shellRun
	var exit *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit):
		r.code = exit.ExitCode()
	default:
		h.t.Fatalf("engine: %v", err)
	}
	r.stdout = strings.ReplaceAll(stdout.String(), h.root, "")
	r.stderr = strings.ReplaceAll(stderr.String(), h.root, "")
	r.calls, r.sudo, r.sudoStdin = h.take(h.log), h.take(h.sudoLog), h.take(h.sudoStdin)
	return r
}

// take returns the lines of a fake's log, with the root taken out, and
// empties it.
func (h *shellHost) take(p string) []string {
	b, err := os.ReadFile(p)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		h.t.Fatal(err)
	}
	if err := os.Remove(p); err != nil {
		h.t.Fatal(err)
	}
	text := strings.TrimSuffix(strings.ReplaceAll(string(b), h.root, ""), "\n")
	if text == "" {
		return nil
	}
	return strings.Split(text, "\n")
}

// batch runs s's batch of ops, and parses its answer as the real one.
func (h *shellHost) batch(s Scope, ops []Op, sweep bool, env ...string) (BatchResult, shellRun) {
	h.t.Helper()
	r := h.run(s.BatchCommand(ops, sweep, false), "", env...)
	if r.code != 0 {
		h.t.Fatalf("engine exited with %d: %s\n%s", r.code, r.stderr, r.stdout)
	}
	res, err := s.ParseBatch([]byte(r.stdout), ops)
	if err != nil {
		h.t.Fatalf("ParseBatch: %v\n%s", err, r.stdout)
	}
	return res, r
}

// spOf is the search path an answer reports.
func spOf(t *testing.T, s Scope, out string) []searchDir {
	t.Helper()
	a, err := s.parseAnswer([]byte(out))
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	return a.sp
}

func hasCall(calls []string, prefix string) bool {
	for _, c := range calls {
		if strings.HasPrefix(c, prefix) {
			return true
		}
	}
	return false
}

// One batch, every kind of op: each gets its own result, and a conflict in
// one unit fails that unit only.
func TestBatchScriptOps(t *testing.T) {
	h := newShellHost(t)
	s := ScopeSystem
	h.write("/etc/systemd/system/b.service", "[Unit]\n")
	h.write("/etc/systemd/system/e.service", "")
	h.symlink("/dev/null", "/etc/systemd/system/u.service")
	h.symlink("/dev/null", "/run/systemd/system/u.service")
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
	res, run := h.batch(s, ops, false, "FAKE_STOP_FAIL=f.service")

	if got := spOf(t, s, run.stdout); !reflect.DeepEqual(got, testSearchPath(s)) {
		t.Errorf("search path %v\nwant        %v", got, testSearchPath(s))
	}
	for _, i := range []int{0, 2, 3, 4, 5, 7} {
		if res.Ops[i] != (OpResult{}) {
			t.Errorf("%s: %+v", ops[i].Name, res.Ops[i])
		}
	}
	var exists *UnitFileExistsError
	if !errors.As(res.Ops[1].Err, &exists) || exists.Path() != "/etc/systemd/system/b.service" || res.Ops[1].Applied {
		t.Errorf("b.service: %#v", res.Ops[1])
	}
	var stopErr *CommandError
	if !res.Ops[6].Applied || !errors.As(res.Ops[6].Err, &stopErr) || stopErr.ExitCode != 5 ||
		!strings.Contains(stopErr.Error(), "systemctl stop -- f.service") || !strings.Contains(stopErr.Stderr, "Failed to stop f.service: boom") {
		t.Errorf("f.service: %#v %v\n%s", res.Ops[6], res.Ops[6].Err, run.stdout)
	}
	etc := func(n string, e Entry) MaskState {
		return MaskState{Persistent: e, Loaded: at(s, "/etc/systemd/system/"+n, e)}
	}
	want := map[string]MaskState{
		"a.service":      etc("a.service", EntryNullLink),
		"b.service":      etc("b.service", EntryUnitFile),
		"e.service":      etc("e.service", EntryEmptyFile),
		"r.service":      {Runtime: EntryNullLink, Loaded: at(s, "/run/systemd/system/r.service", EntryNullLink)},
		"u.service":      {Runtime: EntryNullLink, Loaded: at(s, "/run/systemd/system/u.service", EntryNullLink)}, // the other layer's mask stays
		"s.service":      etc("s.service", EntryNullLink),
		"f.service":      etc("f.service", EntryNullLink),
		"--help.service": etc("--help.service", EntryNullLink),
	}
	if !reflect.DeepEqual(withoutOwn(res.States), want) {
		t.Errorf("states = %+v\nwant     %+v", res.States, want)
	}
	if res.Reloaded || res.Version != 252 {
		t.Errorf("reloaded %v with no unit loaded; version %d", res.Reloaded, res.Version)
	}
	wantCalls := []string{
		// One command for the group; it fails on b, so each unit again.
		"mask --no-reload -- a.service b.service e.service s.service f.service --help.service",
		"mask --no-reload -- a.service", "mask --no-reload -- b.service", "mask --no-reload -- e.service",
		"mask --no-reload -- s.service", "mask --no-reload -- f.service", "mask --no-reload -- --help.service",
		"mask --runtime --no-reload -- r.service",
		// u.service has a runtime mask too: the version decides how to
		// unmask its persistent one alone.
		"--version",
		"unmask --no-reload -- u.service",
		"list-units --all --plain --no-legend --full -- a.service b.service e.service r.service u.service s.service f.service --help.service",
		"stop -- s.service f.service", "stop -- s.service", "stop -- f.service",
	}
	if !reflect.DeepEqual(run.calls, wantCalls) {
		t.Errorf("systemctl calls:\n%s\nwant\n%s", strings.Join(run.calls, "\n"), strings.Join(wantCalls, "\n"))
	}
	if len(run.sudo) != 0 {
		t.Errorf("sudo ran without SUDO: %q", run.sudo)
	}

	// A group that succeeds is one command, and nothing else runs.
	_, run = h.batch(s, []Op{{Kind: OpUnmask, Name: "a.service"}, {Kind: OpUnmask, Name: "s.service"}}, false)
	if want := []string{"unmask --no-reload -- a.service s.service",
		"list-units --all --plain --no-legend --full -- a.service s.service"}; !reflect.DeepEqual(run.calls, want) {
		t.Errorf("systemctl calls: %q, want %q", run.calls, want)
	}
	if h.exists("/etc/systemd/system/a.service") || h.exists("/etc/systemd/system/s.service") {
		t.Error("the masks are still there")
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
				h.symlink("/dev/null", "/etc/systemd/system/"+tt.op.Name)
			}
			h.write("/tmp/loaded", tt.loaded)
			res, run := h.batch(ScopeSystem, []Op{tt.op}, false)
			reloaded := run.calls[len(run.calls)-1] == "daemon-reload"
			if res.Reloaded != tt.reload || reloaded != tt.reload || res.Ops[0].Err != nil {
				t.Errorf("Reloaded = %v, daemon-reload run = %v, want %v; op: %v; calls %q", res.Reloaded, reloaded, tt.reload, res.Ops[0].Err, run.calls)
			}
		})
	}

	// A failed reload fails every op, which is on disk nonetheless.
	h := newShellHost(t)
	h.write("/tmp/loaded", "x.service loaded active running X\n")
	res, _ := h.batch(ScopeSystem, []Op{{Kind: OpMask, Name: "x.service"}, {Kind: OpMask, Name: "y.service"}}, false, "FAKE_RELOAD_FAIL=1")
	for i, r := range res.Ops {
		if !r.Applied || r.Err == nil || !strings.Contains(r.Err.Error(), "Failed to reload daemon: boom") {
			t.Errorf("op %d: %#v", i, r)
		}
	}
	if !res.Reloaded || !h.exists("/etc/systemd/system/x.service") || !h.exists("/etc/systemd/system/y.service") {
		t.Errorf("reloaded %v; the masks are not on disk", res.Reloaded)
	}
}

// A mask that an earlier entry of the search path would shadow is not
// made: it would be there and mask nothing.
func TestBatchScriptShadowedMasks(t *testing.T) {
	tests := []struct {
		what  string
		setup func(h *shellHost)
		op    Op
		// by is the shadowing entry, "" when the mask is made.
		by    string
		layer SearchLayer
		link  bool
	}{
		{
			what:  "a runtime mask under a unit file in /etc",
			setup: func(h *shellHost) { h.write("/etc/systemd/system/x.service", "[Unit]\n") },
			op:    Op{Kind: OpMask, Name: "x.service", Layer: Runtime},
			by:    "/etc/systemd/system/x.service", layer: SearchPersistent,
		},
		{
			what: "a runtime mask under a linked unit file in /etc",
			setup: func(h *shellHost) {
				h.write("/opt/x.service", "[Unit]\n")
				h.symlink("/opt/x.service", "/etc/systemd/system/x.service")
			},
			op: Op{Kind: OpMask, Name: "x.service", Layer: Runtime, Now: true},
			by: "/etc/systemd/system/x.service", layer: SearchPersistent, link: true,
		},
		{
			what:  "a runtime mask under a mask in /etc",
			setup: func(h *shellHost) { h.symlink("/dev/null", "/etc/systemd/system/x.service") },
			op:    Op{Kind: OpMask, Name: "x.service", Layer: Runtime},
		},
		{
			what:  "a runtime mask under an empty file in /etc",
			setup: func(h *shellHost) { h.write("/etc/systemd/system/x.service", "") },
			op:    Op{Kind: OpMask, Name: "x.service", Layer: Runtime},
		},
		{
			what:  "a runtime mask under a unit file in /usr/lib",
			setup: func(h *shellHost) { h.write("/usr/lib/systemd/system/x.service", "[Unit]\n") },
			op:    Op{Kind: OpMask, Name: "x.service", Layer: Runtime},
		},
		{
			what:  "a persistent mask under a generated unit in generator.early",
			setup: func(h *shellHost) { h.write("/run/systemd/generator.early/x.service", "[Unit]\n") },
			op:    Op{Kind: OpMask, Name: "x.service"},
			by:    "/run/systemd/generator.early/x.service", layer: SearchGenerator,
		},
		{
			what:  "a persistent mask under system.control",
			setup: func(h *shellHost) { h.write("/etc/systemd/system.control/x.service", "[Unit]\n") },
			op:    Op{Kind: OpMask, Name: "x.service"},
			by:    "/etc/systemd/system.control/x.service", layer: SearchControl,
		},
		{
			what:  "a persistent mask under a mask in generator.early",
			setup: func(h *shellHost) { h.symlink("/dev/null", "/run/systemd/generator.early/x.service") },
			op:    Op{Kind: OpMask, Name: "x.service"},
		},
		{
			what:  "a persistent mask over a runtime unit file",
			setup: func(h *shellHost) { h.write("/run/systemd/system/x.service", "[Unit]\n") },
			op:    Op{Kind: OpMask, Name: "x.service"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.what, func(t *testing.T) {
			h := newShellHost(t)
			tt.setup(h)
			dir := "/etc/systemd/system"
			if tt.op.Layer == Runtime {
				dir = "/run/systemd/system"
			}
			before := h.exists(dir + "/x.service")
			res, run := h.batch(ScopeSystem, []Op{tt.op}, false, "FAKE_STOP_FAIL=x.service")
			r := res.Ops[0]
			if tt.by == "" {
				if r.Err != nil || !res.State("x.service").Entry(tt.op.Layer).Masked() {
					t.Fatalf("%+v; state %+v", r, res.State("x.service"))
				}
				return
			}
			var sh *ShadowedMaskError
			if !errors.As(r.Err, &sh) || r.Applied {
				t.Fatalf("%+v, want a ShadowedMaskError", r)
			}
			if want := (Location{Path: tt.by, Layer: tt.layer, Entry: EntryUnitFile, Link: tt.link}); sh.By != want {
				t.Errorf("by %+v, want %+v", sh.By, want)
			}
			if !strings.Contains(sh.Error(), tt.by) {
				t.Errorf("message does not name %s: %s", tt.by, sh.Error())
			}
			if !before && h.exists(dir+"/x.service") {
				t.Errorf("%s/x.service was made", dir)
			}
			if hasCall(run.calls, "mask") || hasCall(run.calls, "stop") {
				t.Errorf("systemctl calls %q", run.calls)
			}
		})
	}
}

// An op that systemctl reports as done but whose effect is not on the
// host when read back is an error.
func TestBatchScriptReadsBack(t *testing.T) {
	h := newShellHost(t)
	h.symlink("/dev/null", "/run/systemd/system/b.service")
	ops := []Op{{Kind: OpMask, Name: "a.service"}, {Kind: OpUnmask, Name: "b.service", Layer: Runtime}}
	res, _ := h.batch(ScopeSystem, ops, false, "FAKE_NOOP=1")
	for i, want := range []Entry{EntryNone, EntryNullLink} {
		var rb *ReadBackError
		if !errors.As(res.Ops[i].Err, &rb) || rb.Found != want || rb.Op != ops[i] || res.Ops[i].Applied {
			t.Errorf("%s: %+v", ops[i].Name, res.Ops[i])
		}
	}
	res, _ = h.batch(ScopeSystem, ops, false)
	for i, r := range res.Ops {
		if r.Err != nil {
			t.Errorf("%s, not a no-op: %v", ops[i].Name, r.Err)
		}
	}
}

// A batch with reads in it sweeps, and still reads back every op's unit,
// even one left with nothing in either mask directory.
func TestBatchScriptSweepWithOps(t *testing.T) {
	h := newShellHost(t)
	h.symlink("/dev/null", "/etc/systemd/system/gone.service")
	h.symlink("/dev/null", "/etc/systemd/system/other.service")
	h.write("/run/systemd/generator.early/gen.service", "[Unit]\n")
	ops := []Op{
		{Kind: OpUnmask, Name: "gone.service"},
		{Kind: OpMask, Name: "new.service", Layer: Runtime},
		{Kind: OpUnmask, Name: "never.service"},
		{Kind: OpMask, Name: "gen.service"}, // shadowed: nothing is made
	}
	res, _ := h.batch(ScopeSystem, ops, true)
	for i, r := range res.Ops[:3] {
		if r.Err != nil {
			t.Errorf("%s: %v", ops[i].Name, r.Err)
		}
	}
	var sh *ShadowedMaskError
	if !errors.As(res.Ops[3].Err, &sh) {
		t.Errorf("gen.service: %+v", res.Ops[3])
	}
	if !res.State("other.service").Masked(Persistent) || !res.State("new.service").Masked(Runtime) ||
		res.State("gone.service") != (MaskState{}) || res.State("never.service") != (MaskState{}) {
		t.Errorf("states %+v", res.States)
	}
}

// On systemd before 240 there is no `unmask --runtime`, and the plain
// unmask removes the masks of both layers: the engine unmasks exactly the
// op's layer all the same.
func TestBatchScriptUnmaskOn239(t *testing.T) {
	const (
		etc = "/etc/systemd/system/x.service"
		run = "/run/systemd/system/x.service"
	)
	tests := []struct {
		what       string
		version    string
		etc, run   string // "mask", "unit" or "" for what is there before
		op         Op
		calls      []string // the unmask calls, --version and list-units aside
		etcAfter   bool
		runAfter   bool
		wantsQuery bool // the engine asks for the version
	}{
		{"runtime, no /etc mask", "239", "", "mask", Op{Kind: OpUnmask, Name: "x.service", Layer: Runtime},
			[]string{"unmask --no-reload -- x.service"}, false, false, true},
		{"runtime, with an /etc mask", "239", "mask", "mask", Op{Kind: OpUnmask, Name: "x.service", Layer: Runtime},
			nil, true, false, true},
		{"runtime, with an /etc unit file", "239", "unit", "mask", Op{Kind: OpUnmask, Name: "x.service", Layer: Runtime},
			nil, true, false, true},
		{"runtime, nothing at runtime", "239", "mask", "", Op{Kind: OpUnmask, Name: "x.service", Layer: Runtime},
			nil, true, false, true},
		{"persistent, with a /run mask", "239", "mask", "mask", Op{Kind: OpUnmask, Name: "x.service"},
			nil, false, true, true},
		{"persistent, with a /run unit file", "239", "mask", "unit", Op{Kind: OpUnmask, Name: "x.service"},
			nil, false, true, true},
		{"persistent, no /run mask", "239", "mask", "", Op{Kind: OpUnmask, Name: "x.service"},
			[]string{"unmask --no-reload -- x.service"}, false, false, false},
		{"252: runtime, with an /etc mask", "252", "mask", "mask", Op{Kind: OpUnmask, Name: "x.service", Layer: Runtime},
			[]string{"unmask --runtime --no-reload -- x.service"}, true, false, true},
		{"252: persistent, with a /run mask", "252", "mask", "mask", Op{Kind: OpUnmask, Name: "x.service"},
			[]string{"unmask --no-reload -- x.service"}, false, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.what, func(t *testing.T) {
			h := newShellHost(t)
			for p, what := range map[string]string{etc: tt.etc, run: tt.run} {
				switch what {
				case "mask":
					h.symlink("/dev/null", p)
				case "unit":
					h.write(p, "[Unit]\n")
				}
			}
			res, r := h.batch(ScopeSystem, []Op{tt.op}, false, "FAKE_VERSION="+tt.version)
			if res.Ops[0] != (OpResult{}) {
				t.Errorf("%+v", res.Ops[0])
			}
			var unmasks []string
			for _, c := range r.calls {
				switch {
				case c == "--version", strings.HasPrefix(c, "list-units "):
				default:
					unmasks = append(unmasks, c)
				}
			}
			if !reflect.DeepEqual(unmasks, tt.calls) {
				t.Errorf("calls %q, want %q", r.calls, tt.calls)
			}
			if hasCall(r.calls, "--version") != tt.wantsQuery || (res.Version != 0) != tt.wantsQuery {
				t.Errorf("version asked: %q, answer's version %d", r.calls, res.Version)
			}
			if tt.version == "239" && hasCall(r.calls, "unmask --runtime") {
				t.Errorf("unmask --runtime sent to systemd 239: %q", r.calls)
			}
			if h.exists(etc) != tt.etcAfter || h.exists(run) != tt.runAfter {
				t.Errorf("after: /etc %v, /run %v; want %v, %v", h.exists(etc), h.exists(run), tt.etcAfter, tt.runAfter)
			}
		})
	}

	// The fake is systemd 239 as it is: --runtime refused.
	h := newShellHost(t)
	sc := exec.Command(h.path("/bin/systemctl"), "unmask", "--runtime", "--", "x.service")
	sc.Env = append(h.env, "FAKE_VERSION=239")
	if out, err := sc.CombinedOutput(); err == nil || !strings.Contains(string(out), "--runtime cannot be used with unmask") {
		t.Errorf("fake systemctl 239: %v %s", err, out)
	}
}

// A sweep reads both directories whole and classifies every entry as
// systemd does: the script and ParseBatch must agree on what a mask is.
func TestBatchScriptSweepClassifies(t *testing.T) {
	h := newShellHost(t)
	s := ScopeSystem
	h.write("/opt/empty", "")
	h.write("/opt/full", "[Unit]\n")
	h.symlink("/dev/null", "/opt/null-link")
	h.write("/usr/lib/systemd/system/real.service", "[Unit]\n")

	e := "/etc/systemd/system/"
	h.symlink("/dev/null", e+"null.service")
	h.write(e+"empty.service", "")
	h.write(e+"unit.service", "[Unit]\n")
	h.symlink("/missing", e+"dangling.service")
	h.symlink("/opt/empty", e+"to-empty.service")
	h.symlink("/opt/full", e+"to-full.service")
	h.symlink("/opt/null-link", e+"chain.service")
	// systemd takes any character device for a mask, not only /dev/null.
	h.symlink("/dev/zero", e+"zero.service")
	h.mkdir(e + "dir.service")
	h.symlink("/dev/null", e+".hidden.service")
	// An alias: a link to another unit's name in the search path.
	h.symlink("/usr/lib/systemd/system/real.service", e+"alias.service")
	// Crafted names must not pass for sshd.service.
	h.symlink("/dev/null", e+"x\nsshd.service")
	h.symlink("/dev/null", e+"x\tsshd.service")
	h.symlink("/dev/null", e+"x sshd.service")
	// Not units: what systemctl enable makes, and other files.
	h.symlink("/usr/lib/systemd/system/real.service", e+"multi-user.target.wants/real.service")
	h.mkdir(e + "real.service.d")
	h.write(e+"README", "")
	h.symlink("/dev/null", "/run/systemd/system/--help.service")
	h.write("/run/systemd/system/both.service", "")
	h.symlink("/dev/null", e+"both.service")

	res, run := h.batch(s, nil, true)
	etc := func(p Entry, loaded Location) MaskState { return MaskState{Persistent: p, Loaded: loaded} }
	here := func(n string, en Entry) Location { return at(s, e+n, en) }
	link := func(n string) Location { l := here(n, EntryUnitFile); l.Link = true; return l }
	realUnit := at(s, "/usr/lib/systemd/system/real.service", EntryUnitFile)
	want := map[string]MaskState{
		"null.service":     etc(EntryNullLink, here("null.service", EntryNullLink)),
		"empty.service":    etc(EntryEmptyFile, here("empty.service", EntryEmptyFile)),
		"unit.service":     etc(EntryUnitFile, here("unit.service", EntryUnitFile)),
		"dangling.service": etc(EntryUnitFile, link("dangling.service")), // a broken link is no mask
		"to-empty.service": etc(EntryEmptyFile, here("to-empty.service", EntryEmptyFile)),
		"to-full.service":  etc(EntryUnitFile, here("to-full.service", EntryUnitFile)),
		"chain.service":    etc(EntryNullLink, here("chain.service", EntryNullLink)),
		"zero.service":     etc(EntryNullLink, here("zero.service", EntryNullLink)),
		"dir.service":      etc(EntryUnitFile, here("dir.service", EntryUnitFile)),
		".hidden.service":  etc(EntryNullLink, here(".hidden.service", EntryNullLink)),
		"alias.service":    etc(EntryUnitFile, realUnit),
		"real.service":     {Loaded: realUnit},
		"--help.service":   {Runtime: EntryNullLink, Loaded: at(s, "/run/systemd/system/--help.service", EntryNullLink)},
		"both.service":     {Persistent: EntryNullLink, Runtime: EntryEmptyFile, Loaded: here("both.service", EntryNullLink)},
	}
	if !reflect.DeepEqual(res.States, want) {
		for n := range want {
			if !reflect.DeepEqual(ownless(res.States[n]), want[n]) {
				t.Errorf("%s: %+v, want %+v", n, res.States[n], want[n])
			}
		}
		for n := range res.States {
			if _, ok := want[n]; !ok {
				t.Errorf("%q: %+v, not expected", n, res.States[n])
			}
		}
	}
	for _, line := range []string{"r\talias.service\t4:a:real.service\n", "r\treal.service\t10:f\n", "r\tdangling.service\t4:d\n"} {
		if !strings.Contains(run.stdout, line) {
			t.Errorf("the answer lacks %q:\n%s", line, run.stdout)
		}
	}
	if strings.Contains(run.stdout, "sshd") {
		t.Errorf("a crafted name got through:\n%s", run.stdout)
	}
	if len(res.Ops) != 0 || res.Reloaded || len(run.calls) != 0 {
		t.Errorf("a read-only sweep ran systemctl: %q", run.calls)
	}
	if cmd := s.BatchCommand(nil, true, true); cmd.Privileged {
		t.Error("a read-only sweep asks for privileges")
	}
}

// The user scope's directories come from the remote shell's environment,
// as systemctl --user finds them, when the user manager does not say.
func TestBatchScriptUserDirsFollowEnvironment(t *testing.T) {
	h := newShellHost(t)
	s := ScopeUser
	h.symlink("/dev/null", "/home/deploy/.config/systemd/user/a.service")
	h.symlink("/dev/null", "/run/user/1000/systemd/user/b.service")
	h.symlink("/dev/null", "/etc/systemd/user/g.service")
	res, run := h.batch(s, nil, true)
	if got := spOf(t, s, run.stdout); !reflect.DeepEqual(got, testSearchPath(s)) {
		t.Errorf("search path %v\nwant        %v", got, testSearchPath(s))
	}
	want := map[string]MaskState{
		"a.service": {Persistent: EntryNullLink, Loaded: at(s, "/home/deploy/.config/systemd/user/a.service", EntryNullLink)},
		"b.service": {Runtime: EntryNullLink, Loaded: at(s, "/run/user/1000/systemd/user/b.service", EntryNullLink)},
	}
	if !reflect.DeepEqual(withoutOwn(res.States), want) {
		t.Errorf("got %+v, want %+v\n%s", res.States, want, run.stdout)
	}
	if want := []string{"--user show -P UnitPath"}; !reflect.DeepEqual(run.calls, want) {
		t.Errorf("systemctl calls %q, want %q", run.calls, want)
	}
	// A system directory is not an answer about a user's units, nor the
	// reverse.
	if _, err := ScopeGlobal.ParseBatch([]byte(run.stdout), nil); err == nil {
		t.Error("the global parser accepted user directories")
	}

	// XDG_CONFIG_HOME moves the persistent directory, and the user's
	// writes go there, never through sudo.
	h.symlink("/dev/null", "/home/deploy/cfg/systemd/user/c.service")
	cmd := s.BatchCommand([]Op{{Kind: OpMask, Name: "d.service"}}, false, true)
	if cmd.Privileged {
		t.Error("the user scope asks for privileges")
	}
	r := h.run(cmd, "secret\n", "XDG_CONFIG_HOME="+h.path("/home/deploy/cfg"))
	res, err := s.ParseBatch([]byte(r.stdout), []Op{{Kind: OpMask, Name: "d.service"}})
	if err != nil || res.Ops[0].Err != nil {
		t.Fatalf("%v %+v\n%s%s", err, res.Ops, r.stdout, r.stderr)
	}
	if got := spOf(t, s, r.stdout)[4].path; got != "/home/deploy/cfg/systemd/user" {
		t.Errorf("persistent directory %s", got)
	}
	if !h.exists("/home/deploy/cfg/systemd/user/d.service") {
		t.Error("the mask is not in XDG_CONFIG_HOME")
	}
	if len(r.sudo) != 0 || !hasCall(r.calls, "--user mask --no-reload -- d.service") {
		t.Errorf("sudo %q, systemctl %q", r.sudo, r.calls)
	}
}

// With SUDO=1, systemctl's writes go through sudo, and nothing else does:
// sudo -n, or with the password on the script's stdin, sudo -S, fed by the
// shell so that the password is in no process's argv.
func TestBatchScriptSudo(t *testing.T) {
	const password = "pa55 'w\"rd"
	h := newShellHost(t)
	h.symlink("/dev/null", "/run/systemd/system/b.service")
	h.write("/tmp/loaded", "c.service loaded active running C\n")
	ops := []Op{
		{Kind: OpMask, Name: "a.service"},
		{Kind: OpUnmask, Name: "b.service", Layer: Runtime},
		{Kind: OpMask, Name: "c.service", Now: true},
	}
	cmd := ScopeSystem.BatchCommand(ops, false, true)
	if !cmd.Privileged {
		t.Error("a batch of writes does not ask for privileges")
	}
	for _, tt := range []struct {
		what, stdin string
		prefix      string
	}{
		{"sudo -n", "", "[-n][systemctl]"},
		{"sudo -S", password + "\n", "[-S][-p][][systemctl]"},
	} {
		t.Run(tt.what, func(t *testing.T) {
			r := h.run(cmd, tt.stdin)
			res, err := ScopeSystem.ParseBatch([]byte(r.stdout), ops)
			if err != nil {
				t.Fatalf("%v\n%s%s", err, r.stdout, r.stderr)
			}
			for i, o := range res.Ops {
				if o.Err != nil {
					t.Errorf("%s: %v", ops[i].Name, o.Err)
				}
			}
			want := []string{
				tt.prefix + "[mask][--no-reload][--][a.service][c.service]",
				tt.prefix + "[unmask][--runtime][--no-reload][--][b.service]",
				tt.prefix + "[daemon-reload]",
				tt.prefix + "[stop][--][c.service]",
			}
			if !reflect.DeepEqual(r.sudo, want) {
				t.Errorf("sudo calls:\n%s\nwant\n%s", strings.Join(r.sudo, "\n"), strings.Join(want, "\n"))
			}
			// The reads are systemctl's own.
			if len(r.calls) != len(want)+2 || !hasCall(r.calls, "--version") || !hasCall(r.calls, "list-units ") {
				t.Errorf("systemctl calls %q", r.calls)
			}
			if tt.stdin != "" {
				if len(r.sudoStdin) != len(want) {
					t.Errorf("sudo -S read %q", r.sudoStdin)
				}
				for _, l := range r.sudoStdin {
					if l != password {
						t.Errorf("sudo -S read %q, want the password", l)
					}
				}
			}
			for _, argv := range [][]string{r.sudo, r.calls, cmd.Argv} {
				for _, a := range argv {
					if strings.Contains(a, "pa55") {
						t.Errorf("the password is in an argv: %q", a)
					}
				}
			}
			if strings.Contains(r.stdout+r.stderr, "pa55") {
				t.Error("the password is in the output")
			}
		})
	}

	// Reads need no sudo, even with SUDO=1.
	r := h.run(ScopeSystem.BatchCommand(nil, true, true), "")
	if r.code != 0 || len(r.sudo) != 0 {
		t.Errorf("a sweep: exit %d, sudo %q", r.code, r.sudo)
	}

	// Before 240, removing one layer's mask alone is rm, through sudo too.
	h.symlink("/dev/null", "/etc/systemd/system/d.service")
	h.symlink("/dev/null", "/run/systemd/system/d.service")
	dop := []Op{{Kind: OpUnmask, Name: "d.service", Layer: Runtime}}
	r = h.run(ScopeSystem.BatchCommand(dop, false, true), "", "FAKE_VERSION=239")
	if res, err := ScopeSystem.ParseBatch([]byte(r.stdout), dop); err != nil || res.Ops[0].Err != nil {
		t.Fatalf("%v %+v", err, res)
	}
	if want := []string{"[-n][rm][-f][--][/run/systemd/system/d.service]"}; !reflect.DeepEqual(r.sudo, want) {
		t.Errorf("sudo calls %q, want %q", r.sudo, want)
	}
	if h.exists("/run/systemd/system/d.service") || !h.exists("/etc/systemd/system/d.service") {
		t.Error("not exactly the runtime mask removed")
	}
}

// sudo refusing ends the script at once: its message on stderr, status 1,
// nothing else tried, and no "end", so that no answer passes for one.
func TestBatchScriptSudoRefused(t *testing.T) {
	for _, stdin := range []string{"", "wrong\n"} {
		h := newShellHost(t)
		h.symlink("/dev/null", "/etc/systemd/system/b.service")
		ops := []Op{{Kind: OpMask, Name: "a.service", Now: true}, {Kind: OpUnmask, Name: "b.service"}, {Kind: OpMask, Name: "c.service", Layer: Runtime}}
		r := h.run(ScopeSystem.BatchCommand(ops, false, true), stdin, "FAKE_SUDO_REFUSE=1")
		if r.code != 1 || !strings.Contains(r.stderr, "sudo: a password is required") {
			t.Errorf("exit %d, stderr %q", r.code, r.stderr)
		}
		if len(r.sudo) != 1 || len(r.calls) != 0 {
			t.Errorf("sudo %q, systemctl %q: want one sudo call and nothing else", r.sudo, r.calls)
		}
		if _, err := ScopeSystem.ParseBatch([]byte(r.stdout), ops); err == nil {
			t.Errorf("the answer of a refused batch parsed: %q", r.stdout)
		}
		if h.exists("/etc/systemd/system/a.service") || !h.exists("/etc/systemd/system/b.service") {
			t.Error("the host changed")
		}
	}
}

// `systemctl mask --now` stops nothing when the mask fails: a unit file in
// the way keeps its unit running.
func TestBatchScriptStopsOnlyMaskedUnits(t *testing.T) {
	h := newShellHost(t)
	h.write("/etc/systemd/system/b.service", "[Unit]\n")
	ops := []Op{{Kind: OpMask, Name: "b.service", Now: true}, {Kind: OpMask, Name: "s.service", Now: true}}
	res, run := h.batch(ScopeSystem, ops, false)
	var exists *UnitFileExistsError
	if !errors.As(res.Ops[0].Err, &exists) || res.Ops[1].Err != nil {
		t.Fatalf("results: %+v", res.Ops)
	}
	for _, c := range run.calls {
		if strings.HasPrefix(c, "stop") && c != "stop -- s.service" {
			t.Errorf("stopped a unit whose mask failed: %q (calls %q)", c, run.calls)
		}
	}
	if !slices.Contains(run.calls, "stop -- s.service") {
		t.Errorf("the masked unit was not stopped: %q", run.calls)
	}
}
