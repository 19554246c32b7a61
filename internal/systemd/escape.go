package systemd

import (
	"fmt"
	"math"
	"strings"
)

// The escaping of systemd-escape(1): how a path becomes the name of the mount,
// automount or swap unit for it (`systemd-escape --path --suffix=TYPE PATH`)
// and how a string becomes the instance of a template
// (`systemd-escape --template=NAME@.TYPE STRING`). The rules are those of
// systemd's src/basic/unit-name.c (unit_name_escape, unit_name_path_escape,
// unit_name_replace_instance) and src/basic/path-util.c (path_simplify,
// path_is_normalized), as systemd-escape (src/escape/) applies them.

// Arguments of the escaping functions, as an EscapeError names them: the
// parameter names of the provider's unit_name and instance_name functions.
const (
	ArgPath     = "path"
	ArgSuffix   = "suffix"
	ArgTemplate = "template"
	ArgString   = "string"
)

// Limits of Linux paths that systemd checks (path_is_valid): PATH_MAX counts
// the trailing NUL, NAME_MAX does not.
const (
	maxPathLength     = 4096 - 1
	maxFileNameLength = 255
)

// PathUnitTypes are the unit types whose names are escaped paths.
var PathUnitTypes = []string{"mount", "automount", "swap"}

// EscapeError is a refusal of EscapePath or InstanceName. Argument names the
// argument at fault (ArgPath, ArgSuffix, ArgTemplate or ArgString) and Reason
// says what is wrong and how to fix it, naming the argument, as a sentence
// without its final period.
type EscapeError struct {
	Argument string
	Reason   string
	// LongName is set when the only fault is the result's length and
	// systemd-escape prints that result all the same (--path --suffix does
	// not check it): the unit name, over MaxUnitNameLength bytes, that no
	// unit can have.
	LongName string
}

func (e *EscapeError) Error() string { return e.Reason }

// EscapePath returns the name of the unit of type suffix for path, exactly
// as `systemd-escape --path --suffix=SUFFIX PATH` of the newest systemd
// prints it: "/var/lib/my-data" and "mount" give `var-lib-my\x2ddata.mount`,
// "/" gives "-.mount". It refuses what systemd-escape refuses (a suffix that
// is not a unit type; a path that is not normalized once simplified: a ".."
// component other than right after the root, a component over 255 bytes,
// "." alone, 4096 bytes or more) and, unlike systemd-escape, a name over
// MaxUnitNameLength bytes, which no unit can have. Like systemd-escape, it
// escapes relative paths too ("a/b" gives "a-b"), and "" as "/".
func EscapePath(path, suffix string) (string, error) {
	return EscapePathAs(math.MaxInt, path, suffix)
}

// EscapePathAs is EscapePath as systemd-escape of systemdVersion (as
// `systemctl --version` numbers it) escapes and refuses paths; see
// pathRulesOf for what changed when. EscapePath is the newest behaviour.
func EscapePathAs(systemdVersion int, path, suffix string) (string, error) {
	if err := checkSuffix(suffix); err != nil {
		return "", err
	}
	escaped, err := escapePath(path, pathRulesOf(systemdVersion))
	if err != nil {
		return "", err
	}
	name := escaped + "." + suffix
	if len(name) > MaxUnitNameLength {
		return "", &EscapeError{
			Argument: ArgPath,
			Reason: fmt.Sprintf("the unit name for this path would be %d bytes long (%s), and systemd allows at most %d: "+
				"systemd-escape prints it, but no unit can have that name (systemd 251 and later give the mount units of such "+
				"paths a shortened name ending in a hash, which this function does not compute); use a shorter path",
				len(name), abbreviate(name), MaxUnitNameLength),
			LongName: name,
		}
	}
	return name, nil
}

// InstanceName returns the instance of template for s, exactly as
// `systemd-escape --template=TEMPLATE STRING` prints it: "getty@.service"
// and "tty1" give "getty@tty1.service". s is escaped as a string, not a
// path: every "/" becomes "-", and "-", "\", a leading "." and every byte
// outside [A-Za-z0-9:_.] become \xNN. It refuses what systemd-escape
// refuses: a template that is not NAME@.TYPE, an empty string, and a name
// over MaxUnitNameLength bytes.
func InstanceName(template, s string) (string, error) {
	if err := checkTemplate(template); err != nil {
		return "", err
	}
	if i := strings.IndexByte(s, 0); i >= 0 {
		return "", &EscapeError{Argument: ArgString, Reason: fmt.Sprintf("the string contains a NUL byte at byte %d, which no command-line argument can hold", i)}
	}
	instance := escapeUnitName(s)
	if instance == "" {
		return "", &EscapeError{Argument: ArgString, Reason: fmt.Sprintf(
			"the string is empty, and an instance needs at least one character (%q alone is the template itself)", template)}
	}
	at := strings.IndexByte(template, '@')
	dot := strings.LastIndexByte(template, '.')
	name := template[:at+1] + instance + template[dot:]
	if len(name) > MaxUnitNameLength {
		return "", &EscapeError{Argument: ArgString, Reason: fmt.Sprintf(
			"the string escapes to an instance of %d bytes, so the unit name would be %d bytes long (%s), and systemd allows at most %d; use a shorter string",
			len(instance), len(name), abbreviate(name), MaxUnitNameLength)}
	}
	return name, nil
}

// pathRules are the changes to systemd's path escaping that systemd-escape
// shows, each with the version it came in.
type pathRules struct {
	// dropDots: path_simplify drops "." components, so "/a/./b" is "a-b";
	// before (systemd < 249) it kept them and path_is_normalized refused
	// the path ("tree-wide: always drop unnecessary dot in path").
	dropDots bool
	// limitComponents: path_is_normalized refuses a component over NAME_MAX
	// (255) bytes (systemd ≥ 249, "path-util: use path_is_safe() in
	// path_is_normalized()"); systemd < 249 escaped it.
	limitComponents bool
	// dropLeadingDotDot: path_simplify drops ".." components right after
	// the root, which lead nowhere else, so "/../a" is "a" and "/.." is "-";
	// before (systemd < 255, "basic/path-util: make path_simplify() skip
	// leading '/..'") such a path was not normalized and refused.
	dropLeadingDotDot bool
}

func pathRulesOf(systemdVersion int) pathRules {
	return pathRules{
		dropDots:          systemdVersion >= 249,
		limitComponents:   systemdVersion >= 249,
		dropLeadingDotDot: systemdVersion >= 255,
	}
}

// escapePath is unit_name_path_escape: the path simplified (path_simplify:
// repeated and trailing slashes, "." components and, by the rules, leading
// ".." go), "" and "/" as "-", a path that is not normalized refused, then
// the leading "/" dropped and the rest escaped by escapeUnitName.
func escapePath(path string, r pathRules) (string, error) {
	refuse := func(format string, args ...any) error {
		return &EscapeError{Argument: ArgPath, Reason: fmt.Sprintf(format, args...)}
	}
	if i := strings.IndexByte(path, 0); i >= 0 {
		return "", refuse("the path contains a NUL byte at byte %d, which no file system path can hold", i)
	}
	absolute := strings.HasPrefix(path, "/")
	var parts []string
	for _, part := range strings.Split(path, "/") {
		if part == "" || part == "." && r.dropDots {
			continue
		}
		parts = append(parts, part)
	}
	if r.limitComponents {
		for _, part := range parts {
			if len(part) > maxFileNameLength {
				return "", refuse("the path has a component of %d bytes (%s), and a file name has at most %d (NAME_MAX): "+
					"systemd-escape refuses it as not a valid path; shorten that component", len(part), abbreviate(part), maxFileNameLength)
			}
		}
	}
	if absolute && r.dropLeadingDotDot {
		for len(parts) > 0 && parts[0] == ".." {
			parts = parts[1:]
		}
	}
	if len(parts) == 0 {
		if absolute || path == "" {
			return "-", nil // the root directory
		}
		return "", refuse("%q is the current directory, which systemd-escape refuses; the root directory is %q", path, "/")
	}
	for i, part := range parts {
		switch part {
		case "..":
			switch {
			case i == 0 && !absolute:
				return "", refuse("%q starts with \"..\", which systemd-escape refuses: give the absolute path of the directory", path)
			case i == 0:
				return "", refuse("%q starts with \"/..\", which systemd-escape before 255 refuses; write the path without it", path)
			}
			note := ""
			if absolute && r.dropLeadingDotDot {
				note = " (only a \"..\" right after the root is dropped)"
			}
			return "", refuse("%q is not normalized: it has a \"..\" component after %q, which systemd-escape refuses%s; "+
				"write the path without \"..\"", path, strings.Join(parts[:i], "/"), note)
		case ".":
			return "", refuse("%q is not normalized: it has a \".\" component, which systemd-escape before 249 refuses; write the path without it", path)
		}
	}
	simplified := strings.Join(parts, "/")
	if n := len(simplified) + boolInt(absolute); n > maxPathLength {
		return "", refuse("the path is %d bytes long once simplified, and a path has at most %d (PATH_MAX less the NUL)", n, maxPathLength)
	}
	return escapeUnitName(simplified), nil
}

// escapeUnitName is unit_name_escape: "/" becomes "-"; "-", "\", a leading
// "." and every byte outside [A-Za-z0-9:_.] become \xNN, in lowercase hex.
func escapeUnitName(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '/':
			b.WriteByte('-')
		case c == '.' && i == 0, !unescapedUnitNameChar(c):
			fmt.Fprintf(&b, `\x%02x`, c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// unescapedUnitNameChar reports whether unit_name_escape keeps c as it is:
// the unit-name alphabet less "-" and "\", which escaping gives a meaning.
func unescapedUnitNameChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == ':' || c == '_' || c == '.'
}

// checkSuffix accepts what systemd-escape --suffix does: a unit type,
// exactly (unit_type_from_string).
func checkSuffix(suffix string) error {
	if knownUnitType(suffix) {
		return nil
	}
	hint := ""
	switch s := strings.ToLower(strings.TrimPrefix(suffix, ".")); {
	case s != suffix && knownUnitType(s):
		hint = fmt.Sprintf(" (did you mean %q?)", s)
	case suffix == "":
		hint = " (it is empty)"
	}
	return &EscapeError{Argument: ArgSuffix, Reason: fmt.Sprintf(
		"%q is not a unit type%s: give the type without a dot, %s for a path's own units, or one of %s",
		suffix, hint, strings.Join(PathUnitTypes, ", "), strings.Join(UnitTypes, ", "))}
}

// checkTemplate accepts what systemd-escape --template does: a template
// name, NAME@.TYPE (unit_name_is_valid with UNIT_NAME_TEMPLATE).
func checkTemplate(template string) error {
	refuse := func(format string, args ...any) error {
		return &EscapeError{Argument: ArgTemplate, Reason: fmt.Sprintf(format, args...)}
	}
	if err := ValidateUnitName(template); err != nil {
		return refuse("%v; a template is written NAME@.TYPE, e.g. \"getty@.service\"", err)
	}
	at := strings.IndexByte(template, '@')
	dot := strings.LastIndexByte(template, '.')
	switch {
	case at < 0:
		return refuse("%q is not a template: a template has an \"@\" right before its type suffix, e.g. %q",
			template, template[:dot]+"@"+template[dot:])
	case at != dot-1:
		return refuse("%q is an instance name, not a template: give the template, %q", template, template[:at+1]+template[dot:])
	}
	return nil
}

// abbreviate quotes s, shortened to its first 40 bytes when it is longer.
func abbreviate(s string) string {
	if len(s) <= 48 {
		return fmt.Sprintf("%q", s)
	}
	return fmt.Sprintf("%q…", s[:40])
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
