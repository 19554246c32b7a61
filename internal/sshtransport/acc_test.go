package sshtransport

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/systemd-tf/terraform-provider-systemd/internal/systemd"
	"github.com/systemd-tf/terraform-provider-systemd/internal/testhosts"
)

// These acceptance tests run the Pool against a booted host's real OpenSSH
// and sudo (TF_ACC=1, hosts from scripts/testhosts).

// accPool is a pool logging in to the host behind proxy as user.
func accPool(t *testing.T, env testhosts.Env, h testhosts.Host, proxy *testhosts.Proxy, user string, edit func(*Config)) *Pool {
	t.Helper()
	cfg := Config{
		User:           user,
		PrivateKey:     env.PrivateKey(t),
		KnownHostsFile: env.KnownHostsFor(t, h, proxy),
		Timeout:        3 * time.Second,
	}
	if edit != nil {
		edit(&cfg)
	}
	return newTestPool(t, cfg)
}

// sshConnection runs a command that prints the connection it came in on
// (the proxy's port toward sshd tells connections apart) and its locale.
func sshConnection(ctx context.Context, r systemd.Runner) (string, error) {
	res, err := r.Run(ctx, systemd.Command{Argv: []string{"sh", "-c", `printf '%s|%s\n' "$SSH_CONNECTION" "$LC_ALL"`}})
	if err != nil {
		return "", err
	}
	if res.ExitCode != 0 {
		return "", fmt.Errorf("exit status %d: %s", res.ExitCode, res.Stderr)
	}
	return strings.TrimSpace(string(res.Stdout)), nil
}

// The path to a pooled connection starts dropping every packet between two
// commands. After the idle threshold, the next command's keepalive goes
// unanswered: it runs on a fresh connection when the host can still be
// reached, and fails naming the timeout when it cannot, within about
// `timeout` either way, never TCP's minutes. A connection that dies while in
// use (too recently for a keepalive) costs one `timeout`, and the command
// after it runs on a fresh connection.
func TestAccPool_silentPath(t *testing.T) {
	testhosts.SkipUnlessAcc(t)
	env := testhosts.Require(t, 1)
	h := env.Hosts[0]
	const margin = 3 * time.Second // timeout 3s: every case under 6s

	t.Run("idle, new connections pass", func(t *testing.T) {
		t.Parallel()
		proxy := testhosts.StartProxy(t, h)
		p := accPool(t, env, h, proxy, "root", nil)
		r := p.Runner(proxy.Addr)
		first, err := sshConnection(context.Background(), r)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasSuffix(first, "|C") {
			t.Errorf("the command's LC_ALL is not C: %q", first)
		}
		proxy.Silence()
		time.Sleep(keepaliveAfter + 500*time.Millisecond)
		start := time.Now()
		second, err := sshConnection(context.Background(), r)
		elapsed := time.Since(start)
		t.Logf("after the path went silent, the next command ran in %s on a fresh connection (%q, then %q)", elapsed.Round(time.Millisecond), first, second)
		if err != nil {
			t.Fatalf("the next command failed: %v", err)
		}
		if second == first {
			t.Errorf("the next command ran on the silent connection (%q)", second)
		}
		if limit := p.cfg.Timeout + margin; elapsed > limit {
			t.Errorf("the next command took %s, want under %s", elapsed, limit)
		}
	})

	t.Run("idle, host unreachable", func(t *testing.T) {
		t.Parallel()
		proxy := testhosts.StartProxy(t, h)
		p := accPool(t, env, h, proxy, "root", nil)
		r := p.Runner(proxy.Addr)
		if _, err := sshConnection(context.Background(), r); err != nil {
			t.Fatal(err)
		}
		proxy.Silence()
		proxy.SilenceNew()
		time.Sleep(keepaliveAfter + 500*time.Millisecond)
		start := time.Now()
		_, err := sshConnection(context.Background(), r)
		elapsed := time.Since(start)
		t.Logf("after the path went silent, with no new path, the next command failed in %s: %v", elapsed.Round(time.Millisecond), err)
		wantHostError(t, err, "timeout", "within 3s")
		if limit := p.cfg.Timeout + margin; elapsed > limit {
			t.Errorf("the next command took %s to fail, want under %s", elapsed, limit)
		}
	})

	t.Run("in use", func(t *testing.T) {
		t.Parallel()
		proxy := testhosts.StartProxy(t, h)
		p := accPool(t, env, h, proxy, "root", nil)
		r := p.Runner(proxy.Addr)
		first, err := sshConnection(context.Background(), r)
		if err != nil {
			t.Fatal(err)
		}
		proxy.Silence()
		start := time.Now()
		_, err = sshConnection(context.Background(), r)
		elapsed := time.Since(start)
		t.Logf("right after the path went silent, the next command failed in %s: %v", elapsed.Round(time.Millisecond), err)
		he := asHostError(t, err, "timeout", "opening an SSH session", "within 3s")
		if !he.Transient {
			t.Error("a session that never opened is not marked transient")
		}
		if limit := p.cfg.Timeout + margin; elapsed > limit {
			t.Errorf("the command took %s to fail, want under %s", elapsed, limit)
		}
		start = time.Now()
		third, err := sshConnection(context.Background(), r)
		t.Logf("the command after it ran in %s", time.Since(start).Round(time.Millisecond))
		if err != nil {
			t.Fatalf("the command after it failed: %v", err)
		}
		if third == first {
			t.Errorf("the command after it ran on the silent connection (%q)", third)
		}
	})
}

// The sudo contract with real sudo: the transport adds no sudo; a
// privileged command's script runs it and finds the password on its
// standard input, other commands find an empty one; sudo's refusals,
// forwarded with exit status 1, are recognised.
func TestAccPool_sudo(t *testing.T) {
	testhosts.SkipUnlessAcc(t)
	env := testhosts.Require(t, 1)
	h := env.Hosts[0]
	proxy := testhosts.StartProxy(t, h)
	// As the engine's scripts run it: sudo for one command, its failure
	// ending the script with status 1.
	sudoID := func(flags string) systemd.Command {
		return systemd.Command{Argv: []string{"sh", "-c", "sudo " + flags + " id -u || exit 1"}, Privileged: true}
	}
	readStdin := systemd.Command{Argv: []string{"sh", "-c", "cat; echo end"}}
	tests := []struct {
		what      string
		user      string
		edit      func(*Config)
		cmd       systemd.Command
		stdout    string // when it succeeds
		attribute string // when sudo refuses
		mention   string
	}{
		{"password on stdin", "operator", func(c *Config) { c.SudoPassword = env.OperatorPassword }, sudoID("-S -p ''"), "0\n", "", ""},
		{"no password needed", "deploy", func(c *Config) { c.Sudo = true }, sudoID("-n"), "0\n", "", ""},
		{"unprivileged command, empty stdin", "operator", func(c *Config) { c.SudoPassword = env.OperatorPassword }, readStdin, "end\n", "", ""},
		{"wrong password", "operator", func(c *Config) { c.SudoPassword = "not-the-password" }, sudoID("-S -p ''"), "", "sudo password", "sudo rejected the sudo password"},
		{"password missing", "operator", func(c *Config) { c.Sudo = true }, sudoID("-n"), "", "sudo password", "sudo needs a password"},
		{"privileged without sudo", "operator", nil, sudoID("-n"), "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.what, func(t *testing.T) {
			p := accPool(t, env, h, proxy, tt.user, tt.edit)
			res, err := p.Runner(proxy.Addr).Run(context.Background(), tt.cmd)
			switch {
			case tt.attribute != "":
				wantHostError(t, err, tt.attribute, tt.mention)
				t.Logf("%v", err)
				if p.cfg.SudoPassword != "" && strings.Contains(err.Error(), p.cfg.SudoPassword) {
					t.Errorf("the error shows the sudo password: %v", err)
				}
			case tt.stdout == "":
				// No sudo configured: sudo's refusal is the caller's to read.
				if err != nil || res.ExitCode != 1 || !strings.Contains(string(res.Stderr), "a password is required") {
					t.Errorf("Run = %+v, %v; want exit 1 with sudo's stderr", res, err)
				}
			default:
				if err != nil || res.ExitCode != 0 || string(res.Stdout) != tt.stdout {
					t.Errorf("Run = %q (stderr %q, exit %d), %v; want %q", res.Stdout, res.Stderr, res.ExitCode, err, tt.stdout)
				}
			}
		})
	}
}
