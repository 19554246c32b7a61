package systemd

import (
	"fmt"
	"strconv"
	"strings"
)

// OpKind is what an Op does.
type OpKind int

const (
	OpMask OpKind = iota
	OpUnmask
)

// Op is one mask or unmask in a batch.
type Op struct {
	Kind  OpKind
	Name  string
	Layer Layer
	// Now also stops the unit (systemctl mask --now); masks only, and not
	// for the global scope, which has no running manager.
	Now bool
}

// word names the op in the batch's argv: the script ignores it, but logs
// and test fakes read the argv as "WORD NAME" pairs.
func (o Op) word() string {
	w := "mask"
	if o.Kind == OpUnmask {
		w = "unmask"
	} else if o.Now {
		w += "-now"
	}
	if o.Layer == Runtime {
		w += "-runtime"
	}
	return w
}

// ParseOpWord reads an op's word back, for fakes that play a host.
func ParseOpWord(word string) (kind OpKind, layer Layer, now bool, ok bool) {
	rest, runtime := strings.CutSuffix(word, "-runtime")
	layer = LayerFor(runtime)
	switch rest {
	case "mask":
		return OpMask, layer, false, true
	case "mask-now":
		return OpMask, layer, true, true
	case "unmask":
		return OpUnmask, layer, false, true
	}
	return 0, 0, false, false
}

// BatchCommand is one remote command that applies every op and reads back
// what systemd now loads for the ops' units (or, with sweep or no ops, for
// every unit the two mask directories hold), so that one session serves any
// number of masks, unmasks and reads on a host (engine.sh, batch). It keeps
// systemctl's semantics:
//
//   - the ops of one kind and layer go to one `systemctl mask|unmask
//     --no-reload -- A B C`; when that fails, each unit is run again on its
//     own (both verbs are idempotent), so every op gets its own exit status
//     and message, and a unit-file conflict in one does not fail the others;
//   - a mask that an earlier entry of the search path would shadow (a unit
//     file in /etc above a runtime mask) is not made: it would not mask;
//   - systemctl would daemon-reload after each of them. The batch reloads
//     once, and only when a touched unit is loaded in the manager with a load
//     state the change makes stale; a unit that is not loaded is read from
//     disk when it is next loaded, mask included (verified on systemd 252);
//   - `--now` ops are stopped after that, as `systemctl mask --now` does;
//   - on systemd before 240, which has no `unmask --runtime` and whose
//     unmask empties both layers, exactly the op's layer is unmasked.
//
// In a long-lived shell, a root login's system-scope mask, unmask and
// list-units are the same calls to PID 1 made by the Engine's Bus (Command.Calls)
// instead of systemctl processes.
//
// With sudo, only systemctl (and, before 240, rm of one mask) runs through
// it. With no ops it is a read-only sweep and needs no privileges.
func (s Scope) BatchCommand(ops []Op, sweep, sudo bool) Command {
	return Manager{Scope: s}.BatchCommand(ops, sweep, sudo)
}

// BatchCommand is Scope.BatchCommand for m's units.
func (m Manager) BatchCommand(ops []Op, sweep, sudo bool) Command {
	s := m.Scope
	sw := "0"
	if sweep {
		sw = "1"
	}
	args := []string{sw}
	for _, op := range ops {
		args = append(args, op.word(), op.Name)
	}
	cmd := scriptCommand("batch", m, sudo, args...)
	cmd.Privileged = len(ops) > 0 && s.privileged()
	return cmd
}

// systemctlWords is systemctl with the scope's flag, a verb, --runtime for
// the runtime layer where the verb takes it, and extra options: the command
// an error names.
func (s Scope) systemctlWords(verb string, layer Layer, extra ...string) []string {
	words := append([]string{"systemctl"}, s.flag()...)
	words = append(words, verb)
	if layer == Runtime {
		words = append(words, "--runtime")
	}
	return append(words, extra...)
}

// ShadowedMaskError is a mask refused because an entry earlier in the unit
// search path, which is not a mask, decides what systemd loads: a runtime
// mask under a unit file in /etc would be there and mask nothing.
type ShadowedMaskError struct {
	Name  string
	Layer Layer
	Scope Scope
	// By is the entry that systemd reads instead.
	By Location
}

func (e *ShadowedMaskError) Error() string {
	what := "a unit file"
	if e.By.Link {
		what = "a symlink (an alias or a linked unit file)"
	}
	fix := "remove " + e.By.Path + " (or mask the unit in a layer before it)"
	if e.Layer == Runtime && e.By.Layer == SearchPersistent {
		fix = "mask it persistently instead (runtime = false), or remove " + e.By.Path
	}
	return fmt.Sprintf("a %s mask of %s (%s) would have no effect: systemd reads %s first, which is %s, not a mask. "+
		"Nothing was changed. To mask the unit, %s", e.Layer, e.Name, e.Scope.UnitPath(e.Layer, e.Name), e.By.Path, what, fix)
}

// ReadBackError is an op that its command reported as done, but whose
// effect is not on the host when the batch reads it back.
type ReadBackError struct {
	Op    Op
	Scope Scope
	Found Entry
}

func (e *ReadBackError) Error() string {
	if e.Op.Kind == OpUnmask {
		return fmt.Sprintf("systemctl reported unmasking %s as done, but %s still holds a mask (%s) afterwards",
			e.Op.Name, e.Scope.UnitPath(e.Op.Layer, e.Op.Name), e.Found)
	}
	return fmt.Sprintf("systemctl reported masking %s as done, but %s holds %s afterwards, not a mask",
		e.Op.Name, e.Scope.UnitPath(e.Op.Layer, e.Op.Name), e.Found)
}

// OpResult is what became of one op.
type OpResult struct {
	// Err is nil when the op did what it says.
	Err error
	// Applied: the unit file change is on disk even though Err is set
	// (the reload or the stop that followed failed, or the command's fate
	// was unknown and a read afterwards found it done).
	Applied bool
	// Kept: an unmask that left the mask in place, because another resource
	// of this provider process masks the same unit and layer.
	Kept bool
	// After is what the host holds for the unit once the op's batch ran,
	// from the batch's own read-back; nil when that is not known.
	After *MaskState
}

// BatchResult is the answer to BatchCommand(ops).
type BatchResult struct {
	Ops []OpResult
	// States is what the host holds after the ops: for every name in the
	// two mask directories after a sweep (a name absent has nothing in
	// either), for the ops' names otherwise.
	States map[string]MaskState
	// Reloaded: the batch ran a daemon-reload.
	Reloaded bool
	// Version is systemd's, when the batch needed it (unmasks).
	Version int
}

// State is what both layers hold for name.
func (r BatchResult) State(name string) MaskState { return r.States[name] }

// ParseBatch reads the answer of s.BatchCommand(ops). It insists on a
// complete answer, ending in "end", so that a truncated one is an error
// rather than a false "not masked"; every op's effect is checked in what
// the batch read back.
func (s Scope) ParseBatch(out []byte, ops []Op) (BatchResult, error) {
	a, err := s.parseAnswer(out)
	if err != nil {
		return BatchResult{}, err
	}
	res := BatchResult{Ops: make([]OpResult, len(ops)), States: map[string]MaskState{}, Version: a.version}
	for name := range a.res {
		res.States[name] = a.maskState(name)
	}
	for _, op := range ops {
		if _, ok := a.res[op.Name]; !ok {
			return BatchResult{}, fmt.Errorf("unexpected answer from the host: nothing read back for %s", op.Name)
		}
	}

	_, res.Reloaded = a.rcs["reload"]
	var reloadErr error
	if rc := a.rcs["reload"]; rc != 0 {
		reloadErr = &CommandError{Command: Command{Argv: s.systemctlWords("daemon-reload", Persistent)}, ExitCode: rc, Stderr: strings.Join(a.errs["reload"], "\n")}
	}
	for i, op := range ops {
		tag := strconv.Itoa(i + 1)
		st := res.State(op.Name)
		if by, ok := a.shadows[tag]; ok {
			res.Ops[i].Err = &ShadowedMaskError{Name: op.Name, Layer: op.Layer, Scope: s, By: by}
			continue
		}
		if rc := a.rcs[tag]; rc != 0 {
			stderr := strings.Join(a.errs[tag], "\n")
			// systemctl refuses an existing file even when it is empty,
			// which systemd already reads as a mask: that is success.
			switch {
			case op.Kind == OpMask && strings.Contains(stderr, "already exists") && st.Entry(op.Layer).Masked():
			case op.Kind == OpMask && strings.Contains(stderr, "already exists"):
				res.Ops[i].Err = &UnitFileExistsError{Name: op.Name, Layer: op.Layer, Scope: s, Stderr: stderr}
				continue
			default:
				res.Ops[i].Err = &CommandError{Command: Command{Argv: s.opArgv(op, a.version)}, ExitCode: rc, Stderr: stderr}
				continue
			}
		}
		if got := st.Entry(op.Layer); got.Masked() != (op.Kind == OpMask) {
			res.Ops[i].Err = &ReadBackError{Op: op, Scope: s, Found: got}
			continue
		}
		if reloadErr != nil {
			res.Ops[i] = OpResult{Err: fmt.Errorf("the unit file change is made, but reloading the manager failed: %w", reloadErr), Applied: true}
			continue
		}
		if rc := a.rcs["s"+tag]; rc != 0 {
			res.Ops[i] = OpResult{Applied: true, Err: fmt.Errorf("the unit is masked, but stopping it failed: %w",
				&CommandError{Command: Command{Argv: append(s.systemctlWords("stop", Persistent, "--"), op.Name)}, ExitCode: rc, Stderr: strings.Join(a.errs["s"+tag], "\n")})}
		}
	}
	return res, nil
}

// opArgv is the command that ran for op, for its error: before systemd 240
// an unmask is the plain one, or rm of the one mask.
func (s Scope) opArgv(op Op, version int) []string {
	switch {
	case op.Kind == OpMask:
		return append(s.systemctlWords("mask", op.Layer, "--no-reload", "--"), op.Name)
	case version > 0 && version < 240:
		return []string{"systemctl", "unmask", "--no-reload", "--", op.Name, "(or rm -f -- " + s.UnitPath(op.Layer, op.Name) + ")"}
	}
	return append(s.systemctlWords("unmask", op.Layer, "--no-reload", "--"), op.Name)
}
