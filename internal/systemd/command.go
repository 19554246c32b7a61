package systemd

import (
	"context"
	"strings"
)

// Command is one remote command, as an argv: the transport quotes every word,
// so no argument is ever parsed by a shell.
type Command struct {
	Argv []string
	// Privileged commands change unit files and need root: the command
	// runs systemctl through sudo itself where the provider uses sudo, and
	// the transport hands it sudo_password on its standard input.
	Privileged bool
	// AsRoot commands run as root as a whole, reads included: through
	// sudo where the provider uses sudo (and then not in a long-lived
	// shell), the sudo password on their standard input.
	AsRoot bool
	// Servable: Argv is `sh -c SCRIPT NAME ARGS…`, and SCRIPT may as well
	// run as the body of a shell function in a long-lived shell that runs
	// one command after another, each in a subshell: it uses neither $0
	// nor more of its standard input than a privileged command's first
	// line.
	Servable bool
	// Calls, where the command runs in a long-lived shell, answers the
	// calls its script offers the client (engine.sh's sc); in a session of
	// its own, the script does without.
	Calls Caller
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
