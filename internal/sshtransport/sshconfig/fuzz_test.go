package sshconfig

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Any file is read without a panic, and resolving any name in it either
// fails with an error or gives a port in range.
func FuzzResolve(f *testing.F) {
	for _, tc := range oracleCases {
		if len(tc.files) == 1 {
			f.Add(tc.files["main"], tc.hosts[0])
		}
	}
	f.Add("Host a\n  ProxyJump [::1]:22,u@b\n  IdentityFile %d/${HOME}/%%\n", "a")
	f.Add("Match host x user \"y z\" !originalhost q\n  Port 1\n", "x")
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, text, alias string) {
		if strings.Contains(strings.ToLower(text), "include") {
			t.Skip("an Include could read any file of this machine (say, /proc/kmsg, which blocks)")
		}
		p := filepath.Join(dir, "config")
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		cfg, err := Load(p, dir)
		if err != nil {
			return
		}
		h, err := cfg.Resolve(alias, testLocal)
		if err != nil {
			return
		}
		if h.Port < 1 || h.Port > 65535 {
			t.Errorf("port %d", h.Port)
		}
	})
}
