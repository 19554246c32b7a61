package systemd

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// opsOf reads the ops back from a batch command's argv ("WORD NAME" pairs).
func opsOf(t *testing.T, cmd Command) []Op {
	t.Helper()
	if len(cmd.Argv) < 4 || cmd.Argv[0] != "sh" || cmd.Argv[3] != "batch" || len(cmd.Argv)%2 != 0 {
		t.Fatalf("not a batch command: %q", cmd.Argv)
	}
	var ops []Op
	for i := 4; i < len(cmd.Argv); i += 2 {
		kind, layer, now, ok := ParseOpWord(cmd.Argv[i])
		if !ok {
			t.Fatalf("unknown op word %q", cmd.Argv[i])
		}
		ops = append(ops, Op{Kind: kind, Name: cmd.Argv[i+1], Layer: layer, Now: now})
	}
	return ops
}

// memHost holds the unit directories of a host for the fake runners.
type memHost map[string]MaskState

// answer applies ops as the batch script would, every op succeeding except
// those failed lists (by name, with its stderr), and prints the script's
// answer: a sweep of everything, or the ops' units.
func (h memHost) answer(ops []Op, sweep bool, failed map[string]string) Result {
	var b strings.Builder
	for i, op := range ops {
		if stderr, ok := failed[op.Name]; ok {
			fmt.Fprintf(&b, "rc\t%d\t1\nerr\t%d\t%s\n", i+1, i+1, stderr)
			continue
		}
		st := h[op.Name]
		entry := EntryNone
		if op.Kind == OpMask {
			entry = EntryNullLink
		}
		if op.Layer == Runtime {
			st.Runtime = entry
		} else {
			st.Persistent = entry
		}
		h[op.Name] = st
	}
	line := func(name string, st MaskState) {
		for _, l := range Layers {
			if e := st.Entry(l); e != EntryNone || !sweep {
				word := map[Entry]string{EntryNone: "none", EntryNullLink: "null", EntryEmptyFile: "empty", EntryUnitFile: "unit"}[e]
				fmt.Fprintf(&b, "%s\t%s\t%s\n", l, word, name)
			}
		}
	}
	if sweep || len(ops) == 0 {
		for name, st := range h {
			line(name, st)
		}
	} else {
		for _, op := range ops {
			line(op.Name, h[op.Name])
		}
	}
	b.WriteString("dir\tpersistent\t/etc/systemd/system\ndir\truntime\t/run/systemd/system\nend\n")
	return Result{Stdout: []byte(b.String())}
}

// gatedRunner answers with answer(), after the test lets each call through.
type gatedRunner struct {
	t       *testing.T
	mu      sync.Mutex
	calls   [][]Op
	sweeps  int
	started chan struct{}
	release chan struct{}
	failed  map[string]string
	err     error
	host    memHost
}

func newGatedRunner(t *testing.T) *gatedRunner {
	return &gatedRunner{t: t, started: make(chan struct{}, 100), release: make(chan struct{}, 100), host: memHost{}}
}

func (g *gatedRunner) Run(_ context.Context, cmd Command) (Result, error) {
	ops := opsOf(g.t, cmd)
	sweep := strings.Contains(cmd.Argv[2], "\nsweep persistent")
	g.mu.Lock()
	g.calls = append(g.calls, ops)
	if sweep {
		g.sweeps++
	}
	g.mu.Unlock()
	g.started <- struct{}{}
	<-g.release
	if g.err != nil {
		return Result{}, g.err
	}
	return g.host.answer(ops, sweep, g.failed), nil
}

func (g *gatedRunner) callCount() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.calls)
}

func newTestBatcher(r Runner) *Batcher {
	b := NewBatcher(r, ScopeSystem)
	b.Linger = 0
	return b
}

// waitQueued waits until n requests are queued behind the running batch.
func waitQueued(t *testing.T, b *Batcher, n int) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		b.mu.Lock()
		q := len(b.queue)
		b.mu.Unlock()
		if q == n {
			return
		}
	}
	t.Fatalf("never saw %d requests queued", n)
}

// What arrives while a batch runs goes out together in the next one, and
// each caller gets its own unit's result: one conflict fails one unit.
func TestBatcherCoalesces(t *testing.T) {
	g := newGatedRunner(t)
	g.failed = map[string]string{"c.service": `Failed to mask unit, file "/etc/systemd/system/c.service" already exists.`}
	b := newTestBatcher(g)
	ctx := context.Background()

	results := make(map[string]error)
	var mu sync.Mutex
	var wg sync.WaitGroup
	mask := func(name string, layer Layer) {
		defer wg.Done()
		err := b.Mask(ctx, name, layer).Err
		mu.Lock()
		results[name] = err
		mu.Unlock()
	}
	wg.Add(1)
	go mask("first.service", Persistent)
	<-g.started
	for _, n := range []string{"a.service", "b.service", "c.service"} {
		wg.Add(1)
		go mask(n, Persistent)
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		err := b.MaskNow(ctx, "r.service", Runtime).Err
		mu.Lock()
		results["r.service"] = err
		mu.Unlock()
	}()
	waitQueued(t, b, 4)
	g.release <- struct{}{}
	<-g.started
	g.release <- struct{}{}
	wg.Wait()

	if len(g.calls) != 2 || len(g.calls[0]) != 1 || len(g.calls[1]) != 4 {
		t.Fatalf("commands: %v, want the first alone, then the 4 others together", g.calls)
	}
	for _, op := range g.calls[1] {
		if op.Now != (op.Name == "r.service") {
			t.Errorf("op %+v: only r.service stops its unit", op)
		}
	}
	for name, err := range results {
		var exists *UnitFileExistsError
		switch {
		case name == "c.service" && !errors.As(err, &exists):
			t.Errorf("c.service: %v, want the unit-file conflict", err)
		case name != "c.service" && err != nil:
			t.Errorf("%s: %v", name, err)
		}
	}
	if len(results) != 5 {
		t.Errorf("%d results", len(results))
	}
}

// Reads within SweepReuse of a sweep are answered from it; later ones, or
// ones with a write in flight, go to the host.
func TestBatcherReusesSweeps(t *testing.T) {
	g := newGatedRunner(t)
	b := newTestBatcher(g)
	now := time.Unix(1000, 0)
	b.now = func() time.Time { return now }
	ctx := context.Background()
	for i := 0; i < 100; i++ {
		g.release <- struct{}{}
	}

	if _, err := b.State(ctx, "a.service"); err != nil {
		t.Fatal(err)
	}
	if _, err := b.State(ctx, "b.service", "c.service"); err != nil {
		t.Fatal(err)
	}
	if g.callCount() != 1 || g.sweeps != 1 {
		t.Fatalf("%d commands, %d sweeps; want one sweep for both reads", g.callCount(), g.sweeps)
	}
	now = now.Add(DefaultSweepReuse)
	if _, err := b.State(ctx, "a.service"); err != nil {
		t.Fatal(err)
	}
	if g.callCount() != 2 {
		t.Fatalf("a stale sweep answered a read")
	}

	// A write batch reads back its own units only: it answers a read of
	// those, not of others.
	if err := b.Mask(ctx, "m.service", Persistent).Err; err != nil {
		t.Fatal(err)
	}
	states, err := b.State(ctx, "m.service")
	if err != nil || !states["m.service"].Masked(Persistent) || g.callCount() != 3 {
		t.Fatalf("read after the write: %v %v, %d commands", states, err, g.callCount())
	}
	if _, err := b.State(ctx, "other.service"); err != nil || g.callCount() != 4 || g.sweeps != 3 {
		t.Fatalf("a write's read-back answered for another unit: %d commands, %d sweeps", g.callCount(), g.sweeps)
	}
}

// sweptBatcher is a Batcher that has just read the host once.
func sweptBatcher(t *testing.T) (*gatedRunner, *Batcher) {
	t.Helper()
	g := newGatedRunner(t)
	b := newTestBatcher(g)
	g.release <- struct{}{}
	if _, err := b.State(context.Background(), "a.service"); err != nil {
		t.Fatal(err)
	}
	<-g.started
	return g, b
}

func TestBatcherReadWaitsForQueuedWrite(t *testing.T) {
	g, b := sweptBatcher(t)
	ctx := context.Background()
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = b.Mask(ctx, "a.service", Persistent)
	}()
	<-g.started
	// The sweep is fresh, but a write is running: the read queues.
	read := make(chan map[string]MaskState)
	go func() {
		states, _ := b.State(ctx, "a.service")
		read <- states
	}()
	waitQueued(t, b, 1)
	g.release <- struct{}{}
	<-g.started
	g.release <- struct{}{}
	if states := <-read; !states["a.service"].Masked(Persistent) {
		t.Errorf("read during a write saw %v, want the write's result", states)
	}
	<-done
}

// A request withdrawn while queued never reaches the host; everything else
// in its batch still does.
func TestBatcherWithdrawsQueuedRequests(t *testing.T) {
	g := newGatedRunner(t)
	b := newTestBatcher(g)
	go func() { _ = b.Mask(context.Background(), "first.service", Persistent) }()
	<-g.started
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error)
	go func() {
		err := b.Mask(ctx, "withdrawn.service", Persistent).Err
		errc <- err
	}()
	stay := make(chan error)
	go func() {
		err := b.Unmask(context.Background(), "stays.service", Persistent).Err
		stay <- err
	}()
	waitQueued(t, b, 2)
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Errorf("withdrawn: %v", err)
	}
	g.release <- struct{}{}
	<-g.started
	g.release <- struct{}{}
	if err := <-stay; err != nil {
		t.Fatal(err)
	}
	for _, call := range g.calls {
		for _, op := range call {
			if op.Name == "withdrawn.service" {
				t.Errorf("a withdrawn op ran: %v", g.calls)
			}
		}
	}
}

// A batch that fails as a whole fails every request in it, and forgets
// what it knew about the host.
func TestBatcherSharesTransportErrors(t *testing.T) {
	g, b := sweptBatcher(t)
	ctx := context.Background()
	g.err = errors.New("connection reset")
	g.release <- struct{}{}
	if err := b.Unmask(ctx, "a.service", Persistent).Err; err == nil || err.Error() != "connection reset" {
		t.Fatalf("unmask: %v", err)
	}
	g.release <- struct{}{}
	if _, err := b.State(ctx, "a.service"); err == nil {
		t.Fatal("a read after a failed write was answered from the old sweep")
	}
}

type scriptedRunner struct {
	replies []Result
	calls   int
}

func (s *scriptedRunner) Run(context.Context, Command) (Result, error) {
	r := s.replies[min(s.calls, len(s.replies)-1)]
	s.calls++
	return r, nil
}

// An answer that does not parse is read once more before it is an error.
func TestBatcherRereadsAGarbledAnswer(t *testing.T) {
	good := memHost{}.answer(nil, true, nil)
	s := &scriptedRunner{replies: []Result{{}, good}}
	if _, err := newTestBatcher(s).State(context.Background(), "a.service"); err != nil || s.calls != 2 {
		t.Errorf("err %v after %d calls", err, s.calls)
	}
	s = &scriptedRunner{replies: []Result{{Stdout: []byte("garbage\n")}}}
	if _, err := newTestBatcher(s).State(context.Background(), "a.service"); err == nil || s.calls != 2 {
		t.Errorf("err %v after %d calls", err, s.calls)
	}
	s = &scriptedRunner{replies: []Result{{ExitCode: 1, Stderr: []byte("sh: 1: Syntax error\n")}}}
	var cmdErr *CommandError
	if err := newTestBatcher(s).Mask(context.Background(), "a.service", Persistent).Err; !errors.As(err, &cmdErr) || cmdErr.Stderr != "sh: 1: Syntax error" {
		t.Errorf("err %v", err)
	}
}

// MaxOps bounds a command; what is left over goes in the next.
func TestBatcherSplitsLargeBatches(t *testing.T) {
	g := newGatedRunner(t)
	b := newTestBatcher(g)
	b.MaxOps = 2
	for i := 0; i < 100; i++ {
		g.release <- struct{}{}
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); _ = b.Mask(context.Background(), "first.service", Persistent) }()
	<-g.started
	for i := 0; i < 5; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = b.Mask(context.Background(), fmt.Sprintf("u%d.service", i), Persistent)
		}()
	}
	wg.Wait()
	n := 0
	for _, call := range g.calls {
		if len(call) > 2 {
			t.Errorf("a command with %d ops", len(call))
		}
		n += len(call)
	}
	if n != 6 {
		t.Errorf("%d ops ran, want 6", n)
	}
}

// Linger lets writes that arrive close together share one command.
func TestBatcherLingersForWrites(t *testing.T) {
	g := newGatedRunner(t)
	b := NewBatcher(g, ScopeSystem)
	b.Linger = 200 * time.Millisecond
	for i := 0; i < 10; i++ {
		g.release <- struct{}{}
	}
	var wg sync.WaitGroup
	for i := 0; i < 3; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = b.Mask(context.Background(), fmt.Sprintf("u%d.service", i), Persistent)
		}()
		time.Sleep(20 * time.Millisecond)
	}
	wg.Wait()
	if len(g.calls) != 1 || len(g.calls[0]) != 3 {
		t.Errorf("commands %v, want the three writes in one", g.calls)
	}
}
