package systemd

// SearchLayer is a kind of directory in systemd's unit search path
// (systemd.unit(5), "Unit File Load Path"). Layer is where `systemctl mask`
// writes (persistent or runtime); a SearchLayer names every other place a
// unit, or a mask, can come from.
type SearchLayer int

const (
	// SearchPersistent is the administrator's configuration: /etc (for a
	// user, ~/.config and $XDG_CONFIG_DIRS).
	SearchPersistent SearchLayer = iota
	// SearchRuntime is /run (a user's $XDG_RUNTIME_DIR): gone at the next
	// boot.
	SearchRuntime
	// SearchVendor is where packages install units: /usr/lib, /lib where
	// /usr is not merged, /usr/local/lib (and a user's XDG data directories).
	SearchVendor
	// SearchControl is system.control: settings made through the manager's
	// API (systemctl set-property), read before everything else.
	SearchControl
	// SearchTransient holds units created at runtime (systemd-run).
	SearchTransient
	// SearchGenerator is the output of generators; generator.early, read
	// before /etc, holds the masks of the kernel's `systemd.mask=`.
	SearchGenerator
	// SearchAttached holds portable services' units.
	SearchAttached
	// SearchGlobal is, for a user's manager, the directories `systemctl
	// --global` writes: /etc/systemd/user and /run/systemd/user.
	SearchGlobal
)

// SearchLayerNames are the layers as the provider spells them.
var SearchLayerNames = []string{"persistent", "runtime", "vendor", "control", "transient", "generator", "attached", "global"}

func (l SearchLayer) String() string { return SearchLayerNames[l] }

func searchLayerByName(s string) (SearchLayer, bool) {
	for i, n := range SearchLayerNames {
		if n == s {
			return SearchLayer(i), true
		}
	}
	return 0, false
}

// searchDir is one directory of a scope's unit search path, as the host
// reported it.
type searchDir struct {
	layer SearchLayer
	path  string
}

// Location is one directory entry under a unit's name.
type Location struct {
	Path  string
	Layer SearchLayer
	Entry Entry
	// Link: a symlink that is no mask (an alias, or a linked unit file).
	Link bool
}

// resolved is what systemd makes of one unit name: every entry along the
// search path, and the one it loads.
type resolved struct {
	entries []Location
	// loaded is the entry systemd loads the unit from (through aliases and,
	// for an instance without entries of its own, its template); zero when
	// there is none.
	loaded Location
	// alias: loaded was reached through an alias of another name.
	alias bool
}

// resolve applies systemd's rule to the answer's entries for name: the first
// entry along the search path decides; an alias is loaded as the unit it
// names; an instance with no entry of its own falls back to its template.
func (a answer) resolve(name string) resolved {
	r := resolved{entries: a.locations(name)}
	n, hops := name, 0
	for {
		entries := a.res[n]
		if len(entries) == 0 && hops == 0 {
			if t, ok := unitTemplate(n); ok && len(a.res[t]) > 0 {
				n, entries = t, a.res[t]
			}
		}
		if len(entries) == 0 {
			return r
		}
		first := entries[0]
		if first.alias != "" && hops < 8 {
			if _, ok := a.res[first.alias]; ok {
				n, hops, r.alias = first.alias, hops+1, true
				continue
			}
		}
		r.loaded = a.location(n, first)
		return r
	}
}

// locations is every entry of name itself along the search path.
func (a answer) locations(name string) []Location {
	var locs []Location
	for _, f := range a.res[name] {
		locs = append(locs, a.location(name, f))
	}
	return locs
}

func (a answer) location(name string, f found) Location {
	d := a.sp[f.dir]
	loc := Location{Path: d.path + "/" + name, Layer: d.layer}
	switch f.kind {
	case 'n':
		loc.Entry = EntryNullLink
	case 'e':
		loc.Entry = EntryEmptyFile
	case 'l', 'a', 'd':
		loc.Entry, loc.Link = EntryUnitFile, true
	default:
		loc.Entry = EntryUnitFile
	}
	return loc
}

// maskState is what the answer says of name for the resource: its entries
// in the two directories `systemctl mask` writes, and what systemd loads.
func (a answer) maskState(name string) MaskState {
	r := a.resolve(name)
	st := MaskState{Loaded: r.loaded}
	p, rt := a.managed(Persistent), a.managed(Runtime)
	for i, f := range a.res[name] {
		switch f.dir {
		case p:
			st.Persistent = a.location(name, f).Entry
			st.Own, st.OwnLayer = i == 0 && !r.alias, Persistent
		case rt:
			st.Runtime = a.location(name, f).Entry
			if i == 0 && !r.alias {
				st.Own, st.OwnLayer = true, Runtime
			}
		}
	}
	return st
}
