package systemd

import (
	"context"
	"errors"
	"io"
	"net"
	"slices"
	"testing"
)

// The Bus serves exactly the argvs engine.sh offers it, and names that are
// unit names; anything else is systemctl's to run.
func TestParseCall(t *testing.T) {
	for _, tt := range []struct {
		args    []string
		ok      bool
		verb    string
		runtime bool
		names   []string
	}{
		{[]string{"mask", "--no-reload", "--", "a.service", "b@x.service"}, true, "mask", false, []string{"a.service", "b@x.service"}},
		{[]string{"mask", "--runtime", "--no-reload", "--", `a\x2db.service`}, true, "mask", true, []string{`a\x2db.service`}},
		{[]string{"unmask", "--no-reload", "--", "a.service"}, true, "unmask", false, []string{"a.service"}},
		{[]string{"unmask", "--runtime", "--no-reload", "--", "a.service"}, true, "unmask", true, []string{"a.service"}},
		{[]string{"list-units", "--all", "--plain", "--no-legend", "--full", "--", "a.service", "b.socket"}, true, "list-units", false, []string{"a.service", "b.socket"}},
		{[]string{"mask", "--no-reload", "--"}, false, "", false, nil},
		{[]string{"mask", "--", "a.service"}, false, "", false, nil},
		{[]string{"mask", "--now", "--no-reload", "--", "a.service"}, false, "", false, nil},
		{[]string{"list-units", "--all", "--", "a.service"}, false, "", false, nil},
		{[]string{"daemon-reload"}, false, "", false, nil},
		{[]string{"stop", "--", "a.service"}, false, "", false, nil},
		{[]string{"mask", "--no-reload", "--", "a service"}, false, "", false, nil},
		{[]string{"mask", "--no-reload", "--", "*.service"}, false, "", false, nil},
		{[]string{"mask", "--no-reload", "--", "a.service", ""}, false, "", false, nil},
		{nil, false, "", false, nil},
	} {
		c, ok := parseCall(tt.args)
		if ok != tt.ok || c.verb != tt.verb && ok || c.runtime != tt.runtime || ok && !slices.Equal(c.names, tt.names) {
			t.Errorf("parseCall(%q) = %+v, %v; want %s runtime=%v %q, %v", tt.args, c, ok, tt.verb, tt.runtime, tt.names, tt.ok)
		}
	}
}

type refusedErr struct{}

func (refusedErr) Error() string { return "refused" }
func (refusedErr) Refused() bool { return true }

// dialerFunc is a UnixDialer from a function, counting its dials.
type dialerFunc struct {
	dial  func() (io.ReadWriteCloser, error)
	dials int
}

func (d *dialerFunc) DialUnix(context.Context, string) (io.ReadWriteCloser, error) {
	d.dials++
	return d.dial()
}

// A host whose sshd refuses the stream, or whose bus closes it (a login
// that is not root), turns the Bus off after one try: every call is
// systemctl's from then on. A failed connection is tried again next call.
func TestBusOff(t *testing.T) {
	ctx := context.Background()
	mask := []string{"mask", "--no-reload", "--", "a.service"}
	for _, tt := range []struct {
		what string
		dial func() (io.ReadWriteCloser, error)
		off  bool
	}{
		{"sshd refuses the stream", func() (io.ReadWriteCloser, error) { return nil, refusedErr{} }, true},
		{"the bus closes it", func() (io.ReadWriteCloser, error) {
			a, b := net.Pipe()
			_ = b.Close()
			return a, nil
		}, true},
		{"the connection failed", func() (io.ReadWriteCloser, error) { return nil, errors.New("connection lost") }, false},
	} {
		t.Run(tt.what, func(t *testing.T) {
			d := &dialerFunc{dial: tt.dial}
			b := NewBus(d)
			for range 2 {
				if _, ok := b.Systemctl(ctx, mask); ok {
					t.Fatal("served")
				}
			}
			if b.Off() != tt.off {
				t.Errorf("off %v, want %v", b.Off(), tt.off)
			}
			want := 2
			if tt.off {
				want = 1
			}
			if d.dials != want {
				t.Errorf("%d dials for two calls, want %d", d.dials, want)
			}
			if _, ok := b.Systemctl(ctx, []string{"daemon-reload"}); ok || d.dials != want {
				t.Errorf("a call the Bus does not know was served or dialled for (%d dials)", d.dials)
			}
		})
	}
}
