package systemd

import (
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"testing"
)

// testSearchPath is the search path that the answers written by hand in
// these tests report, as engine.sh computes it: the system scope's on a
// merged /usr, and a user's for deploy (uid 1000, no XDG variables but
// HOME and XDG_RUNTIME_DIR). The shell tests check that the script prints
// exactly these.
func testSearchPath(s Scope) []searchDir {
	type d = searchDir
	switch s {
	case ScopeGlobal:
		return []searchDir{
			d{SearchPersistent, "/etc/systemd/user"},
			d{SearchRuntime, "/run/systemd/user"},
			d{SearchVendor, "/usr/local/share/systemd/user"},
			d{SearchVendor, "/usr/share/systemd/user"},
			d{SearchVendor, "/usr/local/lib/systemd/user"},
			d{SearchVendor, "/usr/lib/systemd/user"},
		}
	case ScopeUser:
		return []searchDir{
			d{SearchControl, "/home/deploy/.config/systemd/user.control"},
			d{SearchControl, "/run/user/1000/systemd/user.control"},
			d{SearchTransient, "/run/user/1000/systemd/transient"},
			d{SearchGenerator, "/run/user/1000/systemd/generator.early"},
			d{SearchPersistent, "/home/deploy/.config/systemd/user"},
			d{SearchPersistent, "/etc/xdg/systemd/user"},
			d{SearchGlobal, "/etc/systemd/user"},
			d{SearchRuntime, "/run/user/1000/systemd/user"},
			d{SearchGlobal, "/run/systemd/user"},
			d{SearchGenerator, "/run/user/1000/systemd/generator"},
			d{SearchVendor, "/home/deploy/.local/share/systemd/user"},
			d{SearchVendor, "/usr/local/share/systemd/user"},
			d{SearchVendor, "/usr/share/systemd/user"},
			d{SearchVendor, "/usr/local/lib/systemd/user"},
			d{SearchVendor, "/usr/lib/systemd/user"},
			d{SearchGenerator, "/run/user/1000/systemd/generator.late"},
		}
	}
	return []searchDir{
		d{SearchControl, "/etc/systemd/system.control"},
		d{SearchControl, "/run/systemd/system.control"},
		d{SearchTransient, "/run/systemd/transient"},
		d{SearchGenerator, "/run/systemd/generator.early"},
		d{SearchPersistent, "/etc/systemd/system"},
		d{SearchAttached, "/etc/systemd/system.attached"},
		d{SearchRuntime, "/run/systemd/system"},
		d{SearchAttached, "/run/systemd/system.attached"},
		d{SearchGenerator, "/run/systemd/generator"},
		d{SearchVendor, "/usr/local/lib/systemd/system"},
		d{SearchVendor, "/usr/lib/systemd/system"},
		d{SearchGenerator, "/run/systemd/generator.late"},
	}
}

// spLinesOf prints a search path as the "sp" lines that open an answer.
func spLinesOf(sp []searchDir) string {
	var b strings.Builder
	for i, d := range sp {
		fmt.Fprintf(&b, "sp\t%d\t%s\t%s\n", i, d.layer, d.path)
	}
	return b.String()
}

// spLines are the "sp" lines of s's test search path.
func spLines(s Scope) string { return spLinesOf(testSearchPath(s)) }

// rLine is the "r" line for name in an answer about s: each entry is
// "DIR:KIND", DIR a directory of s's test search path, in any order.
func rLine(s Scope, name string, entries ...string) string {
	index := map[string]int{}
	for i, d := range testSearchPath(s) {
		index[d.path] = i
	}
	type entry struct {
		i    int
		kind string
	}
	var es []entry
	for _, e := range entries {
		dir, kind, _ := strings.Cut(e, ":")
		i, ok := index[dir]
		if !ok {
			panic("rLine: " + dir + " is not in the " + s.String() + " scope's test search path")
		}
		es = append(es, entry{i, kind})
	}
	sort.Slice(es, func(a, b int) bool { return es[a].i < es[b].i })
	words := make([]string, len(es))
	for i, e := range es {
		words[i] = fmt.Sprintf("%d:%s", e.i, e.kind)
	}
	return "r\t" + name + "\t" + strings.Join(words, " ") + "\n"
}

// at is the Location of path in s's test search path.
func at(s Scope, path string, e Entry) Location {
	dir := path[:strings.LastIndexByte(path, '/')]
	for _, d := range testSearchPath(s) {
		if d.path == dir {
			return Location{Path: path, Layer: d.layer, Entry: e}
		}
	}
	panic("at: " + path + " is not in the " + s.String() + " scope's test search path")
}

// without is sp less the directories at the given paths, renumbered.
func without(sp []searchDir, paths ...string) []searchDir {
	var out []searchDir
	for _, d := range sp {
		drop := false
		for _, p := range paths {
			drop = drop || d.path == p
		}
		if !drop {
			out = append(out, d)
		}
	}
	return out
}

// ParseBatch insists on a complete, well-formed answer from the right
// directories, with every op's unit read back, so that a truncated or
// garbled one is an error, never a false "not masked".
func TestParseBatchRefuses(t *testing.T) {
	ops := []Op{{Kind: OpMask, Name: "a.service"}}
	sp := spLines(ScopeSystem)
	good := sp + rLine(ScopeSystem, "a.service", "/etc/systemd/system:n") + "end\n"
	if _, err := ScopeSystem.ParseBatch([]byte(good), ops); err != nil {
		t.Fatalf("the good answer: %v", err)
	}
	r := func(entries string) string { return sp + "r\ta.service\t" + entries + "\nend\n" }
	tests := []struct {
		what, answer, want string
	}{
		{"empty", "", `does not end in "end"`},
		{"only end", "end\n", "persistent unit directory"},
		{"no end", strings.TrimSuffix(good, "end\n"), `does not end in "end"`},
		{"truncated", good[:len(good)/2], `does not end in "end"`},
		{"no final newline", strings.TrimSuffix(good, "\n"), `does not end in "end"`},
		{"text after end", good + "r\ta.service\t4:n\n", `does not end in "end"`},
		{"end twice", good + "end\n", "unexpected line"},
		{"an unknown line tag", sp + "hello\tworld\n" + rLine(ScopeSystem, "a.service", "/etc/systemd/system:n") + "end\n", `"hello\tworld"`},
		{"an untagged line", sp + "a.service\n" + rLine(ScopeSystem, "a.service") + "end\n", "unexpected line"},
		{"no search path", "r\ta.service\t4:n\nend\n", "unexpected line 1"},
		{"r before the search path", "r\ta.service\t4:n\n" + sp + "end\n", "unexpected line 1"},
		{"no persistent directory", spLinesOf(without(testSearchPath(ScopeSystem), "/etc/systemd/system")) + "r\ta.service\t\nend\n", `persistent unit directory of the system scope is ""`},
		{"no runtime directory", spLinesOf(without(testSearchPath(ScopeSystem), "/run/systemd/system")) + "r\ta.service\t\nend\n", `runtime unit directory of the system scope is ""`},
		{"the other scope's directories", spLines(ScopeGlobal) + "r\ta.service\t\nend\n", `"/etc/systemd/user"`},
		{"sp indexes out of order", strings.Replace(sp, "sp\t1\t", "sp\t2\t", 1) + "end\n", "unexpected line 2"},
		{"an unknown layer", strings.Replace(sp, "\tcontrol\t", "\tadmin\t", 1) + "end\n", "unexpected line 1"},
		{"a relative directory", strings.Replace(sp, "\t/etc/systemd/system.control", "\tetc/systemd/system.control", 1) + "end\n", "unexpected line 1"},
		{"a short rc line", sp + "rc\t1\n" + rLine(ScopeSystem, "a.service") + "end\n", `"rc\t1"`},
		{"a bad status", sp + "rc\t1\tone\n" + rLine(ScopeSystem, "a.service") + "end\n", `"rc\t1\tone"`},
		{"a bad version", sp + "v\t25x\n" + rLine(ScopeSystem, "a.service") + "end\n", `"v\t25x"`},
		{"an r line without entries field", sp + "r\ta.service\nend\n", "unexpected line"},
		{"a bad index", r("x:n"), "unexpected line 13"},
		{"no kind", r("4"), "unexpected line 13"},
		{"an empty kind", r("4:"), "unexpected line 13"},
		{"an unknown kind", r("4:x"), "unexpected line 13"},
		{"a long kind", r("4:nn"), "unexpected line 13"},
		{"a repeated index", r("4:n 4:e"), "unexpected line 13"},
		{"decreasing indexes", r("6:n 4:n"), "unexpected line 13"},
		{"a negative index", r("-1:n"), "unexpected line 13"},
		{"an index past the search path", r("12:n"), "unexpected line 13"},
		{"an alias not first", r("4:n 10:a:b.service"), "unexpected line 13"},
		{"a dangling link not first", r("4:n 10:d"), "unexpected line 13"},
		{"an alias to an invalid name", r("4:a:b"), "unexpected line 13"},
		{"an alias to nothing", r("4:a:"), "unexpected line 13"},
		{"an invalid unit name", sp + "r\ta b.service\t4:n\n" + rLine(ScopeSystem, "a.service") + "end\n", "unexpected line 13"},
		{"a path for a unit name", sp + "r\t../a.service\t4:n\n" + rLine(ScopeSystem, "a.service") + "end\n", "unexpected line 13"},
		{"a shadow outside the search path", sp + "shadow\t1\tf\t/opt/a.service\n" + rLine(ScopeSystem, "a.service") + "end\n", "unexpected line 13"},
		{"a shadow in a subdirectory", sp + "shadow\t1\tf\t/etc/systemd/system/x/a.service\n" + rLine(ScopeSystem, "a.service") + "end\n", "unexpected line 13"},
		{"no read-back for the op", sp + "end\n", "nothing read back for a.service"},
		{"a read-back for another unit", sp + rLine(ScopeSystem, "b.service", "/etc/systemd/system:n") + "end\n", "nothing read back for a.service"},
	}
	for _, tt := range tests {
		t.Run(tt.what, func(t *testing.T) {
			res, err := ScopeSystem.ParseBatch([]byte(tt.answer), ops)
			if err == nil {
				t.Fatalf("accepted %q as %+v", tt.answer, res)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not say %q", err, tt.want)
			}
		})
	}
	long := strings.Repeat("x", 1000)
	_, err := ScopeSystem.ParseBatch([]byte(long), ops)
	if err == nil || len(err.Error()) > 400 {
		t.Errorf("a long answer is quoted whole in the error: %v", err)
	}
}

// Each op's own status and stderr become its own error; an empty file in the
// way counts as the mask it is.
func TestParseBatchResults(t *testing.T) {
	s := ScopeSystem
	ops := []Op{
		{Kind: OpMask, Name: "ok.service"},
		{Kind: OpMask, Name: "empty.service"},
		{Kind: OpMask, Name: "file.service", Layer: Runtime},
		{Kind: OpUnmask, Name: "denied.service"},
	}
	out := spLines(s) +
		"rc\t2\t1\nerr\t2\tFailed to mask unit: File /etc/systemd/system/empty.service already exists.\n" +
		"rc\t3\t1\nerr\t3\tFailed to mask unit, file \"/run/systemd/system/file.service\" already exists.\n" +
		"rc\t4\t1\nerr\t4\tFailed to unmask unit: Access denied\nerr\t4\tsecond line\n" +
		rLine(s, "ok.service", "/etc/systemd/system:n") +
		rLine(s, "empty.service", "/etc/systemd/system:e") +
		rLine(s, "file.service", "/run/systemd/system:f") +
		rLine(s, "denied.service", "/etc/systemd/system:n") +
		"end\n"
	res, err := s.ParseBatch([]byte(out), ops)
	if err != nil {
		t.Fatal(err)
	}
	if res.Ops[0].Err != nil || res.Ops[1].Err != nil {
		t.Errorf("ok: %v, empty: %v", res.Ops[0].Err, res.Ops[1].Err)
	}
	var exists *UnitFileExistsError
	if !errors.As(res.Ops[2].Err, &exists) || exists.Path() != "/run/systemd/system/file.service" ||
		exists.Error() != "/run/systemd/system/file.service is a real unit file, not a mask, so file.service cannot be masked in the runtime layer without deleting it" {
		t.Errorf("file: %v", res.Ops[2].Err)
	}
	var cmdErr *CommandError
	if !errors.As(res.Ops[3].Err, &cmdErr) || !cmdErr.AccessDenied() || cmdErr.ExitCode != 1 ||
		cmdErr.Stderr != "Failed to unmask unit: Access denied\nsecond line" || cmdErr.Command.String() != "systemctl unmask --no-reload -- denied.service" {
		t.Errorf("denied: %#v", res.Ops[3].Err)
	}
	for i, r := range res.Ops {
		if r.Applied || r.Kept {
			t.Errorf("op %d: %+v", i, r)
		}
	}
	if res.Reloaded || res.Version != 0 || !res.State("empty.service").Masked(Persistent) || res.State("absent.service") != (MaskState{}) {
		t.Errorf("result %+v", res)
	}
	want := map[string]MaskState{
		"ok.service":     {Persistent: EntryNullLink, Loaded: at(s, "/etc/systemd/system/ok.service", EntryNullLink)},
		"empty.service":  {Persistent: EntryEmptyFile, Loaded: at(s, "/etc/systemd/system/empty.service", EntryEmptyFile)},
		"file.service":   {Runtime: EntryUnitFile, Loaded: at(s, "/run/systemd/system/file.service", EntryUnitFile)},
		"denied.service": {Persistent: EntryNullLink, Loaded: at(s, "/etc/systemd/system/denied.service", EntryNullLink)},
	}
	if !reflect.DeepEqual(withoutOwn(res.States), want) {
		t.Errorf("states = %+v\nwant     %+v", res.States, want)
	}
}

// What the batch did besides the unit file changes: a mask it refused as
// shadowed, an op whose effect is not there when read back, a failed
// reload or stop, and the unmask command of systemd before 240.
func TestParseBatchOutcomes(t *testing.T) {
	s := ScopeSystem
	sp := spLines(s)
	tests := []struct {
		what   string
		op     Op
		answer string
		check  func(t *testing.T, r OpResult, res BatchResult)
	}{
		{
			what: "a runtime mask under a unit file in /etc", op: Op{Kind: OpMask, Name: "x.service", Layer: Runtime},
			answer: sp + "shadow\t1\tf\t/etc/systemd/system/x.service\n" + rLine(s, "x.service", "/etc/systemd/system:f") + "end\n",
			check: func(t *testing.T, r OpResult, res BatchResult) {
				var sh *ShadowedMaskError
				if !errors.As(r.Err, &sh) || r.Applied {
					t.Fatalf("%+v", r)
				}
				if want := (Location{Path: "/etc/systemd/system/x.service", Layer: SearchPersistent, Entry: EntryUnitFile}); sh.By != want || sh.Name != "x.service" || sh.Layer != Runtime || sh.Scope != s {
					t.Errorf("%+v", sh)
				}
				if msg := sh.Error(); !strings.Contains(msg, "a runtime mask of x.service (/run/systemd/system/x.service) would have no effect") ||
					!strings.Contains(msg, "a unit file, not a mask") || !strings.Contains(msg, "mask it persistently instead (runtime = false)") {
					t.Errorf("message: %s", msg)
				}
			},
		},
		{
			what: "a persistent mask under a link in generator.early", op: Op{Kind: OpMask, Name: "x.service"},
			answer: sp + "shadow\t1\tl\t/run/systemd/generator.early/x.service\n" + rLine(s, "x.service", "/run/systemd/generator.early:f") + "end\n",
			check: func(t *testing.T, r OpResult, res BatchResult) {
				var sh *ShadowedMaskError
				if !errors.As(r.Err, &sh) || sh.By.Layer != SearchGenerator || !sh.By.Link {
					t.Fatalf("%+v", r)
				}
				if msg := sh.Error(); !strings.Contains(msg, "a symlink (an alias or a linked unit file)") ||
					!strings.Contains(msg, "remove /run/systemd/generator.early/x.service (or mask the unit in a layer before it)") {
					t.Errorf("message: %s", msg)
				}
			},
		},
		{
			what: "a mask reported done, but nothing there", op: Op{Kind: OpMask, Name: "x.service"},
			answer: sp + rLine(s, "x.service") + "end\n",
			check: func(t *testing.T, r OpResult, res BatchResult) {
				var rb *ReadBackError
				if !errors.As(r.Err, &rb) || rb.Found != EntryNone || r.Applied {
					t.Fatalf("%+v", r)
				}
				if want := "systemctl reported masking x.service as done, but /etc/systemd/system/x.service holds nothing afterwards, not a mask"; rb.Error() != want {
					t.Errorf("message %q", rb.Error())
				}
			},
		},
		{
			what: "an unmask reported done, but the mask still there", op: Op{Kind: OpUnmask, Name: "x.service", Layer: Runtime},
			answer: sp + rLine(s, "x.service", "/run/systemd/system:e") + "end\n",
			check: func(t *testing.T, r OpResult, res BatchResult) {
				var rb *ReadBackError
				if !errors.As(r.Err, &rb) || rb.Found != EntryEmptyFile {
					t.Fatalf("%+v", r)
				}
				if want := "systemctl reported unmasking x.service as done, but /run/systemd/system/x.service still holds a mask (empty file) afterwards"; rb.Error() != want {
					t.Errorf("message %q", rb.Error())
				}
			},
		},
		{
			what: "a mask that the other layer's mask does not satisfy", op: Op{Kind: OpMask, Name: "x.service", Layer: Runtime},
			answer: sp + rLine(s, "x.service", "/etc/systemd/system:n") + "end\n",
			check: func(t *testing.T, r OpResult, res BatchResult) {
				var rb *ReadBackError
				if !errors.As(r.Err, &rb) {
					t.Fatalf("%+v", r)
				}
			},
		},
		{
			what: "a failed reload", op: Op{Kind: OpMask, Name: "x.service"},
			answer: sp + "rc\treload\t1\nerr\treload\tFailed to reload daemon: boom\n" + rLine(s, "x.service", "/etc/systemd/system:n") + "end\n",
			check: func(t *testing.T, r OpResult, res BatchResult) {
				var ce *CommandError
				if !r.Applied || !errors.As(r.Err, &ce) || ce.Command.String() != "systemctl daemon-reload" || ce.Stderr != "Failed to reload daemon: boom" ||
					!strings.Contains(r.Err.Error(), "the unit file change is made, but reloading the manager failed") || !res.Reloaded {
					t.Errorf("%+v, reloaded %v", r, res.Reloaded)
				}
			},
		},
		{
			what: "a reload", op: Op{Kind: OpMask, Name: "x.service"},
			answer: sp + "rc\treload\t0\n" + rLine(s, "x.service", "/etc/systemd/system:n") + "end\n",
			check: func(t *testing.T, r OpResult, res BatchResult) {
				if r != (OpResult{}) || !res.Reloaded {
					t.Errorf("%+v, reloaded %v", r, res.Reloaded)
				}
			},
		},
		{
			what: "a failed stop", op: Op{Kind: OpMask, Name: "x.service", Now: true},
			answer: sp + "rc\ts1\t5\nerr\ts1\tFailed to stop x.service: boom\n" + rLine(s, "x.service", "/etc/systemd/system:n") + "end\n",
			check: func(t *testing.T, r OpResult, res BatchResult) {
				var ce *CommandError
				if !r.Applied || !errors.As(r.Err, &ce) || ce.ExitCode != 5 || ce.Command.String() != "systemctl stop -- x.service" ||
					!strings.Contains(r.Err.Error(), "the unit is masked, but stopping it failed") {
					t.Errorf("%+v", r)
				}
			},
		},
		{
			what: "a failed unmask on systemd 239", op: Op{Kind: OpUnmask, Name: "x.service", Layer: Runtime},
			answer: sp + "v\t239\nrc\t1\t1\nerr\t1\trm: cannot remove: Permission denied\n" + rLine(s, "x.service", "/etc/systemd/system:n", "/run/systemd/system:n") + "end\n",
			check: func(t *testing.T, r OpResult, res BatchResult) {
				var ce *CommandError
				if !errors.As(r.Err, &ce) || res.Version != 239 ||
					ce.Command.String() != "systemctl unmask --no-reload -- x.service (or rm -f -- /run/systemd/system/x.service)" {
					t.Errorf("%+v, version %d", r, res.Version)
				}
			},
		},
		{
			what: "a failed unmask on systemd 252", op: Op{Kind: OpUnmask, Name: "x.service", Layer: Runtime},
			answer: sp + "v\t252\nrc\t1\t1\n" + rLine(s, "x.service", "/run/systemd/system:n") + "end\n",
			check: func(t *testing.T, r OpResult, res BatchResult) {
				var ce *CommandError
				if !errors.As(r.Err, &ce) || res.Version != 252 || ce.Command.String() != "systemctl unmask --runtime --no-reload -- x.service" {
					t.Errorf("%+v, version %d", r, res.Version)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.what, func(t *testing.T) {
			res, err := s.ParseBatch([]byte(tt.answer), []Op{tt.op})
			if err != nil {
				t.Fatalf("ParseBatch: %v\n%s", err, tt.answer)
			}
			tt.check(t, res.Ops[0], res)
		})
	}
}

// A sweep answers for every name it resolved, and only those.
func TestParseBatchSweep(t *testing.T) {
	s := ScopeUser
	out := spLines(s) +
		rLine(s, "a.service", "/home/deploy/.config/systemd/user:n", "/etc/systemd/user:n") +
		rLine(s, "b.service", "/run/user/1000/systemd/user:e") +
		rLine(s, "c.service", "/home/deploy/.config/systemd/user:a:d.service") +
		rLine(s, "d.service", "/usr/lib/systemd/user:f") +
		"end\n"
	res, err := s.ParseBatch([]byte(out), nil)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]MaskState{
		"a.service": {Persistent: EntryNullLink, Loaded: at(s, "/home/deploy/.config/systemd/user/a.service", EntryNullLink)},
		"b.service": {Runtime: EntryEmptyFile, Loaded: at(s, "/run/user/1000/systemd/user/b.service", EntryEmptyFile)},
		// An alias is no mask: systemd loads the unit it names.
		"c.service": {Persistent: EntryUnitFile, Loaded: at(s, "/usr/lib/systemd/user/d.service", EntryUnitFile)},
		"d.service": {Loaded: at(s, "/usr/lib/systemd/user/d.service", EntryUnitFile)},
	}
	if !reflect.DeepEqual(withoutOwn(res.States), want) || len(res.Ops) != 0 {
		t.Errorf("states = %+v\nwant     %+v", res.States, want)
	}
}

func TestBatchCommand(t *testing.T) {
	ops := []Op{{Kind: OpMask, Name: "a.service", Now: true}, {Kind: OpUnmask, Name: "--help.service", Layer: Runtime}}
	tests := []struct {
		scope       Scope
		ops         []Op
		sweep, sudo bool
		args        []string
		privileged  bool
	}{
		{ScopeSystem, ops, false, false, []string{"batch", "system", "0", "0", "mask-now", "a.service", "unmask-runtime", "--help.service"}, true},
		{ScopeSystem, ops, true, true, []string{"batch", "system", "1", "1", "mask-now", "a.service", "unmask-runtime", "--help.service"}, true},
		{ScopeGlobal, ops, false, true, []string{"batch", "global", "1", "0", "mask-now", "a.service", "unmask-runtime", "--help.service"}, true},
		// A user's units are the user's own: never sudo.
		{ScopeUser, ops, false, true, []string{"batch", "user", "0", "0", "mask-now", "a.service", "unmask-runtime", "--help.service"}, false},
		// A read needs no privileges.
		{ScopeSystem, nil, true, true, []string{"batch", "system", "1", "1"}, false},
		{ScopeSystem, nil, false, false, []string{"batch", "system", "0", "0"}, false},
	}
	for _, tt := range tests {
		cmd := tt.scope.BatchCommand(tt.ops, tt.sweep, tt.sudo)
		want := append([]string{"sh", "-c", engineScript, "systemd-tf"}, tt.args...)
		if !reflect.DeepEqual(cmd.Argv, want) || cmd.Privileged != tt.privileged {
			t.Errorf("%s %v sweep=%v sudo=%v: argv %q privileged %v", tt.scope, tt.ops, tt.sweep, tt.sudo, cmd.Argv[3:], cmd.Privileged)
		}
	}
}

func TestOpWords(t *testing.T) {
	for _, op := range []Op{
		{Kind: OpMask}, {Kind: OpMask, Layer: Runtime}, {Kind: OpMask, Now: true}, {Kind: OpMask, Now: true, Layer: Runtime},
		{Kind: OpUnmask}, {Kind: OpUnmask, Layer: Runtime},
	} {
		kind, layer, now, ok := ParseOpWord(op.word())
		if !ok || kind != op.Kind || layer != op.Layer || now != op.Now {
			t.Errorf("%q read back as %v %v %v %v", op.word(), kind, layer, now, ok)
		}
	}
	if _, _, _, ok := ParseOpWord("stop"); ok {
		t.Error("accepted stop")
	}
}
