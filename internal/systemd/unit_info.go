package systemd

import (
	"bytes"
	"context"
	"fmt"
	"strings"
)

// SearchLayer is a part of systemd's unit search path. Layer is where
// `systemctl mask` writes (persistent or runtime); a SearchLayer also knows
// the vendor directories, where packages install units and masks of their
// own (Debian masks sudo.service there, for one).
type SearchLayer int

const (
	// SearchPersistent is the administrator's configuration: /etc.
	SearchPersistent SearchLayer = iota
	// SearchRuntime is /run (and a user's runtime directory): gone at the
	// next boot.
	SearchRuntime
	// SearchVendor is where packages install units: /usr/lib, /lib,
	// /usr/local/lib (and for user units also the XDG data directories).
	SearchVendor
)

// SearchLayers lists the layers in systemd's order of precedence: a unit's
// file in an earlier layer hides those of later ones.
var SearchLayers = []SearchLayer{SearchPersistent, SearchRuntime, SearchVendor}

// SearchLayerNames are the layers as the provider spells them.
var SearchLayerNames = []string{"persistent", "runtime", "vendor"}

func (l SearchLayer) String() string { return SearchLayerNames[l] }

// unitDir is one directory of a scope's unit search path.
type unitDir struct {
	layer SearchLayer
	// word is the directory as a word of a script: a path, or, for the
	// directories that depend on a user's environment, a double-quoted
	// shell expression that the remote shell expands, as systemctl --user
	// does.
	word string
	// path is the directory when it is fixed; "" when the remote environment
	// decides it, and then only its tail, /systemd/user, is known here.
	path string
}

func fixedDir(l SearchLayer, path string) unitDir { return unitDir{layer: l, word: path, path: path} }

// unitDirs is the part of a scope's unit search path (systemd-analyze
// [--user|--global] unit-paths, systemd 252 on Debian 12) that holds unit
// files and masks: without the generator, transient, control and attached
// directories, which systemd fills itself. Each layer's directories are in
// systemd's order. A user's manager also reads the --global directories, so
// a mask made with `systemctl --global mask` masks the unit for the user
// too; XDG_CONFIG_DIRS and XDG_DATA_DIRS are taken at their defaults.
func (s Scope) unitDirs() []unitDir {
	switch s {
	case ScopeUser:
		return []unitDir{
			{layer: SearchPersistent, word: `"${XDG_CONFIG_HOME:-$HOME/.config}/systemd/user"`},
			fixedDir(SearchPersistent, "/etc/xdg/systemd/user"),
			fixedDir(SearchPersistent, "/etc/systemd/user"),
			{layer: SearchRuntime, word: `"${XDG_RUNTIME_DIR:-/run/user/$(id -u)}/systemd/user"`},
			fixedDir(SearchRuntime, "/run/systemd/user"),
			{layer: SearchVendor, word: `"${XDG_DATA_HOME:-$HOME/.local/share}/systemd/user"`},
			fixedDir(SearchVendor, "/usr/local/share/systemd/user"),
			fixedDir(SearchVendor, "/usr/share/systemd/user"),
			fixedDir(SearchVendor, "/usr/local/lib/systemd/user"),
			fixedDir(SearchVendor, "/usr/lib/systemd/user"),
		}
	case ScopeGlobal:
		return []unitDir{
			fixedDir(SearchPersistent, "/etc/systemd/user"),
			fixedDir(SearchRuntime, "/run/systemd/user"),
			fixedDir(SearchVendor, "/usr/local/share/systemd/user"),
			fixedDir(SearchVendor, "/usr/share/systemd/user"),
			fixedDir(SearchVendor, "/usr/local/lib/systemd/user"),
			fixedDir(SearchVendor, "/usr/lib/systemd/user"),
		}
	}
	// On a merged /usr (Debian 12), /lib is a link to /usr/lib: the same
	// file is then seen twice within the vendor layer, which counts once.
	return []unitDir{
		fixedDir(SearchPersistent, "/etc/systemd/system"),
		fixedDir(SearchRuntime, "/run/systemd/system"),
		fixedDir(SearchVendor, "/usr/local/lib/systemd/system"),
		fixedDir(SearchVendor, "/lib/systemd/system"),
		fixedDir(SearchVendor, "/usr/lib/systemd/system"),
	}
}

// matches reports whether path, as the remote script printed it, is the
// unit file name in this directory.
func (d unitDir) matches(name, path string) bool {
	if d.path != "" {
		return path == d.path+"/"+name
	}
	return strings.HasPrefix(path, "/") && strings.HasSuffix(path, "/systemd/user/"+name)
}

// dirWords is the scope's unit directories as words of a `for` loop.
func (s Scope) dirWords() string {
	var words []string
	for _, d := range s.unitDirs() {
		words = append(words, d.word)
	}
	return strings.Join(words, " ")
}

// entryKindScript defines `kind PATH`, which sets k to what systemd makes of
// PATH (the rule of null_or_empty_path): null for anything resolving to a
// character device (systemctl mask links to /dev/null), empty for an empty
// regular file (both are masks); link for any other symlink, which systemd
// reads as an alias of the unit it names (or a linked unit file), even a
// broken one; unit for anything else that is there; and none.
const entryKindScript = `kind() {
if [ -c "$1" ]; then k=null
elif [ -f "$1" ] && [ ! -s "$1" ]; then k=empty
elif [ -L "$1" ]; then k=link
elif [ -e "$1" ]; then k=unit
else k=none
fi
}
`

// entryOfKind reads a word that `kind` sets; link reports a symlink that is
// no mask.
func entryOfKind(word string) (entry Entry, link, ok bool) {
	switch word {
	case "none":
		return EntryNone, false, true
	case "null":
		return EntryNullLink, false, true
	case "empty":
		return EntryEmptyFile, false, true
	case "unit":
		return EntryUnitFile, false, true
	case "link":
		return EntryUnitFile, true, true
	}
	return EntryNone, false, false
}

// dirEntry is what one directory holds under a unit's name.
type dirEntry struct {
	dir   unitDir
	path  string // as the host spelled it
	entry Entry
	// link: the entry is a symlink that is no mask: an alias, whose unit
	// systemd looks up by the name it points to.
	link bool
}

// parseDirLine reads "dir KIND PATH" (tab-separated) about name in d.
func parseDirLine(line string, d unitDir, name string) (dirEntry, error) {
	f := strings.Split(line, "\t")
	if len(f) != 3 || f[0] != "dir" {
		return dirEntry{}, fmt.Errorf("expected the entry of %s in %s, got %q", name, d.word, excerpt(line))
	}
	entry, link, ok := entryOfKind(f[1])
	if !ok || !d.matches(name, f[2]) {
		return dirEntry{}, fmt.Errorf("expected the entry of %s in %s, got %q", name, d.word, excerpt(line))
	}
	return dirEntry{dir: d, path: f[2], entry: entry, link: link}, nil
}

// layerEntries reduces a unit's directory entries, in search-path order, to
// the one that counts in each layer: that of the first directory holding
// anything, which hides the others of its layer, as in systemd.
func layerEntries(entries []dirEntry) map[SearchLayer]dirEntry {
	by := make(map[SearchLayer]dirEntry, len(SearchLayers))
	for _, e := range entries {
		if _, seen := by[e.dir.layer]; !seen && e.entry != EntryNone {
			by[e.dir.layer] = e
		}
	}
	return by
}

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
	// Entries holds, per layer, what that layer has under the unit's name
	// (see layerEntries); missing layers hold nothing. For an instance with
	// no file of its own anywhere, they are its template's, which systemd
	// then loads in its place.
	Entries map[SearchLayer]Entry
}

// MaskLayers lists the layers holding a mask, in order of precedence.
func (u UnitInfo) MaskLayers() []SearchLayer {
	var layers []SearchLayer
	for _, l := range SearchLayers {
		if u.Entries[l].Masked() {
			layers = append(layers, l)
		}
	}
	return layers
}

// Masked reports whether any layer holds a mask. (Which entry systemd obeys
// is the first layer's that holds anything: a unit file in /etc hides a
// vendor mask. The manager's LoadState says what it made of them.)
func (u UnitInfo) Masked() bool { return len(u.MaskLayers()) > 0 }

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

// showProperties are what UnitInfoCommand asks systemctl show for.
var showProperties = []string{"LoadState", "ActiveState", "UnitFileState", "FragmentPath"}

// managerKnows reports whether systemctl show can answer about name: there
// is a manager (not --global) and name is not a template.
func (s Scope) managerKnows(name string) bool { return s != ScopeGlobal && !isUnitTemplate(name) }

// unitInfoScript reports, for each unit name given as an argument (the unit,
// then its template for an instance), what each unit directory holds, as
// "dir\tKIND\tPATH" lines; then the manager's properties of the first, as
// "show\tKEY=VALUE" lines (failing with systemctl's status when it fails),
// or where there is no manager to ask, "is-enabled\tSTATE"; then "end".
func (s Scope) unitInfoScript(withManager bool) string {
	systemctl := systemctlWords(s)
	var query string
	if withManager {
		query = `s=$(` + systemctl + ` show -p ` + strings.Join(showProperties, ",") + ` -- "$1") || exit
printf '%s\n' "$s" | while IFS= read -r l; do printf 'show\t%s\n' "$l"; done
`
	} else {
		// is-enabled exits 1 for disabled and masked units too; a unit it
		// knows nothing of gets no state (and a message on stderr).
		query = `s=$(` + systemctl + ` is-enabled -- "$1")
printf 'is-enabled\t%s\n' "$s"
`
	}
	return entryKindScript + `for n do
for d in ` + s.dirWords() + `; do
kind "$d/$n"
printf 'dir\t%s\t%s\n' "$k" "$d/$n"
done
done
` + query + `echo end`
}

// systemctlWords is systemctl with the scope's option, as script text.
func systemctlWords(s Scope) string {
	return strings.Join(append([]string{"systemctl"}, s.flag()...), " ")
}

// UnitInfoCommand reads what the host says about unit name in one
// unprivileged command: `sh -c SCRIPT probe NAME [TEMPLATE]`. The names are
// arguments, never part of the script.
func (s Scope) UnitInfoCommand(name string) Command {
	argv := []string{"sh", "-c", s.unitInfoScript(s.managerKnows(name)), "probe", name}
	if t, ok := unitTemplate(name); ok {
		argv = append(argv, t)
	}
	return Command{Argv: argv}
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
	text := string(out)
	if !strings.HasSuffix(text, "\nend\n") && text != "end\n" {
		return fail("it does not end in \"end\": %q", excerpt(text))
	}
	lines := strings.Split(strings.TrimSuffix(text, "end\n"), "\n")
	lines = lines[:len(lines)-1] // the empty string after the last newline

	names := []string{name}
	template, isInstance := unitTemplate(name)
	if isInstance {
		names = append(names, template)
	}
	dirs := s.unitDirs()
	if len(lines) < len(names)*len(dirs) {
		return fail("%d lines, expected at least %d: %q", len(lines), len(names)*len(dirs), excerpt(text))
	}
	entries := make([][]dirEntry, len(names))
	for i, n := range names {
		for j, d := range dirs {
			e, err := parseDirLine(lines[i*len(dirs)+j], d, n)
			if err != nil {
				return fail("line %d: %v", i*len(dirs)+j+1, err)
			}
			entries[i] = append(entries[i], e)
		}
	}
	rest := lines[len(names)*len(dirs):]

	info := UnitInfo{Name: name, Entries: map[SearchLayer]Entry{}}
	own := layerEntries(entries[0])
	if len(own) == 0 && isInstance {
		own = layerEntries(entries[1])
	}
	for l, e := range own {
		info.Entries[l] = e.entry
	}

	if !s.managerKnows(name) {
		if len(rest) != 1 || !strings.HasPrefix(rest[0], "is-enabled\t") {
			return fail("expected one is-enabled line after the unit directories, got %q", excerpt(strings.Join(rest, "\n")))
		}
		state := strings.TrimPrefix(rest[0], "is-enabled\t")
		if state != "" && !unitFileStates[state] {
			return fail("systemctl is-enabled said %q, which is no unit file state", excerpt(state))
		}
		if state == "" && len(own) > 0 {
			// A unit file is there, so systemctl failed rather than found
			// nothing: its message went to stderr.
			return fail("systemctl is-enabled gave no state, though %s exists", firstPath(own))
		}
		if state != "not-found" {
			info.UnitFileState = state
		}
		return info, nil
	}

	props := make(map[string]string, len(showProperties))
	for _, line := range rest {
		kv, ok := strings.CutPrefix(line, "show\t")
		key, value, hasEq := strings.Cut(kv, "=")
		if !ok || !hasEq || !isShowProperty(key) {
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
	return info, nil
}

func isShowProperty(key string) bool {
	for _, p := range showProperties {
		if key == p {
			return true
		}
	}
	return false
}

// firstPath is the entry of the earliest layer, for messages.
func firstPath(by map[SearchLayer]dirEntry) string {
	for _, l := range SearchLayers {
		if e, ok := by[l]; ok {
			return e.path
		}
	}
	return ""
}

// UnitInfo reads what the host says about unit name, in one command.
func (m Manager) UnitInfo(ctx context.Context, name string) (UnitInfo, error) {
	cmd := m.Scope.UnitInfoCommand(name)
	res, err := m.Runner.Run(ctx, cmd)
	if err != nil {
		return UnitInfo{}, err
	}
	stderr := string(bytes.TrimSpace(res.Stderr))
	if res.ExitCode != 0 {
		return UnitInfo{}, &CommandError{Command: cmd, ExitCode: res.ExitCode, Stderr: stderr}
	}
	info, err := m.Scope.ParseUnitInfo(res.Stdout, name)
	return info, withStderr(err, stderr)
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
	const max = 300
	if len(s) <= max {
		return s
	}
	return s[:max] + "…"
}
