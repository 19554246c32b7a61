package provider

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"golang.org/x/crypto/ssh"
)

// clearEnv unsets every variable Configure reads, so that the developer's
// own SSH setup cannot leak into a test.
func clearEnv(t *testing.T) {
	t.Helper()
	for _, name := range []string{
		envHost, envPort, envUser, envPrivateKey, envPrivateKeyPassphrase, envPassword, envAgent,
		envKnownHostsFile, envHostKey, envInsecureIgnoreHostKey, envSudo, envSudoPassword, envTimeout,
		envCertificate, envBastionHost, envBastionPort, envBastionUser, "SSH_AUTH_SOCK",
		envSSHConfigFile, envAgentIdentity, "ALL_PROXY", "all_proxy", "NO_PROXY", "no_proxy",
	} {
		t.Setenv(name, "")
	}
	t.Setenv("HOME", t.TempDir())
}

// useEnv clears the provider's variables, then sets those of each map in
// turn.
func useEnv(t *testing.T, envs ...map[string]string) {
	t.Helper()
	clearEnv(t)
	for _, env := range envs {
		for k, v := range env {
			t.Setenv(k, v)
		}
	}
}

func testPrivateKey(t *testing.T, passphrase string) string {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	var block *pem.Block
	if passphrase == "" {
		block, err = ssh.MarshalPrivateKey(priv, "")
	} else {
		block, err = ssh.MarshalPrivateKeyWithPassphrase(priv, "", []byte(passphrase))
	}
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(block))
}

func testHostKey(t *testing.T) string {
	t.Helper()
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	key, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return string(ssh.MarshalAuthorizedKey(key))
}

// onPath returns the diagnostics of severity sev on attribute attr.
func onPath(diags diag.Diagnostics, sev diag.Severity, attr string) diag.Diagnostics {
	var out diag.Diagnostics
	for _, d := range diags {
		if dp, ok := d.(diag.DiagnosticWithPath); ok && d.Severity() == sev && dp.Path().Equal(path.Root(attr)) {
			out = append(out, d)
		}
	}
	return out
}

func wantData(t *testing.T, resp provider.ConfigureResponse) *providerData {
	t.Helper()
	data, ok := resp.ResourceData.(*providerData)
	if !ok || data == nil {
		t.Fatalf("ResourceData = %#v, want *providerData", resp.ResourceData)
	}
	if resp.DataSourceData != resp.ResourceData {
		t.Error("DataSourceData differs from ResourceData")
	}
	return data
}

func TestConfigureInsecureWarns(t *testing.T) {
	clearEnv(t)
	resp := configureWith(t, map[string]any{
		"insecure_ignore_host_key": true,
		"private_key":              testPrivateKey(t, ""),
	})
	if resp.Diagnostics.HasError() {
		t.Fatalf("errors: %v", resp.Diagnostics)
	}
	warnings := onPath(resp.Diagnostics, diag.SeverityWarning, "insecure_ignore_host_key")
	if len(warnings) != 1 || resp.Diagnostics.WarningsCount() != 1 {
		t.Fatalf("diagnostics = %v, want one warning on insecure_ignore_host_key", resp.Diagnostics)
	}
	text := strings.ToLower(warnings[0].Summary() + " " + warnings[0].Detail())
	for _, w := range []string{"host key", "impersonate", "known_hosts_file", "host_key"} {
		if !strings.Contains(text, w) {
			t.Errorf("warning %q does not mention %q", text, w)
		}
	}
	if data := wantData(t, resp); data.host == nil || data.unknown {
		t.Errorf("providerData = %+v, want a pool", data)
	}
}

func TestConfigureInsecureFromEnvironmentWarns(t *testing.T) {
	clearEnv(t)
	t.Setenv(envInsecureIgnoreHostKey, "true")
	t.Setenv(envPrivateKey, testPrivateKey(t, ""))
	resp := configureWith(t, nil)
	if resp.Diagnostics.HasError() {
		t.Fatalf("errors: %v", resp.Diagnostics)
	}
	if len(onPath(resp.Diagnostics, diag.SeverityWarning, "insecure_ignore_host_key")) != 1 {
		t.Errorf("diagnostics = %v, want the insecure warning", resp.Diagnostics)
	}
}

func TestConfigureSecureDoesNotWarn(t *testing.T) {
	tests := []struct {
		what string
		env  map[string]string
		set  func(t *testing.T) map[string]any
	}{
		{"known_hosts_file", nil, func(t *testing.T) map[string]any {
			return map[string]any{
				"insecure_ignore_host_key": false,
				"known_hosts_file":         filepath.Join(t.TempDir(), "known_hosts"),
				"private_key":              testPrivateKey(t, ""),
			}
		}},
		{"host_key", nil, func(t *testing.T) map[string]any {
			return map[string]any{"host_key": testHostKey(t), "password": "pw"}
		}},
		// The configuration wins over the environment.
		{"false over the environment", map[string]string{envInsecureIgnoreHostKey: "true"}, func(t *testing.T) map[string]any {
			return map[string]any{"insecure_ignore_host_key": false, "password": "pw"}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.what, func(t *testing.T) {
			useEnv(t, tt.env)
			resp := configureWith(t, tt.set(t))
			if len(resp.Diagnostics) != 0 {
				t.Fatalf("diagnostics = %v, want none", resp.Diagnostics)
			}
			if data := wantData(t, resp); data.host == nil {
				t.Error("no pool")
			}
		})
	}
}

func TestConfigureErrors(t *testing.T) {
	tests := []struct {
		what    string
		env     map[string]string
		set     func(t *testing.T) map[string]any
		attr    string
		mention string
	}{
		{"invalid timeout", nil, func(t *testing.T) map[string]any {
			return map[string]any{"timeout": "abc", "password": "pw"}
		}, "timeout", `"abc"`},
		{"invalid timeout from the environment", map[string]string{envTimeout: "-1s"}, func(t *testing.T) map[string]any {
			return map[string]any{"password": "pw"}
		}, "timeout", `"-1s"`},
		{"encrypted key without passphrase", nil, func(t *testing.T) map[string]any {
			return map[string]any{"private_key": testPrivateKey(t, "s3cret")}
		}, "private_key_passphrase", "encrypted"},
		{"wrong passphrase", nil, func(t *testing.T) map[string]any {
			return map[string]any{"private_key": testPrivateKey(t, "s3cret"), "private_key_passphrase": "nope"}
		}, "private_key_passphrase", "does not decrypt"},
		{"garbage key", nil, func(t *testing.T) map[string]any {
			return map[string]any{"private_key": "not a key"}
		}, "private_key", "cannot parse"},
		{"no authentication", nil, func(t *testing.T) map[string]any {
			return map[string]any{}
		}, "private_key", "no way to authenticate"},
		{"agent without SSH_AUTH_SOCK", nil, func(t *testing.T) map[string]any {
			return map[string]any{"agent": true}
		}, "agent", "SSH_AUTH_SOCK"},
		{"bad agent variable", map[string]string{envAgent: "maybe"}, func(t *testing.T) map[string]any {
			return map[string]any{"password": "pw"}
		}, "agent", envAgent},
		{"bad insecure variable", map[string]string{envInsecureIgnoreHostKey: "yes please"}, func(t *testing.T) map[string]any {
			return map[string]any{"password": "pw"}
		}, "insecure_ignore_host_key", envInsecureIgnoreHostKey},
		{"bad host_key", nil, func(t *testing.T) map[string]any {
			return map[string]any{"host_key": "ssh-ed25519 AAAA", "password": "pw"}
		}, "host_key", "authorized_keys"},
		{"bad port variable", map[string]string{envPort: "ssh"}, func(t *testing.T) map[string]any {
			return map[string]any{"password": "pw"}
		}, "port", envPort},
		{"port variable out of range", map[string]string{envPort: "70000"}, func(t *testing.T) map[string]any {
			return map[string]any{"password": "pw"}
		}, "port", "1-65535"},
		{"host variable with a port", map[string]string{envHost: "web1:22"}, func(t *testing.T) map[string]any {
			return map[string]any{"password": "pw"}
		}, "host", envHost},
		{"empty user", nil, func(t *testing.T) map[string]any {
			return map[string]any{"user": "", "password": "pw"}
		}, "user", "empty"},
		{"proxy of an unknown scheme", nil, func(t *testing.T) map[string]any {
			return map[string]any{"proxy": "ftp://proxy.example:21", "password": "pw"}
		}, "proxy", `the scheme "ftp" is not a proxy this provider speaks`},
		{"ALL_PROXY of an unknown scheme", map[string]string{"ALL_PROXY": "gopher://p"}, func(t *testing.T) map[string]any {
			return map[string]any{"password": "pw"}
		}, "proxy", `the scheme "gopher"`},
		{"insecure and a pinned key", nil, func(t *testing.T) map[string]any {
			return map[string]any{"insecure_ignore_host_key": true, "host_key": testHostKey(t), "password": "pw"}
		}, "insecure_ignore_host_key", "host_key"},
	}
	for _, tt := range tests {
		t.Run(tt.what, func(t *testing.T) {
			useEnv(t, tt.env)
			resp := configureWith(t, tt.set(t))
			errs := onPath(resp.Diagnostics, diag.SeverityError, tt.attr)
			if len(errs) != 1 {
				t.Fatalf("diagnostics = %v, want one error on %s", resp.Diagnostics, tt.attr)
			}
			if !strings.Contains(errs[0].Detail(), tt.mention) {
				t.Errorf("detail %q does not mention %q", errs[0].Detail(), tt.mention)
			}
			for _, d := range resp.Diagnostics {
				if strings.Contains(d.Detail(), "PRIVATE KEY") || strings.Contains(d.Detail(), "s3cret") {
					t.Errorf("diagnostic leaks a secret: %q", d.Detail())
				}
			}
			// Resources must not get a half-configured provider.
			if resp.ResourceData != nil {
				t.Errorf("ResourceData = %#v despite the error", resp.ResourceData)
			}
		})
	}
}

func TestConfigureResolvesTargets(t *testing.T) {
	tests := []struct {
		what     string
		env      map[string]string
		set      map[string]any
		wantHost string
		wantPort int
	}{
		{"defaults", nil, map[string]any{}, "", 22},
		{"attributes", nil, map[string]any{"host": "web1", "port": int64(2222)}, "web1", 2222},
		{"environment", map[string]string{envHost: "[::1]", envPort: "2200"}, map[string]any{}, "[::1]", 2200},
		{"attributes over environment", map[string]string{envHost: "envhost", envPort: "2200"},
			map[string]any{"host": "web1", "port": int64(2222)}, "web1", 2222},
	}
	for _, tt := range tests {
		t.Run(tt.what, func(t *testing.T) {
			useEnv(t, map[string]string{envPassword: "pw"}, tt.env)
			resp := configureWith(t, tt.set)
			if len(resp.Diagnostics) != 0 {
				t.Fatalf("diagnostics = %v", resp.Diagnostics)
			}
			data := wantData(t, resp)
			if data.defaultHost != tt.wantHost || data.port != tt.wantPort {
				t.Errorf("host, port = %q, %d; want %q, %d", data.defaultHost, data.port, tt.wantHost, tt.wantPort)
			}
		})
	}
}

func TestConfigureUnknownDefers(t *testing.T) {
	// A provider configured from values known only after apply (another
	// resource's output) cannot connect yet; resources plan unknown ids.
	clearEnv(t)
	resp := configureWith(t, map[string]any{"host": tftypes.UnknownValue, "password": "pw"})
	if len(resp.Diagnostics) != 0 {
		t.Fatalf("diagnostics = %v", resp.Diagnostics)
	}
	if data := wantData(t, resp); !data.unknown || data.host != nil {
		t.Errorf("providerData = %+v, want unknown without a pool", data)
	}
}

func TestParseTimeout(t *testing.T) {
	for _, s := range []string{"30s", "2m", "1500ms"} {
		if d, err := parseTimeout(s); err != nil || d <= 0 {
			t.Errorf("parseTimeout(%q) = %v, %v", s, d, err)
		}
	}
	for _, s := range []string{"", "abc", "0", "0s", "-1s", "30"} {
		if d, err := parseTimeout(s); err == nil {
			t.Errorf("parseTimeout(%q) = %v, want an error", s, d)
		}
	}
}

func TestExpandHome(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	tests := []struct{ in, want string }{
		{"~/.ssh/known_hosts", home + "/.ssh/known_hosts"},
		{"/etc/ssh/ssh_known_hosts", "/etc/ssh/ssh_known_hosts"},
		{"~other/known_hosts", "~other/known_hosts"}, // only the user's own home
		{"~", "~"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := expandHome(tt.in); got != tt.want {
			t.Errorf("expandHome(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
