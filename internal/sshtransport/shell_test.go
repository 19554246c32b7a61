package sshtransport

import (
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/systemd-tf/terraform-provider-systemd/internal/systemd"
)

// runReal runs an exec request's line with this machine's sh, its stdin,
// stdout and stderr the channel's, as sshd would: the long-lived shell's
// tests need a real shell at the other end.
func (s *fakeServer) runReal(user, line string, ch ssh.Channel, before []string) {
	s.mu.Lock()
	s.execs = append(s.execs, execRecord{user: user, line: line, requests: before})
	s.mu.Unlock()
	cmd := exec.Command("sh", "-c", line)
	cmd.Stdout, cmd.Stderr = ch, ch.Stderr()
	// Stdin is copied by hand: exec.Cmd would wait for a copy from the
	// channel, which blocks until the client writes or closes.
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return
	}
	if err := cmd.Start(); err != nil {
		return
	}
	go func() {
		_, _ = io.Copy(stdin, ch)
		_ = stdin.Close()
	}()
	_ = cmd.Wait()
	if cmd.ProcessState == nil {
		return
	}
	status := cmd.ProcessState.ExitCode()
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		status = 128 + int(ws.Signal())
	}
	_, _ = ch.SendRequest("exit-status", false, ssh.Marshal(struct{ Status uint32 }{uint32(status)}))
}

// shellServer is a fake server whose exec requests run in a real sh, and a
// Config for it with long-lived shells on.
func shellSetup(t *testing.T) (*fakeServer, Config) {
	t.Helper()
	priv, pub := newClientKey(t)
	s := startServer(t, pub)
	s.realShell.Store(true)
	cfg := clientSetup(t, s, priv)
	cfg.SessionPerCommand = false
	return s, cfg
}

// shellsStarted counts the long-lived shells s was asked to start.
func shellsStarted(s *fakeServer) int {
	n := 0
	for _, r := range s.records() {
		if strings.Contains(r.line, "systemd-tf-shell") {
			n++
		}
	}
	return n
}

// shellCount is how many shells p has for addr, idle and in all.
func (p *Pool) shellCount(addr string) (idle, all int) {
	hc := p.host(addr)
	hc.shells.mu.Lock()
	defer hc.shells.mu.Unlock()
	return len(hc.shells.idle), hc.shells.n
}

// script is a servable command: `sh -c SCRIPT NAME ARGS…`.
func script(text string, args ...string) systemd.Command {
	return systemd.Command{Argv: append([]string{"sh", "-c", text, "test"}, args...), Servable: true}
}

// One long-lived shell runs every servable command, with each command's
// own stdout, stderr, exit status and arguments, exactly as a session of
// its own would.
func TestShellRunsCommands(t *testing.T) {
	s, cfg := shellSetup(t)
	ctx := context.Background()
	shellPool := newTestPool(t, cfg)
	cfg.SessionPerCommand = true
	sessionPool := newTestPool(t, cfg)
	big := strings.Repeat("0123456789abcdef", 4<<10)
	tests := []struct {
		what string
		cmd  systemd.Command
	}{
		{"arguments", script(`printf '[%s]' "$#" "$@"; echo`, "a b", "", `it's "q" \n $(x) *`, "ünï", " lead", "trail ")},
		{"no newline at the end, stderr, status", script(`printf out; printf 'e1\ne2\n' >&2; exit 3`)},
		{"large output", script(`printf '%s' "$1"; printf '%s' "$1" >&2`, big)},
		{"exit in a function", script("f() { echo in; exit 4; }\nf\necho never")},
		{"variables do not survive", script(`echo "x=${x-unset}"; x=1`)},
		{"stdin is empty", script(`if read -r l; then echo "read $l"; else echo none; fi`)},
	}
	for _, tt := range tests {
		t.Run(tt.what, func(t *testing.T) {
			for try := 0; try < 2; try++ {
				got, err := shellPool.Runner(s.addr).Run(ctx, tt.cmd)
				if err != nil {
					t.Fatal(err)
				}
				want, err := sessionPool.Runner(s.addr).Run(ctx, tt.cmd)
				if err != nil {
					t.Fatal(err)
				}
				if string(got.Stdout) != string(want.Stdout) || strings.TrimRight(string(got.Stderr), "\n") != strings.TrimRight(string(want.Stderr), "\n") || got.ExitCode != want.ExitCode {
					t.Errorf("in the shell: %q %q %d; in a session: %q %q %d", excerpt(string(got.Stdout)), excerpt(string(got.Stderr)), got.ExitCode,
						excerpt(string(want.Stdout)), excerpt(string(want.Stderr)), want.ExitCode)
				}
			}
		})
	}
	if idle, all := shellPool.shellCount(s.addr); idle != 1 || all != 1 {
		t.Errorf("%d shells, %d idle; want one", all, idle)
	}
	if n := shellsStarted(s); n != 1 {
		t.Errorf("%d long-lived shells started, want 1", n)
	}
	// A command that is not servable, or has an argument with a newline,
	// runs in a session of its own.
	before := len(s.records())
	for _, cmd := range []systemd.Command{{Argv: []string{"echo", "hi"}}, script(`echo "$1"`, "two\nlines")} {
		res, err := shellPool.Runner(s.addr).Run(ctx, cmd)
		if err != nil || !strings.HasPrefix(string(res.Stdout), strings.Fields(cmd.Argv[len(cmd.Argv)-1])[0]) {
			t.Errorf("%q: %q, %v", cmd.Argv, res.Stdout, err)
		}
	}
	if n := len(s.records()) - before; n != 2 {
		t.Errorf("%d sessions for two commands that a shell cannot run, want 2", n)
	}
}

// The sudo password goes to the shell once, and only a privileged command
// reads it, as its first line of stdin; it is never on a command line.
func TestShellSudoPassword(t *testing.T) {
	s, cfg := shellSetup(t)
	const password = "hunter2 'quoted' $(x) \\n"
	cfg.SudoPassword = password
	p := newTestPool(t, cfg)
	ctx := context.Background()
	read := `if IFS= read -r l; then printf '%s' "$l"; else printf none; fi`
	for _, tt := range []struct {
		privileged bool
		want       string
	}{{false, "none"}, {true, password}, {true, password}, {false, "none"}} {
		cmd := script(read)
		cmd.Privileged = tt.privileged
		res, err := p.Runner(s.addr).Run(ctx, cmd)
		if err != nil {
			t.Fatal(err)
		}
		if string(res.Stdout) != tt.want {
			t.Errorf("privileged %v: stdin %q, want %q", tt.privileged, res.Stdout, tt.want)
		}
	}
	for _, r := range s.records() {
		if strings.Contains(r.line, "hunter2") {
			t.Errorf("the password is on a command line: %q", r.line)
		}
	}
}

// A shell killed between two commands, or in the middle of one, is
// replaced, and the command in flight runs again in the new one: every
// command this provider runs is idempotent.
func TestShellReplacedWhenKilled(t *testing.T) {
	s, cfg := shellSetup(t)
	cfg.Timeout = 5 * time.Second
	p := newTestPool(t, cfg)
	ctx := context.Background()
	run := func(cmd systemd.Command) string {
		t.Helper()
		res, err := p.Runner(s.addr).Run(ctx, cmd)
		if err != nil {
			t.Fatal(err)
		}
		return string(res.Stdout)
	}
	// $$ is the long-lived shell's own pid, also in the subshell that
	// runs each command.
	pid, err := strconv.Atoi(strings.TrimSpace(run(script(`echo $$`))))
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if got := run(script(`echo after`)); got != "after\n" {
		t.Errorf("after the shell was killed between commands: %q", got)
	}
	marker := filepath.Join(t.TempDir(), "killed")
	if got := run(script(`if [ ! -e "$1" ]; then : >"$1"; kill -9 $$; exit 0; fi; echo survived`, marker)); got != "survived\n" {
		t.Errorf("after the shell was killed in the middle of a command: %q", got)
	}
	if _, err := os.Stat(marker); err != nil {
		t.Errorf("the first try never ran: %v", err)
	}
	if n := shellsStarted(s); n != 3 {
		t.Errorf("%d shells started, want 3 (the first, and one after each kill)", n)
	}
	if _, all := p.shellCount(s.addr); all != 1 {
		t.Errorf("%d shells alive, want 1", all)
	}
}

// A command that outlives `timeout` fails as it does in a session (it may
// have run), and the next one gets a new shell.
func TestShellTimeout(t *testing.T) {
	s, cfg := shellSetup(t)
	cfg.Timeout = 500 * time.Millisecond
	p := newTestPool(t, cfg)
	ctx := context.Background()
	_, err := p.Runner(s.addr).Run(ctx, script(`sleep 2`))
	he := asHostError(t, err, "timeout", "did not finish within 500ms")
	if !he.MayHaveRun() {
		t.Error("a command that timed out may have run")
	}
	res, err := p.Runner(s.addr).Run(ctx, script(`echo next`))
	if err != nil || string(res.Stdout) != "next\n" {
		t.Errorf("after a timeout: %q, %v", res.Stdout, err)
	}
}

// A host where the long-lived shell ends at once (here the server answers
// exec requests itself, as a forced command would) runs its commands in
// sessions of their own, and tries no shell again.
func TestShellFallsBackToSessions(t *testing.T) {
	priv, pub := newClientKey(t)
	s := startServer(t, pub)
	s.setHandle(func(line string) answer { return answer{stdout: "hello", status: 0} })
	cfg := clientSetup(t, s, priv)
	cfg.SessionPerCommand = false
	cfg.Timeout = time.Second
	p := newTestPool(t, cfg)
	for i := 0; i < 3; i++ {
		res, err := p.Runner(s.addr).Run(context.Background(), script(`echo hi`))
		if err != nil || string(res.Stdout) != "hello" {
			t.Fatalf("run %d: %q, %v", i, res.Stdout, err)
		}
	}
	if n := len(s.records()); n != 4 {
		t.Errorf("%d exec requests, want 4: one shell that ended at once, then a session per command", n)
	}
}

// echoCaller serves "echo WORD…" calls (stdout the words, a line each, and
// status the count) and nothing else, and counts what it served.
type echoCaller struct{ served int }

func (c *echoCaller) Systemctl(_ context.Context, args []string) (systemd.CallResult, bool) {
	if len(args) == 0 || args[0] != "echo" {
		return systemd.CallResult{}, false
	}
	c.served++
	return systemd.CallResult{Status: len(args) - 1, Stdout: args[1:], Stderr: []string{"to stderr"}}, true
}

// A command in the long-lived shell asks Go for calls in the middle of its
// run (shell.sh's _tfcall) and gets their status and lines back, its own
// stdout around them intact; a call Go does not serve returns 1, and so
// does every call of a command that may not make any, or that runs in a
// session of its own.
func TestShellCalls(t *testing.T) {
	s, cfg := shellSetup(t)
	ctx := context.Background()
	p := newTestPool(t, cfg)
	cfg.SessionPerCommand = true
	sessions := newTestPool(t, cfg)
	body := `printf before
if _tfcall echo "a b" "it's \$x" ""; then echo " rc=$_tfrc"; else echo " not served"; fi
out=$(_tfcall echo x 2>/dev/null) && echo "captured=$out"
if _tfcall other; then echo served; else echo "other not served"; fi
_tfcall echo y >/dev/null 2>&1; echo "after, rc=$_tfrc"`
	calls := &echoCaller{}
	cmd := script(body)
	cmd.Calls = calls
	for try := 0; try < 2; try++ {
		res, err := p.Runner(s.addr).Run(ctx, cmd)
		if err != nil {
			t.Fatal(err)
		}
		want := "beforea b\nit's $x\n\n rc=3\ncaptured=x\nother not served\nafter, rc=1\n"
		if string(res.Stdout) != want || res.ExitCode != 0 {
			t.Errorf("stdout %q (status %d), want %q", res.Stdout, res.ExitCode, want)
		}
		if got := strings.Count(string(res.Stderr), "to stderr"); got != 1 {
			t.Errorf("stderr %q: want the first call's line once (the others' went to /dev/null)", res.Stderr)
		}
	}
	if calls.served != 6 {
		t.Errorf("%d calls served, want 6", calls.served)
	}
	// Without Calls, or in a session, _tfcall serves nothing.
	for _, tt := range []struct {
		pool  *Pool
		calls systemd.Caller
	}{{p, nil}, {sessions, calls}} {
		cmd := script(`if _tfcall echo a 2>/dev/null; then echo served; else echo none; fi`)
		cmd.Calls = tt.calls
		res, err := tt.pool.Runner(s.addr).Run(ctx, cmd)
		if err != nil || string(res.Stdout) != "none\n" {
			t.Errorf("%q, %v; want none", res.Stdout, err)
		}
	}
	if calls.served != 6 {
		t.Errorf("%d calls served, want still 6", calls.served)
	}
}
