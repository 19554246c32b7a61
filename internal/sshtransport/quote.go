package sshtransport

import (
	"fmt"
	"strings"

	"github.com/systemd-tf/terraform-provider-systemd/internal/systemd"
)

// remoteEnv comes before every command's argv: the C locale, so that the
// messages read from a host (systemctl's, sudo's) are the untranslated
// ones. It goes through env(1) rather than a `VAR=value cmd` prefix, which
// is POSIX shell syntax that csh and fish refuse: the line works whatever
// the login shell is.
var remoteEnv = []string{"env", "LC_ALL=C"}

// commandLine is the line the remote login shell runs for cmd: remoteEnv,
// then cmd's argv, every word quoted by ShellJoin. cmd's argv is joined on
// its own, so that an empty one is refused (rather than running a bare env,
// which prints the environment) and errors number its own words.
func commandLine(cmd systemd.Command) (string, error) {
	line, err := ShellJoin(cmd.Argv)
	if err != nil {
		return "", err
	}
	prefix, err := ShellJoin(remoteEnv)
	if err != nil {
		return "", err
	}
	return prefix + " " + line, nil
}

// ShellJoin is the one place where an argv becomes the command line that the
// remote login shell parses. Every word is single-quoted, so no word is ever
// split, expanded or interpreted; a single quote inside a word is written as
// '\”. A NUL cannot cross a command line and is refused.
func ShellJoin(argv []string) (string, error) {
	if len(argv) == 0 {
		return "", fmt.Errorf("empty command")
	}
	var b strings.Builder
	for i, word := range argv {
		if strings.IndexByte(word, 0) >= 0 {
			return "", fmt.Errorf("argument %d contains a NUL byte", i)
		}
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteByte('\'')
		b.WriteString(strings.ReplaceAll(word, `'`, `'\''`))
		b.WriteByte('\'')
	}
	return b.String(), nil
}
