package systemd

import (
	"fmt"
	"strings"
)

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

// MaskState is what both layers hold for one unit.
type MaskState struct {
	Persistent Entry
	Runtime    Entry
}

// Entry returns what layer l holds.
func (s MaskState) Entry(l Layer) Entry {
	if l == Runtime {
		return s.Runtime
	}
	return s.Persistent
}

// Masked reports whether layer l holds a mask.
func (s MaskState) Masked(l Layer) bool { return s.Entry(l).Masked() }

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

var entryByWord = map[string]Entry{
	"none":  EntryNone,
	"null":  EntryNullLink,
	"empty": EntryEmptyFile,
	"unit":  EntryUnitFile,
}

// ParseProbe reads the answer of ProbeCommand(names...). It insists on an
// answer that is complete and exactly about the names asked, so that a
// truncated or garbled answer is an error rather than a false "not masked".
func ParseProbe(out []byte, names []string) (map[string]MaskState, error) {
	return ScopeSystem.ParseProbe(out, names)
}

// ParseProbe reads the answer of s.ProbeCommand(names...).
func (s Scope) ParseProbe(out []byte, names []string) (map[string]MaskState, error) {
	lines := strings.Split(strings.TrimRight(string(out), "\n"), "\n")
	want := len(names)*len(Layers) + 1
	if len(lines) != want || lines[len(lines)-1] != "end" {
		return nil, fmt.Errorf("unexpected answer from the host's unit directories: %d lines for %d units, expected %d ending in \"end\": %q",
			len(lines), len(names), want, truncate(string(out), 200))
	}
	states := make(map[string]MaskState, len(names))
	for i, name := range names {
		var st MaskState
		for j, layer := range Layers {
			line := lines[i*len(Layers)+j]
			word, path, ok := strings.Cut(line, "\t")
			entry, known := entryByWord[word]
			if !ok || !known || !s.matchesPath(layer, name, path) {
				return nil, fmt.Errorf("unexpected line %d in the answer about %s: %q", i*len(Layers)+j+1, s.UnitPath(layer, name), truncate(line, 200))
			}
			if layer == Runtime {
				st.Runtime = entry
			} else {
				st.Persistent = entry
			}
		}
		states[name] = st
	}
	return states, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
