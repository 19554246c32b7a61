package systemd

import (
	"strings"
	"testing"
)

func TestValidateUnitNameAccepts(t *testing.T) {
	// 255 bytes is UNIT_NAME_MAX less the NUL: the longest name systemd takes.
	longest := strings.Repeat("a", MaxUnitNameLength-len(".service")) + ".service"
	if len(longest) != 255 {
		t.Fatalf("test setup: longest name is %d bytes", len(longest))
	}
	names := []string{
		"cron.service",
		"getty@.service",
		"getty@tty1.service",
		"a@b@c.service", // the instance "b@c" may itself hold '@'
		"--help.service",
		`foo\x2dbar.mount`, // systemd-escape output, with a literal backslash
		"dbus-org.freedesktop.login1.service",
		"sys-devices-platform-serial8250-tty-ttyS0.device",
		"A_Z:0-9.service",
		"x.y.z.target",
		longest,
	}
	for _, typ := range UnitTypes {
		names = append(names, "unit."+typ, "tmpl@."+typ, "tmpl@inst."+typ)
	}
	for _, name := range names {
		if err := ValidateUnitName(name); err != nil {
			t.Errorf("ValidateUnitName(%q) = %v, want nil", name, err)
		}
	}
}

func TestValidateUnitNameCoversEveryUnitType(t *testing.T) {
	// systemd.unit(5) lists exactly these types; a missing one would refuse
	// real units, an extra one would accept names systemctl rejects.
	want := "automount device mount path scope service slice socket swap target timer"
	got := map[string]bool{}
	for _, typ := range UnitTypes {
		got[typ] = true
	}
	for _, typ := range strings.Fields(want) {
		if !got[typ] {
			t.Errorf("UnitTypes lacks %q", typ)
		}
	}
	if len(UnitTypes) != len(strings.Fields(want)) {
		t.Errorf("UnitTypes = %v, want exactly %s", UnitTypes, want)
	}
}

func TestValidateUnitNameRefuses(t *testing.T) {
	tests := []struct {
		name string
		want []string // substrings the error must contain
	}{
		{"", []string{"empty"}},
		{"cups", []string{"suffix", `"cups.service"`}},
		{"getty@tty1", []string{`"getty@tty1.service"`}},
		{"a b", []string{"suffix", "NAME.service"}}, // no suggestion that would itself be invalid
		{"x.conf", []string{`".conf"`, "not a unit type"}},
		{"x.Service", []string{`".Service"`, "not a unit type"}},
		{"x.", []string{"not a unit type"}},
		{strings.Repeat("a", 256-len(".service")) + ".service", []string{"256", "255"}},
		{"@.service", []string{"'@'"}},
		{"@foo.service", []string{"'@'", "getty@foo.service"}},
		{".service", []string{"nothing before"}},
		{"; rm -rf /", []string{"suffix"}},
		{"a;b.service", []string{`";"`}},
		{"$(id).service", []string{`"$"`}},
		{"`id`.service", []string{"\"`\""}},
		{"../x.service", []string{`"/"`}},
		{"/etc/x.service", []string{`"/"`}},
		{"a/b.service", []string{`"/"`}},
		{"a\nb.service", []string{"a newline"}},
		{"a\x00b.service", []string{"a NUL byte"}},
		{"a b.service", []string{"a space"}},
		{"a\tb.service", []string{"a tab"}},
		{"a\rb.service", []string{"control byte 0x0d"}},
		{"a\x7fb.service", []string{"control byte 0x7f"}},
		{"a'b.service", []string{`"'"`}},
		{`a"b.service`, []string{`"\""`}},
		{"*.service", []string{`"*"`}},
		{"?.service", []string{`"?"`}},
		{"[a].service", []string{`"["`}},
		{"a|b.service", []string{`"|"`}},
		{"a&b.service", []string{`"&"`}},
		{"a>b.service", []string{`">"`}},
		{"a<b.service", []string{`"<"`}},
		{"~x.service", []string{`"~"`}},
		{"a{b}.service", []string{`"{"`}},
		{"a!b.service", []string{`"!"`}},
		{"a#b.service", []string{`"#"`}},
		{"a%b.service", []string{`"%"`}},
		{"a=b.service", []string{`"="`}},
		{"a,b.service", []string{`","`}},
		{"a+b.service", []string{`"+"`}},
		{"é.service", []string{"non-ASCII byte 0xc3", "byte 0"}},
	}
	for _, tt := range tests {
		err := ValidateUnitName(tt.name)
		if err == nil {
			t.Errorf("ValidateUnitName(%q) = nil, want an error", tt.name)
			continue
		}
		for _, w := range tt.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("ValidateUnitName(%q) = %q, want it to mention %q", tt.name, err, w)
			}
		}
	}
}

func TestValidateUnitNameRefusesEveryOtherByte(t *testing.T) {
	// Exhaustive over single bytes: only the documented alphabet (and '@'
	// after a prefix) may pass, so nothing a shell interprets ever does.
	allowed := "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789:-_.\\@"
	for c := 0; c < 256; c++ {
		name := "a" + string([]byte{byte(c)}) + "b.service"
		err := ValidateUnitName(name)
		if ok := strings.IndexByte(allowed, byte(c)) >= 0; ok != (err == nil) {
			t.Errorf("ValidateUnitName(%q) = %v, want accepted=%v", name, err, ok)
		}
	}
}
