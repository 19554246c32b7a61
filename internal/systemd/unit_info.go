package systemd

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// UnitStatus is the manager's view of a loaded unit, from systemctl show.
type UnitStatus struct {
	LoadState    string // loaded, not-found, masked, bad-setting, error, merged, stub
	ActiveState  string // active, inactive, failed, activating, …
	FragmentPath string // the unit file (for a masked unit, the mask); "" for none
}

// UnitInfo is what a host says about one unit.
type UnitInfo struct {
	Name string
	// Status is nil where there is no manager to ask: in the global scope,
	// and for a template, which is never loaded itself.
	Status *UnitStatus
	// UnitFileState is systemctl's unit file state (enabled, static,
	// disabled, masked, masked-runtime, …); "" when it reports none, as for
	// a unit that does not exist.
	UnitFileState string
	// Loaded is the entry systemd loads the unit from (the first along the
	// search path, through aliases; for an instance with no entry of its
	// own, its template's); zero when there is none.
	Loaded Location
	// Masks are every mask along the search path under the unit's name (for
	// an instance with no entry of its own, its template's), in order: the
	// first is obeyed only when it is Loaded, the others are shadowed.
	Masks []Location
}

// MaskLayers lists the layers holding a mask, in search-path order, each
// once.
func (u UnitInfo) MaskLayers() []SearchLayer {
	var layers []SearchLayer
	for _, m := range u.Masks {
		if !slices.Contains(layers, m.Layer) {
			layers = append(layers, m.Layer)
		}
	}
	return layers
}

// Masked reports whether what systemd loads for the unit is a mask.
func (u UnitInfo) Masked() bool { return u.Loaded.Entry.Masked() }

// Shadowed lists the masks that systemd does not obey: every mask but the
// one it loads.
func (u UnitInfo) Shadowed() []Location {
	var out []Location
	for _, m := range u.Masks {
		if m.Path != u.Loaded.Path {
			out = append(out, m)
		}
	}
	return out
}

// unitTemplate returns the template of an instance name
// ("getty@tty1.service" → "getty@.service").
func unitTemplate(name string) (string, bool) {
	at, dot := strings.IndexByte(name, '@'), strings.LastIndexByte(name, '.')
	if at < 0 || dot < 0 || at+1 >= dot {
		return "", false
	}
	return name[:at+1] + name[dot:], true
}

// isUnitTemplate reports whether name is a template ("getty@.service").
func isUnitTemplate(name string) bool {
	dot := strings.LastIndexByte(name, '.')
	return dot > 0 && name[dot-1] == '@'
}

// managerKnows reports whether systemctl show can answer about name: there
// is a manager (not --global) and name is not a template.
func (s Scope) managerKnows(name string) bool { return s != ScopeGlobal && !isUnitTemplate(name) }

// UnitInfoCommand reads what the host says about unit name in one
// unprivileged command (engine.sh, info): every directory's entries for it
// (and its template, for an instance), then systemctl show, or is-enabled
// where there is no manager to ask.
func (s Scope) UnitInfoCommand(name string) Command { return Manager{Scope: s}.UnitInfoCommand(name) }

// UnitInfoCommand is Scope.UnitInfoCommand for m's units.
func (m Manager) UnitInfoCommand(name string) Command {
	args := []string{name}
	if t, ok := unitTemplate(name); ok {
		args = append(args, t)
	}
	return scriptCommand("info", m, false, args...)
}

// unitFileStates are the states systemctl is-enabled prints (systemd 252,
// and not-found from later versions).
var unitFileStates = map[string]bool{
	"enabled": true, "enabled-runtime": true, "linked": true, "linked-runtime": true,
	"alias": true, "masked": true, "masked-runtime": true, "static": true, "disabled": true,
	"indirect": true, "generated": true, "transient": true, "bad": true, "not-found": true,
}

// ParseUnitInfo reads the answer of s.UnitInfoCommand(name). It insists on
// a complete answer about exactly that unit: anything truncated, garbled or
// about another unit is an error, never a unit that is not masked.
func (s Scope) ParseUnitInfo(out []byte, name string) (UnitInfo, error) {
	fail := func(format string, args ...any) (UnitInfo, error) {
		return UnitInfo{}, fmt.Errorf("unexpected answer about %s (%s scope): %s", name, s, fmt.Sprintf(format, args...))
	}
	a, err := s.parseAnswer(out)
	var refused *AccountError
	if errors.As(err, &refused) {
		return UnitInfo{}, err
	}
	if err != nil {
		return fail("%v", err)
	}
	if _, ok := a.res[name]; !ok {
		return fail("no entries reported for it: %q", excerpt(string(out)))
	}
	template, isInstance := unitTemplate(name)
	if _, ok := a.res[template]; isInstance && !ok {
		return fail("no entries reported for its template %s", template)
	}
	r := a.resolve(name)
	info := UnitInfo{Name: name, Loaded: r.loaded}
	own := r.entries
	if len(own) == 0 && isInstance {
		own = a.locations(template)
	}
	for _, l := range own {
		if l.Entry.Masked() {
			info.Masks = append(info.Masks, l)
		}
	}

	if !s.managerKnows(name) {
		if a.isEnabled == nil || len(a.show) > 0 {
			return fail("expected one is-enabled line after the unit directories")
		}
		state := *a.isEnabled
		if state != "" && !unitFileStates[state] {
			return fail("systemctl is-enabled said %q, which is no unit file state", excerpt(state))
		}
		if state == "" && len(own) > 0 {
			// A unit file is there, so systemctl failed rather than found
			// nothing: its message went to stderr.
			return fail("systemctl is-enabled gave no state, though %s exists", own[0].Path)
		}
		if state != "not-found" {
			info.UnitFileState = state
		}
		return info, nil
	}
	props := make(map[string]string, len(showProperties))
	for _, line := range a.show {
		key, value, hasEq := strings.Cut(line, "=")
		if !hasEq || !isShowProperty(key) {
			return fail("expected a property from systemctl show, got %q", excerpt(line))
		}
		if _, dup := props[key]; dup {
			return fail("systemctl show gave %s twice", key)
		}
		props[key] = value
	}
	for _, p := range showProperties {
		if _, ok := props[p]; !ok {
			return fail("systemctl show gave no %s", p)
		}
	}
	if props["LoadState"] == "" || props["ActiveState"] == "" {
		return fail("systemctl show gave an empty LoadState or ActiveState")
	}
	info.Status = &UnitStatus{LoadState: props["LoadState"], ActiveState: props["ActiveState"], FragmentPath: props["FragmentPath"]}
	info.UnitFileState = props["UnitFileState"]
	// is-enabled's word where it has one: for an alias, show reports the
	// unit it names, is-enabled "alias".
	if a.isEnabled != nil && unitFileStates[*a.isEnabled] && *a.isEnabled != "not-found" {
		info.UnitFileState = *a.isEnabled
	}
	return info, nil
}

// showProperties are what UnitInfoCommand asks systemctl show for.
var showProperties = []string{"LoadState", "ActiveState", "UnitFileState", "FragmentPath"}

func isShowProperty(key string) bool {
	for _, p := range showProperties {
		if key == p {
			return true
		}
	}
	return false
}

// withStderr adds what the command said on stderr to an error about its
// answer.
func withStderr(err error, stderr string) error {
	if err == nil || stderr == "" {
		return err
	}
	return fmt.Errorf("%w (stderr: %s)", err, excerpt(stderr))
}

// excerpt shortens text from a host for an error message.
func excerpt(s string) string {
	const maxLen = 300
	if len(s) <= maxLen {
		return s
	}
	return s[:maxLen] + "…"
}
