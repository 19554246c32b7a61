package sshconfig

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func write(t *testing.T, dir, name, text string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

var testLocal = Local{User: "me", UID: 1000, Home: "/home/me", HostName: "laptop.example"}

// Each bad file is refused with its name and line, and says what is wrong.
func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "loop", "Include "+filepath.Join(dir, "loop")+"\n")
	tests := []struct {
		what, text string
		line       int
		mention    string
	}{
		{"unterminated quote", "Host a\n  User \"bob\n", 2, "unterminated quote"},
		{"Match exec", "Match exec \"true\"\n  User x\n", 1, "Match exec is not supported"},
		{"Match canonical", "Match canonical host x\n", 1, "Match canonical is not supported"},
		{"Match host without patterns", "Match host\n", 1, "needs a pattern list"},
		{"Match all with more", "Match all host x\n", 1, "takes no other criteria"},
		{"Host without patterns", "Host\n", 1, "needs an argument"},
		{"an include loop", "Include " + filepath.Join(dir, "loop") + "\n", 0, "too many nested Include files"},
	}
	for _, tt := range tests {
		t.Run(tt.what, func(t *testing.T) {
			_, err := Load(write(t, dir, "main", tt.text), dir)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("err = %v, want *Error", err)
			}
			if e.Line != tt.line || !strings.Contains(err.Error(), tt.mention) {
				t.Errorf("err = %v (line %d), want line %d and %q", err, e.Line, tt.line, tt.mention)
			}
		})
	}
	if _, err := Load(filepath.Join(dir, "absent"), dir); err == nil || !strings.Contains(err.Error(), "absent") {
		t.Errorf("a missing file: err = %v", err)
	}
}

// Values are checked when they apply, with the line they came from.
func TestResolveErrors(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		what, text, mention string
	}{
		{"bad port", "Host a\n  Port ssh\n", "main line 2: the Port \"ssh\" is not a port number"},
		{"port out of range", "Host a\n  Port 70000\n", "is not a port number"},
		{"ProxyCommand", "Host a\n  ProxyCommand nc %h %p\n", "ProxyCommand is not supported: use ProxyJump"},
		{"bad jump port", "Host a\n  ProxyJump b:x\n", "ProxyJump"},
		{"bad time", "Host a\n  ConnectTimeout soon\n", "is not a time"},
		{"bad strictness", "Host a\n  StrictHostKeyChecking maybe\n", "StrictHostKeyChecking \"maybe\""},
		{"unsupported token", "Host a\n  IdentityFile ~/.ssh/%C\n", "main line 2: IdentityFile \"~/.ssh/%C\": the token %C is not supported"},
		{"unset variable", "Host a\n  IdentityFile ${NO_SUCH_VARIABLE}/key\n", "NO_SUCH_VARIABLE is not set"},
	}
	for _, tt := range tests {
		t.Run(tt.what, func(t *testing.T) {
			cfg, err := Load(write(t, dir, "main", tt.text), dir)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := cfg.Resolve("a", testLocal); err == nil || !strings.Contains(err.Error(), tt.mention) {
				t.Errorf("err = %v, want %q", err, tt.mention)
			}
			// A host the lines do not apply to is not refused for them.
			if _, err := cfg.Resolve("z", testLocal); err != nil {
				t.Errorf("z: %v", err)
			}
		})
	}
}

func TestResolveDetails(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "inc", "Port 2300\n")
	cfg, err := Load(write(t, dir, "main", `
Host rel
  Include inc
Host ipv6
  ProxyJump [2001:db8::1]:2222,ssh://u@h:23
Host env
  IdentityFile ${TEST_KEY_DIR}/k-%L-%l-%i
  ProxyCommand none
  ProxyJump ignored-after-proxycommand
`), dir)
	if err != nil {
		t.Fatal(err)
	}
	// A relative Include is taken from ~/.ssh, not from the file's directory.
	if h, err := cfg.Resolve("rel", Local{Home: dir}); err != nil || h.Port != 22 {
		t.Errorf("rel: %+v, %v; want port 22 (inc is not in %s/.ssh)", h, err, dir)
	}
	if err := os.Mkdir(filepath.Join(dir, ".ssh"), 0o755); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(dir, ".ssh"), "inc", "Port 2301\n")
	cfg2, err := Load(filepath.Join(dir, "main"), dir)
	if err != nil {
		t.Fatal(err)
	}
	if h, err := cfg2.Resolve("rel", Local{Home: dir}); err != nil || h.Port != 2301 {
		t.Errorf("rel: %+v, %v; want port 2301 from %s/.ssh/inc", h, err, dir)
	}
	h, err := cfg.Resolve("ipv6", testLocal)
	if err != nil {
		t.Fatal(err)
	}
	want := []Jump{{Host: "2001:db8::1", Port: 2222}, {User: "u", Host: "h", Port: 23}}
	if len(h.ProxyJump) != 2 || h.ProxyJump[0] != want[0] || h.ProxyJump[1] != want[1] {
		t.Errorf("ProxyJump = %+v, want %+v", h.ProxyJump, want)
	}
	local := testLocal
	local.Getenv = func(k string) string {
		if k == "TEST_KEY_DIR" {
			return "/keys"
		}
		return ""
	}
	h, err = cfg.Resolve("env", local)
	if err != nil {
		t.Fatal(err)
	}
	if len(h.IdentityFiles) != 1 || h.IdentityFiles[0] != "/keys/k-laptop-laptop.example-1000" {
		t.Errorf("IdentityFiles = %q", h.IdentityFiles)
	}
	if len(h.ProxyJump) != 0 {
		t.Errorf("ProxyJump = %v after ProxyCommand none, want none", h.ProxyJump)
	}
}
