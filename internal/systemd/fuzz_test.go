package systemd

import (
	"strings"
	"testing"
)

// FuzzValidateUnitName: the validator never panics, and whatever it accepts
// is inside systemd's grammar and reaches the batch script as the last,
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
			argv := s.BatchCommand([]Op{{Name: name, Layer: Runtime, Now: true}}, false).Argv
			if argv[len(argv)-1] != name || strings.Contains(argv[2], name) {
				t.Fatalf("%s argv %q does not pass %q as its own last argument only", s, argv, name)
			}
		}
	})
}

// FuzzParseBatch: any answer, however garbled, is parsed or refused; an
// accepted one has a result for every op and no panic on the way.
func FuzzParseBatch(f *testing.F) {
	f.Add("persistent\tnull\ta.service\n"+batchDirs+"end\n", "a.service")
	f.Add("rc\t1\t1\nerr\t1\talready exists\n"+batchDirs+"end\n", "a.service")
	f.Add("rc\treload\t1\n"+batchDirs+"end\n", "a.service")
	f.Add("dir\tpersistent\t/home/u/.config/systemd/user\ndir\truntime\t/run/user/1/systemd/user\nend\n", "a.service")
	f.Add("", "a.service")
	f.Add("end\n", "")
	f.Fuzz(func(t *testing.T, out, name string) {
		ops := []Op{{Kind: OpMask, Name: name, Now: true}}
		for _, s := range []Scope{ScopeSystem, ScopeUser, ScopeGlobal} {
			res, err := s.ParseBatch([]byte(out), ops)
			if err == nil && len(res.Ops) != 1 {
				t.Fatalf("%s: %d results for one op", s, len(res.Ops))
			}
		}
	})
}
