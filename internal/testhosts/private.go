package testhosts

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// bootMu serialises boots from this process: the harness picks free ports
// one host at a time.
var bootMu sync.Mutex

// BootPrivate boots a host of the test's own, for faults that would disturb
// other tests on a shared host (killing sshd, rebooting). It runs the same
// Debian release as the shared hosts and is stopped when the test ends.
func BootPrivate(t testing.TB) Env {
	t.Helper()
	return BootPrivateWith(t, PrivateOptions{})
}

// PrivateOptions are what a private host may have that the shared hosts
// do not.
type PrivateOptions struct {
	// InitArgs are kernel-style arguments for the container's PID 1, such
	// as "systemd.mask=foo.service" (read by systemd and its generators as
	// from a kernel command line). None may contain white space.
	InitArgs []string
	// Release is the Debian suite the host runs (bullseye, bookworm,
	// trixie, sid); empty is the shared hosts' (TESTHOSTS_RELEASE).
	Release string
}

// BootPrivateWith is BootPrivate for a host booted with opts.
func BootPrivateWith(t testing.TB, opts PrivateOptions) Env {
	t.Helper()
	for _, arg := range opts.InitArgs {
		if arg == "" || strings.ContainsAny(arg, " \t\n") {
			t.Fatalf("PrivateOptions.InitArgs: %q is empty or has white space", arg)
		}
	}
	// The harness reads its options from its environment; the ones that
	// are not set here come from the test's (the shared hosts' env file).
	harnessEnv := append(os.Environ(), "TESTHOSTS_INIT_ARGS="+strings.Join(opts.InitArgs, " "))
	if opts.Release != "" {
		harnessEnv = append(harnessEnv, "TESTHOSTS_RELEASE="+opts.Release)
	}
	_, file, _, _ := runtime.Caller(0)
	script := filepath.Join(filepath.Dir(file), "..", "..", "scripts", "testhosts")
	var (
		state string
		out   []byte
		err   error
	)
	// A boot that fails (seen once in CI, under load, without a cause in
	// the output) is logged and tried once more on a fresh overlay.
	for try := 1; try <= 2; try++ {
		state = filepath.Join(os.TempDir(), fmt.Sprintf("testhosts-private-%d-%d", os.Getpid(), time.Now().UnixNano()))
		bootMu.Lock()
		up := exec.Command(script, "up", "1", state)
		up.Env = harnessEnv
		out, err = up.CombinedOutput()
		bootMu.Unlock()
		if err == nil {
			break
		}
		t.Logf("booting a private host, try %d: %v\n%s", try, err, out)
		if downOut, downErr := exec.Command(script, "down", state).CombinedOutput(); downErr != nil {
			t.Logf("stopping the failed host: %v\n%s", downErr, downOut)
		}
	}
	if err != nil {
		t.Fatalf("booting a private host failed twice: %v\n%s", err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command(script, "down", state).CombinedOutput(); err != nil {
			t.Errorf("stopping the private host: %v\n%s", err, out)
		}
	})
	vars, err := readEnvFile(filepath.Join(state, "env"))
	if err != nil {
		t.Fatal(err)
	}
	env, err := loadFrom(func(k string) string { return vars[k] })
	if err != nil {
		t.Fatal(err)
	}
	return env
}

// readEnvFile reads the harness's `export K='V'` lines.
func readEnvFile(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	vars := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimPrefix(strings.TrimSpace(sc.Text()), "export ")
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		vars[k] = strings.Trim(v, "'")
	}
	return vars, sc.Err()
}

// Console runs a shell command inside h as root without SSH, entering the
// container's namespaces from the machine: for when sshd itself is down.
func (e Env) Console(h Host, command string) (string, error) {
	pidText, err := os.ReadFile(filepath.Join(e.StateDir, "host"+strconv.Itoa(h.Index), "pid"))
	if err != nil {
		return "", err
	}
	// pid file → the harness's boot loop → systemd-nspawn → the container's PID 1.
	pid := strings.TrimSpace(string(pidText))
	for i := 0; i < 2; i++ {
		out, err := exec.Command("pgrep", "-P", pid).Output()
		if err != nil {
			return "", fmt.Errorf("finding the container of %s: %v", h.Addr, err)
		}
		pid = strings.Fields(string(out))[0]
	}
	out, err := exec.Command("nsenter", "-t", pid, "-m", "-u", "-i", "-p", "--", "/bin/sh", "-c", command).CombinedOutput()
	return string(out), err
}
