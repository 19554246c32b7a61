package systemd

import (
	"context"
	"strings"
)

// Command is one remote command, as an argv: the transport quotes every word,
// so no argument is ever parsed by a shell.
type Command struct {
	Argv []string
	// Privileged commands change unit files and need root: the transport runs
	// them through sudo when the provider is configured for it.
	Privileged bool
}

// String shows the argv for logs and errors; an embedded script (a word with
// a newline) is elided to keep them readable.
func (c Command) String() string {
	words := make([]string, len(c.Argv))
	for i, w := range c.Argv {
		if strings.Contains(w, "\n") {
			w = "<script>"
		}
		words[i] = w
	}
	return strings.Join(words, " ")
}

// Result is what a command left behind once it ran to its end.
type Result struct {
	Stdout   []byte
	Stderr   []byte
	ExitCode int
}

// Runner runs commands on one host. A non-nil error means the command's fate
// is unknown (no connection, a dropped session, a timeout); a command that ran
// and failed returns a Result with a non-zero ExitCode instead.
type Runner interface {
	Run(ctx context.Context, cmd Command) (Result, error)
}

// MaskCommand is `systemctl mask [--runtime] -- NAME` for the system manager.
func MaskCommand(name string, layer Layer) Command {
	return ScopeSystem.MaskCommand(name, layer, false)
}

// UnmaskCommand is `systemctl unmask [--runtime] -- NAME` for the system
// manager.
func UnmaskCommand(name string, layer Layer) Command { return ScopeSystem.UnmaskCommand(name, layer) }

// MaskCommand is `systemctl [--user|--global] mask [--runtime] [--now] -- NAME`.
// The `--` keeps a valid unit name such as "--help.service" from being read
// as an option. --now also stops the unit (not for --global, which has no
// running manager).
func (s Scope) MaskCommand(name string, layer Layer, now bool) Command {
	var extra []string
	if now && s != ScopeGlobal {
		extra = []string{"--now"}
	}
	return Command{Argv: s.systemctl("mask", layer, name, extra...), Privileged: s.privileged()}
}

// UnmaskCommand is `systemctl [--user|--global] unmask [--runtime] -- NAME`;
// it removes only the mask of its own layer and leaves real unit files alone.
func (s Scope) UnmaskCommand(name string, layer Layer) Command {
	return Command{Argv: s.systemctl("unmask", layer, name), Privileged: s.privileged()}
}

func (s Scope) systemctl(verb string, layer Layer, name string, extra ...string) []string {
	argv := append([]string{"systemctl"}, s.flag()...)
	argv = append(argv, verb)
	if layer == Runtime {
		argv = append(argv, "--runtime")
	}
	argv = append(argv, extra...)
	return append(argv, "--", name)
}

// probeScript is the system manager's probe.
var probeScript = ScopeSystem.probeScript()

// probeScript reports, for each unit name given as an argument, what each
// layer holds. It needs only a POSIX shell, and no privileges: the unit
// directories are world-readable. A mask is what systemd treats as one
// (null_or_empty_path): anything resolving to a character device (systemctl
// mask links to /dev/null), or an empty regular file.
func (s Scope) probeScript() string {
	return `for n do
for d in ` + s.dirExpr(Persistent) + " " + s.dirExpr(Runtime) + `; do
p="$d/$n"
if [ -c "$p" ]; then k=null
elif [ -f "$p" ] && [ ! -s "$p" ]; then k=empty
elif [ -e "$p" ] || [ -L "$p" ]; then k=unit
else k=none
fi
printf '%s\t%s\n' "$k" "$p"
done
done
echo end`
}

// ProbeCommand reads the mask state of every named system unit in one
// command.
func ProbeCommand(names ...string) Command { return ScopeSystem.ProbeCommand(names...) }

// ProbeCommand reads the mask state of every named unit in one command.
func (s Scope) ProbeCommand(names ...string) Command {
	argv := append([]string{"sh", "-c", s.probeScript(), "probe"}, names...)
	return Command{Argv: argv}
}
