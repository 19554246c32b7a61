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

// BatchCommand is one remote command that applies every op and then reads
// both layers' unit directories whole, so that one session serves any number
// of masks, unmasks and reads on a host. It keeps systemctl's semantics:
//
//   - the ops of one kind and layer go to one `systemctl mask|unmask
//     --no-reload -- A B C`; when that fails, each unit is run again on its
//     own (both verbs are idempotent), so every op gets its own exit status
//     and message, and a unit-file conflict in one does not fail the others;
//   - systemctl would daemon-reload after each of them. The batch reloads
//     once, and only when a touched unit is loaded in the manager with a load
//     state the change makes stale; a unit that is not loaded is read from
//     disk when it is next loaded, mask included (verified on systemd 252);
//   - `--now` ops are stopped after that, as `systemctl mask --now` does.
//
// Unit names only ever travel as arguments ("$2", "$4", …); the script
// itself is fixed text, so no name is ever parsed by a shell. With no ops it
// is a read-only sweep and needs no privileges.
func (s Scope) BatchCommand(ops []Op, sweep bool) Command {
	var b strings.Builder
	b.WriteString(batchPrelude)
	b.WriteString("P=" + s.dirExpr(Persistent) + "\nR=" + s.dirExpr(Runtime) + "\n")
	argv := []string{"sh", "-c", "", "batch"}
	ref := make([]string, len(ops))
	for i, op := range ops {
		argv = append(argv, op.word(), op.Name)
		ref[i] = `"${` + strconv.Itoa(2*i+2) + `}"`
	}
	tag := func(i int) string { return strconv.Itoa(i + 1) }

	var touched, stops []int
	for _, kind := range []OpKind{OpMask, OpUnmask} {
		for _, layer := range Layers {
			var group []int
			for i, op := range ops {
				if op.Kind == kind && op.Layer == layer {
					group = append(group, i)
					if op.Now && s != ScopeGlobal {
						stops = append(stops, i)
					}
				}
			}
			if len(group) == 0 {
				continue
			}
			touched = append(touched, group...)
			verb := "mask"
			if kind == OpUnmask {
				verb = "unmask"
			}
			words := s.systemctlWords(verb, layer, "--no-reload")
			s.writeGroup(&b, words, group, ref, tag)
		}
	}
	if len(touched) > 0 && s != ScopeGlobal {
		b.WriteString("need=\nif ! u=$(" + strings.Join(s.systemctlWords("list-units", Persistent, "--all", "--plain", "--no-legend", "--full"), " ") + " --")
		for _, i := range touched {
			b.WriteString(" " + ref[i])
		}
		b.WriteString("); then need=1; fi\n")
		b.WriteString(`while read -r n state rest; do
[ -n "$n" ] || continue
m=no
for d in "$P" "$R"; do
if [ -c "$d/$n" ] || { [ -f "$d/$n" ] && [ ! -s "$d/$n" ]; }; then m=yes; fi
done
case $m$state in yesmasked) ;; yes*|nomasked) need=1 ;; esac
done <<EOF
$u
EOF
if [ -n "$need" ]; then try reload ` + strings.Join(s.systemctlWords("daemon-reload", Persistent), " ") + "; fi\n")
	}
	if len(stops) > 0 {
		s.writeGroup(&b, s.systemctlWords("stop", Persistent), stops, ref, func(i int) string { return "s" + tag(i) })
	}
	if sweep || len(ops) == 0 {
		b.WriteString("sweep persistent \"$P\"\nsweep runtime \"$R\"\n")
	} else {
		for _, i := range touched {
			b.WriteString("probe persistent \"$P\" " + ref[i] + "\nprobe runtime \"$R\" " + ref[i] + "\n")
		}
	}
	b.WriteString("printf 'dir\\tpersistent\\t%s\\ndir\\truntime\\t%s\\nend\\n' \"$P\" \"$R\"\n")
	argv[2] = b.String()
	return Command{Argv: argv, Privileged: len(ops) > 0 && s.privileged()}
}

// writeGroup runs words on every op of group at once and, if that fails,
// on each op alone, reporting each one's status under its tag.
func (s Scope) writeGroup(b *strings.Builder, words []string, group []int, ref []string, tag func(int) string) {
	cmd := strings.Join(words, " ") + " --"
	if len(group) == 1 {
		b.WriteString("try " + tag(group[0]) + " " + cmd + " " + ref[group[0]] + "\n")
		return
	}
	b.WriteString("if ! e=$(" + cmd)
	for _, i := range group {
		b.WriteString(" " + ref[i])
	}
	b.WriteString(" 2>&1 >/dev/null); then\n")
	for _, i := range group {
		b.WriteString("try " + tag(i) + " " + cmd + " " + ref[i] + "\n")
	}
	b.WriteString("fi\n")
}

// systemctlWords is systemctl with the scope's flag, a verb, --runtime for
// the runtime layer where the verb takes it, and extra options.
func (s Scope) systemctlWords(verb string, layer Layer, extra ...string) []string {
	words := append([]string{"systemctl"}, s.flag()...)
	words = append(words, verb)
	if layer == Runtime {
		words = append(words, "--runtime")
	}
	return append(words, extra...)
}

// batchPrelude defines the batch script's helpers:
//
//	try TAG CMD…   runs CMD and prints "rc TAG STATUS" and its stderr, each
//	               line as "err TAG LINE";
//	probe LAYER D NAME  prints "LAYER KIND NAME" for D/NAME: KIND is null
//	               (resolves to a character device, as a /dev/null link
//	               does), empty (an empty file), unit (anything else) or
//	               none. Both null and empty are masks to systemd
//	               (null_or_empty_path);
//	sweep LAYER D  prints the same for every entry of directory D but
//	               none. Names with a newline are skipped: no unit has one.
//
// The script ends with "dir LAYER D" for both layers' directories, which
// the parser checks, and "end".
//
// Every unit directory is world-readable, so a sweep needs no privileges.
const batchPrelude = `SYSTEMCTL_INSTALL_CLIENT_SIDE=1
export SYSTEMCTL_INSTALL_CLIENT_SIDE
nl='
'
try() {
t=$1; shift
e=$("$@" 2>&1 >/dev/null)
printf 'rc\t%s\t%s\n' "$t" "$?"
[ -z "$e" ] || while IFS= read -r l; do printf 'err\t%s\t%s\n' "$t" "$l"; done <<EOF
$e
EOF
}
kind() {
if [ -c "$1" ]; then k=null
elif [ -f "$1" ] && [ ! -s "$1" ]; then k=empty
elif [ -e "$1" ] || [ -L "$1" ]; then k=unit
else k=none
fi
}
probe() {
kind "$2/$3"
printf '%s\t%s\t%s\n' "$1" "$k" "$3"
}
sweep() {
for f in "$2"/* "$2"/.[!.]* "$2"/..?*; do
n=${f##*/}
case $n in *"$nl"*) continue ;; esac
kind "$f"
[ $k = none ] || printf '%s\t%s\t%s\n' "$1" "$k" "$n"
done
}
`

// OpResult is what became of one op.
type OpResult struct {
	// Err is nil when the op did what it says.
	Err error
	// Applied: the unit file change is on disk even though Err is set
	// (the reload or the stop that followed failed).
	Applied bool
}

// BatchResult is the answer to BatchCommand(ops).
type BatchResult struct {
	Ops []OpResult
	// States is what both layers hold after the ops: for every name in
	// them after a sweep (a name absent has nothing in either layer), for
	// the ops' names otherwise.
	States map[string]MaskState
	// Reloaded: the batch ran a daemon-reload.
	Reloaded bool
}

// State is what both layers hold for name.
func (r BatchResult) State(name string) MaskState { return r.States[name] }

// ParseBatch reads the answer of s.BatchCommand(ops). It insists on a
// complete answer, ending in "end", so that a truncated one is an error
// rather than a false "not masked".
func (s Scope) ParseBatch(out []byte, ops []Op) (BatchResult, error) {
	text := string(out)
	if !strings.HasSuffix(text, "\nend\n") && text != "end\n" {
		return BatchResult{}, fmt.Errorf("unexpected answer from the host: it does not end in \"end\": %q", truncate(text, 200))
	}
	rcs, errs := map[string]int{}, map[string][]string{}
	res := BatchResult{Ops: make([]OpResult, len(ops)), States: map[string]MaskState{}}
	dirs := 0
	lines := strings.Split(strings.TrimSuffix(text, "end\n"), "\n")
	for n, line := range lines[:len(lines)-1] {
		f := strings.SplitN(line, "\t", 3)
		bad := func() (BatchResult, error) {
			return BatchResult{}, fmt.Errorf("unexpected line %d in the answer from the host: %q", n+1, truncate(line, 200))
		}
		if len(f) != 3 {
			return bad()
		}
		switch f[0] {
		case "rc":
			code, err := strconv.Atoi(f[2])
			if err != nil {
				return bad()
			}
			rcs[f[1]] = code
		case "err":
			errs[f[1]] = append(errs[f[1]], f[2])
		case "dir":
			layer, ok := layerByWord(f[1])
			if !ok || !s.matchesDir(layer, f[2]) {
				return bad()
			}
			dirs++
		case "persistent", "runtime":
			layer, _ := layerByWord(f[0])
			entry, ok := entryByWord[f[1]]
			if !ok {
				return bad()
			}
			st := res.States[f[2]]
			if layer == Runtime {
				st.Runtime = entry
			} else {
				st.Persistent = entry
			}
			res.States[f[2]] = st
		default:
			return bad()
		}
	}
	if dirs != len(Layers) {
		return BatchResult{}, fmt.Errorf("unexpected answer from the host: %d unit directories read, expected %d: %q", dirs, len(Layers), truncate(text, 200))
	}

	_, res.Reloaded = rcs["reload"]
	var reloadErr error
	if rc := rcs["reload"]; rc != 0 {
		reloadErr = &CommandError{Command: Command{Argv: s.systemctlWords("daemon-reload", Persistent)}, ExitCode: rc, Stderr: strings.Join(errs["reload"], "\n")}
	}
	for i, op := range ops {
		tag := strconv.Itoa(i + 1)
		verb := "mask"
		if op.Kind == OpUnmask {
			verb = "unmask"
		}
		if rc := rcs[tag]; rc != 0 {
			stderr := strings.Join(errs[tag], "\n")
			// systemctl refuses an existing file even when it is empty,
			// which systemd already reads as a mask: that is success.
			switch {
			case op.Kind == OpMask && strings.Contains(stderr, "already exists") && res.State(op.Name).Masked(op.Layer):
			case op.Kind == OpMask && strings.Contains(stderr, "already exists"):
				res.Ops[i].Err = &UnitFileExistsError{Name: op.Name, Layer: op.Layer, Scope: s, Stderr: stderr}
				continue
			default:
				res.Ops[i].Err = &CommandError{Command: Command{Argv: append(s.systemctlWords(verb, op.Layer, "--no-reload", "--"), op.Name)}, ExitCode: rc, Stderr: stderr}
				continue
			}
		}
		if reloadErr != nil {
			res.Ops[i] = OpResult{Err: fmt.Errorf("the unit file change is made, but reloading the manager failed: %w", reloadErr), Applied: true}
			continue
		}
		if rc := rcs["s"+tag]; rc != 0 {
			res.Ops[i] = OpResult{Applied: true, Err: fmt.Errorf("the unit is masked, but stopping it failed: %w",
				&CommandError{Command: Command{Argv: append(s.systemctlWords("stop", Persistent, "--"), op.Name)}, ExitCode: rc, Stderr: strings.Join(errs["s"+tag], "\n")})}
		}
	}
	return res, nil
}

func layerByWord(w string) (Layer, bool) {
	for _, l := range Layers {
		if l.String() == w {
			return l, true
		}
	}
	return 0, false
}

// matchesDir reports whether a directory the sweep read is the layer's:
// exact for fixed directories, by its tail for a user's.
func (s Scope) matchesDir(l Layer, dir string) bool {
	if s == ScopeUser {
		return strings.HasPrefix(dir, "/") && strings.HasSuffix(dir, "/systemd/user")
	}
	return dir == s.Dir(l)
}
