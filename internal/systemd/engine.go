package systemd

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/terraform-plugin-log/tflog"
)

// Host is what the provider needs of one host and scope: the resource and
// both data sources go through it. Engine is the real one; systemdtest has
// one in memory.
type Host interface {
	// Mask puts a mask on name in layer, and with stop also stops the unit
	// (systemctl mask --now).
	Mask(ctx context.Context, name string, layer Layer, stop bool) OpResult
	// Unmask removes the mask of name in layer, and only that one. Mask
	// and Unmask results without Err or Kept carry what the host holds
	// afterwards (OpResult.After).
	Unmask(ctx context.Context, name string, layer Layer) OpResult
	// State reads what both layers hold for each named unit, and what
	// systemd loads for it.
	State(ctx context.Context, names ...string) (map[string]MaskState, error)
	// UnitInfo reads what the host says about one unit.
	UnitInfo(ctx context.Context, name string) (UnitInfo, error)
	// MaskedUnits lists the units systemd loads as masked, by name.
	MaskedUnits(ctx context.Context) ([]MaskedUnit, error)
}

var _ Host = (*Engine)(nil)

// Engine masks, unmasks and reads units of one scope on one host, and
// coalesces what arrives together: while one batch runs, every request that
// arrives queues, and the next batch takes them all, in one remote command
// (BatchCommand). An idle Engine runs a request at once, so coalescing adds
// no wait; under load the batches grow instead of the queue.
//
// A batch with reads in it ends by sweeping both layers' directories whole,
// and reads within SweepReuse of a sweep, with no write of this Engine
// queued or running, are answered from it: a refresh reads a host once per
// walk, not once per unit. A batch of writes only reads back its
// own units, and each op's result carries what it found for its unit
// (OpResult.After), so that a write's own follow-up (Delete's check of the
// other layer) needs no read of its own, whatever else is queued.
//
// Two resources of one run on the same unit and layer (a rename, a
// for_each key change, a module move: one address destroyed, another
// created) must leave it masked, whatever order they come in: an unmask of
// a unit that this Engine has masked, or is masking (queued, or running),
// leaves the mask in place (OpResult.Kept); an unmask that came first is
// undone by the mask that follows.
type Engine struct {
	runner Runner
	mgr    Manager
	sudo   bool
	// bus answers the batch's systemctl calls where it can (Bus).
	bus *Bus
	// SweepReuse is how long a finished sweep answers reads.
	SweepReuse time.Duration
	// Linger is how long a batch with writes waits for company before it
	// runs: Terraform sends at most -parallelism requests at a time, spread
	// over the hosts, so a host's requests arrive a few milliseconds apart,
	// and each batch costs the host a fork, its script and two calls to PID
	// 1 (systemctl processes where the Bus cannot serve them) whatever its
	// size. Reads never wait: one sweep answers
	// them all anyway.
	//
	// Only a write that has company waits: one that arrived while another
	// request of this Engine, or of an Engine sharing its Traffic, was
	// queued or running, or less than CompanyWindow after the one before
	// it. A run that sends one request at a time (-parallelism=1) never has
	// company, so it never waits for what cannot come; in a burst, the
	// writes that arrive while anything runs wait for the rest.
	Linger time.Duration
	// CompanyWindow is how close after another request a write still counts
	// as arriving with company.
	CompanyWindow time.Duration
	// Traffic, when set, is shared by the Engines of one provider process:
	// a write also has company while another Engine's request is
	// unanswered. Terraform's workers spread over the hosts, so a host's
	// next write is on its way while the others' run; a run that sends one
	// request at a time has none anywhere.
	Traffic *Traffic
	// MaxOps caps the ops in one command, well below what sshd and the
	// kernel accept in one command line.
	MaxOps int
	// now is the clock, and sleep the linger's wait, for tests.
	now   func() time.Time
	sleep func(time.Duration)

	mu      sync.Mutex
	queue   []*request
	running bool
	writes  int // queued or running ops
	// lastArrival is when the last request arrived; outstanding counts the
	// requests queued or in a running batch, not yet answered.
	lastArrival time.Time
	outstanding int
	// known is what the last batch learnt: every unit after a sweep
	// (complete), the ops' units after a write batch.
	known    map[string]MaskState
	complete bool
	knownAt  time.Time
	// masked are the units and layers this Engine has masked, and masking
	// the masks queued or running.
	masked  map[claim]bool
	masking map[claim]int
}

// Traffic counts the unanswered requests of a set of Engines (see
// Engine.Traffic); a nil Traffic counts nothing.
type Traffic struct{ n atomic.Int64 }

func (t *Traffic) add(d int) {
	if t != nil {
		t.n.Add(int64(d))
	}
}

func (t *Traffic) busy() bool { return t != nil && t.n.Load() > 0 }

type claim struct {
	name  string
	layer Layer
}

// DefaultSweepReuse is how long a sweep answers reads by default. Terraform
// starts a provider process per walk and reads each resource once in it, in
// an order of its own that interleaves the hosts, so a host's reads spread
// over the whole walk: a sweep a second would sweep each host once a second
// of the plan. Any read of a walk may come at its start or its end, so a
// sweep taken earlier in the walk is as true as Terraform's order makes any
// read; the bound keeps it within one walk of a large plan.
const DefaultSweepReuse = 30 * time.Second

// DefaultLinger and DefaultCompanyWindow: BENCHMARKS.md has what they cost
// and save.
const (
	DefaultLinger        = 20 * time.Millisecond
	DefaultCompanyWindow = 5 * time.Millisecond
)

// NewEngine returns the Engine of scope s through r; with sudo, its writes
// run systemctl through sudo (never for the user scope, whose units belong
// to the login user).
func NewEngine(r Runner, s Scope, sudo bool) *Engine {
	return NewManagerEngine(r, Manager{Scope: s}, sudo)
}

// NewManagerEngine is NewEngine for m's units: with an Account, another
// account's user units, whose commands run as root (Command.AsRoot).
func NewManagerEngine(r Runner, m Manager, sudo bool) *Engine {
	e := &Engine{runner: r, mgr: m, sudo: sudo, SweepReuse: DefaultSweepReuse, Linger: DefaultLinger, CompanyWindow: DefaultCompanyWindow,
		MaxOps: 200, now: time.Now, sleep: time.Sleep, masked: map[claim]bool{}, masking: map[claim]int{}}
	// The Bus asks PID 1 as the login, so only for root and the system
	// scope; through sudo the login is not root.
	if d, ok := r.(UnixDialer); ok && m.Scope == ScopeSystem && m.Account == "" && !sudo {
		e.bus = NewBus(d)
	}
	return e
}

// Bus is the Engine's Bus, nil where it has none.
func (b *Engine) Bus() *Bus { return b.bus }

type request struct {
	op    *Op // nil for a read
	names []string
	done  chan outcome
	// company: another request was queued or running when this one
	// arrived, or arrived just before it (see Linger).
	company bool
}

type outcome struct {
	op     OpResult
	states map[string]MaskState
	err    error // the batch's fate is unknown or failed as a whole
}

// Mask puts a mask on name in layer. It is idempotent: a unit already masked
// there (by a link, or by an empty file) is left as it is. With stop it
// also stops the unit (systemctl mask --now).
func (b *Engine) Mask(ctx context.Context, name string, layer Layer, stop bool) OpResult {
	c := claim{name, layer}
	b.mu.Lock()
	b.masking[c]++
	b.mu.Unlock()
	res := b.write(ctx, Op{Kind: OpMask, Name: name, Layer: layer, Now: stop})
	b.mu.Lock()
	if b.masking[c]--; b.masking[c] == 0 {
		delete(b.masking, c)
	}
	if res.Err == nil || res.Applied {
		b.masked[c] = true
	}
	b.mu.Unlock()
	return res
}

// Unmask removes the mask of name in layer, and only that one. Unmasking a
// unit that is not masked succeeds, as with systemctl. A unit this Engine
// has masked in that layer, or is masking (the mask queued, or in a batch
// that is running), keeps its mask (Kept).
func (b *Engine) Unmask(ctx context.Context, name string, layer Layer) OpResult {
	c := claim{name, layer}
	b.mu.Lock()
	kept := b.masked[c] || b.masking[c] > 0
	b.mu.Unlock()
	if kept {
		return OpResult{Kept: true}
	}
	return b.write(ctx, Op{Kind: OpUnmask, Name: name, Layer: layer})
}

// write returns the op's own result. A batch that failed as a whole (no
// connection, sudo refused, an unreadable answer) is every op's error, with
// nothing known to be applied.
func (b *Engine) write(ctx context.Context, op Op) OpResult {
	out := b.do(ctx, &request{op: &op, done: make(chan outcome, 1)})
	if out.err != nil {
		return OpResult{Err: out.err}
	}
	return out.op
}

// State reads what both layers hold for each named unit.
func (b *Engine) State(ctx context.Context, names ...string) (map[string]MaskState, error) {
	b.mu.Lock()
	if b.answers(names) {
		states := pick(b.known, names)
		b.mu.Unlock()
		return states, nil
	}
	b.mu.Unlock()
	out := b.do(ctx, &request{names: names, done: make(chan outcome, 1)})
	return out.states, out.err
}

// answers reports whether what the last batch learnt answers a read of
// names: no write queued or running, learnt within SweepReuse, and about
// those units. Called with b.mu held.
func (b *Engine) answers(names []string) bool {
	return b.writes == 0 && b.now().Sub(b.knownAt) < b.SweepReuse && b.knows(names)
}

func (b *Engine) knows(names []string) bool {
	if b.complete {
		return true
	}
	for _, n := range names {
		if _, ok := b.known[n]; !ok {
			return false
		}
	}
	return len(b.known) > 0
}

func pick(all map[string]MaskState, names []string) map[string]MaskState {
	states := make(map[string]MaskState, len(names))
	for _, n := range names {
		states[n] = all[n]
	}
	return states
}

// do queues req and waits for it. A request withdrawn by its context before
// its batch started never reaches the host; one whose batch is running is
// waited for, so that the caller learns what happened on the host.
func (b *Engine) do(ctx context.Context, req *request) outcome {
	b.mu.Lock()
	now := b.now()
	req.company = b.outstanding > 0 || b.Traffic.busy() || (!b.lastArrival.IsZero() && now.Sub(b.lastArrival) < b.CompanyWindow)
	b.lastArrival = now
	b.outstanding++
	b.Traffic.add(1)
	b.queue = append(b.queue, req)
	if req.op != nil {
		b.writes++
	}
	if !b.running {
		b.running = true
		go b.drain(context.WithoutCancel(ctx))
	}
	b.mu.Unlock()
	select {
	case out := <-req.done:
		return out
	case <-ctx.Done():
	}
	b.mu.Lock()
	if i := slices.Index(b.queue, req); i >= 0 {
		b.queue = slices.Delete(b.queue, i, i+1)
		b.outstanding--
		b.Traffic.add(-1)
		if req.op != nil {
			b.writes--
		}
		b.mu.Unlock()
		return outcome{err: context.Cause(ctx)}
	}
	b.mu.Unlock()
	return <-req.done
}

// drain runs batches until the queue is empty. Its context carries the
// provider's logger, from the request that started it (the transport logs
// each command); tflog fields are values, not I/O.
func (b *Engine) drain(ctx context.Context) {
	for {
		b.linger()
		b.mu.Lock()
		batch, rest, n := b.queue, []*request(nil), 0
		for i, req := range batch {
			if req.op != nil {
				if n == b.MaxOps {
					batch, rest = slices.Clone(b.queue[:i]), b.queue[i:]
					break
				}
				n++
			}
		}
		b.queue = rest
		if len(batch) == 0 {
			b.running = false
			b.mu.Unlock()
			return
		}
		if b.answerFromKnown(batch) {
			b.mu.Unlock()
			continue
		}
		b.mu.Unlock()
		b.run(ctx, batch)
	}
}

// answerFromKnown answers a batch of reads only from what the batch before
// it learnt (its sweep, or a write's read-back of the units read), as State
// answers a read that arrives after it: the reads that a host's first
// sweep keeps waiting (a login, the shell's start) need no second one.
// Called with b.mu held.
func (b *Engine) answerFromKnown(batch []*request) bool {
	for _, req := range batch {
		if req.op != nil || !b.answers(req.names) {
			return false
		}
	}
	b.outstanding -= len(batch)
	b.Traffic.add(-len(batch))
	for _, req := range batch {
		req.done <- outcome{states: pick(b.known, req.names)}
	}
	return true
}

func (b *Engine) linger() {
	if b.Linger <= 0 {
		return
	}
	b.mu.Lock()
	wait := slices.ContainsFunc(b.queue, func(r *request) bool { return r.op != nil && r.company })
	b.mu.Unlock()
	if wait {
		b.sleep(b.Linger)
	}
}

func (b *Engine) run(ctx context.Context, batch []*request) {
	var ops []Op
	var names []string
	sweep := false
	// An unmask whose unit and layer a mask of the same batch writes is not
	// sent: the mask wins (see Engine).
	masks := map[claim]bool{}
	for _, req := range batch {
		if req.op != nil && req.op.Kind == OpMask {
			masks[claim{req.op.Name, req.op.Layer}] = true
		}
	}
	opIndex := make([]int, len(batch))
	for i, req := range batch {
		opIndex[i] = -1
		switch {
		case req.op == nil:
			names = append(names, req.names...)
			sweep = true
		case req.op.Kind == OpUnmask && masks[claim{req.op.Name, req.op.Layer}]:
		default:
			opIndex[i] = len(ops)
			ops = append(ops, *req.op)
			names = append(names, req.op.Name)
		}
	}
	ctx = tflog.SetField(ctx, "unit", strings.Join(names, " "))
	ctx = tflog.SetField(ctx, "batch", len(batch))
	res, err := b.runOnce(ctx, ops, sweep)
	var uncertain []OpResult
	if err != nil && len(ops) > 0 && mayHaveRun(err) {
		uncertain = b.reread(ctx, ops, err)
	}
	b.mu.Lock()
	b.writes -= len(batch) - countReads(batch)
	// Answered from here on: a request that arrives after this one's
	// answer (a serial run's next) arrives alone.
	b.outstanding -= len(batch)
	b.Traffic.add(-len(batch))
	if err == nil {
		b.known, b.complete, b.knownAt = res.States, sweep, b.now()
	} else if len(ops) > 0 {
		b.known, b.complete = nil, false
	}
	b.mu.Unlock()
	for i, req := range batch {
		out := outcome{err: err}
		switch {
		case req.op == nil && err == nil:
			out.states = pick(res.States, req.names)
		case req.op == nil:
		case opIndex[i] < 0:
			out = outcome{op: OpResult{Kept: true}}
		case uncertain != nil:
			out = outcome{op: uncertain[opIndex[i]]}
		case err == nil:
			out.op = res.Ops[opIndex[i]]
			st := res.State(req.op.Name)
			out.op.After = &st
		}
		req.done <- out
	}
}

func countReads(batch []*request) int {
	n := 0
	for _, req := range batch {
		if req.op == nil {
			n++
		}
	}
	return n
}

// mayHaveRun reports whether a Runner's error leaves open that the command
// ran on the host (it started, then timed out or lost its connection).
func mayHaveRun(err error) bool {
	var m interface{ MayHaveRun() bool }
	return errors.As(err, &m) && m.MayHaveRun()
}

// reread reads the host again after a write batch whose fate is unknown: an
// op whose effect is there is Applied (the resource keeps it, tainted by
// err) rather than reported "not applied" and orphaned.
func (b *Engine) reread(ctx context.Context, ops []Op, err error) []OpResult {
	res, rerr := b.runOnce(ctx, nil, true)
	if rerr != nil {
		tflog.Debug(ctx, "could not read the host again after a failed batch", map[string]any{"error": rerr.Error()})
		return nil
	}
	out := make([]OpResult, len(ops))
	for i, op := range ops {
		out[i].Err = err
		if res.State(op.Name).Entry(op.Layer).Masked() == (op.Kind == OpMask) {
			out[i] = OpResult{Applied: true, Err: fmt.Errorf("%w; read again afterwards, the host shows the %s done", err, op.word())}
		}
	}
	return out
}

// runOnce runs the batch; an answer that does not parse is read once more
// before it is an error: once, right after sshd was killed and restarted
// under load, an answer came back empty with exit status 0, and every op is
// idempotent, so running a batch twice is harmless.
func (b *Engine) runOnce(ctx context.Context, ops []Op, sweep bool) (BatchResult, error) {
	cmd := b.mgr.BatchCommand(ops, sweep, b.sudo)
	if b.bus != nil && len(ops) > 0 {
		cmd.Calls = b.bus
	}
	var parseErr error
	for try := 0; try < 2; try++ {
		out, err := b.runner.Run(ctx, cmd)
		if err != nil {
			return BatchResult{}, err
		}
		if out.ExitCode != 0 {
			return BatchResult{}, &CommandError{Command: cmd, ExitCode: out.ExitCode, Stderr: cleanStderr(out.Stderr)}
		}
		res, err := b.mgr.Scope.ParseBatch(out.Stdout, ops)
		if err == nil || b.refused(err) {
			return res, err
		}
		parseErr = err
	}
	return BatchResult{}, parseErr
}

// refused reports whether err is the script's refusal to reach the
// account (an answer, not a garbled one: reading again would not change
// it), and names the account in it.
func (b *Engine) refused(err error) bool {
	var ae *AccountError
	if !errors.As(err, &ae) {
		return false
	}
	ae.Account = b.mgr.Account
	return true
}

// UnitInfo reads what the host says about unit name, in one command.
func (b *Engine) UnitInfo(ctx context.Context, name string) (UnitInfo, error) {
	var info UnitInfo
	err := b.read(ctx, b.mgr.UnitInfoCommand(name), func(out []byte) (err error) {
		info, err = b.mgr.Scope.ParseUnitInfo(out, name)
		return err
	})
	return info, err
}

// read runs a read-only command and parses its answer, which is read once
// more when it does not parse, as runOnce does for batches: an answer cut
// short is an error, never a unit that is not masked, and reading twice is
// harmless.
func (b *Engine) read(ctx context.Context, cmd Command, parse func([]byte) error) error {
	var err error
	for try := 0; try < 2; try++ {
		res, runErr := b.runner.Run(ctx, cmd)
		if runErr != nil {
			return runErr
		}
		stderr := string(bytes.TrimSpace(res.Stderr))
		if res.ExitCode != 0 {
			return &CommandError{Command: cmd, ExitCode: res.ExitCode, Stderr: stderr}
		}
		if err = withStderr(parse(res.Stdout), stderr); err == nil || b.refused(err) {
			return err
		}
	}
	return err
}

// MaskedUnits lists the scope's masked units, sorted by name, in one
// command.
func (b *Engine) MaskedUnits(ctx context.Context) ([]MaskedUnit, error) {
	var units []MaskedUnit
	err := b.read(ctx, b.mgr.MaskedUnitsCommand(), func(out []byte) (err error) {
		units, err = b.mgr.Scope.ParseMaskedUnits(out)
		return err
	})
	return units, err
}
