package sshtransport

import (
	"bytes"
	"math/rand"
	"os/exec"
	"reflect"
	"strings"
	"testing"

	"github.com/systemd-tf/terraform-provider-systemd/internal/systemd"
)

// shellWords runs the command line ShellJoin makes of `printf '%s\0' WORDS…`
// with the real /bin/sh, and returns the words printf received: what the
// remote login shell would hand to the command.
func shellWords(t *testing.T, words []string) []string {
	t.Helper()
	line, err := ShellJoin(append([]string{"printf", `%s\000`}, words...))
	if err != nil {
		t.Fatalf("ShellJoin(%q): %v", words, err)
	}
	var stderr bytes.Buffer
	cmd := exec.Command("/bin/sh", "-c", line)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("sh -c %q: %v: %s", line, err, stderr.Bytes())
	}
	if len(words) == 0 {
		// printf with no argument still prints its format once.
		return nil
	}
	if !bytes.HasSuffix(out, []byte{0}) {
		t.Fatalf("sh -c %q printed %q, which does not end in NUL", line, out)
	}
	return strings.Split(string(out[:len(out)-1]), "\x00")
}

func TestShellJoinExact(t *testing.T) {
	tests := []struct {
		argv []string
		want string
	}{
		{[]string{"systemctl", "mask", "--", "x.service"}, `'systemctl' 'mask' '--' 'x.service'`},
		{[]string{"it's"}, `'it'\''s'`},
		{[]string{""}, `''`},
		{[]string{"a", "", "b"}, `'a' '' 'b'`},
		{[]string{`foo\x2dbar.mount`}, `'foo\x2dbar.mount'`},
	}
	for _, tt := range tests {
		got, err := ShellJoin(tt.argv)
		if err != nil || got != tt.want {
			t.Errorf("ShellJoin(%q) = %q, %v; want %q", tt.argv, got, err, tt.want)
		}
	}
}

func TestShellJoinThroughShell(t *testing.T) {
	tests := [][]string{
		{"plain"},
		{""},
		{"", ""},
		{"a", "", "b"},
		{"it's"},
		{"'"},
		{"''"},
		{`'\''`},
		{"a b", " leading", "trailing ", "  "},
		{"$(id)", "${HOME}", "$HOME", "$0", "$@", "$*", "$1"},
		{"`id`", "`"},
		{"a\nb", "\n", "x\n", "\r\n"},
		{"*", "?", "[a-z]", "/*", "~", "~root", "{a,b}"},
		{"a;b", "a|b", "a&b", "a&&b", "a>b", "a<b", "(a)", "#comment", "!x", "a\\b", `\`, `\'`},
		{`"`, `"$HOME"`, `\"`},
		{"-n", "-e", "--", "-"},
		{"\t", "\x01\x7f", "é", "\xff\xfe"},
		{"x=1", "IFS=x"},
	}
	for _, argv := range tests {
		if got := shellWords(t, argv); !reflect.DeepEqual(got, argv) {
			t.Errorf("words %q came back as %q", argv, got)
		}
	}
}

func TestShellJoinRefuses(t *testing.T) {
	tests := []struct {
		argv []string
		want string
	}{
		{nil, "empty command"},
		{[]string{}, "empty command"},
		// A NUL would end the word early on the remote side.
		{[]string{"a\x00b"}, "argument 0 contains a NUL byte"},
		{[]string{"ok", "\x00"}, "argument 1 contains a NUL byte"},
	}
	for _, tt := range tests {
		got, err := ShellJoin(tt.argv)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ShellJoin(%q) = %q, %v; want an error mentioning %q", tt.argv, got, err, tt.want)
		}
	}
}

// The line a command runs as: the C locale through env, then the argv
// intact, under a real /bin/sh (and the same whatever the locale of the
// login).
func TestCommandLine(t *testing.T) {
	argv := []string{"sh", "-c", `printf '%s\n' "$LC_ALL" "$1"`, "sh", "it's $HOME"}
	line, err := commandLine(systemd.Command{Argv: argv})
	if err != nil {
		t.Fatal(err)
	}
	if want := `'env' 'LC_ALL=C' 'sh' '-c' `; !strings.HasPrefix(line, want) {
		t.Errorf("commandLine = %q, want it to start with %q", line, want)
	}
	cmd := exec.Command("/bin/sh", "-c", line)
	cmd.Env = []string{"LC_ALL=de_DE.UTF-8", "PATH=/usr/bin:/bin"}
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("sh -c %q: %v", line, err)
	}
	if got, want := string(out), "C\nit's $HOME\n"; got != want {
		t.Errorf("the command saw %q, want %q", got, want)
	}
}

func TestCommandLineRefuses(t *testing.T) {
	tests := []struct {
		argv []string
		want string
	}{
		// Never a bare env, which would print the environment.
		{nil, "empty command"},
		// Words are numbered in the command's own argv.
		{[]string{"ok", "\x00"}, "argument 1 contains a NUL byte"},
	}
	for _, tt := range tests {
		got, err := commandLine(systemd.Command{Argv: tt.argv})
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("commandLine(%q) = %q, %v; want an error mentioning %q", tt.argv, got, err, tt.want)
		}
	}
}

// TestShellJoinArbitraryBytes: any word without NUL survives the shell.
func TestShellJoinArbitraryBytes(t *testing.T) {
	const seed = 20240601
	rng := rand.New(rand.NewSource(seed))
	for i := 0; i < 100; i++ {
		argv := make([]string, 1+rng.Intn(4))
		for j := range argv {
			b := make([]byte, rng.Intn(12))
			for k := range b {
				b[k] = byte(1 + rng.Intn(255))
			}
			argv[j] = string(b)
		}
		if got := shellWords(t, argv); !reflect.DeepEqual(got, argv) {
			t.Fatalf("seed %d, case %d: words %q came back as %q", seed, i, argv, got)
		}
	}
}

// TestValidUnitNamesReachSystemctlIntact is the property the provider's
// safety rests on: every name ValidateUnitName accepts, put into a mask
// command and through ShellJoin, reaches the remote command as exactly the
// argv built, one word per argument.
func TestValidUnitNamesReachSystemctlIntact(t *testing.T) {
	const seed = 1
	rng := rand.New(rand.NewSource(seed))
	// The allowed alphabet, weighted toward the characters with a meaning
	// somewhere (escapes, options, templates), plus a few that must be refused.
	alphabet := "abcXYZ019:-_.\\@\\\\--@@ $;'\"`*"
	accepted, refused := 0, 0
	for i := 0; accepted < 300; i++ {
		if i > 10000 {
			t.Fatalf("only %d of %d generated names were accepted", accepted, i)
		}
		b := make([]byte, 1+rng.Intn(30))
		for k := range b {
			b[k] = alphabet[rng.Intn(len(alphabet))]
		}
		name := string(b) + "." + systemd.UnitTypes[rng.Intn(len(systemd.UnitTypes))]
		// The oracle: refused exactly when a foreign character is in it, or
		// when it is a template without a prefix.
		wantOK := !strings.ContainsAny(string(b), " $;'\"`*") && b[0] != '@'
		if err := systemd.ValidateUnitName(name); (err == nil) != wantOK {
			t.Fatalf("seed %d: ValidateUnitName(%q) = %v, want accepted=%v", seed, name, err, wantOK)
		}
		if !wantOK {
			refused++
			continue
		}
		accepted++
		for _, layer := range systemd.Layers {
			argv := systemd.ScopeSystem.BatchCommand([]systemd.Op{{Name: name, Layer: layer}, {Kind: systemd.OpUnmask, Name: name}}, false, false).Argv
			if got := shellWords(t, argv); !reflect.DeepEqual(got, argv) {
				t.Fatalf("seed %d: argv %q came back as %q", seed, argv, got)
			}
		}
	}
	if refused == 0 {
		t.Error("no generated name was refused: the generator is too tame")
	}
}

func TestBatchCommandThroughShell(t *testing.T) {
	// The batch script itself is one word with newlines and quotes in it.
	argv := systemd.ScopeSystem.BatchCommand([]systemd.Op{{Name: "a.service"}, {Name: "--help.service"}, {Name: `x\x2d.mount`}}, true, false).Argv
	if got := shellWords(t, argv); !reflect.DeepEqual(got, argv) {
		t.Errorf("argv %q came back as %q", argv, got)
	}
}

func TestSweepRunsThroughShell(t *testing.T) {
	// End to end on this machine, read-only: the quoted sweep runs under
	// /bin/sh and its answer parses.
	line, err := ShellJoin(systemd.ScopeSystem.BatchCommand(nil, true, false).Argv)
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("/bin/sh", "-c", line).Output()
	if err != nil {
		t.Fatalf("sweep: %v", err)
	}
	res, err := systemd.ScopeSystem.ParseBatch(out, nil)
	if err != nil {
		t.Fatalf("ParseBatch: %v\n%s", err, out)
	}
	if got := res.State("tf-systemd-quote-test-no-such-unit.service"); got != (systemd.MaskState{}) {
		t.Errorf("state of a unit no host has = %+v", got)
	}
}
