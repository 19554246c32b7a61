package provider

import (
	"encoding/base64"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"golang.org/x/text/unicode/norm"

	"github.com/systemd-tf/terraform-provider-systemd/internal/sshtransport"
	"github.com/systemd-tf/terraform-provider-systemd/internal/systemd"
	"github.com/systemd-tf/terraform-provider-systemd/internal/testhosts"
)

// escapeCase is one call of systemd-escape: --path --suffix=Arg -- Input
// (unit_name), or --template=Arg -- Input (instance_name).
type escapeCase struct {
	path  bool
	arg   string // the suffix, or the template
	input string // the path, or the string
}

func (c escapeCase) String() string {
	if c.path {
		return fmt.Sprintf("unit_name(%s, %q)", quoteShort(c.input), c.arg)
	}
	return fmt.Sprintf("instance_name(%q, %s)", c.arg, quoteShort(c.input))
}

// viaTerraform reports whether the case reaches the function unchanged
// through a configuration: Terraform's strings are valid UTF-8 in NFC.
func (c escapeCase) viaTerraform() bool {
	for _, s := range []string{c.arg, c.input} {
		if !utf8.ValidString(s) || !norm.NFC.IsNormalString(s) {
			return false
		}
	}
	return true
}

// answer is what the function gives for the case (in the newest rules, or
// a systemd version's), in systemd-escape's terms: refused, or a name.
type answer struct {
	refused bool
	name    string
	// tooLong is a name over 255 bytes, which the function refuses where
	// systemd-escape --path --suffix prints it.
	tooLong bool
}

func answerOf(name string, err error) answer {
	var ee *systemd.EscapeError
	switch {
	case errors.As(err, &ee) && ee.LongName != "":
		return answer{name: ee.LongName, tooLong: true}
	case err != nil:
		return answer{refused: true}
	}
	return answer{name: name}
}

// functionAnswer is the provider function's answer, from the newest rules.
func (c escapeCase) functionAnswer() answer {
	if c.path {
		return answerOf(systemd.EscapePath(c.input, c.arg))
	}
	return answerOf(systemd.InstanceName(c.arg, c.input))
}

// answerOn is systemd-escape's answer on systemd version v, as the
// documented rules of that version give it.
func (c escapeCase) answerOn(v int) answer {
	if c.path {
		return answerOf(systemd.EscapePathAs(v, c.input, c.arg))
	}
	return answerOf(systemd.InstanceName(c.arg, c.input))
}

// hostAnswer is what systemd-escape did on the host.
type hostAnswer struct {
	status int
	out    string
	stderr string
}

func (h hostAnswer) matches(a answer) bool {
	if a.refused {
		return h.status != 0
	}
	return h.status == 0 && h.out == a.name
}

// TestAccFunction_differential feeds random paths and strings (seeded) and
// fixed edge cases both to the functions and to the real systemd-escape on
// a booted host, and requires the same answers: the same names, and a
// refusal exactly where systemd-escape exits non-zero. Every case that a
// configuration can spell (valid UTF-8 in NFC) goes through the real CLI
// first, whose answers must be the Go function's; then all of them go to
// systemd-escape. The two documented departures are checked as such: a name
// over 255 bytes, which systemd-escape --path --suffix prints and the
// function refuses (its error carries systemd-escape's name), and, on
// systemd before 255, the paths that older systemd refuses or escapes
// otherwise, which must match systemd.EscapePathAs of the host's version.
func TestAccFunction_differential(t *testing.T) {
	env := testAccPreCheck(t, 1)
	h := env.Hosts[0]

	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("TF_ACC_ESCAPE_SEED"); s != "" {
		var err error
		if seed, err = strconv.ParseUint(s, 10, 64); err != nil {
			t.Fatalf("TF_ACC_ESCAPE_SEED=%q is not a number", s)
		}
	}
	t.Logf("seed %d (TF_ACC_ESCAPE_SEED=%d repeats these cases)", seed, seed)
	cases := escapeCases(rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), 320, 200)

	// Through the real CLI (skipped, with the whole test, by a CLI without
	// provider functions).
	var unitCalls, instanceCalls []string
	var unitChecks, instanceChecks []knownvalue.Check
	for _, c := range cases {
		if !c.viaTerraform() {
			continue
		}
		want := "!refused"
		if a := c.functionAnswer(); !a.refused && !a.tooLong {
			want = a.name
		}
		if c.path {
			unitCalls = append(unitCalls, hclList([]string{c.input, c.arg}))
			unitChecks = append(unitChecks, knownvalue.StringExact(want))
		} else {
			instanceCalls = append(instanceCalls, hclList([]string{c.arg, c.input}))
			instanceChecks = append(instanceChecks, knownvalue.StringExact(want))
		}
	}
	config := fmt.Sprintf(`
locals {
  unit_cases     = [%s]
  instance_cases = [%s]
}

output "unit_names" {
  value = [for c in local.unit_cases : try(provider::systemd::unit_name(c[0], c[1]), "!refused")]
}

output "instance_names" {
  value = [for c in local.instance_cases : try(provider::systemd::instance_name(c[0], c[1]), "!refused")]
}
`, strings.Join(unitCalls, ",\n    "), strings.Join(instanceCalls, ",\n    "))
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		TerraformVersionChecks:   functionsVersionChecks,
		Steps: []resource.TestStep{{
			Config: config,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownOutputValue("unit_names", knownvalue.ListExact(unitChecks)),
				statecheck.ExpectKnownOutputValue("instance_names", knownvalue.ListExact(instanceChecks)),
			},
		}},
	})
	t.Logf("through the CLI: %d of the %d cases (the others are not valid UTF-8 in NFC, which no configuration can spell), "+
		"each the Go function's answer", len(unitCalls)+len(instanceCalls), len(cases))

	version := env.SystemdVersion
	if version == 0 {
		out := env.MustRun(t, h, "systemctl --version")
		if fields := strings.Fields(out); len(fields) >= 2 {
			version, _ = strconv.Atoi(fields[1])
		}
		if version == 0 {
			t.Fatalf("systemctl --version: %q", out)
		}
	}
	answers := runSystemdEscape(t, env, h, cases, version)

	type tally struct{ cases, identical, tooLong, older int }
	var all, paths, cli tally
	differences := map[string]int{}
	for i, c := range cases {
		got, onHost, fn := answers[i], c.answerOn(version), c.functionAnswer()
		if !got.matches(onHost) {
			t.Errorf("systemd %d: %s: systemd-escape exited %d with %q (%s); the rules of systemd %d give %+v",
				version, c, got.status, got.out, got.stderr, version, onHost)
			continue
		}
		count := func(f func(*tally)) {
			f(&all)
			if c.path {
				f(&paths)
			}
			if c.viaTerraform() {
				f(&cli)
			}
		}
		count(func(t *tally) { t.cases++ })
		switch {
		case got.matches(fn) && !fn.tooLong:
			count(func(t *tally) { t.identical++ })
		case fn.tooLong && onHost.tooLong:
			// systemd-escape printed fn.name, over 255 bytes; the function refuses.
			count(func(t *tally) { t.tooLong++ })
		default:
			count(func(t *tally) { t.older++ })
			differences[versionDifference(c, version)]++
		}
	}
	t.Logf("systemd %d (%s): %d cases, %d paths and %d strings; the function and systemd-escape agree on %d "+
		"(the same name, or both refuse); %d names over 255 bytes that systemd-escape printed and the function refuses; "+
		"%d answers of systemd %d that the function, following systemd 255 and later, does not give: %v; "+
		"of the %d cases through the CLI, %d agree, %d over 255 bytes, %d of systemd %d's answers",
		version, env.Release, all.cases, paths.cases, all.cases-paths.cases, all.identical, all.tooLong, all.older, version,
		differences, cli.cases, cli.identical, cli.tooLong, cli.older, version)
}

// versionDifference names the rule by which systemd v, before 255,
// answers c otherwise than the function: the version boundary across which
// the answer changes, and for 249 what of the path it concerns.
func versionDifference(c escapeCase, v int) string {
	var reasons []string
	if v < 255 && c.answerOn(254) != c.answerOn(255) {
		reasons = append(reasons, "a leading /.. refused (systemd < 255)")
	}
	if v < 249 && c.answerOn(248) != c.answerOn(249) {
		long := false
		for _, p := range strings.Split(c.input, "/") {
			long = long || len(p) > 255
		}
		if long {
			reasons = append(reasons, "a component over 255 bytes escaped (systemd < 249)")
		} else {
			reasons = append(reasons, "a \".\" component refused (systemd < 249)")
		}
	}
	if len(reasons) == 0 {
		return "undocumented"
	}
	return strings.Join(reasons, ", ")
}

// runSystemdEscape runs systemd-escape on h for every case. systemd-escape
// takes many strings at once and prints their names separated by spaces
// (no name holds one), but stops at the first it refuses; so the cases that
// the host's rules expect to succeed go in batches of one (kind, argument),
// those it expects refused one by one, and a batch that fails after all is
// asked again case by case. Every answer is systemd-escape's own.
func runSystemdEscape(t *testing.T, env testhosts.Env, h testhosts.Host, cases []escapeCase, version int) []hostAnswer {
	t.Helper()
	type batchKey struct {
		path bool
		arg  string
	}
	var batches [][]int
	open := map[batchKey]int{} // the batch of each key still taking cases
	for i, c := range cases {
		if c.answerOn(version).refused {
			batches = append(batches, []int{i})
			continue
		}
		k := batchKey{c.path, c.arg}
		if b, ok := open[k]; ok && len(batches[b]) < 100 {
			batches[b] = append(batches[b], i)
			continue
		}
		open[k] = len(batches)
		batches = append(batches, []int{i})
	}
	answers := make([]hostAnswer, len(cases))
	var retry [][]int
	for b, got := range runEscapeBatches(t, env, h, cases, batches) {
		idx := batches[b]
		names := strings.Split(got.out, " ")
		switch {
		case got.status == 0 && len(names) == len(idx):
			for j, i := range idx {
				answers[i] = hostAnswer{status: 0, out: names[j]} // the batch's warnings are no one case's
			}
		case got.status == 0:
			t.Fatalf("systemd-escape printed %d names for %d strings: %q", len(names), len(idx), got.out)
		case len(idx) == 1:
			answers[idx[0]] = got
		default:
			for _, i := range idx {
				retry = append(retry, []int{i})
			}
		}
	}
	if len(retry) > 0 {
		t.Logf("%d cases of batches that systemd-escape refused, asked one by one", len(retry))
		for b, got := range runEscapeBatches(t, env, h, cases, retry) {
			answers[retry[b][0]] = got
		}
	}
	return answers
}

// runEscapeBatches runs one systemd-escape per batch of cases on h, all in
// one SSH command. The cases travel as a NUL-separated file, written in
// base64 chunks, and are read by a fixed script, NUL-delimited: no case is
// ever part of a command line that a shell parses. The script runs in the C
// locale, where bash's read takes bytes: in a UTF-8 locale an incomplete
// character before a NUL swallows the NUL.
func runEscapeBatches(t *testing.T, env testhosts.Env, h testhosts.Host, cases []escapeCase, batches [][]int) []hostAnswer {
	t.Helper()
	var payload []byte
	field := func(s string) { payload = append(append(payload, s...), 0) }
	for _, idx := range batches {
		first := cases[idx[0]]
		kind := "I"
		if first.path {
			kind = "P"
		}
		field(kind)
		field(first.arg)
		field(strconv.Itoa(len(idx)))
		for _, i := range idx {
			if strings.IndexByte(cases[i].input+cases[i].arg, 0) >= 0 {
				t.Fatalf("test setup: %s holds a NUL, which no argument can", cases[i])
			}
			field(cases[i].input)
		}
	}
	start := time.Now()
	file := strings.TrimSpace(env.MustRun(t, h, "mktemp /tmp/tfacc-escape.XXXXXX"))
	if !regexp.MustCompile(`^/tmp/tfacc-escape\.[A-Za-z0-9]+$`).MatchString(file) {
		t.Fatalf("mktemp gave %q", file)
	}
	size := len(payload)
	const chunk = 48 << 10 // 64 KiB of base64 per command, well under a command line's 128 KiB
	for len(payload) > 0 {
		n := min(chunk, len(payload))
		env.MustRun(t, h, fmt.Sprintf("printf '%%s' '%s' | base64 -d >>%s", base64.StdEncoding.EncodeToString(payload[:n]), file))
		payload = payload[n:]
	}
	const script = `set -u
e=$(mktemp)
i=0
while IFS= read -r -d '' kind && IFS= read -r -d '' arg && IFS= read -r -d '' n; do
	inputs=()
	for ((j = 0; j < n; j++)); do
		IFS= read -r -d '' input
		inputs+=("$input")
	done
	if [ "$kind" = P ]; then
		out=$(systemd-escape --path --suffix="$arg" -- "${inputs[@]}" 2>"$e"); rc=$?
	else
		out=$(systemd-escape --template="$arg" -- "${inputs[@]}" 2>"$e"); rc=$?
	fi
	printf '%d\t%s\t%s\t%s\n' "$i" "$rc" "$out" "$(tr '\t\n' '  ' <"$e" | head -c 300)"
	i=$((i + 1))
done <"$1"
rm -f -- "$1" "$e"
`
	command, err := sshtransport.ShellJoin([]string{"env", "LC_ALL=C", "bash", "-c", script, "escape-cases", file})
	if err != nil {
		t.Fatal(err)
	}
	out := env.MustRun(t, h, command)
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != len(batches) {
		t.Fatalf("systemd-escape answered %d of %d batches; the last answer: %q", len(lines), len(batches), lines[len(lines)-1])
	}
	answers := make([]hostAnswer, len(batches))
	for b, line := range lines {
		fields := strings.SplitN(line, "\t", 4)
		if len(fields) != 4 || fields[0] != strconv.Itoa(b) {
			t.Fatalf("answer %d, %q: not %d<TAB>STATUS<TAB>OUT<TAB>STDERR", b, line, b)
		}
		status, err := strconv.Atoi(fields[1])
		if err != nil {
			t.Fatalf("answer %d, %q: the status is not a number", b, line)
		}
		answers[b] = hostAnswer{status: status, out: fields[2], stderr: fields[3]}
	}
	t.Logf("%d cases (%d bytes) in %d runs of systemd-escape on %s, in %.1f s", len(cases), size, len(batches), h.Addr, time.Since(start).Seconds())
	return answers
}

// Building blocks of the random cases: ordinary names, non-ASCII text (one
// of it not NFC, one not UTF-8), and everything systemd escapes or a shell
// would interpret.
var (
	escapeAtomsPlain   = []string{"var", "lib", "my-data", "srv", "home", "mnt", "data_1", "a.b", "x:y", "backup", "2024-01-01", "tty1", "wg0", "db-1", "A"}
	escapeAtomsUnicode = []string{"é", "ü", "日本", "Ω", "🙂", "ß", "ñ", "\u00a0", "\u200b", "e\u0301", "\u212b", "\xff", "\xc3"}
	escapeAtomsSpecial = []string{
		" ", "-", ".", "..", "...", ".hidden", `\`, `\x2d`, "@", "$", "*", "'", `"`, "\t", "\n", ";", "~", "%", "#",
		"&", "|", "(", ")", "`", "{", "}", "=", "+", ",", "!", "?", "[", "]", "<", ">", "${x}", "%{y}", "--help", "-x",
	}
	escapeTemplates       = []string{"getty@.service", "serial-getty@.service", "a.b@.socket", "x@.timer", "user@.service", "wg-quick@.service", "c:d_e@.path", `A-Z\x@.target`}
	escapeTemplatesOdd    = []string{"getty@tty1.service", "getty.service", "@.service", "a@b@.service", "getty@.foo", "", "get ty@.service", "getty@.Service", "x/y@.service", "getty@", "-@.mount"}
	escapeSuffixesInvalid = []string{"Mount", ".mount", "", "conf", "mount ", "MOUNT", "mount\n", "-mount", "mount.mount"}
)

// escapeCases is a fixed set of edge cases, then nPaths random paths and
// nStrings random strings.
func escapeCases(rng *rand.Rand, nPaths, nStrings int) []escapeCase {
	cases := []escapeCase{}
	for _, p := range []string{
		"/var/lib/my-data", "/", "", "//", "/.", "/./", ".", "./", "./a", "a", "a/b", "/a/./b", "/a/../b", "/../a",
		"/../../a/b", "/a/b/..", "../a", "a/..", "/a//b/", "/.dot", "/a/.dot", "/a b/é", `/a\b`, "/...", "/..", "/../",
		"/a/..", "-", "/-", "/a:b_c.d", "/" + strings.Repeat("x", 256), "/" + strings.Repeat("x", 255),
		"/" + strings.Repeat("x", 249), "/" + strings.Repeat("x", 250), "/" + strings.Repeat("é", 127),
		strings.Repeat("/abcdefgh", 455), strings.Repeat("/abcdefgh", 456), "/e\u0301", "/\xff",
	} {
		cases = append(cases, escapeCase{path: true, arg: "mount", input: p})
	}
	for _, s := range systemd.UnitTypes {
		cases = append(cases, escapeCase{path: true, arg: s, input: "/srv/x"})
	}
	for _, s := range escapeSuffixesInvalid {
		cases = append(cases, escapeCase{path: true, arg: s, input: "/srv/x"})
	}
	for _, s := range []string{"tty1", "", "a/b", "/a/", ".x", "a-b", "a@b", "é", "a b", "-x", "--help", "..", ".",
		strings.Repeat("y", 241), strings.Repeat("y", 242), "e\u0301", "\xff"} {
		cases = append(cases, escapeCase{arg: "getty@.service", input: s})
	}
	for _, tmpl := range append(append([]string{}, escapeTemplates...), escapeTemplatesOdd...) {
		cases = append(cases, escapeCase{arg: tmpl, input: "x"})
	}

	pick := func(list []string) string { return list[rng.IntN(len(list))] }
	atom := func() string {
		switch r := rng.IntN(10); {
		case r < 5:
			return pick(escapeAtomsPlain)
		case r < 7:
			return pick(escapeAtomsUnicode)
		default:
			return pick(escapeAtomsSpecial)
		}
	}
	word := func() string {
		var b strings.Builder
		for n := 1 + rng.IntN(3); n > 0; n-- {
			b.WriteString(atom())
		}
		return b.String()
	}
	// long is a word of about n bytes.
	long := func(n int) string {
		w := word()
		return strings.Repeat(w, n/len(w)+1)[:n]
	}
	for range nPaths {
		var b strings.Builder
		b.WriteString(pick([]string{"/", "/", "/", "/", "/", "/", "/", "//", "", "./", "/../", "/./"}))
		for i, n := 0, rng.IntN(8); i < n; i++ {
			if i > 0 {
				b.WriteString(pick([]string{"/", "/", "/", "/", "//", "/./", "/../"}))
			}
			switch r := rng.IntN(40); {
			case r == 0:
				b.WriteString(long(240 + rng.IntN(40))) // around NAME_MAX
			case r < 4:
				b.WriteString(long(40 + rng.IntN(80))) // escaped, often over 255
			default:
				b.WriteString(word())
			}
		}
		if rng.IntN(5) == 0 {
			b.WriteString("/")
		}
		suffix := pick(systemd.PathUnitTypes)
		switch r := rng.IntN(25); {
		case r < 3:
			suffix = pick(systemd.UnitTypes)
		case r < 5:
			suffix = pick(escapeSuffixesInvalid)
		}
		cases = append(cases, escapeCase{path: true, arg: suffix, input: b.String()})
	}
	for range nStrings {
		var b strings.Builder
		switch r := rng.IntN(20); {
		case r == 0: // empty
		case r < 3:
			b.WriteString(long(30 + rng.IntN(100)))
		default:
			for i, n := 0, 1+rng.IntN(5); i < n; i++ {
				if i > 0 {
					b.WriteString(pick([]string{"", "/", "-", " ", ".", "@"}))
				}
				b.WriteString(word())
			}
		}
		tmpl := pick(escapeTemplates)
		if rng.IntN(10) == 0 {
			tmpl = pick(escapeTemplatesOdd)
		}
		cases = append(cases, escapeCase{arg: tmpl, input: b.String()})
	}
	return cases
}

// quoteShort quotes s, shortened past 60 bytes.
func quoteShort(s string) string {
	if len(s) <= 60 {
		return strconv.Quote(s)
	}
	return fmt.Sprintf("%q…(%d bytes)", s[:50], len(s))
}
