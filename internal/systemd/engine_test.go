package systemd

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// batchCall is a batch command's arguments read back from its argv:
//
//	sh -c SCRIPT systemd-tf batch SCOPE SUDO SWEEP [WORD NAME]…
type batchCall struct {
	ops   []Op
	sweep bool
}

func batchCallOf(t *testing.T, cmd Command) batchCall {
	t.Helper()
	a := cmd.Argv
	if len(a) < 8 || a[0] != "sh" || a[2] != engineScript || a[4] != "batch" || len(a)%2 != 0 {
		t.Fatalf("not a batch command: %q", a[min(3, len(a)):])
	}
	call := batchCall{sweep: a[7] == "1"}
	for i := 8; i < len(a); i += 2 {
		kind, layer, now, ok := ParseOpWord(a[i])
		if !ok {
			t.Fatalf("unknown op word %q", a[i])
		}
		call.ops = append(call.ops, Op{Kind: kind, Name: a[i+1], Layer: layer, Now: now})
	}
	return call
}

// memHost is what the two mask directories of a system host hold, by unit
// name, for the fake runners: enough to answer in the engine's protocol,
// not a second engine.
type memHost map[string]MaskState

// apply does what ops ask, except for the ops of units in failed.
func (h memHost) apply(ops []Op, failed map[string]string) {
	for _, op := range ops {
		if _, ok := failed[op.Name]; ok {
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
}

// answer prints what the engine answers after ops: an "rc" and an "err"
// line for each failed op (failed maps a unit to its stderr), then an "r"
// line for every unit after a sweep or with no ops, for the ops' units
// otherwise.
func (h memHost) answer(ops []Op, sweep bool, failed map[string]string) Result {
	var b strings.Builder
	b.WriteString(spLines(ScopeSystem))
	for i, op := range ops {
		if stderr, ok := failed[op.Name]; ok {
			fmt.Fprintf(&b, "rc\t%d\t1\nerr\t%d\t%s\n", i+1, i+1, stderr)
		}
	}
	kinds := map[Entry]string{EntryNullLink: "n", EntryEmptyFile: "e", EntryUnitFile: "f"}
	line := func(name string) {
		var entries []string
		if k := kinds[h[name].Persistent]; k != "" {
			entries = append(entries, "/etc/systemd/system:"+k)
		}
		if k := kinds[h[name].Runtime]; k != "" {
			entries = append(entries, "/run/systemd/system:"+k)
		}
		b.WriteString(rLine(ScopeSystem, name, entries...))
	}
	if sweep || len(ops) == 0 {
		for name, st := range h {
			if st.Persistent != EntryNone || st.Runtime != EntryNone {
				line(name)
			}
		}
	}
	for _, op := range ops {
		line(op.Name)
	}
	b.WriteString("end\n")
	return Result{Stdout: []byte(b.String())}
}

// gatedRunner answers from its memHost, after the test lets each call
// through.
type gatedRunner struct {
	t       *testing.T
	mu      sync.Mutex
	calls   []batchCall
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
	call := batchCallOf(g.t, cmd)
	g.mu.Lock()
	g.calls = append(g.calls, call)
	g.mu.Unlock()
	g.started <- struct{}{}
	<-g.release
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.err != nil {
		return Result{}, g.err
	}
	g.host.apply(call.ops, g.failed)
	return g.host.answer(call.ops, call.sweep, g.failed), nil
}

func (g *gatedRunner) callCount() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.calls)
}

func (g *gatedRunner) sweeps() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	n := 0
	for _, c := range g.calls {
		if c.sweep {
			n++
		}
	}
	return n
}

// letThrough lets n calls run without waiting for the test.
func (g *gatedRunner) letThrough(n int) {
	for i := 0; i < n; i++ {
		g.release <- struct{}{}
	}
}

// succeeded: the op did what it says, with nothing kept or left half done.
func succeeded(r OpResult) bool { return r.Err == nil && !r.Applied && !r.Kept }

func newTestEngine(r Runner) *Engine {
	e := NewEngine(r, ScopeSystem, false)
	e.Linger = 0
	return e
}

// waitQueued waits until n requests are queued behind the running batch.
func waitQueued(t *testing.T, e *Engine, n int) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		e.mu.Lock()
		q := len(e.queue)
		e.mu.Unlock()
		if q == n {
			return
		}
	}
	t.Fatalf("never saw %d requests queued", n)
}

// What arrives while a batch runs goes out together in the next one, and
// each caller gets its own unit's result: one conflict fails one unit.
func TestEngineCoalesces(t *testing.T) {
	g := newGatedRunner(t)
	g.failed = map[string]string{"c.service": `Failed to mask unit, file "/etc/systemd/system/c.service" already exists.`}
	e := newTestEngine(g)
	ctx := context.Background()

	results := make(map[string]error)
	var mu sync.Mutex
	var wg sync.WaitGroup
	mask := func(name string, layer Layer, stop bool) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := e.Mask(ctx, name, layer, stop).Err
			mu.Lock()
			results[name] = err
			mu.Unlock()
		}()
	}
	mask("first.service", Persistent, false)
	<-g.started
	for _, n := range []string{"a.service", "b.service", "c.service"} {
		mask(n, Persistent, false)
	}
	mask("r.service", Runtime, true)
	waitQueued(t, e, 4)
	g.release <- struct{}{}
	<-g.started
	g.release <- struct{}{}
	wg.Wait()

	if len(g.calls) != 2 || len(g.calls[0].ops) != 1 || len(g.calls[1].ops) != 4 {
		t.Fatalf("commands: %v, want the first alone, then the 4 others together", g.calls)
	}
	for _, op := range g.calls[1].ops {
		if op.Now != (op.Name == "r.service") || (op.Layer == Runtime) != (op.Name == "r.service") {
			t.Errorf("op %+v: only r.service is runtime and stops its unit", op)
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
func TestEngineReusesSweeps(t *testing.T) {
	g := newGatedRunner(t)
	e := newTestEngine(g)
	now := time.Unix(1000, 0)
	e.now = func() time.Time { return now }
	ctx := context.Background()
	g.letThrough(100)

	if _, err := e.State(ctx, "a.service"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.State(ctx, "b.service", "c.service"); err != nil {
		t.Fatal(err)
	}
	if g.callCount() != 1 || g.sweeps() != 1 {
		t.Fatalf("%d commands, %d sweeps; want one sweep for both reads", g.callCount(), g.sweeps())
	}
	now = now.Add(DefaultSweepReuse)
	if _, err := e.State(ctx, "a.service"); err != nil {
		t.Fatal(err)
	}
	if g.callCount() != 2 {
		t.Fatalf("a stale sweep answered a read")
	}

	// A write batch reads back its own units only: it answers a read of
	// those, not of others.
	if err := e.Mask(ctx, "m.service", Persistent, false).Err; err != nil {
		t.Fatal(err)
	}
	if c := g.calls[2]; c.sweep || len(c.ops) != 1 {
		t.Errorf("the write: %+v, want its op and no sweep", c)
	}
	states, err := e.State(ctx, "m.service")
	if err != nil || !states["m.service"].Masked(Persistent) || g.callCount() != 3 {
		t.Fatalf("read after the write: %v %v, %d commands", states, err, g.callCount())
	}
	if states["m.service"].Loaded.Path != "/etc/systemd/system/m.service" {
		t.Errorf("the read-back does not say what systemd loads: %+v", states["m.service"])
	}
	if _, err := e.State(ctx, "other.service"); err != nil || g.callCount() != 4 || g.sweeps() != 3 {
		t.Fatalf("a write's read-back answered for another unit: %d commands, %d sweeps", g.callCount(), g.sweeps())
	}
}

// Reads that queue behind a host's first sweep (its login, the shell's
// start) are answered from that sweep, not by a second one; a read behind
// a write still goes to the host.
func TestEngineQueuedReadsShareTheSweep(t *testing.T) {
	g := newGatedRunner(t)
	e := newTestEngine(g)
	ctx := context.Background()
	first := make(chan error, 1)
	go func() { _, err := e.State(ctx, "a.service"); first <- err }()
	<-g.started
	queued := make(chan error, 2)
	for _, n := range []string{"b.service", "c.service"} {
		go func() { _, err := e.State(ctx, n); queued <- err }()
	}
	waitQueued(t, e, 2)
	g.letThrough(1)
	for _, ch := range []chan error{first, queued, queued} {
		if err := <-ch; err != nil {
			t.Fatal(err)
		}
	}
	if g.callCount() != 1 {
		t.Fatalf("%d commands for three reads behind one sweep, want 1", g.callCount())
	}

	done := make(chan error, 2)
	go func() { done <- e.Mask(ctx, "m.service", Persistent, false).Err }()
	<-g.started
	go func() { _, err := e.State(ctx, "d.service"); done <- err }()
	waitQueued(t, e, 1)
	g.letThrough(2)
	for range 2 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	if g.callCount() != 3 || g.sweeps() != 2 {
		t.Fatalf("a read behind a write: %d commands, %d sweeps, want 3 and 2", g.callCount(), g.sweeps())
	}
}

// sweptEngine is an Engine that has just read the host once.
func sweptEngine(t *testing.T) (*gatedRunner, *Engine) {
	t.Helper()
	g := newGatedRunner(t)
	e := newTestEngine(g)
	g.release <- struct{}{}
	if _, err := e.State(context.Background(), "a.service"); err != nil {
		t.Fatal(err)
	}
	<-g.started
	return g, e
}

func TestEngineReadWaitsForQueuedWrite(t *testing.T) {
	g, e := sweptEngine(t)
	ctx := context.Background()
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = e.Mask(ctx, "a.service", Persistent, false)
	}()
	<-g.started
	// The sweep is fresh, but a write is running: the read queues, and the
	// write's read-back of its unit answers it.
	read := make(chan map[string]MaskState)
	go func() {
		states, _ := e.State(ctx, "a.service")
		read <- states
	}()
	waitQueued(t, e, 1)
	g.release <- struct{}{}
	if states := <-read; !states["a.service"].Masked(Persistent) {
		t.Errorf("read during a write saw %v, want the write's result", states)
	}
	<-done
	if g.callCount() != 2 {
		t.Errorf("%d commands, want the sweep and the write", g.callCount())
	}
}

// A write's result carries what its own batch read back for its unit, so
// that a destroy's check of the other layer costs no sweep while the rest
// of the destroy's unmasks are still queued.
func TestEngineWriteCarriesItsReadBack(t *testing.T) {
	g := newGatedRunner(t)
	g.host["a.service"] = MaskState{Persistent: EntryNullLink, Runtime: EntryNullLink}
	e := newTestEngine(g)
	ctx := context.Background()
	first := make(chan OpResult)
	go func() { first <- e.Unmask(ctx, "a.service", Persistent) }()
	<-g.started
	second := make(chan OpResult)
	go func() { second <- e.Unmask(ctx, "b.service", Persistent) }()
	waitQueued(t, e, 1)
	g.release <- struct{}{}
	res := <-first
	if res.Err != nil || res.After == nil {
		t.Fatalf("unmask: %+v, want no error and the read-back", res)
	}
	if res.After.Masked(Persistent) || !res.After.Masked(Runtime) {
		t.Errorf("read-back %+v: want the persistent mask gone and the runtime one left", *res.After)
	}
	<-g.started
	g.release <- struct{}{}
	if res := <-second; res.Err != nil || res.After == nil || res.After.Masked(Persistent) {
		t.Errorf("second unmask: %+v", res)
	}
	if n := g.sweeps(); n != 0 {
		t.Errorf("%d sweeps, want none: writes read back only their own units", n)
	}
}

// A request withdrawn while queued never reaches the host; everything else
// in its batch still does.
func TestEngineWithdrawsQueuedRequests(t *testing.T) {
	g := newGatedRunner(t)
	e := newTestEngine(g)
	go func() { _ = e.Mask(context.Background(), "first.service", Persistent, false) }()
	<-g.started
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error)
	go func() {
		errc <- e.Mask(ctx, "withdrawn.service", Persistent, false).Err
	}()
	stay := make(chan error)
	go func() {
		stay <- e.Unmask(context.Background(), "stays.service", Persistent).Err
	}()
	waitQueued(t, e, 2)
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
		for _, op := range call.ops {
			if op.Name == "withdrawn.service" {
				t.Errorf("a withdrawn op ran: %v", g.calls)
			}
		}
	}
}

// A batch that fails as a whole fails every request in it, and forgets
// what it knew about the host.
func TestEngineSharesTransportErrors(t *testing.T) {
	g, e := sweptEngine(t)
	ctx := context.Background()
	g.mu.Lock()
	g.err = errors.New("connection reset")
	g.mu.Unlock()
	g.release <- struct{}{}
	if err := e.Unmask(ctx, "a.service", Persistent).Err; err == nil || err.Error() != "connection reset" {
		t.Fatalf("unmask: %v", err)
	}
	g.release <- struct{}{}
	if _, err := e.State(ctx, "a.service"); err == nil {
		t.Fatal("a read after a failed write was answered from the old sweep")
	}
	if g.callCount() != 3 {
		t.Errorf("%d commands: an error with no MayHaveRun was read again", g.callCount())
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
func TestEngineRereadsAGarbledAnswer(t *testing.T) {
	good := memHost{}.answer(nil, true, nil)
	s := &scriptedRunner{replies: []Result{{}, good}}
	if _, err := newTestEngine(s).State(context.Background(), "a.service"); err != nil || s.calls != 2 {
		t.Errorf("err %v after %d calls", err, s.calls)
	}
	// An answer cut short before its end, with exit status 0.
	cut := Result{Stdout: good.Stdout[:len(good.Stdout)-len("end\n")]}
	s = &scriptedRunner{replies: []Result{cut, good}}
	if _, err := newTestEngine(s).State(context.Background(), "a.service"); err != nil || s.calls != 2 {
		t.Errorf("err %v after %d calls", err, s.calls)
	}
	s = &scriptedRunner{replies: []Result{{Stdout: []byte("garbage\n")}}}
	if _, err := newTestEngine(s).State(context.Background(), "a.service"); err == nil || s.calls != 2 {
		t.Errorf("err %v after %d calls", err, s.calls)
	}
	s = &scriptedRunner{replies: []Result{{ExitCode: 1, Stderr: []byte("sh: 1: Syntax error\n")}}}
	var cmdErr *CommandError
	if err := newTestEngine(s).Mask(context.Background(), "a.service", Persistent, false).Err; !errors.As(err, &cmdErr) || cmdErr.Stderr != "sh: 1: Syntax error" || s.calls != 1 {
		t.Errorf("err %v after %d calls", err, s.calls)
	}
}

// MaxOps bounds a command; what is left over goes in the next.
func TestEngineSplitsLargeBatches(t *testing.T) {
	g := newGatedRunner(t)
	e := newTestEngine(g)
	e.MaxOps = 2
	g.letThrough(100)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); _ = e.Mask(context.Background(), "first.service", Persistent, false) }()
	<-g.started
	for i := 0; i < 5; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = e.Mask(context.Background(), fmt.Sprintf("u%d.service", i), Persistent, false)
		}()
	}
	wg.Wait()
	n := 0
	for _, call := range g.calls {
		if len(call.ops) > 2 {
			t.Errorf("a command with %d ops", len(call.ops))
		}
		n += len(call.ops)
	}
	if n != 6 {
		t.Errorf("%d ops ran, want 6", n)
	}
}

// expectCompany makes every request of e arrive with company (see Linger),
// as in a run at Terraform's default -parallelism, so that writes sent
// together wait for each other.
func expectCompany(e *Engine) {
	e.CompanyWindow = time.Hour
	e.lastArrival = time.Now()
}

// recordSleeps replaces the linger's wait with a record of it.
func recordSleeps(e *Engine) *[]time.Duration {
	var mu sync.Mutex
	var slept []time.Duration
	e.sleep = func(d time.Duration) {
		mu.Lock()
		slept = append(slept, d)
		mu.Unlock()
	}
	return &slept
}

// A write waits for company only when it has some: writes that arrive one
// at a time never wait; the writes that arrive while a batch runs wait
// Linger for the rest, and share one command.
func TestEngineLingersOnlyWithCompany(t *testing.T) {
	t.Run("one at a time", func(t *testing.T) {
		g := newGatedRunner(t)
		e := NewEngine(g, ScopeSystem, false)
		e.Linger = time.Hour
		slept := recordSleeps(e)
		clock := time.Now()
		e.now = func() time.Time { return clock }
		g.letThrough(10)
		for i := 0; i < 3; i++ {
			if res := e.Mask(context.Background(), fmt.Sprintf("u%d.service", i), Persistent, false); res.Err != nil {
				t.Fatal(res.Err)
			}
			clock = clock.Add(DefaultCompanyWindow) // the next arrives no sooner
		}
		if len(*slept) != 0 || len(g.calls) != 3 {
			t.Errorf("waited %v in %d commands; want no wait, one command a write", *slept, len(g.calls))
		}
	})
	t.Run("a burst", func(t *testing.T) {
		g := newGatedRunner(t)
		e := NewEngine(g, ScopeSystem, false)
		e.Linger = 200 * time.Millisecond
		slept := recordSleeps(e)
		var wg sync.WaitGroup
		mask := func(name string) {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_ = e.Mask(context.Background(), name, Persistent, false)
			}()
		}
		mask("first.service")
		<-g.started // the first runs alone, at once
		for i := 0; i < 3; i++ {
			mask(fmt.Sprintf("u%d.service", i))
		}
		waitQueued(t, e, 3)
		g.letThrough(10)
		wg.Wait()
		if len(g.calls) != 2 || len(g.calls[0].ops) != 1 || len(g.calls[1].ops) != 3 {
			t.Errorf("commands %v, want the first alone and the three that came while it ran in one", g.calls)
		}
		if !slices.Equal(*slept, []time.Duration{e.Linger}) {
			t.Errorf("waited %v, want one Linger, before the second command", *slept)
		}
	})
	t.Run("close behind another", func(t *testing.T) {
		g := newGatedRunner(t)
		e := NewEngine(g, ScopeSystem, false)
		slept := recordSleeps(e)
		clock := time.Now()
		e.now = func() time.Time { return clock }
		g.letThrough(10)
		if _, err := e.State(context.Background(), "a.service"); err != nil {
			t.Fatal(err)
		}
		clock = clock.Add(e.CompanyWindow - time.Millisecond)
		_ = e.Mask(context.Background(), "a.service", Persistent, false)
		if !slices.Equal(*slept, []time.Duration{e.Linger}) {
			t.Errorf("waited %v, want one Linger for a write right behind a read", *slept)
		}
	})
	t.Run("while another host is busy", func(t *testing.T) {
		var traffic Traffic
		busy, idle := newGatedRunner(t), newGatedRunner(t)
		other, e := NewEngine(busy, ScopeSystem, false), NewEngine(idle, ScopeSystem, false)
		other.Traffic, e.Traffic = &traffic, &traffic
		slept := recordSleeps(e)
		done := make(chan OpResult)
		go func() { done <- other.Mask(context.Background(), "b.service", Persistent, false) }()
		<-busy.started
		idle.letThrough(1)
		_ = e.Mask(context.Background(), "a.service", Persistent, false)
		if !slices.Equal(*slept, []time.Duration{e.Linger}) {
			t.Errorf("waited %v, want one Linger while another Engine's request runs", *slept)
		}
		busy.letThrough(1)
		<-done
		if traffic.busy() {
			t.Errorf("traffic still counts %d requests after every answer", traffic.n.Load())
		}
	})
}

// The Engine runs the batch through sudo when it was made with sudo, and
// never for the user scope.
func TestEngineSudo(t *testing.T) {
	for _, tt := range []struct {
		scope Scope
		sudo  bool
		want  string
	}{
		{ScopeSystem, true, "1"}, {ScopeGlobal, true, "1"}, {ScopeSystem, false, "0"}, {ScopeUser, true, "0"},
	} {
		masked := spLines(tt.scope) + rLine(tt.scope, "a.service", testSearchPath(tt.scope)[managedIndex(tt.scope, Persistent)].path+":n") + "end\n"
		r := &recordingRunner{answer: Result{Stdout: []byte(masked)}}
		e := NewEngine(r, tt.scope, tt.sudo)
		e.Linger = 0
		if res := e.Mask(context.Background(), "a.service", Persistent, false); res.Err != nil {
			t.Errorf("%s: %v", tt.scope, res.Err)
		}
		if len(r.got) != 1 || r.got[0].Argv[6] != tt.want {
			t.Errorf("%s sudo=%v: %q", tt.scope, tt.sudo, r.got)
		}
	}
}

// recordingRunner records every command and answers each with answer.
type recordingRunner struct {
	mu     sync.Mutex
	answer Result
	got    []Command
}

func (r *recordingRunner) Run(_ context.Context, cmd Command) (Result, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, cmd)
	return r.answer, nil
}

// An unmask of a unit and layer that this Engine has masked keeps the mask
// and sends nothing: two resources of one run on the same unit (a rename,
// a moved module) must leave it masked. Another layer is another mask.
func TestEngineKeepsItsOwnMasks(t *testing.T) {
	g := newGatedRunner(t)
	g.letThrough(100)
	e := newTestEngine(g)
	ctx := context.Background()
	if r := e.Mask(ctx, "a.service", Persistent, false); r.Err != nil {
		t.Fatal(r.Err)
	}
	if r := e.Unmask(ctx, "a.service", Persistent); r != (OpResult{Kept: true}) {
		t.Errorf("unmask after this Engine's mask: %+v, want Kept", r)
	}
	if g.callCount() != 1 {
		t.Errorf("the kept unmask ran a command: %v", g.calls)
	}
	if !g.host["a.service"].Masked(Persistent) {
		t.Error("the mask is gone")
	}

	if r := e.Unmask(ctx, "a.service", Runtime); r.Kept || r.Err != nil {
		t.Errorf("the other layer's unmask: %+v", r)
	}
	if r := e.Unmask(ctx, "b.service", Persistent); r.Kept || r.Err != nil {
		t.Errorf("another unit's unmask: %+v", r)
	}
	if g.callCount() != 3 {
		t.Errorf("%d commands, want the two unmasks not kept", g.callCount())
	}

	// A mask that failed is no mask of this Engine's.
	g.mu.Lock()
	g.failed = map[string]string{"c.service": `Failed to mask unit, file "/etc/systemd/system/c.service" already exists.`}
	g.mu.Unlock()
	if r := e.Mask(ctx, "c.service", Persistent, false); r.Err == nil {
		t.Fatal("the conflict was not reported")
	}
	if r := e.Unmask(ctx, "c.service", Persistent); r.Kept {
		t.Errorf("unmask after a failed mask: %+v", r)
	}
	if g.callCount() != 5 {
		t.Errorf("%d commands", g.callCount())
	}
}

// A mask and an unmask of the same unit and layer queued in one batch: the
// unmask is not sent, and is Kept; an unmask of the other layer is sent.
func TestEngineMaskWinsInOneBatch(t *testing.T) {
	g := newGatedRunner(t)
	g.host["a.service"] = MaskState{Runtime: EntryNullLink}
	e := newTestEngine(g)
	ctx := context.Background()
	go func() { _ = e.Mask(ctx, "first.service", Persistent, false) }()
	<-g.started

	results := map[string]OpResult{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	run := func(what string, f func() OpResult) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := f()
			mu.Lock()
			results[what] = r
			mu.Unlock()
		}()
	}
	// The unmask first: the old address's destroy, then the new one's create.
	run("unmask", func() OpResult { return e.Unmask(ctx, "a.service", Persistent) })
	waitQueued(t, e, 1)
	run("mask", func() OpResult { return e.Mask(ctx, "a.service", Persistent, false) })
	waitQueued(t, e, 2)
	run("unmask runtime", func() OpResult { return e.Unmask(ctx, "a.service", Runtime) })
	waitQueued(t, e, 3)
	g.release <- struct{}{}
	<-g.started
	g.release <- struct{}{}
	wg.Wait()

	if len(g.calls) != 2 {
		t.Fatalf("commands %v", g.calls)
	}
	want := []Op{{Kind: OpMask, Name: "a.service"}, {Kind: OpUnmask, Name: "a.service", Layer: Runtime}}
	if !reflect.DeepEqual(g.calls[1].ops, want) {
		t.Errorf("the batch sent %+v, want %+v", g.calls[1].ops, want)
	}
	if r := results["unmask"]; r != (OpResult{Kept: true}) {
		t.Errorf("unmask: %+v, want Kept", r)
	}
	if r := results["mask"]; !succeeded(r) {
		t.Errorf("mask: %+v", r)
	}
	if r := results["unmask runtime"]; !succeeded(r) {
		t.Errorf("unmask runtime: %+v", r)
	}
	if st := g.host["a.service"]; !st.Masked(Persistent) || st.Runtime != EntryNone {
		t.Errorf("host: %+v", st)
	}
	// And the mask is this Engine's now.
	if r := e.Unmask(ctx, "a.service", Persistent); !r.Kept {
		t.Errorf("later unmask: %+v", r)
	}
}

// An unmask that arrives while the mask of the same unit and layer is in a
// batch that is running (the first write of a burst runs at once) keeps the
// mask, and is sent in no later batch: the unit ends masked.
func TestEngineMaskInFlightWins(t *testing.T) {
	g := newGatedRunner(t)
	e := newTestEngine(g)
	ctx := context.Background()
	masked := make(chan OpResult, 1)
	go func() { masked <- e.Mask(ctx, "a.service", Persistent, false) }()
	<-g.started // the mask's batch is running
	unmasked := make(chan OpResult, 1)
	go func() { unmasked <- e.Unmask(ctx, "a.service", Persistent) }()
	// It answers at once, or it has queued behind the running batch.
	for answered := false; !answered; time.Sleep(time.Millisecond) {
		select {
		case r := <-unmasked:
			if r != (OpResult{Kept: true}) {
				t.Errorf("unmask during the mask's batch: %+v, want Kept", r)
			}
			answered = true
		default:
			e.mu.Lock()
			queued := len(e.queue)
			e.mu.Unlock()
			if queued > 0 {
				t.Error("the unmask queued behind the mask's batch, to run after it")
				answered = true
			}
		}
	}
	g.letThrough(10)
	if r := <-masked; !succeeded(r) {
		t.Errorf("mask: %+v", r)
	}
	for _, c := range g.calls {
		for _, op := range c.ops {
			if op.Kind == OpUnmask {
				t.Errorf("an unmask was sent: %+v", g.calls)
			}
		}
	}
	if st := g.host["a.service"]; !st.Masked(Persistent) {
		t.Errorf("host: %+v, want the mask", st)
	}
}

// lostErr is a transport error after which the command may have run.
type lostErr struct{ mayHaveRun bool }

func (e lostErr) Error() string    { return "connection lost" }
func (e lostErr) MayHaveRun() bool { return e.mayHaveRun }

// lostRunner fails its first command with err, having applied the ops of
// the units in applied (or none), then answers from its host.
type lostRunner struct {
	t       *testing.T
	host    memHost
	err     error
	applied map[string]bool
	calls   []batchCall
}

func (l *lostRunner) Run(_ context.Context, cmd Command) (Result, error) {
	call := batchCallOf(l.t, cmd)
	l.calls = append(l.calls, call)
	if len(l.calls) == 1 {
		var done []Op
		for _, op := range call.ops {
			if l.applied[op.Name] {
				done = append(done, op)
			}
		}
		l.host.apply(done, nil)
		return Result{}, l.err
	}
	l.host.apply(call.ops, nil)
	return l.host.answer(call.ops, call.sweep, nil), nil
}

// A write batch whose fate is unknown (its error says MayHaveRun) is read
// again once: an op whose effect is on the host is Applied, with the
// error kept; one whose effect is not is not Applied. Another error is not
// read again.
func TestEngineRereadsAfterALostBatch(t *testing.T) {
	ops := []Op{
		{Kind: OpMask, Name: "done.service"},
		{Kind: OpMask, Name: "notdone.service"},
		{Kind: OpUnmask, Name: "gone.service", Layer: Runtime},
		{Kind: OpUnmask, Name: "stays.service"},
	}
	tests := []struct {
		what   string
		err    error
		reread bool
	}{
		{"may have run", lostErr{mayHaveRun: true}, true},
		{"may have run, wrapped", fmt.Errorf("ssh: %w", lostErr{mayHaveRun: true}), true},
		{"did not run", lostErr{mayHaveRun: false}, false},
		{"no MayHaveRun", errors.New("connection refused"), false},
	}
	for _, tt := range tests {
		t.Run(tt.what, func(t *testing.T) {
			l := &lostRunner{t: t, err: tt.err, host: memHost{
				"gone.service":  {Runtime: EntryNullLink},
				"stays.service": {Persistent: EntryNullLink},
			}, applied: map[string]bool{"done.service": true, "gone.service": true}}
			e := newTestEngine(l)
			e.Linger = 300 * time.Millisecond
			expectCompany(e)
			results := make([]OpResult, len(ops))
			var wg sync.WaitGroup
			for i, op := range ops {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if op.Kind == OpMask {
						results[i] = e.Mask(context.Background(), op.Name, op.Layer, false)
					} else {
						results[i] = e.Unmask(context.Background(), op.Name, op.Layer)
					}
				}()
			}
			wg.Wait()
			if len(l.calls[0].ops) != len(ops) {
				t.Fatalf("the ops went out in %d commands: %+v", len(l.calls), l.calls)
			}
			if !tt.reread {
				if len(l.calls) != 1 {
					t.Errorf("read again: %+v", l.calls)
				}
				for i, r := range results {
					if r.Applied || !errors.Is(r.Err, tt.err) {
						t.Errorf("%s: %+v", ops[i].Name, r)
					}
				}
				return
			}
			if len(l.calls) != 2 || !l.calls[1].sweep || len(l.calls[1].ops) != 0 {
				t.Fatalf("want one read after the lost batch: %+v", l.calls)
			}
			for i, r := range results {
				done := ops[i].Name == "done.service" || ops[i].Name == "gone.service"
				if r.Applied != done || !errors.Is(r.Err, tt.err) {
					t.Errorf("%s: %+v, want Applied=%v with the error", ops[i].Name, r, done)
				}
				if done && !strings.Contains(r.Err.Error(), "read again afterwards, the host shows the") {
					t.Errorf("%s: %v", ops[i].Name, r.Err)
				}
			}
		})
	}
}

func TestEngineUnitInfo(t *testing.T) {
	ctx := context.Background()
	answer := spLines(ScopeSystem) + rLine(ScopeSystem, "cron.service", "/usr/lib/systemd/system:f") + cronShow + "end\n"
	r := &unitInfoRunner{res: Result{Stdout: []byte(answer)}}
	info, err := NewEngine(r, ScopeSystem, true).UnitInfo(ctx, "cron.service")
	if err != nil || info.Status == nil || info.Status.ActiveState != "active" {
		t.Fatalf("UnitInfo = %+v, %v", info, err)
	}
	if len(r.got) != 1 || !reflect.DeepEqual(r.got[0], ScopeSystem.UnitInfoCommand("cron.service")) || r.got[0].Privileged {
		t.Errorf("ran %v, want the one unit-info command, without sudo", r.got)
	}

	// systemctl --user without a user manager: show fails, the script too.
	r = &unitInfoRunner{res: Result{ExitCode: 1, Stderr: []byte("Failed to connect to bus: Permission denied\n")}}
	_, err = NewEngine(r, ScopeUser, false).UnitInfo(ctx, "x.service")
	var ce *CommandError
	if !errors.As(err, &ce) || !ce.NoUserManager() || ce.ExitCode != 1 || ce.Stderr != "Failed to connect to bus: Permission denied" {
		t.Errorf("no user manager: %v", err)
	}
	if !reflect.DeepEqual(r.got[0], ScopeUser.UnitInfoCommand("x.service")) {
		t.Error("not the user scope's command")
	}

	// A garbled answer is an error, with what the command said on stderr.
	r = &unitInfoRunner{res: Result{Stdout: []byte("sp\t0\n"), Stderr: []byte("sh: 3: printf: I/O error\n")}}
	if _, err = NewEngine(r, ScopeSystem, false).UnitInfo(ctx, "x.service"); err == nil || !strings.Contains(err.Error(), "I/O error") {
		t.Errorf("garbled: %v", err)
	}

	transport := errors.New("connection reset")
	r = &unitInfoRunner{err: transport}
	if _, err = NewEngine(r, ScopeSystem, false).UnitInfo(ctx, "x.service"); !errors.Is(err, transport) {
		t.Errorf("transport error: %v", err)
	}
}

func TestEngineMaskedUnits(t *testing.T) {
	ctx := context.Background()
	r := &unitInfoRunner{res: Result{Stdout: []byte(debianAnswer)}}
	units, err := NewEngine(r, ScopeSystem, true).MaskedUnits(ctx)
	if err != nil || len(units) != len(debianMasked) {
		t.Fatalf("MaskedUnits = %+v, %v", units, err)
	}
	if len(r.got) != 1 || !reflect.DeepEqual(r.got[0], ScopeSystem.MaskedUnitsCommand()) || r.got[0].Privileged {
		t.Errorf("ran %v, want the one masked-units command, without sudo", r.got)
	}

	// Nothing masked.
	r = &unitInfoRunner{res: Result{Stdout: []byte(spLines(ScopeGlobal) + "end\n")}}
	if units, err = NewEngine(r, ScopeGlobal, false).MaskedUnits(ctx); err != nil || len(units) != 0 {
		t.Errorf("nothing masked: %+v, %v", units, err)
	}
	if !reflect.DeepEqual(r.got[0], ScopeGlobal.MaskedUnitsCommand()) {
		t.Error("not the global scope's command")
	}

	// The script failing, with a message: an error, not an empty list.
	r = &unitInfoRunner{res: Result{ExitCode: 1, Stderr: []byte("Failed to connect to user scope bus via local transport: No such file or directory\n")}}
	_, err = NewEngine(r, ScopeUser, false).MaskedUnits(ctx)
	var ce *CommandError
	if !errors.As(err, &ce) || !ce.NoUserManager() || ce.ExitCode != 1 {
		t.Fatalf("no user manager: %v", err)
	}
	r = &unitInfoRunner{res: Result{ExitCode: 127, Stderr: []byte("sh: not found")}}
	if _, err = NewEngine(r, ScopeSystem, false).MaskedUnits(ctx); !errors.As(err, &ce) || ce.ExitCode != 127 {
		t.Errorf("exit 127: %v", err)
	}

	// A garbled answer: an error, with stderr.
	r = &unitInfoRunner{res: Result{Stdout: []byte(spLines(ScopeSystem) + "r\tx.service\n"), Stderr: []byte("Broken pipe")}}
	if _, err = NewEngine(r, ScopeSystem, false).MaskedUnits(ctx); err == nil || !strings.Contains(err.Error(), "Broken pipe") {
		t.Errorf("garbled: %v", err)
	}

	transport := errors.New("connection reset")
	r = &unitInfoRunner{err: transport}
	if _, err = NewEngine(r, ScopeSystem, false).MaskedUnits(ctx); !errors.Is(err, transport) {
		t.Errorf("transport error: %v", err)
	}
}

// managedIndex is the index, in s's test search path, of the directory
// that layer l's masks are written to.
func managedIndex(s Scope, l Layer) int {
	want := SearchPersistent
	if l == Runtime {
		want = SearchRuntime
	}
	for i, d := range testSearchPath(s) {
		if d.layer == want {
			return i
		}
	}
	panic("no " + l.String() + " directory")
}
