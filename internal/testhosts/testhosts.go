// Package testhosts gives acceptance tests the hosts that scripts/testhosts
// booted: real systemd as PID 1 in systemd-nspawn containers, reached through
// real OpenSSH. It reads the TESTHOSTS_* variables the script exports.
package testhosts

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Host is one booted test host.
type Host struct {
	Addr  string // 127.0.0.1:PORT
	IP    string
	Port  int
	Index int // 1-based, as in the harness's state directory (hostN)
}

// Env is what the harness wrote for the tests.
type Env struct {
	Hosts            []Host
	KeyFile          string // client private key, authorized for root, deploy, operator and sysop
	KnownHostsFile   string // every host's real keys
	SSHConfigFile    string // the harness's ssh client options (ssh -F), with KeyFile and KnownHostsFile
	OperatorPassword string // sudo password of the operator user
	CertKeyFile      string // a client key in no authorized_keys file…
	CertFile         string // …whose certificate, from a CA every host trusts, logs in as root, deploy, operator or sysop
	HostCAFile       string // the public key of the CA that signed every host's ed25519 host key, for 127.0.0.1
	LingerUser       string // a user whose user manager runs from boot
	SysopUser        string // a user whose only sudo right is systemctl, without a password (SYSTEMCTL_INSTALL_CLIENT_SIDE kept)
	Release          string // the hosts' Debian release: bullseye, bookworm, trixie or sid
	SystemdVersion   int    // the hosts' systemd, as `systemctl --version` numbers it (252 on bookworm)
	StateDir         string // the harness's state directory
}

// PrivateKey returns the client key's contents.
func (e Env) PrivateKey(t testing.TB) string {
	t.Helper()
	b, err := os.ReadFile(e.KeyFile)
	if err != nil {
		t.Fatalf("reading the test client key: %v", err)
	}
	return string(b)
}

// Require returns the booted hosts, and fails the test when there are none:
// under TF_ACC an acceptance test without hosts must fail, never skip. The
// caller has already checked TF_ACC (resource.Test does, or SkipUnlessAcc).
func Require(t testing.TB, n int) Env {
	t.Helper()
	env, err := load()
	if err != nil {
		t.Fatalf("acceptance tests need booted test hosts (run them with `make testacc`, which boots them with scripts/testhosts): %v", err)
	}
	if len(env.Hosts) < n {
		t.Fatalf("this test needs %d test hosts, the harness booted %d (HOSTS=%d make testacc)", n, len(env.Hosts), n)
	}
	return env
}

// SkipUnlessAcc skips tests that are acceptance tests outside TF_ACC, as
// terraform-plugin-testing does for resource.Test.
func SkipUnlessAcc(t testing.TB) {
	t.Helper()
	if os.Getenv("TF_ACC") == "" {
		t.Skip("acceptance test: set TF_ACC=1 and boot test hosts (make testacc)")
	}
}

func load() (Env, error) { return loadFrom(os.Getenv) }

func loadFrom(getenv func(string) string) (Env, error) {
	var env Env
	list := getenv("TESTHOSTS_HOSTS")
	if list == "" {
		return env, fmt.Errorf("TESTHOSTS_HOSTS is not set")
	}
	for _, addr := range strings.Split(list, ",") {
		ip, portText, ok := strings.Cut(addr, ":")
		port, err := strconv.Atoi(portText)
		if !ok || err != nil {
			return env, fmt.Errorf("TESTHOSTS_HOSTS: %q is not IP:PORT", addr)
		}
		env.Hosts = append(env.Hosts, Host{Addr: addr, IP: ip, Port: port, Index: len(env.Hosts) + 1})
	}
	env.KeyFile = getenv("TESTHOSTS_SSH_KEY")
	env.KnownHostsFile = getenv("TESTHOSTS_KNOWN_HOSTS")
	env.SSHConfigFile = getenv("TESTHOSTS_SSH_CONFIG")
	env.OperatorPassword = getenv("TESTHOSTS_OPERATOR_PASSWORD")
	env.CertKeyFile = getenv("TESTHOSTS_CERT_KEY")
	env.CertFile = getenv("TESTHOSTS_CERT")
	env.HostCAFile = getenv("TESTHOSTS_HOST_CA")
	env.LingerUser = getenv("TESTHOSTS_LINGER_USER")
	env.SysopUser = getenv("TESTHOSTS_SYSOP_USER")
	env.Release = getenv("TESTHOSTS_RELEASE")
	if v := getenv("TESTHOSTS_SYSTEMD_VERSION"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return env, fmt.Errorf("TESTHOSTS_SYSTEMD_VERSION: %q is not a number", v)
		}
		env.SystemdVersion = n
	}
	env.StateDir = getenv("TESTHOSTS_STATE")
	for name, v := range map[string]string{"TESTHOSTS_SSH_KEY": env.KeyFile, "TESTHOSTS_KNOWN_HOSTS": env.KnownHostsFile, "TESTHOSTS_SSH_CONFIG": env.SSHConfigFile} {
		if _, err := os.Stat(v); err != nil {
			return env, fmt.Errorf("%s: %v", name, err)
		}
	}
	return env, nil
}

// Run runs a shell command on h as root through the real ssh client, for
// checks and for changes made behind Terraform's back.
func (e Env) Run(h Host, command string) (stdout, stderr string, err error) {
	return e.RunAs(h, "root", command)
}

// RunAs is Run as another user.
//
// The commands of one user on one host share an OpenSSH master connection
// (ControlMaster), as an operator's ssh would: a login per command cost
// the hosts more CPU (sshd, PAM, logind and PID 1 making a session scope)
// than everything the provider does there. A master lost with its host
// (a reboot, sshd killed) is replaced by the next command.
func (e Env) RunAs(h Host, user, command string) (stdout, stderr string, err error) {
	args := []string{"-F", e.SSHConfigFile, "-p", strconv.Itoa(h.Port), "-o", "ConnectTimeout=10"}
	if e.StateDir != "" {
		// The hosts' state directory goes with them, and so do the
		// masters, whose connections end when the hosts stop.
		args = append(args, "-o", "ControlMaster=auto", "-o", "ControlPath="+filepath.Join(e.StateDir, "cm-%p-%r"), "-o", "ControlPersist=10")
	}
	cmd := exec.Command("ssh", append(args, user+"@"+h.IP, command)...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Start(); err != nil {
		return "", "", err
	}
	var waitErr error
	exited := make(chan struct{})
	go func() { waitErr = cmd.Wait(); close(exited) }()
	select {
	case <-exited:
		err = waitErr
	case <-time.After(60 * time.Second):
		_ = cmd.Process.Kill()
		err = fmt.Errorf("ssh %s %q: no answer in 60 s", h.Addr, command)
		// Wait for out and errOut to be complete; the killed ssh's exit
		// status says no more than err.
		<-exited
	}
	return out.String(), errOut.String(), err
}

// MustRun is Run that fails the test on error.
func (e Env) MustRun(t testing.TB, h Host, command string) string {
	t.Helper()
	out, errOut, err := e.Run(h, command)
	if err != nil {
		t.Fatalf("on %s: `%s`: %v\nstdout: %s\nstderr: %s", h.Addr, command, err, out, errOut)
	}
	return out
}

// Reboot reboots h (`systemctl reboot`: systemd-nspawn exits with 133 and
// the harness boots it again on the same overlay, port and keys) and waits
// until it runs again, with a new boot id.
func (e Env) Reboot(t testing.TB, h Host) {
	t.Helper()
	bootID := func() string {
		out, _, err := e.Run(h, "cat /proc/sys/kernel/random/boot_id")
		if err != nil {
			return ""
		}
		return strings.TrimSpace(out)
	}
	before := bootID()
	if before == "" {
		t.Fatalf("%s: cannot read the boot id before rebooting", h.Addr)
	}
	_, _, _ = e.Run(h, "systemctl reboot")
	deadline := time.Now().Add(120 * time.Second)
	for time.Now().Before(deadline) {
		if id := bootID(); id != "" && id != before {
			out, _, _ := e.Run(h, "systemctl is-system-running --wait")
			if s := strings.TrimSpace(out); s == "running" || s == "degraded" {
				return
			}
		}
		time.Sleep(500 * time.Millisecond)
	}
	t.Fatalf("%s did not come back from a reboot within 120 s", h.Addr)
}
