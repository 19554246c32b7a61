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
