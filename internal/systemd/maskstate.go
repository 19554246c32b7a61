package systemd

// Entry is what a unit directory holds under a unit's name.
type Entry int

const (
	EntryNone      Entry = iota // nothing
	EntryNullLink               // a symlink to /dev/null: a mask
	EntryEmptyFile              // an empty file: also a mask to systemd
	EntryUnitFile               // a real unit file or link: not a mask
)

func (e Entry) String() string {
	switch e {
	case EntryNullLink:
		return "symlink to /dev/null"
	case EntryEmptyFile:
		return "empty file"
	case EntryUnitFile:
		return "unit file"
	}
	return "nothing"
}

// Masked reports whether systemd reads this entry as a mask.
func (e Entry) Masked() bool { return e == EntryNullLink || e == EntryEmptyFile }

// MaskState is what both layers hold for one unit, and what systemd loads
// for it.
type MaskState struct {
	Persistent Entry
	Runtime    Entry
	// Loaded is the entry systemd loads the unit from: the first along the
	// search path (through aliases, or an instance's template). Zero when
	// nothing is there, or when it was not read.
	Loaded Location
	// Own: Loaded is the unit's own entry in the directory `systemctl mask`
	// writes for OwnLayer (not an alias's, nor a template's).
	Own      bool
	OwnLayer Layer
}

// Obeyed reports whether layer l holds the mask that systemd loads for the
// unit: the one a resource managing l owns outright.
func (s MaskState) Obeyed(l Layer) bool {
	return s.Own && s.OwnLayer == l && s.Entry(l).Masked()
}

// Adoptable returns the layer whose mask a resource adopting this unit
// manages, when there is one: the mask systemd obeys, when it sits in one of
// the two directories `systemctl mask` writes (both masked: the persistent
// one, which systemd reads first). It is the rule of import and of listing:
// a mask behind an alias, a template, generator.early or control, and one
// shadowed by an earlier unit file, are no mask a resource could manage.
func (s MaskState) Adoptable() (Layer, bool) {
	for _, l := range Layers {
		if s.Obeyed(l) {
			return l, true
		}
	}
	return Persistent, false
}

// Entry returns what layer l holds.
func (s MaskState) Entry(l Layer) Entry {
	if l == Runtime {
		return s.Runtime
	}
	return s.Persistent
}

// Masked reports whether layer l holds a mask that masks the unit: one that
// no entry earlier in the search path shadows.
func (s MaskState) Masked(l Layer) bool {
	_, shadowed := s.Shadow(l)
	return s.Entry(l).Masked() && !shadowed
}

// Shadow returns the entry that systemd loads instead of layer l's mask,
// when l holds a mask and an earlier entry that is not a mask (a unit file
// in /etc above a runtime mask) decides: that mask has no effect.
func (s MaskState) Shadow(l Layer) (Location, bool) {
	if s.Entry(l).Masked() && s.Loaded.Entry != EntryNone && !s.Loaded.Entry.Masked() {
		return s.Loaded, true
	}
	return Location{}, false
}

// Reconcile says what a resource managing the mask in layer managed finds on
// the host: the layer it should now manage, and whether any mask remains. A
// mask that moved to the other layer is followed (the plan then shows the
// update back); when both layers are masked the managed one wins.
func (s MaskState) Reconcile(managed Layer) (layer Layer, masked bool) {
	switch {
	case s.Masked(managed):
		return managed, true
	case s.Masked(managed.Other()):
		return managed.Other(), true
	}
	return managed, false
}
