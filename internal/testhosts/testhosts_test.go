package testhosts

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadFrom(t *testing.T) {
	dir := t.TempDir()
	key, knownHosts, sshConfig := filepath.Join(dir, "id_ed25519"), filepath.Join(dir, "known_hosts"), filepath.Join(dir, "ssh_config")
	for _, f := range []string{key, knownHosts, sshConfig} {
		if err := os.WriteFile(f, nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	base := map[string]string{
		"TESTHOSTS_HOSTS":       "127.0.0.1:23000,127.0.0.1:23001",
		"TESTHOSTS_SSH_KEY":     key,
		"TESTHOSTS_KNOWN_HOSTS": knownHosts,
		"TESTHOSTS_SSH_CONFIG":  sshConfig,
	}
	with := func(extra map[string]string) func(string) string {
		vars := map[string]string{}
		for k, v := range base {
			vars[k] = v
		}
		for k, v := range extra {
			vars[k] = v
		}
		return func(k string) string { return vars[k] }
	}

	tests := []struct {
		name    string
		extra   map[string]string
		check   func(t *testing.T, env Env)
		wantErr string
	}{
		{
			name: "release, systemd and sysop",
			extra: map[string]string{
				"TESTHOSTS_RELEASE":         "trixie",
				"TESTHOSTS_SYSTEMD_VERSION": "257",
				"TESTHOSTS_SYSOP_USER":      "sysop",
			},
			check: func(t *testing.T, env Env) {
				if env.Release != "trixie" || env.SystemdVersion != 257 || env.SysopUser != "sysop" {
					t.Errorf("Release, SystemdVersion, SysopUser = %q, %d, %q; want trixie, 257, sysop", env.Release, env.SystemdVersion, env.SysopUser)
				}
				if len(env.Hosts) != 2 || env.Hosts[1].Port != 23001 || env.Hosts[1].Index != 2 {
					t.Errorf("Hosts = %+v", env.Hosts)
				}
				if env.SSHConfigFile != sshConfig {
					t.Errorf("SSHConfigFile = %q, want %q", env.SSHConfigFile, sshConfig)
				}
			},
		},
		{
			name: "an env file from before the release was written",
			check: func(t *testing.T, env Env) {
				if env.Release != "" || env.SystemdVersion != 0 {
					t.Errorf("Release, SystemdVersion = %q, %d; want empty", env.Release, env.SystemdVersion)
				}
			},
		},
		{
			name:    "a systemd version that is not a number",
			extra:   map[string]string{"TESTHOSTS_SYSTEMD_VERSION": "systemd 252"},
			wantErr: "TESTHOSTS_SYSTEMD_VERSION",
		},
		{
			name:    "no ssh client options",
			extra:   map[string]string{"TESTHOSTS_SSH_CONFIG": filepath.Join(dir, "missing")},
			wantErr: "TESTHOSTS_SSH_CONFIG",
		},
		{
			name:    "a host that is not IP:PORT",
			extra:   map[string]string{"TESTHOSTS_HOSTS": "127.0.0.1"},
			wantErr: "not IP:PORT",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env, err := loadFrom(with(tt.extra))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("loadFrom: error %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("loadFrom: %v", err)
			}
			tt.check(t, env)
		})
	}
}
