// Package systemd holds the systemd knowledge of the provider: the unit-name
// grammar, the unit search path and how systemd resolves a name along it,
// the one shell program that masks, unmasks and inspects units on a host
// (engine.sh, whose line protocol protocol.go writes down), the parsing of
// its answers, and an Engine per host and scope that drives it through a
// Runner. It does no I/O of its own, so that all of it is testable without
// a host.
package systemd

import (
	"fmt"
	"strings"
)

// MaxUnitNameLength is systemd's UNIT_NAME_MAX (256) less the trailing NUL.
const MaxUnitNameLength = 255

// UnitTypes are the suffixes systemd.unit(5) knows.
var UnitTypes = []string{
	"service", "socket", "device", "mount", "automount", "swap",
	"target", "path", "timer", "slice", "scope",
}

// validUnitNameChar reports whether c may appear in a unit name; '@' is
// handled separately because its position matters.
func validUnitNameChar(c byte) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		return true
	}
	return strings.IndexByte(":-_.\\", c) >= 0
}

// ValidateUnitName checks name against systemd's unit_name_is_valid(): a
// plain name ("cron.service"), a template ("getty@.service") or an instance
// ("getty@tty1.service"), with a known type suffix. Everything a shell would
// interpret, paths, globs and whitespace are outside that grammar, so a name
// that passes reaches systemctl as one harmless word.
func ValidateUnitName(name string) error {
	if name == "" {
		return fmt.Errorf("unit name is empty")
	}
	if len(name) > MaxUnitNameLength {
		return fmt.Errorf("unit name is %d bytes long; systemd allows at most %d", len(name), MaxUnitNameLength)
	}
	dot := strings.LastIndexByte(name, '.')
	if dot < 0 {
		return fmt.Errorf("unit name %q has no type suffix: write it in full, e.g. %q (suffixes: %s)",
			name, suggestUnitName(name), strings.Join(UnitTypes, ", "))
	}
	if !knownUnitType(name[dot+1:]) {
		return fmt.Errorf("unit name %q ends in %q, which is not a unit type (one of: %s)",
			name, name[dot:], "."+strings.Join(UnitTypes, ", ."))
	}
	if dot == 0 {
		return fmt.Errorf("unit name %q has nothing before its type suffix", name)
	}
	at := -1
	for i := 0; i < dot; i++ {
		c := name[i]
		if c == '@' {
			if at < 0 {
				at = i
			}
			continue
		}
		if !validUnitNameChar(c) {
			return fmt.Errorf("unit name %q contains %s at byte %d; unit names may only contain A-Z a-z 0-9 : _ . - \\ and @ (escape other characters with systemd-escape)",
				name, describeByte(c), i)
		}
	}
	if at == 0 {
		return fmt.Errorf("unit name %q starts with '@'; a template needs a prefix, e.g. %q", name, "getty"+name)
	}
	return nil
}

func knownUnitType(suffix string) bool {
	for _, t := range UnitTypes {
		if suffix == t {
			return true
		}
	}
	return false
}

// suggestUnitName turns a bare name into what systemctl would make of it.
func suggestUnitName(name string) string {
	for i := 0; i < len(name); i++ {
		if !validUnitNameChar(name[i]) && name[i] != '@' {
			return "NAME.service"
		}
	}
	return name + ".service"
}

func describeByte(c byte) string {
	switch {
	case c == ' ':
		return "a space"
	case c == '\n':
		return "a newline"
	case c == '\t':
		return "a tab"
	case c == 0:
		return "a NUL byte"
	case c < 0x20 || c == 0x7f:
		return fmt.Sprintf("the control byte 0x%02x", c)
	case c >= 0x80:
		return fmt.Sprintf("the non-ASCII byte 0x%02x", c)
	}
	return fmt.Sprintf("%q", string(c))
}
