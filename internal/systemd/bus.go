package systemd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/godbus/dbus/v5"
	"github.com/hashicorp/terraform-plugin-log/tflog"
)

// SystemBusPath is the system bus's socket (dbus-daemon or dbus-broker),
// where PID 1 is org.freedesktop.systemd1.
const SystemBusPath = "/run/dbus/system_bus_socket"

// Caller answers calls that a script asks of the client while it runs in
// the long-lived shell (engine.sh's sc offers it systemctl's mask, unmask
// and list-units). ok false: not served, and the script runs systemctl.
type Caller interface {
	Systemctl(ctx context.Context, args []string) (res CallResult, ok bool)
}

// CallResult is what systemctl would have left: its exit status and the
// lines of its stdout and stderr.
type CallResult struct {
	Status         int
	Stdout, Stderr []string
}

// UnixDialer is a Runner that can also open a stream to a Unix socket on
// its host (an SSH direct-streamlocal channel).
type UnixDialer interface {
	DialUnix(ctx context.Context, path string) (io.ReadWriteCloser, error)
}

// Bus makes, for the system scope of a root login, the D-Bus calls to PID
// 1 that systemctl makes for mask, unmask and list-units on a booted host
// (MaskUnitFiles, UnmaskUnitFiles, ListUnitsByPatterns: the install code
// runs in PID 1 either way), over one system-bus connection kept for the
// Engine's life: no systemctl process on the host per call. It serves only
// the exact argvs engine.sh writes, and keeps systemctl's exit status and
// messages.
//
// It uses the system bus and not PID 1's private socket, which systemctl
// uses as root: a private connection receives every signal PID 1 emits,
// asked for or not, and PID 1 can leave a message on it unread until more
// data comes; a bus client gets only the replies to its calls.
//
// A host where the stream cannot be opened or the bus refuses it (no
// dbus, sshd without stream forwarding, a login that is not root) turns
// the Bus off. A call the bus cannot deliver (PID 1 re-executing, a stream
// that died) is not served, so the script runs systemctl: mask and unmask
// are idempotent. A dead stream is opened again on the next call.
type Bus struct {
	dialer UnixDialer

	mu   sync.Mutex
	conn *dbus.Conn
	off  bool
	// Served counts the calls answered over the bus, for tests and logs.
	Served atomic.Int64
}

// NewBus returns a Bus that reaches PID 1 through d.
func NewBus(d UnixDialer) *Bus { return &Bus{dialer: d} }

// Systemctl answers the systemctl call args when it is one the Bus knows.
func (b *Bus) Systemctl(ctx context.Context, args []string) (CallResult, bool) {
	call, ok := parseCall(args)
	if !ok {
		return CallResult{}, false
	}
	conn := b.connect(ctx)
	if conn == nil {
		return CallResult{}, false
	}
	obj := conn.Object("org.freedesktop.systemd1", "/org/freedesktop/systemd1")
	const mgr = "org.freedesktop.systemd1.Manager."
	var c *dbus.Call
	switch call.verb {
	case "mask":
		c = obj.CallWithContext(ctx, mgr+"MaskUnitFiles", 0, call.names, call.runtime, false)
	case "unmask":
		c = obj.CallWithContext(ctx, mgr+"UnmaskUnitFiles", 0, call.names, call.runtime)
	case "list-units":
		c = obj.CallWithContext(ctx, mgr+"ListUnitsByPatterns", 0, []string{}, call.names)
	}
	var dbusErr dbus.Error
	if c.Err != nil && !errors.As(c.Err, &dbusErr) {
		// The stream, not PID 1: the script runs systemctl instead.
		tflog.Debug(ctx, "the D-Bus call to PID 1 failed; systemctl runs instead", map[string]any{"error": c.Err.Error()})
		b.drop(conn)
		return CallResult{}, false
	}
	if c.Err != nil && notDelivered(dbusErr.Name) {
		tflog.Debug(ctx, "the system bus did not reach PID 1; systemctl runs instead", map[string]any{"error": dbusErr.Name})
		return CallResult{}, false
	}
	b.Served.Add(1)
	if c.Err != nil {
		// systemctl's own words for a refusal from PID 1.
		what := "list units"
		if call.verb != "list-units" {
			what = call.verb + " unit"
		}
		return CallResult{Status: 1, Stderr: []string{oneLine(fmt.Sprintf("Failed to %s: %s", what, busMessage(dbusErr)))}}, true
	}
	if call.verb != "list-units" {
		return CallResult{}, true
	}
	var units []struct {
		Name, Description, Load, Active, Sub, Following string
		Path                                            dbus.ObjectPath
		JobID                                           uint32
		JobType                                         string
		JobPath                                         dbus.ObjectPath
	}
	if err := c.Store(&units); err != nil {
		return CallResult{Status: 1, Stderr: []string{"Failed to list units: " + oneLine(err.Error())}}, true
	}
	res := CallResult{}
	for _, u := range units {
		res.Stdout = append(res.Stdout, oneLine(strings.Join([]string{u.Name, u.Load, u.Active, u.Sub, u.Description}, " ")))
	}
	return res, true
}

type busCall struct {
	verb    string
	runtime bool
	names   []string
}

// parseCall reads the argvs engine.sh offers: `mask|unmask [--runtime]
// --no-reload -- NAME…` and `list-units --all --plain --no-legend --full
// -- NAME…`. Anything else is systemctl's to run.
func parseCall(args []string) (busCall, bool) {
	if len(args) == 0 {
		return busCall{}, false
	}
	c := busCall{verb: args[0]}
	rest := args[1:]
	var want []string
	switch c.verb {
	case "mask", "unmask":
		if len(rest) > 0 && rest[0] == "--runtime" {
			c.runtime, rest = true, rest[1:]
		}
		want = []string{"--no-reload", "--"}
	case "list-units":
		want = []string{"--all", "--plain", "--no-legend", "--full", "--"}
	default:
		return busCall{}, false
	}
	if len(rest) <= len(want) {
		return busCall{}, false
	}
	for i, w := range want {
		if rest[i] != w {
			return busCall{}, false
		}
	}
	for _, n := range rest[len(want):] {
		if !validUnitName(n) {
			return busCall{}, false
		}
	}
	c.names = rest[len(want):]
	return c, true
}

// validUnitName: the unit-name alphabet engine.sh checks (ok), so nothing
// else ever reaches PID 1.
func validUnitName(n string) bool {
	if n == "" {
		return false
	}
	for _, r := range n {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', strings.ContainsRune(":_.@\\-", r):
		default:
			return false
		}
	}
	return true
}

// connect returns the open connection, or opens one; nil when the Bus is
// off or the stream could not be opened.
func (b *Bus) connect(ctx context.Context) *dbus.Conn {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.off {
		return nil
	}
	if b.conn != nil {
		return b.conn
	}
	stream, err := b.dialer.DialUnix(ctx, SystemBusPath)
	if err != nil {
		// A refused channel (no stream forwarding, no bus) is for good; a
		// connection that failed is the transport's to report, next time.
		tflog.Debug(ctx, "the system bus cannot be reached; systemctl runs every call", map[string]any{"error": err.Error()})
		var refused interface{ Refused() bool }
		if errors.As(err, &refused) && refused.Refused() {
			b.off = true
		}
		return nil
	}
	stop := context.AfterFunc(ctx, func() { _ = stream.Close() })
	conn, err := dbus.NewConn(stream)
	if err == nil {
		// EXTERNAL as uid 0; the bus may accept it from another uid and
		// go by the socket's credentials (rootOnBus).
		err = conn.Auth([]dbus.Auth{dbus.AuthExternal("0")})
	}
	if err == nil {
		err = conn.Hello()
	}
	if err == nil {
		err = rootOnBus(ctx, conn)
	}
	if !stop() || ctx.Err() != nil {
		_ = stream.Close()
		return nil
	}
	if err != nil {
		_ = stream.Close()
		tflog.Debug(ctx, "the system bus refused the login (not root?); systemctl runs every call", map[string]any{"error": err.Error()})
		b.off = true
		return nil
	}
	b.conn = conn
	return conn
}

// rootOnBus fails unless the bus knows the connection as uid 0: PID 1
// checks anyone else's calls with polkit, and systemctl is then the one
// to run, with its own words.
func rootOnBus(ctx context.Context, conn *dbus.Conn) error {
	names := conn.Names()
	if len(names) == 0 {
		return errors.New("the bus gave the connection no name")
	}
	var uid uint32
	if err := conn.BusObject().CallWithContext(ctx, "org.freedesktop.DBus.GetConnectionUnixUser", 0, names[0]).Store(&uid); err != nil {
		return err
	}
	if uid != 0 {
		return fmt.Errorf("the bus knows the login as uid %d, not root", uid)
	}
	return nil
}

// notDelivered: errors of the bus, not of PID 1, for a call that PID 1
// did not answer (not on the bus while it re-executes, gone mid-call, the
// bus's own limits), so systemctl may still do it.
func notDelivered(name string) bool {
	switch name {
	case "org.freedesktop.DBus.Error.ServiceUnknown", "org.freedesktop.DBus.Error.NameHasNoOwner",
		"org.freedesktop.DBus.Error.NoReply", "org.freedesktop.DBus.Error.Timeout",
		"org.freedesktop.DBus.Error.TimedOut", "org.freedesktop.DBus.Error.Disconnected",
		"org.freedesktop.DBus.Error.LimitsExceeded", "org.freedesktop.DBus.Error.NoServer":
		return true
	}
	return strings.HasPrefix(name, "org.freedesktop.DBus.Error.Spawn.")
}

// drop forgets conn after it failed.
func (b *Bus) drop(conn *dbus.Conn) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.conn == conn {
		b.conn = nil
	}
	_ = conn.Close()
}

// Off reports whether the Bus gave up on this host (see Bus).
func (b *Bus) Off() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.off
}

// Close ends the connection.
func (b *Bus) Close() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.conn != nil {
		_ = b.conn.Close()
		b.conn = nil
	}
}

// busMessage is what systemctl prints of a D-Bus error: its message, or
// its name when it has none.
func busMessage(e dbus.Error) string {
	if len(e.Body) > 0 {
		if s, ok := e.Body[0].(string); ok && s != "" {
			return s
		}
	}
	return e.Name
}

// oneLine keeps an answer's line a line.
func oneLine(s string) string { return strings.NewReplacer("\n", " ", "\r", " ").Replace(s) }
