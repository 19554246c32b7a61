package systemd

import (
	"bytes"
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
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

// listUnitFilesArgs lists the masked units, one "NAME STATE [PRESET]" line
// each.
var listUnitFilesArgs = []string{"list-unit-files", "--state=masked,masked-runtime", "--no-legend", "--no-pager"}

// maskedUnitsScript lists the units systemctl reports as masked, with
// `list-unit-files --state=masked,masked-runtime`, and reports what each
// unit directory holds under each listed name. Its answer: "listed\tSTATUS"
// (systemctl's exit status: it exits 1, saying nothing, when no unit is
// masked), then for each unit "unit\tNAME\tSTATE" followed by one
// "dir\tKIND\tPATH" line per unit directory, then "end".
func (s Scope) maskedUnitsScript() string {
	return entryKindScript + `l=$(` + systemctlWords(s) + " " + strings.Join(listUnitFilesArgs, " ") + `)
printf 'listed\t%s\n' "$?"
printf '%s\n' "$l" | while read -r n st x; do
[ -n "$n" ] || continue
printf 'unit\t%s\t%s\n' "$n" "$st"
for d in ` + s.dirWords() + `; do
kind "$d/$n"
printf 'dir\t%s\t%s\n' "$k" "$d/$n"
done
done
echo end`
}

// MaskedUnitsCommand lists the scope's masked units, and where each mask
// sits, in one unprivileged command: `sh -c SCRIPT masked-units`.
func (s Scope) MaskedUnitsCommand() Command {
	return Command{Argv: []string{"sh", "-c", s.maskedUnitsScript(), "masked-units"}}
}

// ParseMaskedUnits reads the answer of s.MaskedUnitsCommand(): the masked
// units sorted by name, and the exit status of systemctl list-unit-files,
// which the caller judges with its stderr (see Manager.MaskedUnits). A
// truncated or garbled answer, or one that the unit directories contradict,
// is an error.
func (s Scope) ParseMaskedUnits(out []byte) (units []MaskedUnit, listStatus int, err error) {
	fail := func(format string, args ...any) ([]MaskedUnit, int, error) {
		return nil, 0, fmt.Errorf("unexpected answer listing the masked units (%s scope): %s", s, fmt.Sprintf(format, args...))
	}
	text := string(out)
	if !strings.HasSuffix(text, "\nend\n") {
		return fail("it does not end in \"end\": %q", excerpt(text))
	}
	lines := strings.Split(strings.TrimSuffix(text, "\nend\n"), "\n")
	status, ok := strings.CutPrefix(lines[0], "listed\t")
	listStatus, convErr := strconv.Atoi(status)
	if !ok || convErr != nil {
		return fail("expected the status of systemctl list-unit-files first, got %q", excerpt(lines[0]))
	}
	dirs := s.unitDirs()
	seen := map[string]bool{}
	for i := 1; i < len(lines); i += 1 + len(dirs) {
		f := strings.Split(lines[i], "\t")
		if len(f) != 3 || f[0] != "unit" {
			return fail("line %d: expected a unit from systemctl list-unit-files, got %q", i+1, excerpt(lines[i]))
		}
		name, state := f[1], f[2]
		if err := ValidateUnitName(name); err != nil {
			return fail("line %d: %v", i+1, err)
		}
		if state != "masked" && state != "masked-runtime" {
			return fail("line %d: %s is listed as %q, not masked", i+1, name, excerpt(state))
		}
		if seen[name] {
			return fail("line %d: %s is listed twice", i+1, name)
		}
		seen[name] = true
		if i+len(dirs) >= len(lines) {
			return fail("the answer about %s is cut short: %q", name, excerpt(text))
		}
		var entries []dirEntry
		for j, d := range dirs {
			e, err := parseDirLine(lines[i+1+j], d, name)
			if err != nil {
				return fail("line %d: %v", i+2+j, err)
			}
			entries = append(entries, e)
		}
		if unit, skip := effectiveMask(name, entries); !skip {
			units = append(units, unit)
		}
	}
	sort.Slice(units, func(a, b int) bool { return units[a].Name < units[b].Name })
	return units, listStatus, nil
}

// effectiveMask finds the mask that systemd obeys for a unit it lists as
// masked: the first entry in search-path order. When that entry is a
// symlink to another unit, the unit is an alias, masked because the unit it
// names is (autovt@.service → getty@.service): that unit is listed with its
// own mask, and the alias is left out (skip). The directories are read just
// after systemctl's listing, so they win where the two disagree: a unit
// unmasked in between (no mask any more, or a unit file first) is left out,
// and a mask moved in between is reported where it now is.
func effectiveMask(name string, entries []dirEntry) (unit MaskedUnit, skip bool) {
	for _, e := range entries {
		switch {
		case e.entry == EntryNone:
			continue
		case e.link || !e.entry.Masked():
			return MaskedUnit{}, true
		}
		return MaskedUnit{Name: name, Layer: e.dir.layer, Path: e.path}, false
	}
	return MaskedUnit{}, true
}

// MaskedUnits lists the scope's masked units, sorted by name, in one
// command.
func (m Manager) MaskedUnits(ctx context.Context) ([]MaskedUnit, error) {
	cmd := m.Scope.MaskedUnitsCommand()
	res, err := m.Runner.Run(ctx, cmd)
	if err != nil {
		return nil, err
	}
	stderr := string(bytes.TrimSpace(res.Stderr))
	if res.ExitCode != 0 {
		return nil, &CommandError{Command: cmd, ExitCode: res.ExitCode, Stderr: stderr}
	}
	units, status, err := m.Scope.ParseMaskedUnits(res.Stdout)
	if err != nil {
		return nil, withStderr(err, stderr)
	}
	switch {
	case status == 0:
		return units, nil
	case status == 1 && len(units) == 0 && stderr == "":
		// What list-unit-files does when nothing matches.
		return nil, nil
	}
	return nil, &CommandError{
		Command:  Command{Argv: append(strings.Fields(systemctlWords(m.Scope)), listUnitFilesArgs...)},
		ExitCode: status,
		Stderr:   stderr,
	}
}
