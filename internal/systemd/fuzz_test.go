package systemd

import (
	"strings"
	"testing"
)

// FuzzValidateUnitName: the validator never panics, and whatever it accepts
// is inside systemd's grammar and reaches systemctl as the last, unchanged
// argument, after "--".
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
			argv := s.MaskCommand(name, Runtime, true).Argv
			if argv[len(argv)-1] != name || argv[len(argv)-2] != "--" {
				t.Fatalf("%s argv %q does not end in -- %q", s, argv, name)
			}
		}
	})
}

// FuzzParseProbe: any answer, however garbled, is parsed or refused; an
// accepted one is about exactly the names asked.
func FuzzParseProbe(f *testing.F) {
	f.Add("null\t/etc/systemd/system/a.service\nnone\t/run/systemd/system/a.service\nend\n", "a.service")
	f.Add("empty\t/etc/systemd/system/a.service\nunit\t/run/systemd/system/a.service\nend", "a.service")
	f.Add("null\t/etc/systemd/system/a.service\nend\n", "a.service")
	f.Add("", "a.service")
	f.Add("end\n", "")
	f.Fuzz(func(t *testing.T, out, name string) {
		for _, s := range []Scope{ScopeSystem, ScopeUser, ScopeGlobal} {
			states, err := s.ParseProbe([]byte(out), []string{name})
			if err != nil {
				continue
			}
			if len(states) != 1 {
				t.Fatalf("%s: %d states for one name", s, len(states))
			}
			if _, ok := states[name]; !ok {
				t.Fatalf("%s: no state for %q", s, name)
			}
		}
	})
}
