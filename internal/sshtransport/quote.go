package sshtransport

import (
	"fmt"
	"strings"
)

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
