package systemd

import (
	"reflect"
	"strings"
	"testing"
)

// probeAnswer builds what the probe script prints: for each name, one
// "WORD\tPATH" line per layer, then "end".
func probeAnswer(entries ...[3]string) string {
	var b strings.Builder
	for _, e := range entries {
		name, persistent, runtime := e[0], e[1], e[2]
		b.WriteString(persistent + "\t/etc/systemd/system/" + name + "\n")
		b.WriteString(runtime + "\t/run/systemd/system/" + name + "\n")
	}
	b.WriteString("end\n")
	return b.String()
}

func TestParseProbe(t *testing.T) {
	tests := []struct {
		out   string
		names []string
		want  map[string]MaskState
	}{
		{
			probeAnswer([3]string{"a.service", "none", "none"}),
			[]string{"a.service"},
			map[string]MaskState{"a.service": {}},
		},
		{
			probeAnswer([3]string{"a.service", "null", "none"}),
			[]string{"a.service"},
			map[string]MaskState{"a.service": {Persistent: EntryNullLink}},
		},
		{
			probeAnswer([3]string{"a.service", "none", "empty"}),
			[]string{"a.service"},
			map[string]MaskState{"a.service": {Runtime: EntryEmptyFile}},
		},
		{
			probeAnswer([3]string{"a.service", "unit", "null"}),
			[]string{"a.service"},
			map[string]MaskState{"a.service": {Persistent: EntryUnitFile, Runtime: EntryNullLink}},
		},
		{
			probeAnswer(
				[3]string{"a.service", "null", "none"},
				[3]string{"getty@tty1.service", "empty", "unit"},
				[3]string{"--help.service", "none", "null"},
			),
			[]string{"a.service", "getty@tty1.service", "--help.service"},
			map[string]MaskState{
				"a.service":          {Persistent: EntryNullLink},
				"getty@tty1.service": {Persistent: EntryEmptyFile, Runtime: EntryUnitFile},
				"--help.service":     {Runtime: EntryNullLink},
			},
		},
		// No trailing newline is still a complete answer.
		{
			strings.TrimSuffix(probeAnswer([3]string{"a.service", "none", "unit"}), "\n"),
			[]string{"a.service"},
			map[string]MaskState{"a.service": {Runtime: EntryUnitFile}},
		},
		// Asking about nothing gets "end" alone.
		{"end\n", nil, map[string]MaskState{}},
	}
	for _, tt := range tests {
		got, err := ParseProbe([]byte(tt.out), tt.names)
		if err != nil {
			t.Errorf("ParseProbe(%q, %q): %v", tt.out, tt.names, err)
			continue
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ParseProbe(%q, %q) = %v, want %v", tt.out, tt.names, got, tt.want)
		}
	}
}

func TestParseProbeRefuses(t *testing.T) {
	// Every garbled answer must be an error, never a silent "not masked".
	one := []string{"a.service"}
	two := []string{"a.service", "b.service"}
	good := probeAnswer([3]string{"a.service", "null", "none"}, [3]string{"b.service", "none", "null"})
	tests := []struct {
		what  string
		out   string
		names []string
		want  string
	}{
		{"empty output", "", one, "expected 3"},
		{"empty output for no names", "", nil, `ending in "end"`},
		{"missing end", strings.TrimSuffix(probeAnswer([3]string{"a.service", "null", "none"}), "end\n") + "\n", one, `ending in "end"`},
		{"end replaced", strings.Replace(probeAnswer([3]string{"a.service", "null", "none"}), "end", "done", 1), one, `"end"`},
		{"truncated", good[:len(good)/2], two, "for 2 units"},
		{"truncated mid line", good[:strings.Index(good, "\n")+5], one, "lines"},
		{"one name short", probeAnswer([3]string{"a.service", "null", "none"}), two, "expected 5"},
		{"extra line before end", strings.Replace(good, "end\n", "null\t/etc/systemd/system/c.service\nend\n", 1), two, "expected 5"},
		{"extra line after end", good + "null\t/etc/systemd/system/a.service\n", two, `"end"`},
		{"other name", probeAnswer([3]string{"b.service", "null", "none"}), one, "/etc/systemd/system/a.service"},
		{"prefix of the name", probeAnswer([3]string{"a.service.d", "null", "none"}), one, "unexpected line 1"},
		{"layers swapped", "none\t/run/systemd/system/a.service\nnull\t/etc/systemd/system/a.service\nend\n", one, "unexpected line 1"},
		{"names out of order", good, []string{"b.service", "a.service"}, "unexpected line 1"},
		{"runtime path wrong", "null\t/etc/systemd/system/a.service\nnone\t/etc/systemd/system/a.service\nend\n", one, "unexpected line 2"},
		{"unknown word", probeAnswer([3]string{"a.service", "masked", "none"}), one, `"masked\t`},
		{"upper-case word", probeAnswer([3]string{"a.service", "NULL", "none"}), one, "unexpected line 1"},
		{"empty word", probeAnswer([3]string{"a.service", "none", ""}), one, "unexpected line 2"},
		{"no tab", "null /etc/systemd/system/a.service\nnone\t/run/systemd/system/a.service\nend\n", one, "unexpected line 1"},
		{"trailing space in path", "null\t/etc/systemd/system/a.service \nnone\t/run/systemd/system/a.service\nend\n", one, "unexpected line 1"},
		{"error text instead", "sh: 1: readlink: not found\n", one, "readlink: not found"},
	}
	for _, tt := range tests {
		got, err := ParseProbe([]byte(tt.out), tt.names)
		if err == nil {
			t.Errorf("%s: ParseProbe = %v, want an error", tt.what, got)
			continue
		}
		if !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %q does not mention %q", tt.what, err, tt.want)
		}
	}
}

func TestParseProbeTruncatesLongAnswersInErrors(t *testing.T) {
	// A runaway answer must not flood the diagnostics.
	out := strings.Repeat("x", 10000)
	_, err := ParseProbe([]byte(out), []string{"a.service"})
	if err == nil {
		t.Fatal("no error")
	}
	if len(err.Error()) > 500 || !strings.Contains(err.Error(), "…") {
		t.Errorf("error is %d bytes long: %.300q", len(err.Error()), err)
	}
}

func TestEntryMasked(t *testing.T) {
	tests := []struct {
		e      Entry
		masked bool
		str    string
	}{
		{EntryNone, false, "nothing"},
		{EntryNullLink, true, "symlink to /dev/null"},
		{EntryEmptyFile, true, "empty file"}, // systemd's null_or_empty_path
		{EntryUnitFile, false, "unit file"},
	}
	for _, tt := range tests {
		if got := tt.e.Masked(); got != tt.masked {
			t.Errorf("%v.Masked() = %v, want %v", tt.e, got, tt.masked)
		}
		if got := tt.e.String(); got != tt.str {
			t.Errorf("String() = %q, want %q", got, tt.str)
		}
	}
}

func TestMaskStateReconcile(t *testing.T) {
	entries := []Entry{EntryNone, EntryNullLink, EntryEmptyFile, EntryUnitFile}
	// Every combination of both layers, seen from both managed layers.
	for _, p := range entries {
		for _, r := range entries {
			s := MaskState{Persistent: p, Runtime: r}
			if s.Entry(Persistent) != p || s.Entry(Runtime) != r {
				t.Fatalf("%+v.Entry is wrong", s)
			}
			for _, managed := range Layers {
				mine, other := s.Entry(managed), s.Entry(managed.Other())
				var wantLayer Layer
				var wantMasked bool
				switch {
				case mine.Masked(): // the managed mask wins, even when both are masked
					wantLayer, wantMasked = managed, true
				case other.Masked(): // a mask that moved is followed
					wantLayer, wantMasked = managed.Other(), true
				default: // a unit file is no mask
					wantLayer, wantMasked = managed, false
				}
				layer, masked := s.Reconcile(managed)
				if layer != wantLayer || masked != wantMasked {
					t.Errorf("%+v.Reconcile(%v) = %v, %v; want %v, %v", s, managed, layer, masked, wantLayer, wantMasked)
				}
			}
		}
	}
}

func TestMaskStateReconcileExamples(t *testing.T) {
	// Spelled-out cases, so the rule above is not only checked against itself.
	tests := []struct {
		s          MaskState
		managed    Layer
		wantLayer  Layer
		wantMasked bool
	}{
		{MaskState{Persistent: EntryNullLink}, Persistent, Persistent, true},
		{MaskState{Runtime: EntryNullLink}, Persistent, Runtime, true},
		{MaskState{Persistent: EntryNullLink}, Runtime, Persistent, true},
		{MaskState{Persistent: EntryNullLink, Runtime: EntryNullLink}, Runtime, Runtime, true},
		{MaskState{Persistent: EntryNullLink, Runtime: EntryNullLink}, Persistent, Persistent, true},
		{MaskState{Persistent: EntryEmptyFile}, Persistent, Persistent, true},
		{MaskState{Runtime: EntryEmptyFile}, Persistent, Runtime, true},
		{MaskState{Persistent: EntryUnitFile}, Persistent, Persistent, false},
		{MaskState{Persistent: EntryUnitFile, Runtime: EntryUnitFile}, Runtime, Runtime, false},
		{MaskState{Persistent: EntryUnitFile, Runtime: EntryNullLink}, Persistent, Runtime, true},
		{MaskState{}, Persistent, Persistent, false},
		{MaskState{}, Runtime, Runtime, false},
	}
	for _, tt := range tests {
		layer, masked := tt.s.Reconcile(tt.managed)
		if layer != tt.wantLayer || masked != tt.wantMasked {
			t.Errorf("%+v.Reconcile(%v) = %v, %v; want %v, %v", tt.s, tt.managed, layer, masked, tt.wantLayer, tt.wantMasked)
		}
	}
}
