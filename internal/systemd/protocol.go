package systemd

import (
	_ "embed"
	"fmt"
	"strconv"
	"strings"
)

// engineScript is the one program the provider runs on hosts. Its answer is
// a sequence of lines, each a tag and tab-separated fields:
//
//	sp INDEX LABEL DIR    the scope's unit search path, in systemd's order,
//	                      first in every answer; LABEL is a SearchLayer name
//	v VERSION             systemd's version, when the script needed it
//	rc TAG STATUS         the exit status of op TAG's own command (ops are
//	                      numbered from 1; "reload" is daemon-reload, "sN"
//	                      the stop of op N); an op with no rc line
//	                      succeeded in its group's command
//	err TAG LINE          one line of that command's stderr
//	shadow TAG KIND PATH  op TAG (a mask) was not run: PATH, earlier in the
//	                      search path, is not a mask (KIND l: a symlink, f:
//	                      a file), so the mask would have no effect
//	r NAME ENTRIES        every directory holding something under NAME, as
//	                      space-separated INDEX:KIND, in search-path order:
//	                      KIND is n (a link, or chain of links, to a
//	                      character device such as /dev/null: a mask), e
//	                      (an empty file: a mask), l (another symlink), f
//	                      (anything else); the first entry, which decides,
//	                      is a:TARGET when it is an alias of unit TARGET
//	                      (whose own r line follows), d when it is a
//	                      dangling link
//	show KEY=VALUE        a property from systemctl show (info)
//	is-enabled STATE      systemctl is-enabled's answer (info)
//	refuse KIND DETAIL    the scope's units cannot be reached, and nothing
//	                      was done (another account's: see AccountError);
//	                      "end" follows at once
//	end                   the answer is complete
//
// A truncated answer lacks "end" and is an error, never a unit that is not
// masked. When sudo refuses to run systemctl, the script writes sudo's
// message to stderr and exits 1, so that the transport can tell it apart.
//
//go:embed engine.sh
var engineScript string

// scriptCommand runs the engine script: `sh -c SCRIPT systemd-tf VERB SCOPE
// SUDO ARGS…`, also in a long-lived shell (Servable: the script does not
// use $0, and reads its stdin only for the sudo password). Another
// account's units are reached as root, the whole script (AsRoot): its
// directories are that account's alone.
func scriptCommand(verb string, m Manager, sudo bool, args ...string) Command {
	su := "0"
	if sudo && m.Scope.privileged() {
		su = "1"
	}
	return Command{Argv: append([]string{"sh", "-c", engineScript, "systemd-tf", verb, m.String(), su}, args...), Servable: true,
		AsRoot: m.Account != ""}
}

// found is one directory's entry in an "r" line.
type found struct {
	dir   int
	kind  byte // n, e, l, f, a, d
	alias string
}

// answer is a parsed answer of the engine script.
type answer struct {
	sp        []searchDir
	version   int
	rcs       map[string]int
	errs      map[string][]string
	shadows   map[string]Location
	res       map[string][]found
	show      []string
	isEnabled *string
}

// parseAnswer is the one parser of the engine script's answers.
func (s Scope) parseAnswer(out []byte) (answer, error) {
	text := string(out)
	if !strings.HasSuffix(text, "\nend\n") && text != "end\n" {
		return answer{}, fmt.Errorf("unexpected answer from the host: it does not end in \"end\": %q", excerpt(text))
	}
	a := answer{rcs: map[string]int{}, errs: map[string][]string{}, shadows: map[string]Location{}, res: map[string][]found{}}
	lines := strings.Split(strings.TrimSuffix(text, "end\n"), "\n")
	for n, line := range lines[:len(lines)-1] {
		bad := func() (answer, error) {
			return answer{}, fmt.Errorf("unexpected line %d in the answer from the host: %q", n+1, excerpt(line))
		}
		tag, rest, _ := strings.Cut(line, "\t")
		f := strings.Split(rest, "\t")
		switch {
		case tag == "refuse" && len(f) == 2:
			return answer{}, &AccountError{Reason: f[0], Detail: f[1], Version: a.version}
		case tag == "sp" && len(f) == 3:
			i, err := strconv.Atoi(f[0])
			layer, ok := searchLayerByName(f[1])
			if err != nil || i != len(a.sp) || !ok || !strings.HasPrefix(f[2], "/") {
				return bad()
			}
			a.sp = append(a.sp, searchDir{layer: layer, path: f[2]})
		case tag == "v" && len(f) == 1:
			v, err := strconv.Atoi(f[0])
			if err != nil {
				return bad()
			}
			a.version = v
		case tag == "rc" && len(f) == 2:
			code, err := strconv.Atoi(f[1])
			if err != nil {
				return bad()
			}
			a.rcs[f[0]] = code
		case tag == "err" && len(f) >= 2:
			a.errs[f[0]] = append(a.errs[f[0]], strings.Join(f[1:], "\t"))
		case tag == "shadow" && len(f) == 3:
			d, ok := a.dirOf(f[2])
			if !ok {
				return bad()
			}
			entry := EntryUnitFile
			a.shadows[f[0]] = Location{Path: f[2], Layer: d.layer, Entry: entry, Link: f[1] == "l"}
		case tag == "r" && len(f) == 2:
			if err := ValidateUnitName(f[0]); err != nil {
				return bad()
			}
			entries, ok := a.parseEntries(f[1])
			if !ok {
				return bad()
			}
			a.res[f[0]] = entries
		case tag == "show" && len(f) == 1:
			a.show = append(a.show, f[0])
		case tag == "is-enabled" && len(f) == 1:
			v := f[0]
			a.isEnabled = &v
		default:
			return bad()
		}
	}
	if err := s.checkSearchPath(a.sp); err != nil {
		return answer{}, err
	}
	return a, nil
}

func (a answer) parseEntries(field string) ([]found, bool) {
	var entries []found
	last := -1
	for _, w := range strings.Fields(field) {
		idx, kind, ok := strings.Cut(w, ":")
		i, err := strconv.Atoi(idx)
		if !ok || err != nil || i <= last || i >= len(a.sp) || kind == "" {
			return nil, false
		}
		last = i
		e := found{dir: i, kind: kind[0]}
		switch {
		case strings.HasPrefix(kind, "a:") && len(entries) == 0:
			e.alias = kind[2:]
			if ValidateUnitName(e.alias) != nil {
				return nil, false
			}
		case kind == "d" && len(entries) == 0:
		case len(kind) == 1 && strings.Contains("nelf", kind):
		default:
			return nil, false
		}
		entries = append(entries, e)
	}
	return entries, true
}

// dirOf finds the search path directory holding path.
func (a answer) dirOf(path string) (searchDir, bool) {
	for _, d := range a.sp {
		if strings.HasPrefix(path, d.path+"/") && !strings.Contains(path[len(d.path)+1:], "/") {
			return d, true
		}
	}
	return searchDir{}, false
}

// managed returns the index of the directory `systemctl mask` writes for
// layer l: the first of its label.
func (a answer) managed(l Layer) int {
	want := SearchPersistent
	if l == Runtime {
		want = SearchRuntime
	}
	for i, d := range a.sp {
		if d.layer == want {
			return i
		}
	}
	return -1
}

// checkSearchPath insists on the directories that the scope's masks are
// written to, where the Go side expects them.
func (s Scope) checkSearchPath(sp []searchDir) error {
	var p, r string
	for _, d := range sp {
		if d.layer == SearchPersistent && p == "" {
			p = d.path
		}
		if d.layer == SearchRuntime && r == "" {
			r = d.path
		}
	}
	for _, c := range []struct {
		l   Layer
		got string
	}{{Persistent, p}, {Runtime, r}} {
		ok := c.got != ""
		if s == ScopeUser {
			ok = ok && strings.HasSuffix(c.got, "/systemd/user")
		} else {
			ok = ok && c.got == s.Dir(c.l)
		}
		if !ok {
			return fmt.Errorf("unexpected answer from the host: the %s unit directory of the %s scope is %q", c.l, s, c.got)
		}
	}
	return nil
}
