package systemd

import (
	"strings"
	"testing"
)

// FuzzValidateUnitName: the validator never panics, and whatever it accepts
// is inside systemd's grammar and reaches the engine as the last,
// unchanged argument, never as script text.
func FuzzValidateUnitName(f *testing.F) {
	for _, seed := range []string{
		"cron.service", "getty@.service", "getty@tty1.service", "a@b@c.service", "--help.service",
		`foo\x2dbar.mount`, "cups", "; rm -rf /", "$(id).service", "`id`.service", "../x.service",
		"/etc/x.service", "a\nb.service", "a\x00b.service", "a b.service", "'.service", "*.service",
		"@.service", ".service", strings.Repeat("a", 248) + ".service", "é.service",
	} {
		f.Add(seed)
	}
	allowed := func(c byte) bool {
		return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte(":-_.\\@", c) >= 0
	}
	f.Fuzz(func(t *testing.T, name string) {
		if ValidateUnitName(name) != nil {
			return
		}
		if len(name) > MaxUnitNameLength || name[0] == '@' {
			t.Fatalf("accepted %q", name)
		}
		for i := 0; i < len(name); i++ {
			if !allowed(name[i]) {
				t.Fatalf("accepted %q with byte %q", name, name[i])
			}
		}
		dot := strings.LastIndexByte(name, '.')
		if dot <= 0 || !knownUnitType(name[dot+1:]) {
			t.Fatalf("accepted %q without a known type", name)
		}
		for _, s := range []Scope{ScopeSystem, ScopeUser, ScopeGlobal} {
			for _, cmd := range []Command{
				s.BatchCommand([]Op{{Name: name, Layer: Runtime, Now: true}}, false, true),
				s.UnitInfoCommand(name),
			} {
				argv := cmd.Argv
				last := argv[len(argv)-1]
				if tmpl, ok := unitTemplate(name); ok {
					// An instance's info names its template last.
					if last == tmpl {
						last = argv[len(argv)-2]
					}
				}
				if last != name || argv[2] != engineScript {
					t.Fatalf("%s argv %q does not pass %q as an argument of the fixed script", s, argv[3:], name)
				}
			}
		}
	})
}

// FuzzParseBatch: any answer, however garbled, is parsed or refused, by
// ParseBatch and by the two other readers of the same protocol; an accepted
// batch answer has a result for every op, and an accepted answer cut short
// of its "end" is refused.
func FuzzParseBatch(f *testing.F) {
	sp := spLines(ScopeSystem)
	f.Add(sp+rLine(ScopeSystem, "a.service", "/etc/systemd/system:n")+"end\n", "a.service")
	f.Add(sp+"rc\t1\t1\nerr\t1\talready exists\n"+rLine(ScopeSystem, "a.service", "/etc/systemd/system:e")+"end\n", "a.service")
	f.Add(sp+"v\t239\nrc\treload\t1\nrc\ts1\t5\n"+rLine(ScopeSystem, "a.service", "/run/systemd/system:n")+"end\n", "a.service")
	f.Add(sp+"shadow\t1\tf\t/etc/systemd/system/a.service\n"+rLine(ScopeSystem, "a.service", "/etc/systemd/system:f")+"end\n", "a.service")
	f.Add(sp+rLine(ScopeSystem, "a.service", "/etc/systemd/system:a:b.service")+rLine(ScopeSystem, "b.service", "/usr/lib/systemd/system:n")+"end\n", "a.service")
	f.Add(sp+rLine(ScopeSystem, "a@b.service")+rLine(ScopeSystem, "a@.service", "/etc/systemd/system:n")+"show\tLoadState=masked\nshow\tActiveState=inactive\nshow\tUnitFileState=masked\nshow\tFragmentPath=\nend\n", "a@b.service")
	f.Add(spLines(ScopeUser)+rLine(ScopeUser, "a.service", "/etc/systemd/user:n", "/run/user/1000/systemd/user:d")+"is-enabled\tmasked\nend\n", "a.service")
	f.Add(spLines(ScopeGlobal)+"r\ta.service\t0:n 1:e\nend\n", "a.service")
	f.Add(sp+"r\ta.service\t4:n 4:n\nend\n", "a.service")
	f.Add("", "a.service")
	f.Add("end\n", "")
	f.Fuzz(func(t *testing.T, out, name string) {
		ops := []Op{{Kind: OpMask, Name: name, Now: true}}
		cut := strings.TrimSuffix(out, "end\n")
		for _, s := range []Scope{ScopeSystem, ScopeUser, ScopeGlobal} {
			res, err := s.ParseBatch([]byte(out), ops)
			if err == nil && len(res.Ops) != 1 {
				t.Fatalf("%s: %d results for one op", s, len(res.Ops))
			}
			_, infoErr := s.ParseUnitInfo([]byte(out), name)
			_, maskedErr := s.ParseMaskedUnits([]byte(out))
			if err == nil || infoErr == nil || maskedErr == nil {
				if _, err := s.parseAnswer([]byte(cut)); err == nil {
					t.Fatalf("%s: accepted %q cut short of its end", s, cut)
				}
			}
		}
	})
}

// FuzzEscape: the escaping never panics, every name it returns passes the
// unit-name grammar, and escaping is reversible as systemd-escape --unescape
// reverses it: a string exactly, a path up to what simplifying dropped.
func FuzzEscape(f *testing.F) {
	for _, seed := range []string{
		"/var/lib/my-data", "/", "", "//", "/.", ".", "./a", "/a/../b", "/../a", "a/..", "/.dot", "/a b/é",
		`/a\b`, "-", "/-x-", "/a:b_c.d", "\x00", "/\xff\xfe", strings.Repeat("/x", 200), "/" + strings.Repeat("y", 256),
	} {
		f.Add(seed)
	}
	unescape := func(s string) string {
		var b strings.Builder
		for i := 0; i < len(s); i++ {
			switch {
			case s[i] == '-':
				b.WriteByte('/')
			case s[i] == '\\' && i+3 < len(s) && s[i+1] == 'x':
				var c byte
				for _, h := range s[i+2 : i+4] {
					c = c<<4 | byte(strings.IndexRune("0123456789abcdef", h))
				}
				b.WriteByte(c)
				i += 3
			default:
				b.WriteByte(s[i])
			}
		}
		return b.String()
	}
	components := func(p string) []string {
		var out []string
		for _, c := range strings.Split(p, "/") {
			if c != "" && c != "." {
				out = append(out, c)
			}
		}
		return out
	}
	f.Fuzz(func(t *testing.T, s string) {
		if name, err := EscapePath(s, "mount"); err == nil {
			if err := ValidateUnitName(name); err != nil {
				t.Fatalf("EscapePath(%q) = %q, not a unit name: %v", s, name, err)
			}
			back := components(unescape(strings.TrimSuffix(name, ".mount")))
			want := components(s)
			for strings.HasPrefix(s, "/") && len(want) > 0 && want[0] == ".." {
				want = want[1:]
			}
			if strings.Join(back, "/") != strings.Join(want, "/") {
				t.Fatalf("EscapePath(%q) = %q, which unescapes to %q", s, name, back)
			}
		}
		if name, err := InstanceName("x@.service", s); err == nil {
			if err := ValidateUnitName(name); err != nil {
				t.Fatalf("InstanceName(%q) = %q, not a unit name: %v", s, name, err)
			}
			if back := unescape(strings.TrimSuffix(strings.TrimPrefix(name, "x@"), ".service")); back != s {
				t.Fatalf("InstanceName(%q) = %q, which unescapes to %q", s, name, back)
			}
		}
	})
}
