package sshtransport

import (
	"net"
	"strings"
	"testing"
)

// FuzzSplitAddress: never panics; an accepted address is a dialable
// HOST:PORT whose host holds nothing a shell or a known_hosts line would
// misread, and parsing it again gives it back.
func FuzzSplitAddress(f *testing.F) {
	for _, seed := range []string{
		"host", "host:22", "10.0.0.1:2222", "[::1]", "[::1]:2200", "[fe80::1%eth0]:22", "::1", "host:",
		"host:0", "host:65536", "[::1", "[1.2.3.4]", "a b", "a/b", "$(x)", "[fe80::1%$(id)]:22", "h:+22",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		addr, _, err := SplitAddress(s, 22)
		if err != nil {
			return
		}
		host, port, err := net.SplitHostPort(addr)
		if err != nil || host == "" || port == "" {
			t.Fatalf("%q gave %q, not HOST:PORT: %v", s, addr, err)
		}
		if strings.ContainsAny(host, " \t\n\x00/;$`'\"\\|&<>()*?[]{}!#~") {
			t.Fatalf("%q gave host %q", s, host)
		}
		again, hasPort, err := SplitAddress(addr, 1)
		if err != nil || again != addr || !hasPort {
			t.Fatalf("%q → %q → %q, %v, %v", s, addr, again, hasPort, err)
		}
	})
}

// unquote reverses ShellJoin's quoting for the property below.
func unquote(t *testing.T, line string) []string {
	var words []string
	for len(line) > 0 {
		if line[0] != '\'' {
			t.Fatalf("word does not start with a quote: %q", line)
		}
		var w strings.Builder
		i := 1
		for {
			j := strings.IndexByte(line[i:], '\'')
			if j < 0 {
				t.Fatalf("unterminated quote: %q", line)
			}
			w.WriteString(line[i : i+j])
			i += j + 1
			if strings.HasPrefix(line[i:], `\''`) {
				w.WriteByte('\'')
				i += 3
				continue
			}
			break
		}
		words = append(words, w.String())
		line = strings.TrimPrefix(line[i:], " ")
	}
	return words
}

// FuzzShellJoin: every argv without NUL becomes a line of single-quoted
// words that reads back as the same argv (the /bin/sh round trip is in
// quote_test.go).
func FuzzShellJoin(f *testing.F) {
	f.Add("systemctl", "a.service", "it's")
	f.Add("", "$(id)", "`id`\n'\"")
	f.Fuzz(func(t *testing.T, a, b, c string) {
		argv := []string{a, b, c}
		line, err := ShellJoin(argv)
		if strings.ContainsRune(a+b+c, 0) {
			if err == nil {
				t.Fatal("a NUL byte was accepted")
			}
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		got := unquote(t, line)
		if len(got) != len(argv) {
			t.Fatalf("%q read back as %q", argv, got)
		}
		for i := range argv {
			if got[i] != argv[i] {
				t.Fatalf("%q read back as %q", argv, got)
			}
		}
	})
}
