package sshtransport

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"

	"github.com/hashicorp/terraform-plugin-log/tflog"
	"golang.org/x/crypto/ssh"

	"github.com/systemd-tf/terraform-provider-systemd/internal/systemd"
)

// shellServer is the long-lived shell's program; its frames are written
// down in shell.sh.
//
//go:embed shell.sh
var shellServer string

// maxShells is how many long-lived shells a host gets: one serves the
// batches of one engine, which come one at a time; a second serves another
// scope's engine or a data source's read meanwhile. Each holds one of the
// host's sessions (maxSessions) for as long as it lives; a command that
// finds every shell busy runs in a session of its own.
const maxShells = 2

// remoteShell is one long-lived `sh` on a host, running servable commands
// (systemd.Command.Servable) one at a time: a batch then costs a fork on the
// host instead of a new session, a login shell and a parse of the script.
type remoteShell struct {
	conn    *pooledConn
	session *ssh.Session
	stdin   io.WriteCloser
	stdout  io.Reader
	stderr  *lockedBuffer
	ended   chan struct{} // closed once the session has ended
	buf     []byte        // what was read past the last answer
	scripts map[string]bool
	hasPW   bool
	closed  sync.Once
}

// shells are a host's long-lived shells.
type shells struct {
	mu   sync.Mutex
	idle []*remoteShell
	n    int // idle and busy
	// off: a shell could not start on this host (it ended at once or
	// answered garbage), so its commands run in sessions of their own.
	off bool
}

// errShellEnded is the long-lived shell gone in the middle of a command.
var errShellEnded = errors.New("the long-lived shell ended")

// servable reports whether cmd can run in a long-lived shell: a script
// that says it may, with no argument that would not fit on one line.
func servable(cmd systemd.Command) bool {
	a := cmd.Argv
	if !cmd.Servable || len(a) < 4 || a[0] != "sh" || a[1] != "-c" {
		return false
	}
	for _, w := range a[4:] {
		if strings.ContainsAny(w, "\n\x00") {
			return false
		}
	}
	return !strings.ContainsRune(a[2], 0)
}

// runInShell runs cmd in one of addr's long-lived shells. ok is false when
// none can take it (all busy, the host has none, or its sessions are all
// taken): the caller runs it in a session of its own.
func (p *Pool) runInShell(ctx context.Context, addr string, hc *hostConn, cmd systemd.Command) (res systemd.Result, ok bool, err error) {
	sh, err := p.takeShell(ctx, addr, hc)
	if sh == nil {
		return systemd.Result{}, err != nil, err
	}
	res, err = p.exchange(ctx, addr, sh, cmd)
	if err != nil {
		p.dropShell(hc, sh)
		return systemd.Result{}, true, err
	}
	hc.shells.mu.Lock()
	hc.shells.idle = append(hc.shells.idle, sh)
	hc.shells.mu.Unlock()
	return res, true, nil
}

// takeShell returns an idle shell whose connection still answers, or a new
// one; nil with no error when the command should run in a session.
func (p *Pool) takeShell(ctx context.Context, addr string, hc *hostConn) (*remoteShell, error) {
	s := &hc.shells
	for {
		s.mu.Lock()
		if s.off {
			s.mu.Unlock()
			return nil, nil
		}
		if k := len(s.idle); k > 0 {
			sh := s.idle[k-1]
			s.idle = s.idle[:k-1]
			s.mu.Unlock()
			if sh.dead() || sh.conn.alive(ctx, p.keepaliveWait()) != nil {
				p.dropShell(hc, sh)
				if ctx.Err() != nil {
					return nil, p.ctxError(ctx, "", addr, "checking the SSH connection")
				}
				continue
			}
			return sh, nil
		}
		if s.n >= maxShells {
			s.mu.Unlock()
			return nil, nil
		}
		// A shell holds a session for its life; when none is free, the
		// command waits for one in the session path instead.
		select {
		case hc.sessions <- struct{}{}:
		default:
			s.mu.Unlock()
			return nil, nil
		}
		s.n++
		s.mu.Unlock()
		sh, err := p.startShell(ctx, addr, hc)
		if sh == nil {
			s.mu.Lock()
			s.n--
			s.mu.Unlock()
			<-hc.sessions
		}
		return sh, err
	}
}

// dropShell ends sh and gives back its session.
func (p *Pool) dropShell(hc *hostConn, sh *remoteShell) {
	sh.close()
	hc.shells.mu.Lock()
	hc.shells.n--
	hc.shells.mu.Unlock()
	<-hc.sessions
}

// closeShells ends hc's idle shells, when the pool closes.
func (p *Pool) closeShells(hc *hostConn) {
	hc.shells.mu.Lock()
	idle := hc.shells.idle
	hc.shells.idle = nil
	hc.shells.off = true
	hc.shells.mu.Unlock()
	for _, sh := range idle {
		sh.close()
	}
}

// startShell starts a long-lived shell on addr's connection and waits for
// its hello. A shell that ends at once, or whose hello does not come back,
// turns shells off for the host (nil, nil): its sessions work, but not as
// a long-lived shell does (a login shell that exits, a forced command).
func (p *Pool) startShell(ctx context.Context, addr string, hc *hostConn) (*remoteShell, error) {
	c, err := p.conn(ctx, addr, hc, nil)
	if err != nil {
		return nil, err
	}
	line, err := commandLine(systemd.Command{Argv: []string{"sh", "-c", shellServer, "systemd-tf-shell"}})
	if err != nil {
		return nil, &HostError{Addr: addr, Err: err}
	}
	sh := &remoteShell{conn: c, stderr: &lockedBuffer{}, ended: make(chan struct{}), scripts: map[string]bool{}}
	session, err := p.startOn(ctx, addr, c, "the long-lived shell", line, func(s *ssh.Session) error {
		var err error
		if sh.stdin, err = s.StdinPipe(); err != nil {
			return err
		}
		if sh.stdout, err = s.StdoutPipe(); err != nil {
			return err
		}
		s.Stderr = sh.stderr
		return nil
	})
	var refused *sessionRefusedError
	if errors.As(err, &refused) {
		// sshd is out of sessions, or the connection ended: the session
		// path waits for one, or dials anew.
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	sh.session = session
	go func() {
		_ = session.Wait()
		close(sh.ended)
	}()
	tflog.Debug(ctx, "started a long-lived shell", map[string]any{"host": addr})
	tctx, cancel := context.WithTimeoutCause(ctx, p.cfg.Timeout, errTimeout)
	defer cancel()
	stop := context.AfterFunc(tctx, sh.close)
	defer stop()
	b := boundary()
	_, _, _, herr := sh.roundTrip("h "+b+"\n", b, nil)
	if herr == nil {
		return sh, nil
	}
	sh.close()
	if tctx.Err() != nil && context.Cause(tctx) != errTimeout {
		return nil, p.ctxError(tctx, "", addr, "starting the long-lived shell")
	}
	if c.dead() {
		return nil, &HostError{Addr: addr, Err: fmt.Errorf("the connection ended while the long-lived shell started: %w", herr), Transient: true}
	}
	tflog.Debug(ctx, "the long-lived shell did not start; this host's commands run in sessions of their own",
		map[string]any{"host": addr, "error": herr.Error(), "stderr": p.redact(strings.TrimSpace(sh.stderr.String()))})
	hc.shells.mu.Lock()
	hc.shells.off = true
	hc.shells.mu.Unlock()
	return nil, nil
}

// exchange runs cmd in sh, within `timeout`.
func (p *Pool) exchange(ctx context.Context, addr string, sh *remoteShell, cmd systemd.Command) (systemd.Result, error) {
	var frame strings.Builder
	script := cmd.Argv[2]
	sum := sha256.Sum256([]byte(script))
	id := hex.EncodeToString(sum[:8])
	if !sh.scripts[id] {
		lines := strings.Split(strings.TrimSuffix(script, "\n"), "\n")
		fmt.Fprintf(&frame, "s %s %d\n%s\n", id, len(lines), strings.Join(lines, "\n"))
	}
	pw := "0"
	if p.passwordFor(cmd) != "" {
		pw = "1"
		if !sh.hasPW {
			frame.WriteString("p\n" + p.cfg.SudoPassword + "\n")
		}
	}
	args := cmd.Argv[4:]
	b := boundary()
	calls := "0"
	if cmd.Calls != nil {
		calls = "1"
	}
	fmt.Fprintf(&frame, "r %s %s %s %s %d\n", b, id, pw, calls, len(args))
	for _, a := range args {
		frame.WriteString(a + "\n")
	}

	tctx, cancel := context.WithTimeoutCause(ctx, p.cfg.Timeout, errTimeout)
	defer cancel()
	stop := context.AfterFunc(tctx, sh.close)
	defer stop()
	var answer func([]string) string
	if cmd.Calls != nil {
		answer = func(words []string) string { return callAnswer(tctx, cmd.Calls, words) }
	}
	stdout, status, stderr, err := sh.roundTrip(frame.String(), b, answer)
	if err == nil {
		sh.scripts[id] = true
		sh.hasPW = sh.hasPW || pw == "1"
		return systemd.Result{Stdout: stdout, Stderr: stderr, ExitCode: status}, nil
	}
	if tctx.Err() != nil {
		err := p.ctxError(tctx, "", addr, "`"+cmd.String()+"`")
		var he *HostError
		if errors.As(err, &he) {
			he.Started = true
		}
		// A command that hangs may be a connection that died under it.
		sh.conn.suspect()
		return systemd.Result{}, err
	}
	// The shell (or its connection) died under the command, whose effect
	// is unknown; trying again, in a new shell, is safe (see Run).
	detail := strings.TrimSpace(p.redact(sh.stderr.String()))
	if detail != "" {
		detail = " (its stderr: " + excerpt(detail) + ")"
	}
	return systemd.Result{}, &HostError{Addr: addr, Err: fmt.Errorf("`%s` did not finish: %w%s: %w", cmd, errShellEnded, detail, err), Transient: true, Started: true}
}

// roundTrip writes frame and reads the answer that ends in boundary b;
// the calls the command makes on the way (shell.sh) go to answer, whose
// reply goes back on the shell's stdin.
func (sh *remoteShell) roundTrip(frame, b string, answer func(words []string) string) (stdout []byte, status int, stderr []byte, err error) {
	if _, err := io.WriteString(sh.stdin, frame); err != nil {
		return nil, 0, nil, err
	}
	marker := []byte("\n" + b + " ")
	chunk := make([]byte, 32<<10)
	from := 0
	for {
		if i := bytes.Index(sh.buf[from:], marker); i >= 0 {
			i += from
			if j := bytes.IndexByte(sh.buf[i+len(marker):], '\n'); j >= 0 {
				head := string(sh.buf[i+len(marker) : i+len(marker)+j])
				if n, ok := strings.CutPrefix(head, "c "); ok && answer != nil {
					words, end, complete, perr := callWords(sh.buf, i+len(marker)+j+1, n)
					if perr != nil {
						return nil, 0, nil, perr
					}
					if complete {
						// The call's frame is not output: the command's
						// stdout is what came before it and what follows.
						sh.buf = append(sh.buf[:i], sh.buf[end:]...)
						from = i
						if _, err := io.WriteString(sh.stdin, answer(words)); err != nil {
							return nil, 0, nil, err
						}
						continue
					}
					goto read
				}
				st, n, perr := parseTrailer(head)
				if perr != nil {
					return nil, 0, nil, perr
				}
				body := i + len(marker) + j + 1
				if len(sh.buf)-body >= n {
					stdout = bytes.Clone(sh.buf[:i])
					stderr = bytes.Clone(sh.buf[body : body+n])
					sh.buf = append(sh.buf[:0], sh.buf[body+n:]...)
					return stdout, st, stderr, nil
				}
			}
		} else {
			from = max(0, len(sh.buf)-len(marker))
		}
	read:
		k, rerr := sh.stdout.Read(chunk)
		sh.buf = append(sh.buf, chunk[:k]...)
		if rerr != nil && k == 0 {
			if rerr == io.EOF {
				rerr = io.ErrUnexpectedEOF
			}
			return nil, 0, nil, rerr
		}
	}
}

// callWords reads a call's N lines from buf at start: complete is false
// while some have not arrived.
func callWords(buf []byte, start int, count string) (words []string, end int, complete bool, err error) {
	n, err := strconv.Atoi(count)
	if err != nil || n < 0 || n > 100000 {
		return nil, 0, false, fmt.Errorf("garbled call from the long-lived shell: %q", count)
	}
	end = start
	for range n {
		k := bytes.IndexByte(buf[end:], '\n')
		if k < 0 {
			return nil, 0, false, nil
		}
		words = append(words, string(buf[end:end+k]))
		end += k + 1
	}
	return words, end, true, nil
}

// callAnswer is the reply, on the shell's stdin, to a command's call
// (shell.sh): "-" when c does not serve it.
func callAnswer(ctx context.Context, c systemd.Caller, words []string) string {
	res, ok := c.Systemctl(ctx, words)
	if !ok {
		return "-\n"
	}
	var a strings.Builder
	fmt.Fprintf(&a, "%d %d %d\n", res.Status, len(res.Stdout), len(res.Stderr))
	for _, l := range append(res.Stdout, res.Stderr...) {
		a.WriteString(strings.ReplaceAll(l, "\n", " ") + "\n")
	}
	return a.String()
}

// parseTrailer reads "STATUS LEN" from an answer's last line.
func parseTrailer(head string) (status, n int, err error) {
	st, ln, ok := strings.Cut(head, " ")
	if ok {
		if status, err = strconv.Atoi(st); err == nil {
			n, err = strconv.Atoi(ln)
		}
	}
	if !ok || err != nil || n < 0 {
		return 0, 0, fmt.Errorf("garbled answer from the long-lived shell: %q", head)
	}
	return status, n, nil
}

func (sh *remoteShell) dead() bool {
	select {
	case <-sh.ended:
		return true
	default:
		return sh.conn.dead()
	}
}

// close ends the shell; it may run while another goroutine waits on the
// shell (a deadline), so it closes the whole channel, never only stdin,
// which the SSH library does not allow beside a write.
func (sh *remoteShell) close() {
	sh.closed.Do(func() {
		if sh.session != nil {
			_ = sh.session.Signal(ssh.SIGKILL)
			_ = sh.session.Close()
		}
	})
}

// boundary is a new random frame boundary.
func boundary() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// excerpt keeps an error's quote of the host's text short.
func excerpt(s string) string {
	const n = 300
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// lockedBuffer collects a session's stderr, written by the SSH library
// while the pool may read it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.buf.Len() > 64<<10 {
		return len(p), nil
	}
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
