// Package systemdtest is an in-memory systemd.Host for the provider's unit
// tests: the system scope's unit search path as a map from path to entry,
// with systemd's rules for which entry decides, and faults on demand. The
// acceptance tests run the real engine against real systemd.
package systemdtest

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/systemd-tf/terraform-provider-systemd/internal/systemd"
)

// SearchPath is the system scope's unit search path, as systemd reads it
// on a merged /usr.
var SearchPath = []struct {
	Layer systemd.SearchLayer
	Dir   string
}{
	{systemd.SearchControl, "/etc/systemd/system.control"},
	{systemd.SearchControl, "/run/systemd/system.control"},
	{systemd.SearchTransient, "/run/systemd/transient"},
	{systemd.SearchGenerator, "/run/systemd/generator.early"},
	{systemd.SearchPersistent, "/etc/systemd/system"},
	{systemd.SearchAttached, "/etc/systemd/system.attached"},
	{systemd.SearchRuntime, "/run/systemd/system"},
	{systemd.SearchAttached, "/run/systemd/system.attached"},
	{systemd.SearchGenerator, "/run/systemd/generator"},
	{systemd.SearchVendor, "/usr/local/lib/systemd/system"},
	{systemd.SearchVendor, "/usr/lib/systemd/system"},
	{systemd.SearchGenerator, "/run/systemd/generator.late"},
}

// Host is one host's system units in memory. Its zero value is not usable:
// use New.
type Host struct {
	mu sync.Mutex
	// Entries maps a unit file path to what is there.
	Entries map[string]systemd.Entry
	// Calls records every operation as "mask LAYER NAME", "mask-now LAYER
	// NAME", "unmask LAYER NAME" or "read NAMES".
	Calls []string
	// MaskedAfter records, after each call, whether Unit was masked.
	MaskedAfter []bool
	// Unit is the unit MaskedAfter watches.
	Unit string
	// StopFails makes stopping a unit fail, as systemctl stop can.
	StopFails bool
	// Fail, when it returns non-nil, makes the call fail with that error
	// before it touches anything (a connection lost, say).
	Fail func(call string) error
	// masked are the units and layers masked through this Host, which an
	// unmask then keeps (systemd.Host's contract, as the Engine keeps it).
	masked map[string]bool
}

var _ systemd.Host = (*Host)(nil)

// New returns an empty host watching unit.
func New(unit string) *Host {
	return &Host{Entries: map[string]systemd.Entry{}, Unit: unit, masked: map[string]bool{}}
}

// Path is the unit file of name in a directory.
func Path(dir, name string) string { return dir + "/" + name }

// LayerPath is the file `systemctl mask` writes for layer l.
func LayerPath(l systemd.Layer, name string) string { return systemd.ScopeSystem.UnitPath(l, name) }

func (h *Host) record(call string) error {
	h.Calls = append(h.Calls, call)
	if h.Fail != nil {
		if err := h.Fail(call); err != nil {
			h.after()
			return err
		}
	}
	return nil
}

func (h *Host) after() { h.MaskedAfter = append(h.MaskedAfter, h.loaded(h.Unit).Entry.Masked()) }

// loaded is the first entry along the search path under name: what systemd
// loads.
func (h *Host) loaded(name string) systemd.Location {
	for _, d := range SearchPath {
		if e := h.Entries[Path(d.Dir, name)]; e != systemd.EntryNone {
			return systemd.Location{Path: Path(d.Dir, name), Layer: d.Layer, Entry: e}
		}
	}
	return systemd.Location{}
}

func (h *Host) state(name string) systemd.MaskState {
	st := systemd.MaskState{
		Persistent: h.Entries[LayerPath(systemd.Persistent, name)],
		Runtime:    h.Entries[LayerPath(systemd.Runtime, name)],
		Loaded:     h.loaded(name),
	}
	for _, l := range systemd.Layers {
		if st.Loaded.Path == LayerPath(l, name) {
			st.Own, st.OwnLayer = true, l
		}
	}
	return st
}

// Mask implements systemd.Host.
func (h *Host) Mask(_ context.Context, name string, layer systemd.Layer, stop bool) systemd.OpResult {
	h.mu.Lock()
	defer h.mu.Unlock()
	verb := "mask"
	if stop {
		verb = "mask-now"
	}
	if err := h.record(verb + " " + layer.String() + " " + name); err != nil {
		return systemd.OpResult{Err: err}
	}
	defer h.after()
	p := LayerPath(layer, name)
	for _, d := range SearchPath {
		if Path(d.Dir, name) == p {
			break
		}
		if e := h.Entries[Path(d.Dir, name)]; e != systemd.EntryNone {
			if e.Masked() {
				break
			}
			return systemd.OpResult{Err: &systemd.ShadowedMaskError{Name: name, Layer: layer, Scope: systemd.ScopeSystem,
				By: systemd.Location{Path: Path(d.Dir, name), Layer: d.Layer, Entry: e}}}
		}
	}
	switch h.Entries[p] {
	case systemd.EntryUnitFile:
		return systemd.OpResult{Err: &systemd.UnitFileExistsError{Name: name, Layer: layer, Scope: systemd.ScopeSystem,
			Stderr: fmt.Sprintf("Failed to mask unit, file %q already exists.", p)}}
	case systemd.EntryNone:
		h.Entries[p] = systemd.EntryNullLink
	}
	h.masked[layer.String()+" "+name] = true
	if stop && h.StopFails {
		return systemd.OpResult{Applied: true, Err: fmt.Errorf("the unit is masked, but stopping it failed: %w",
			&systemd.CommandError{Command: systemd.Command{Argv: []string{"systemctl", "stop", "--", name}}, ExitCode: 5,
				Stderr: "Failed to stop " + name + ": Job failed."})}
	}
	st := h.state(name)
	return systemd.OpResult{After: &st}
}

// Unmask implements systemd.Host.
func (h *Host) Unmask(_ context.Context, name string, layer systemd.Layer) systemd.OpResult {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.masked[layer.String()+" "+name] {
		return systemd.OpResult{Kept: true}
	}
	if err := h.record("unmask " + layer.String() + " " + name); err != nil {
		return systemd.OpResult{Err: err}
	}
	defer h.after()
	if p := LayerPath(layer, name); h.Entries[p].Masked() {
		delete(h.Entries, p)
	}
	st := h.state(name)
	return systemd.OpResult{After: &st}
}

// State implements systemd.Host.
func (h *Host) State(_ context.Context, names ...string) (map[string]systemd.MaskState, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if err := h.record("read " + strings.Join(names, " ")); err != nil {
		return nil, err
	}
	defer h.after()
	states := map[string]systemd.MaskState{}
	for _, n := range names {
		states[n] = h.state(n)
	}
	return states, nil
}

// UnitInfo implements systemd.Host: the entries only, as for a unit that no
// manager has loaded (Status is nil).
func (h *Host) UnitInfo(_ context.Context, name string) (systemd.UnitInfo, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if err := h.record("info " + name); err != nil {
		return systemd.UnitInfo{}, err
	}
	defer h.after()
	info := systemd.UnitInfo{Name: name, Loaded: h.loaded(name)}
	for _, d := range SearchPath {
		if e := h.Entries[Path(d.Dir, name)]; e.Masked() {
			info.Masks = append(info.Masks, systemd.Location{Path: Path(d.Dir, name), Layer: d.Layer, Entry: e})
		}
	}
	return info, nil
}

// MaskedUnits implements systemd.Host.
func (h *Host) MaskedUnits(context.Context) ([]systemd.MaskedUnit, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if err := h.record("masked-units"); err != nil {
		return nil, err
	}
	defer h.after()
	seen := map[string]bool{}
	var units []systemd.MaskedUnit
	for p := range h.Entries {
		name := p[strings.LastIndexByte(p, '/')+1:]
		if seen[name] {
			continue
		}
		seen[name] = true
		if l := h.loaded(name); l.Entry.Masked() {
			units = append(units, systemd.MaskedUnit{Name: name, Layer: l.Layer, Path: l.Path})
		}
	}
	sort.Slice(units, func(a, b int) bool { return units[a].Name < units[b].Name })
	return units, nil
}
