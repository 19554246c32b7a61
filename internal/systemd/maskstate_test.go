package systemd

import (
	"testing"
)

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

// A mask that an earlier entry of the search path, not a mask itself,
// shadows, masks nothing: Masked is false and Shadow names that entry.
func TestMaskStateShadow(t *testing.T) {
	etcUnit := Location{Path: "/etc/systemd/system/x.service", Layer: SearchPersistent, Entry: EntryUnitFile}
	etcMask := Location{Path: "/etc/systemd/system/x.service", Layer: SearchPersistent, Entry: EntryNullLink}
	genMask := Location{Path: "/run/systemd/generator.early/x.service", Layer: SearchGenerator, Entry: EntryNullLink}
	ctlUnit := Location{Path: "/etc/systemd/system.control/x.service", Layer: SearchControl, Entry: EntryUnitFile}
	tests := []struct {
		what        string
		s           MaskState
		layer       Layer
		masked      bool
		shadowedBy  Location
		reconciled  Layer
		reconMasked bool
	}{
		{"a runtime mask under a unit file in /etc", MaskState{Persistent: EntryUnitFile, Runtime: EntryNullLink, Loaded: etcUnit}, Runtime, false, etcUnit, Runtime, false},
		{"a runtime mask under a mask in /etc", MaskState{Persistent: EntryNullLink, Runtime: EntryNullLink, Loaded: etcMask}, Runtime, true, Location{}, Runtime, true},
		{"a persistent mask under system.control", MaskState{Persistent: EntryNullLink, Loaded: ctlUnit}, Persistent, false, ctlUnit, Persistent, false},
		{"a persistent mask under a mask in generator.early", MaskState{Persistent: EntryEmptyFile, Loaded: genMask}, Persistent, true, Location{}, Persistent, true},
		{"not read", MaskState{Runtime: EntryNullLink}, Runtime, true, Location{}, Runtime, true},
		{"no mask", MaskState{Persistent: EntryUnitFile, Loaded: etcUnit}, Persistent, false, Location{}, Persistent, false},
		// Only the managed layer's mask is shadowed; the other is followed
		// when it masks.
		{"the other layer's mask decides", MaskState{Persistent: EntryNullLink, Runtime: EntryNullLink, Loaded: etcMask}, Runtime, true, Location{}, Runtime, true},
	}
	for _, tt := range tests {
		t.Run(tt.what, func(t *testing.T) {
			if got := tt.s.Masked(tt.layer); got != tt.masked {
				t.Errorf("Masked(%v) = %v", tt.layer, got)
			}
			by, shadowed := tt.s.Shadow(tt.layer)
			if by != tt.shadowedBy || shadowed != (tt.shadowedBy != Location{}) {
				t.Errorf("Shadow(%v) = %+v, %v; want %+v", tt.layer, by, shadowed, tt.shadowedBy)
			}
			if layer, masked := tt.s.Reconcile(tt.layer); layer != tt.reconciled || masked != tt.reconMasked {
				t.Errorf("Reconcile(%v) = %v, %v; want %v, %v", tt.layer, layer, masked, tt.reconciled, tt.reconMasked)
			}
		})
	}
}

// What an answer says of a unit: its entries in the two mask directories,
// and what systemd loads, following aliases and, for an instance with no
// entry of its own, its template.
func TestAnswerMaskState(t *testing.T) {
	s := ScopeSystem
	tests := []struct {
		what  string
		lines string
		name  string
		want  MaskState
	}{
		{"nothing", rLine(s, "x.service"), "x.service", MaskState{}},
		{"a mask", rLine(s, "x.service", "/etc/systemd/system:n"), "x.service",
			MaskState{Persistent: EntryNullLink, Loaded: at(s, "/etc/systemd/system/x.service", EntryNullLink)}},
		{"both layers", rLine(s, "x.service", "/etc/systemd/system:e", "/run/systemd/system:n", "/usr/lib/systemd/system:f"), "x.service",
			MaskState{Persistent: EntryEmptyFile, Runtime: EntryNullLink, Loaded: at(s, "/etc/systemd/system/x.service", EntryEmptyFile)}},
		{"a vendor unit only", rLine(s, "x.service", "/usr/lib/systemd/system:f"), "x.service",
			MaskState{Loaded: at(s, "/usr/lib/systemd/system/x.service", EntryUnitFile)}},
		{"a link in /etc", rLine(s, "x.service", "/etc/systemd/system:l", "/run/systemd/system:n"), "x.service",
			MaskState{Persistent: EntryUnitFile, Runtime: EntryNullLink, Loaded: Location{Path: "/etc/systemd/system/x.service", Layer: SearchPersistent, Entry: EntryUnitFile, Link: true}}},
		{"a dangling link in /etc", rLine(s, "x.service", "/etc/systemd/system:d"), "x.service",
			MaskState{Persistent: EntryUnitFile, Loaded: Location{Path: "/etc/systemd/system/x.service", Layer: SearchPersistent, Entry: EntryUnitFile, Link: true}}},
		{"an alias of a masked unit", rLine(s, "x.service", "/etc/systemd/system:a:y.service") + rLine(s, "y.service", "/usr/lib/systemd/system:n"), "x.service",
			MaskState{Persistent: EntryUnitFile, Loaded: at(s, "/usr/lib/systemd/system/y.service", EntryNullLink)}},
		{"a chain of aliases", rLine(s, "x.service", "/etc/systemd/system:a:y.service") + rLine(s, "y.service", "/usr/lib/systemd/system:a:z.service") + rLine(s, "z.service", "/usr/lib/systemd/system:f"), "x.service",
			MaskState{Persistent: EntryUnitFile, Loaded: at(s, "/usr/lib/systemd/system/z.service", EntryUnitFile)}},
		{"an alias loop", rLine(s, "x.service", "/etc/systemd/system:a:y.service") + rLine(s, "y.service", "/etc/systemd/system:a:x.service"), "x.service",
			MaskState{Persistent: EntryUnitFile, Loaded: Location{Path: "/etc/systemd/system/x.service", Layer: SearchPersistent, Entry: EntryUnitFile, Link: true}}},
		{"an instance through its template", rLine(s, "a@b.service") + rLine(s, "a@.service", "/etc/systemd/system:n"), "a@b.service",
			MaskState{Loaded: at(s, "/etc/systemd/system/a@.service", EntryNullLink)}},
		{"an instance's own entry, later than its template's", rLine(s, "a@b.service", "/usr/lib/systemd/system:f") + rLine(s, "a@.service", "/etc/systemd/system:n"), "a@b.service",
			MaskState{Loaded: at(s, "/usr/lib/systemd/system/a@b.service", EntryUnitFile)}},
	}
	for _, tt := range tests {
		t.Run(tt.what, func(t *testing.T) {
			a, err := s.parseAnswer([]byte(spLines(s) + tt.lines + "end\n"))
			if err != nil {
				t.Fatal(err)
			}
			if got := ownless(a.maskState(tt.name)); got != tt.want {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

// ownless and withoutOwn leave out which layer's mask systemd obeys, for
// tests of the rest (TestMaskStateObeyed tests that part).
func ownless(s MaskState) MaskState {
	s.Own, s.OwnLayer = false, Persistent
	return s
}

func withoutOwn(states map[string]MaskState) map[string]MaskState {
	out := make(map[string]MaskState, len(states))
	for n, s := range states {
		out[n] = ownless(s)
	}
	return out
}

// A resource owns a mask outright only when it is what systemd loads: not
// an alias's target, not a template's, not one an earlier mask hides.
func TestMaskStateObeyed(t *testing.T) {
	sp := spLines(ScopeSystem)
	out := sp + "r\tp.service\t4:n\nr\tr.service\t6:n\nr\tboth.service\t4:n 6:n\n" +
		"r\tearly.service\t3:n 4:n\nr\talias.service\t4:a:t.service 6:n\nr\tt.service\t10:n\nend\n"
	a, err := ScopeSystem.parseAnswer([]byte(out))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name                string
		persistent, runtime bool
	}{
		{"p.service", true, false},
		{"r.service", false, true},
		{"both.service", true, false},   // /etc comes first
		{"early.service", false, false}, // generator.early's mask decides
		{"alias.service", false, false}, // loaded as t.service
	} {
		st := a.maskState(tt.name)
		if st.Obeyed(Persistent) != tt.persistent || st.Obeyed(Runtime) != tt.runtime {
			t.Errorf("%s: obeyed persistent %v, runtime %v; want %v, %v", tt.name, st.Obeyed(Persistent), st.Obeyed(Runtime), tt.persistent, tt.runtime)
		}
		// Adoptable picks the obeyed one: import and listing follow it.
		layer, ok := st.Adoptable()
		if wantOK := tt.persistent || tt.runtime; ok != wantOK || ok && layer != LayerFor(tt.runtime) {
			t.Errorf("%s: Adoptable() = %v, %v", tt.name, layer, ok)
		}
	}
}
