package systemd

import (
	"errors"
	"strings"
	"testing"
)

// refused marks a case that systemd-escape refuses (exit status 1).
const refused = "REFUSED"

// What `systemd-escape --path --suffix=mount -- PATH` printed on booted
// Debian hosts: bullseye (systemd 247), bookworm (252), trixie (257) and sid
// (262, the same as 257 in every case here).
var pathCasesObserved = []struct {
	path             string
	v247, v252, v257 string
}{
	{"/var/lib/my-data", `var-lib-my\x2ddata.mount`, `var-lib-my\x2ddata.mount`, `var-lib-my\x2ddata.mount`},
	{"/", "-.mount", "-.mount", "-.mount"},
	{"", "-.mount", "-.mount", "-.mount"},
	{"//", "-.mount", "-.mount", "-.mount"},
	{"/.", refused, "-.mount", "-.mount"},
	{"/./", refused, "-.mount", "-.mount"},
	{".", refused, refused, refused},
	{"./", refused, refused, refused},
	{"./a", refused, "a.mount", "a.mount"},
	{"a", "a.mount", "a.mount", "a.mount"},
	{"a/b", "a-b.mount", "a-b.mount", "a-b.mount"},
	{"/a/./b", refused, "a-b.mount", "a-b.mount"},
	{"/a/../b", refused, refused, refused},
	{"/../a", refused, refused, "a.mount"},
	{"/../../a/b", refused, refused, "a-b.mount"},
	{"/a/b/..", refused, refused, refused},
	{"../a", refused, refused, refused},
	{"a/..", refused, refused, refused},
	{"/a//b/", "a-b.mount", "a-b.mount", "a-b.mount"},
	{"/.dot", `\x2edot.mount`, `\x2edot.mount`, `\x2edot.mount`},
	{"/a/.dot", "a-.dot.mount", "a-.dot.mount", "a-.dot.mount"},
	{"/a b/é", `a\x20b-\xc3\xa9.mount`, `a\x20b-\xc3\xa9.mount`, `a\x20b-\xc3\xa9.mount`},
	{`/a\b`, `a\x5cb.mount`, `a\x5cb.mount`, `a\x5cb.mount`},
	{"/" + strings.Repeat("x", 256), strings.Repeat("x", 256) + ".mount", refused, refused},
	{"/" + strings.Repeat("x", 255), strings.Repeat("x", 255) + ".mount", strings.Repeat("x", 255) + ".mount", strings.Repeat("x", 255) + ".mount"},
	{"/...", `\x2e...mount`, `\x2e...mount`, `\x2e...mount`},
	{"/..", refused, refused, "-.mount"},
	{"/../", refused, refused, "-.mount"},
	{"/a/..", refused, refused, refused},
	{"-", `\x2d.mount`, `\x2d.mount`, `\x2d.mount`},
	{"/-", `\x2d.mount`, `\x2d.mount`, `\x2d.mount`},
	{"/a:b_c.d", "a:b_c.d.mount", "a:b_c.d.mount", "a:b_c.d.mount"},
}

// escapePathAsHost is EscapePathAs with systemd-escape's view of a result
// too long for a unit name: it prints it.
func escapePathAsHost(version int, path, suffix string) string {
	name, err := EscapePathAs(version, path, suffix)
	var ee *EscapeError
	switch {
	case errors.As(err, &ee) && ee.LongName != "":
		return ee.LongName
	case err != nil:
		return refused
	}
	return name
}

func TestEscapePathAsObservedOnHosts(t *testing.T) {
	for _, tt := range pathCasesObserved {
		for _, v := range []struct {
			version int
			want    string
		}{{247, tt.v247}, {252, tt.v252}, {257, tt.v257}, {262, tt.v257}} {
			if got := escapePathAsHost(v.version, tt.path, "mount"); got != v.want {
				t.Errorf("systemd %d: systemd-escape --path --suffix=mount %q = %q, this model gives %q", v.version, tt.path, v.want, got)
			}
		}
	}
}

func TestEscapePath(t *testing.T) {
	tests := []struct{ path, suffix, want string }{
		{"/var/lib/my-data", "mount", `var-lib-my\x2ddata.mount`},
		{"/", "mount", "-.mount"},
		{"/home", "automount", "home.automount"},
		{"/dev/disk/by-uuid/0a1b-2c3d", "swap", `dev-disk-by\x2duuid-0a1b\x2d2c3d.swap`},
		{"/swapfile", "swap", "swapfile.swap"},
		{"/srv/my data/", "mount", `srv-my\x20data.mount`},
		{"/srv/.cache", "mount", "srv-.cache.mount"},
		{"/.snapshots", "mount", `\x2esnapshots.mount`},
		{"/x//y///z", "mount", "x-y-z.mount"},
		{"/mnt/ü", "mount", `mnt-\xc3\xbc.mount`},
		{"/mnt/日本", "mount", `mnt-\xe6\x97\xa5\xe6\x9c\xac.mount`},
		{"/mnt/a\tb\nc", "mount", `mnt-a\x09b\x0ac.mount`},
		{`/mnt/$HOME;rm -rf`, "mount", `mnt-\x24HOME\x3brm\x20\x2drf.mount`},
		{"/mnt/A~Z%@", "mount", `mnt-A\x7eZ\x25\x40.mount`},
		{"/../etc", "mount", "etc.mount"},
		{"/a/b", "service", "a-b.service"},
	}
	for _, tt := range tests {
		got, err := EscapePath(tt.path, tt.suffix)
		if err != nil || got != tt.want {
			t.Errorf("EscapePath(%q, %q) = %q, %v; want %q", tt.path, tt.suffix, got, err, tt.want)
		}
	}
}

func TestEscapePathEscapesEveryByte(t *testing.T) {
	// Exhaustive over single bytes after a leading character: only the
	// alphabet of unit names less "-" and "\" stays as it is, "/" becomes
	// "-", everything else \xNN in lowercase.
	for c := 1; c < 256; c++ {
		got, err := EscapePath("/a"+string([]byte{byte(c)})+"b", "mount")
		if err != nil {
			t.Fatalf("byte 0x%02x: %v", c, err)
		}
		inner := strings.TrimSuffix(strings.TrimPrefix(got, "a"), "b.mount")
		var want string
		switch {
		case c == '/':
			want = "-"
		case strings.IndexByte("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789:_.", byte(c)) >= 0:
			want = string([]byte{byte(c)})
		default:
			want = `\x` + string("0123456789abcdef"[c>>4]) + string("0123456789abcdef"[c&15])
		}
		if inner != want {
			t.Errorf("byte 0x%02x escapes to %q, want %q (whole name %q)", c, inner, want, got)
		}
	}
}

func TestEscapePathRefuses(t *testing.T) {
	longest := "/" + strings.Repeat("a", MaxUnitNameLength-len(".mount"))
	if name, err := EscapePath(longest, "mount"); err != nil || len(name) != MaxUnitNameLength {
		t.Fatalf("the longest name: %q, %v", name, err)
	}
	tests := []struct {
		path, suffix string
		arg          string
		want         []string // substrings of the reason
		longName     bool
	}{
		{"/a", "Mount", ArgSuffix, []string{`"Mount" is not a unit type`, `did you mean "mount"`}, false},
		{"/a", ".mount", ArgSuffix, []string{`".mount"`, `did you mean "mount"`, "without a dot"}, false},
		{"/a", "", ArgSuffix, []string{"empty", "mount, automount, swap"}, false},
		{"/a", "conf", ArgSuffix, []string{`"conf" is not a unit type`, "service"}, false},
		{"/a/../b", "mount", ArgPath, []string{"not normalized", `".."`, `after "a"`, "right after the root"}, false},
		{"/a/..", "mount", ArgPath, []string{"not normalized"}, false},
		{"../a", "mount", ArgPath, []string{`starts with ".."`, "absolute"}, false},
		{"a/..", "mount", ArgPath, []string{"not normalized"}, false},
		{".", "mount", ArgPath, []string{"current directory"}, false},
		{"./", "mount", ArgPath, []string{"current directory"}, false},
		{"/" + strings.Repeat("x", 256), "mount", ArgPath, []string{"component of 256 bytes", "NAME_MAX"}, false},
		{"/x/" + strings.Repeat("y", 300) + "/z", "mount", ArgPath, []string{"component of 300 bytes"}, false},
		{strings.Repeat("/abcdefgh", 512), "mount", ArgPath, []string{"4608 bytes", "PATH_MAX"}, false},
		{"/a\x00b", "mount", ArgPath, []string{"NUL byte at byte 2"}, false},
		{longest + "a", "mount", ArgPath, []string{"256 bytes long", "at most 255", "hash"}, true},
		{"/" + strings.Repeat("é", 100), "mount", ArgPath, []string{"806 bytes long"}, true},
	}
	for _, tt := range tests {
		name, err := EscapePath(tt.path, tt.suffix)
		var ee *EscapeError
		if !errors.As(err, &ee) {
			t.Errorf("EscapePath(%q, %q) = %q, %v; want an EscapeError", abbreviate(tt.path), tt.suffix, name, err)
			continue
		}
		if ee.Argument != tt.arg {
			t.Errorf("EscapePath(%q, %q): the error names %q, want %q", abbreviate(tt.path), tt.suffix, ee.Argument, tt.arg)
		}
		for _, w := range tt.want {
			if !strings.Contains(ee.Reason, w) {
				t.Errorf("EscapePath(%q, %q) = %q, want it to mention %q", abbreviate(tt.path), tt.suffix, ee.Reason, w)
			}
		}
		if (ee.LongName != "") != tt.longName || tt.longName && len(ee.LongName) <= MaxUnitNameLength {
			t.Errorf("EscapePath(%q, %q): LongName = %q, want set=%v", abbreviate(tt.path), tt.suffix, ee.LongName, tt.longName)
		}
	}
}

func TestEscapePathAcceptsEveryUnitType(t *testing.T) {
	for _, typ := range UnitTypes {
		if got, err := EscapePath("/a", typ); err != nil || got != "a."+typ {
			t.Errorf("EscapePath(%q, %q) = %q, %v", "/a", typ, got, err)
		}
	}
}

// What `systemd-escape --template=TEMPLATE -- STRING` printed on the same
// hosts, identical on all four.
var instanceCasesObserved = []struct{ template, s, want string }{
	{"getty@.service", "tty1", "getty@tty1.service"},
	{"getty@.service", "", refused},
	{"getty@.service", "a/b", "getty@a-b.service"},
	{"getty@.service", "/a/", "getty@-a-.service"},
	{"getty@.service", ".x", `getty@\x2ex.service`},
	{"getty@.service", "a-b", `getty@a\x2db.service`},
	{"getty@.service", "a@b", `getty@a\x40b.service`},
	{"getty@.service", "é", `getty@\xc3\xa9.service`},
	{"getty@.service", "a b", `getty@a\x20b.service`},
	{"getty@.service", "-x", `getty@\x2dx.service`},
	{"getty@.service", "--help", `getty@\x2d\x2dhelp.service`},
	{"getty@tty1.service", "x", refused},
	{"getty.service", "x", refused},
	{"@.service", "x", refused},
	{"a@b@.service", "x", refused},
	{"a.b@.service", "x", "a.b@x.service"},
	{"getty@.foo", "x", refused},
	{"Getty@.service", "x", "Getty@x.service"},
	{"getty@.service", strings.Repeat("y", 242), refused},
	{"getty@.service", strings.Repeat("y", 241), "getty@" + strings.Repeat("y", 241) + ".service"},
}

func TestInstanceNameObservedOnHosts(t *testing.T) {
	for _, tt := range instanceCasesObserved {
		got, err := InstanceName(tt.template, tt.s)
		if err != nil {
			got = refused
		}
		if got != tt.want {
			t.Errorf("systemd-escape --template=%s %q = %q, InstanceName gives %q (%v)", tt.template, abbreviate(tt.s), tt.want, got, err)
		}
	}
}

func TestInstanceName(t *testing.T) {
	tests := []struct{ template, s, want string }{
		{"getty@.service", "tty1", "getty@tty1.service"},
		{"serial-getty@.service", "ttyS0", "serial-getty@ttyS0.service"},
		{"systemd-fsck@.service", "/dev/disk/by-label/data", `systemd-fsck@-dev-disk-by\x2dlabel-data.service`},
		{"wg-quick@.service", "wg0", "wg-quick@wg0.service"},
		{"container@.target", "web.1", "container@web.1.target"},
		{"x@.socket", ".", `x@\x2e.socket`},
		{"x@.socket", "...", `x@\x2e...socket`},
		{"x@.timer", `a\b`, `x@a\x5cb.timer`},
		{"x@.service", "日本", `x@\xe6\x97\xa5\xe6\x9c\xac.service`},
		{"x@.service", "$(id)", `x@\x24\x28id\x29.service`},
	}
	for _, tt := range tests {
		got, err := InstanceName(tt.template, tt.s)
		if err != nil || got != tt.want {
			t.Errorf("InstanceName(%q, %q) = %q, %v; want %q", tt.template, tt.s, got, err, tt.want)
		}
	}
}

func TestInstanceNameRefuses(t *testing.T) {
	tests := []struct {
		template, s string
		arg         string
		want        []string
	}{
		{"getty@tty1.service", "x", ArgTemplate, []string{"is an instance name", `"getty@.service"`}},
		{"a@b@.service", "x", ArgTemplate, []string{"is an instance name", `"a@.service"`}},
		{"getty.service", "x", ArgTemplate, []string{"not a template", `"getty@.service"`}},
		{"getty", "x", ArgTemplate, []string{"no type suffix", "NAME@.TYPE"}},
		{"@.service", "x", ArgTemplate, []string{"starts with '@'"}},
		{"getty@.foo", "x", ArgTemplate, []string{`".foo"`, "not a unit type"}},
		{"get ty@.service", "x", ArgTemplate, []string{"a space"}},
		{"", "x", ArgTemplate, []string{"empty"}},
		{"getty@.service", "", ArgString, []string{"is empty"}},
		{"getty@.service", "a\x00", ArgString, []string{"NUL byte at byte 1"}},
		{"getty@.service", strings.Repeat("y", 242), ArgString, []string{"256 bytes long", "at most 255"}},
		{"getty@.service", strings.Repeat("-", 61), ArgString, []string{"instance of 244 bytes", "258 bytes long"}},
	}
	for _, tt := range tests {
		name, err := InstanceName(tt.template, tt.s)
		var ee *EscapeError
		if !errors.As(err, &ee) {
			t.Errorf("InstanceName(%q, %q) = %q, %v; want an EscapeError", tt.template, abbreviate(tt.s), name, err)
			continue
		}
		if ee.Argument != tt.arg {
			t.Errorf("InstanceName(%q, %q): the error names %q, want %q", tt.template, abbreviate(tt.s), ee.Argument, tt.arg)
		}
		for _, w := range tt.want {
			if !strings.Contains(ee.Reason, w) {
				t.Errorf("InstanceName(%q, %q) = %q, want it to mention %q", tt.template, abbreviate(tt.s), ee.Reason, w)
			}
		}
	}
}

func TestEscapedNamesAreUnitNames(t *testing.T) {
	// Whatever the functions return passes the provider's own unit-name
	// grammar, so it can be given to systemd_unit_mask as it is.
	for _, p := range []string{"/", "/var/lib/my-data", "/.x/ä b/-\\", "rel/a", ""} {
		for _, typ := range UnitTypes {
			name, err := EscapePath(p, typ)
			if err != nil {
				t.Fatalf("EscapePath(%q, %q): %v", p, typ, err)
			}
			if err := ValidateUnitName(name); err != nil {
				t.Errorf("EscapePath(%q, %q) = %q, which ValidateUnitName refuses: %v", p, typ, name, err)
			}
		}
	}
	for _, s := range []string{"x", "@", "a@b", "/", "..", "ä b"} {
		name, err := InstanceName("t@.service", s)
		if err != nil {
			t.Fatalf("InstanceName(%q): %v", s, err)
		}
		if err := ValidateUnitName(name); err != nil {
			t.Errorf("InstanceName(%q) = %q, which ValidateUnitName refuses: %v", s, name, err)
		}
	}
}
