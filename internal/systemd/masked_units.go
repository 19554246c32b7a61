package systemd

import (
	"errors"
	"fmt"
	"sort"
)

// MaskedUnit is a unit that systemd treats as masked, and the mask it obeys.
type MaskedUnit struct {
	Name string
	// Layer is where the mask systemd obeys sits: the first layer, in order
	// of precedence, holding anything under the unit's name. Masks in later
	// layers are hidden by it.
	Layer SearchLayer
	// Path is that mask's file, as the host spells it.
	Path string
}

// MaskedUnitsCommand lists the scope's masked units, and where each mask
// sits, in one unprivileged command (engine.sh, masked): every name that
// some directory of the search path masks, resolved along it.
func (s Scope) MaskedUnitsCommand() Command { return Manager{Scope: s}.MaskedUnitsCommand() }

// MaskedUnitsCommand is Scope.MaskedUnitsCommand for m's units.
func (m Manager) MaskedUnitsCommand() Command { return scriptCommand("masked", m, false) }

// ParseMaskedUnits reads the answer of s.MaskedUnitsCommand(): the units
// whose loaded entry is a mask, sorted by name. A mask shadowed by an
// earlier entry that is not a mask is no masked unit; an alias of a masked
// unit is left out, as the unit it names is listed with its own mask. A
// truncated or garbled answer is an error.
func (s Scope) ParseMaskedUnits(out []byte) ([]MaskedUnit, error) {
	a, err := s.parseAnswer(out)
	var refused *AccountError
	if errors.As(err, &refused) {
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("listing the masked units (%s scope): %w", s, err)
	}
	var units []MaskedUnit
	for name := range a.res {
		r := a.resolve(name)
		own := r.entries
		if r.alias || !r.loaded.Entry.Masked() || len(own) == 0 || own[0].Path != r.loaded.Path {
			continue
		}
		units = append(units, MaskedUnit{Name: name, Layer: r.loaded.Layer, Path: r.loaded.Path})
	}
	sort.Slice(units, func(a, b int) bool { return units[a].Name < units[b].Name })
	return units, nil
}
