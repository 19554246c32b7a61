package provider

import (
	"fmt"
	"math/rand/v2"
	"path"
	"strconv"
	"strings"
	"testing"

	"github.com/systemd-tf/terraform-provider-systemd/internal/testhosts"
)

// Host layouts for the oracle tests (oracle_test.go): units of the test's own
// with entries in the directories of systemd's system unit search path, put
// on a host over SSH, and what systemd itself says of them.

// oracleDir is a writable directory of the system unit search path that
// survives daemon-reload, with a short label for tables. They are in
// systemd's order (systemd.unit(5), "Unit File Load Path"). The generator
// directories are left out (daemon-reload empties them), and so is
// /run/systemd/transient (systemd's own).
type oracleDir struct {
	label string
	path  string
}

var oracleDirs = []oracleDir{
	{"etc.control", "/etc/systemd/system.control"},
	{"run.control", "/run/systemd/system.control"},
	{"etc", "/etc/systemd/system"},
	{"etc.attached", "/etc/systemd/system.attached"},
	{"run", "/run/systemd/system"},
	{"run.attached", "/run/systemd/system.attached"},
	{"usr.local", "/usr/local/lib/systemd/system"},
	{"usr.lib", "/usr/lib/systemd/system"},
}

// oracleOwnDirs are the directories of oracleDirs that no other test or
// package creates, so that a test that created them removes them again.
var oracleOwnDirs = []string{
	"/etc/systemd/system.control", "/run/systemd/system.control",
	"/etc/systemd/system.attached", "/run/systemd/system.attached",
}

// The directories systemd_unit_mask writes: runtime = false and true.
const (
	oraclePersistentDir = "/etc/systemd/system"
	oracleRuntimeDir    = "/run/systemd/system"
)

// oracleDirLayers names the layer of each directory of the system search
// path as the data sources spell it, for what systemd's FragmentPath says.
var oracleDirLayers = map[string]string{
	"/etc/systemd/system.control":   "control",
	"/run/systemd/system.control":   "control",
	"/run/systemd/transient":        "transient",
	"/run/systemd/generator.early":  "generator",
	"/etc/systemd/system":           "persistent",
	"/etc/systemd/system.attached":  "attached",
	"/run/systemd/system":           "runtime",
	"/run/systemd/system.attached":  "attached",
	"/run/systemd/generator":        "generator",
	"/usr/local/lib/systemd/system": "vendor",
	"/usr/lib/systemd/system":       "vendor",
	"/lib/systemd/system":           "vendor",
	"/run/systemd/generator.late":   "generator",
}

func oracleDirPath(label string) string {
	for _, d := range oracleDirs {
		if d.label == label {
			return d.path
		}
	}
	panic("no oracle directory " + label)
}

// layoutKind is what a layout puts in a directory under a unit's name.
type layoutKind string

const (
	layoutNull  layoutKind = "null"  // a symlink to /dev/null
	layoutChain layoutKind = "chain" // a symlink to /tmp/…, a symlink to /dev/null
	layoutEmpty layoutKind = "empty" // an empty file
	layoutFile  layoutKind = "file"  // a real unit file
	layoutAlias layoutKind = "alias" // a symlink to another layout unit's name in a search path directory
)

// layoutEntry is one directory entry of a layout unit.
type layoutEntry struct {
	dir  string // an oracleDirs label
	kind layoutKind
	// An alias names target, through a link into targetDir (a label).
	target    *layoutUnit
	targetDir string
}

func entryAt(dir string, kind layoutKind) layoutEntry { return layoutEntry{dir: dir, kind: kind} }

func aliasAt(dir string, target *layoutUnit, targetDir string) layoutEntry {
	return layoutEntry{dir: dir, kind: layoutAlias, target: target, targetDir: targetDir}
}

func (e layoutEntry) String() string {
	if e.kind == layoutAlias {
		return fmt.Sprintf("%s:alias→%s/%s", e.dir, e.targetDir, e.target.label)
	}
	return e.dir + ":" + string(e.kind)
}

// layoutUnit is one unit of a layout, and the layer its systemd_unit_mask
// masks it in.
type layoutUnit struct {
	label   string // its resource and data source label: u0, u1, …
	key     string // what the case is, for people
	name    string
	entries []layoutEntry
	runtime bool
}

func (u *layoutUnit) isTemplate() bool { return strings.HasSuffix(u.name, "@.service") }

// loadName is the name systemctl show is asked about: the unit itself, or,
// for a template (which systemd never loads), an instance with no entry of
// its own, which systemd loads from the template.
func (u *layoutUnit) loadName() string { return probeInstance(u.name) }

func probeInstance(name string) string {
	if strings.HasSuffix(name, "@.service") {
		return strings.TrimSuffix(name, "@.service") + "@oracleprobe.service"
	}
	return name
}

// copyName names a copy of one of the unit's entries, which tells what
// systemd makes of that entry alone.
func (u *layoutUnit) copyName() string { return "tfacc-copy-" + strings.TrimPrefix(u.name, "tfacc-") }

// maskDir is where its systemd_unit_mask goes.
func (u *layoutUnit) maskDir() string {
	if u.runtime {
		return oracleRuntimeDir
	}
	return oraclePersistentDir
}

func (u *layoutUnit) maskFlag() string {
	if u.runtime {
		return "--runtime "
	}
	return ""
}

// describe is the layout of the unit, for tables: its entries and the
// mask the apply asks for.
func (u *layoutUnit) describe() string {
	var parts []string
	for _, e := range u.entries {
		parts = append(parts, e.String())
	}
	if len(parts) == 0 {
		parts = append(parts, "no entry")
	}
	layer := "persistent"
	if u.runtime {
		layer = "runtime"
	}
	return strings.Join(parts, " ") + "; mask " + layer
}

// oracleLayout is a set of layout units built together on one host.
type oracleLayout struct {
	units []*layoutUnit
}

func (l *oracleLayout) addNamed(key, name string, runtime bool, entries []layoutEntry) *layoutUnit {
	u := &layoutUnit{label: fmt.Sprintf("u%d", len(l.units)), key: key, name: name, entries: entries, runtime: runtime}
	l.units = append(l.units, u)
	return u
}

// add is a plain unit, key.service.
func (l *oracleLayout) add(key string, runtime bool, entries ...layoutEntry) *layoutUnit {
	return l.addNamed(key, testUnitName("oracle-"+key), runtime, entries)
}

// addTemplate is a template unit, key@.service.
func (l *oracleLayout) addTemplate(key string, runtime bool, entries ...layoutEntry) *layoutUnit {
	return l.addNamed(key, strings.TrimSuffix(testUnitName("oracle-"+key), ".service")+"@.service", runtime, entries)
}

// addInstance is instance `instance` of template t.
func (l *oracleLayout) addInstance(t *layoutUnit, instance string, runtime bool, entries ...layoutEntry) {
	name := strings.TrimSuffix(t.name, "@.service") + "@" + instance + ".service"
	l.addNamed(t.key+"@"+instance, name, runtime, entries)
}

// generatedLayout is a random layout: plain units with 1–3 entries each in
// distinct random directories, of random kinds (an alias names an earlier
// unit, so that aliases never loop), and template/instance groups: a
// template with 1–2 entries, an instance with an entry of its own and one
// without.
func generatedLayout(r *rand.Rand, plain, templates int) *oracleLayout {
	l := &oracleLayout{}
	var plainUnits []*layoutUnit
	entries := func(n int, kinds []layoutKind) []layoutEntry {
		var es []layoutEntry
		for _, d := range r.Perm(len(oracleDirs))[:n] {
			kind := kinds[r.IntN(len(kinds))]
			if kind == layoutAlias && len(plainUnits) == 0 {
				kind = layoutNull
			}
			e := entryAt(oracleDirs[d].label, kind)
			if kind == layoutAlias {
				e.target = plainUnits[r.IntN(len(plainUnits))]
				e.targetDir = oracleDirs[r.IntN(len(oracleDirs))].label
			}
			es = append(es, e)
		}
		return es
	}
	all := []layoutKind{layoutNull, layoutChain, layoutEmpty, layoutFile, layoutAlias}
	for i := 0; i < plain; i++ {
		es := entries(1+r.IntN(3), all)
		plainUnits = append(plainUnits, l.add(fmt.Sprintf("gen%d", i), r.IntN(2) == 1, es...))
	}
	for i := 0; i < templates; i++ {
		t := l.addTemplate(fmt.Sprintf("gent%d", i), r.IntN(2) == 1,
			entries(1+r.IntN(2), []layoutKind{layoutNull, layoutChain, layoutEmpty, layoutFile})...)
		l.addInstance(t, "a", r.IntN(2) == 1, entries(1, []layoutKind{layoutNull, layoutEmpty, layoutFile})...)
		l.addInstance(t, "b", r.IntN(2) == 1)
	}
	return l
}

// chainPath is the middle link of a chain entry.
func chainPath(u *layoutUnit, i int) string { return "/tmp/" + u.name + ".chain" + strconv.Itoa(i) }

const oracleUnitFile = `[Unit]\nDescription=oracle layout unit\n[Service]\nExecStart=/bin/true\n`

// build puts the layout on h, as root, and reloads systemd; when the test
// ends every file it made (and every file of the layout's names that the
// probes or the provider may have left) is removed, and systemd reloaded.
func (l *oracleLayout) build(t *testing.T, env testhosts.Env, h testhosts.Host) {
	t.Helper()
	// The directories that no other test creates are made, and removed if
	// this build made them, under a lock, so that two oracle tests sharing
	// a host do not race.
	var created []string
	t.Cleanup(func() {
		var c strings.Builder
		for _, u := range l.units {
			for _, d := range oracleDirs {
				fmt.Fprintf(&c, "rm -f %[1]s/%[2]s %[1]s/%[3]s\n", d.path, u.name, u.copyName())
			}
			fmt.Fprintf(&c, "rm -f /tmp/%s.*\n", u.name)
		}
		for _, d := range created {
			fmt.Fprintf(&c, "rmdir %s 2>/dev/null || :\n", d)
		}
		c.WriteString("systemctl daemon-reload\n")
		if out, stderr, err := env.Run(h, lockedScript(c.String())); err != nil {
			t.Errorf("removing the oracle layout from %s: %v\n%s%s", h.Addr, err, out, stderr)
		}
	})
	var b strings.Builder
	b.WriteString("set -e\n")
	for _, d := range oracleOwnDirs {
		fmt.Fprintf(&b, "[ -d %[1]s ] || { mkdir -p %[1]s; echo %[1]s; }\n", d)
	}
	for _, d := range oracleDirs {
		fmt.Fprintf(&b, "mkdir -p %s\n", d.path)
	}
	for _, u := range l.units {
		for i, e := range u.entries {
			p := oracleDirPath(e.dir) + "/" + u.name
			switch e.kind {
			case layoutNull:
				fmt.Fprintf(&b, "ln -s /dev/null %s\n", p)
			case layoutChain:
				fmt.Fprintf(&b, "ln -s /dev/null %[1]s && ln -s %[1]s %[2]s\n", chainPath(u, i), p)
			case layoutEmpty:
				fmt.Fprintf(&b, ": > %s\n", p)
			case layoutFile:
				fmt.Fprintf(&b, "printf '%s' > %s\n", oracleUnitFile, p)
			case layoutAlias:
				fmt.Fprintf(&b, "ln -s %s/%s %s\n", oracleDirPath(e.targetDir), e.target.name, p)
			}
		}
	}
	b.WriteString("systemctl daemon-reload\n")
	created = strings.Fields(env.MustRun(t, h, lockedScript(b.String())))
}

// lockedScript runs a shell script under a lock on /run/systemd, which every
// oracle test's builds and clean-ups on the host take.
func lockedScript(script string) string {
	return "flock /run/systemd sh -s <<'ORACLE_EOF'\n" + script + "ORACLE_EOF\n"
}

// systemdView is what systemd says of a unit.
type systemdView struct {
	// systemctl show of the unit's loadName.
	loadState, fragment string
	// systemctl is-enabled's output ("" when it prints nothing: no such unit).
	isEnabled string
}

func (v systemdView) String() string {
	s := v.loadState
	if s == "" {
		s = "(no LoadState)"
	}
	if v.fragment != "" {
		s += " from " + v.fragment
	}
	return s
}

// same: systemd loads the unit the same way.
func (v systemdView) same(o systemdView) bool {
	return v.loadState == o.loadState && v.fragment == o.fragment
}

// showScript asks systemctl show, in one call, for the Id, LoadState and
// FragmentPath of each unit's loadName, after a line "@units NAME…".
func (l *oracleLayout) showScript() string {
	var names, loads strings.Builder
	for _, u := range l.units {
		names.WriteString(" " + u.name)
		loads.WriteString(" " + u.loadName())
	}
	return fmt.Sprintf("echo '@units%s'\nsystemctl show -p Id,LoadState,FragmentPath --%s\n", names.String(), loads.String())
}

// isEnabledScript prints "e NAME STATE" for each unit: systemctl
// is-enabled's output.
func (l *oracleLayout) isEnabledScript() string {
	var b strings.Builder
	for _, u := range l.units {
		fmt.Fprintf(&b, "printf 'e\\t%%s\\t%%s\\n' %[1]s \"$(systemctl is-enabled -- %[1]s 2>/dev/null | head -n 1)\"\n", u.name)
	}
	return b.String()
}

// oracleAnswer is a parsed answer of the scripts here.
type oracleAnswer struct {
	views  map[string]systemdView // by unit name
	copies map[string]systemdView // of the copy of the unit's entry, by unit name
	// The apply forecast: which units' masks it made ("p"), which found their
	// directory holding something already ("o"), and systemctl's refusals ("x").
	placed, occupied map[string]bool
	refused          map[string]string
}

// parseOracleAnswer reads "@units NAME…" and "@copies NAME…" sections of
// systemctl show (one record, starting with Id=, per name) and the tagged
// lines "e", "p", "o" and "x".
func parseOracleAnswer(out string) (oracleAnswer, error) {
	a := oracleAnswer{views: map[string]systemdView{}, copies: map[string]systemdView{},
		placed: map[string]bool{}, occupied: map[string]bool{}, refused: map[string]string{}}
	var (
		section map[string]systemdView
		names   []string
		n       = -1
	)
	end := func() error {
		if section != nil && n != len(names)-1 {
			return fmt.Errorf("systemctl show gave %d records for %d units", n+1, len(names))
		}
		return nil
	}
	for _, line := range strings.Split(out, "\n") {
		tag, rest, _ := strings.Cut(line, "\t")
		switch {
		case line == "":
		case strings.HasPrefix(line, "@"):
			if err := end(); err != nil {
				return a, err
			}
			head := strings.Fields(line)
			section, names, n = a.views, head[1:], -1
			if head[0] == "@copies" {
				section = a.copies
			}
		case section != nil && !strings.Contains(line, "\t") && strings.Contains(line, "="):
			key, value, _ := strings.Cut(line, "=")
			if key == "Id" {
				n++
				if n >= len(names) {
					return a, fmt.Errorf("systemctl show gave more records than units: %q", line)
				}
			}
			if n < 0 {
				return a, fmt.Errorf("a property before the first Id: %q", line)
			}
			v := section[names[n]]
			switch key {
			case "LoadState":
				v.loadState = value
			case "FragmentPath":
				v.fragment = value
			}
			section[names[n]] = v
		case tag == "e":
			name, state, _ := strings.Cut(rest, "\t")
			v := a.views[name]
			v.isEnabled = state
			a.views[name] = v
		case tag == "p":
			a.placed[rest] = true
		case tag == "o":
			a.occupied[rest] = true
		case tag == "x":
			name, msg, _ := strings.Cut(rest, "\t")
			a.refused[name] = msg
		default:
			return a, fmt.Errorf("unexpected line %q", line)
		}
	}
	return a, end()
}

// views asks systemd about every unit of the layout; withState adds
// is-enabled's answers.
func (l *oracleLayout) views(env testhosts.Env, h testhosts.Host, withState bool) (map[string]systemdView, error) {
	script := l.showScript()
	if withState {
		script += l.isEnabledScript()
	}
	out, stderr, err := env.Run(h, script)
	if err != nil {
		return nil, fmt.Errorf("asking systemd on %s: %v: %s", h.Addr, err, stderr)
	}
	a, err := parseOracleAnswer(out)
	if err != nil {
		return nil, fmt.Errorf("asking systemd on %s: %v", h.Addr, err)
	}
	return a.views, nil
}

// applyForecast is what systemd says the apply of a unit's mask will do.
type applyForecast struct {
	// succeed: with the mask in its directory, systemd loads the unit as
	// masked from an entry under its own name, and the entry in the mask's
	// directory is a mask to systemd.
	succeed bool
	reason  string
	// after is what systemd loads with the masks of every unit that
	// succeeds in place (a mask that does not succeed changes nothing).
	after systemdView
	// adopted: the mask was there already; the resource now manages it,
	// and its destroy removes it.
	adopted bool
	// destroyed is what systemd loads once every resource is destroyed:
	// as before the apply, less the adopted masks.
	destroyed systemdView
}

// forecastApply asks systemd what the apply will do. In one script, as
// root: every unit's mask is made with systemd's own `systemctl mask
// [--runtime]` where its directory holds nothing yet; where it holds
// something, that entry is copied under another name, so that systemd says
// what the entry alone is; then daemon-reload, what systemd loads for every
// unit and copy, and everything undone, and daemon-reload again.
func (l *oracleLayout) forecastApply(env testhosts.Env, h testhosts.Host) (map[string]applyForecast, error) {
	var b strings.Builder
	for i, u := range l.units {
		p := u.maskDir() + "/" + u.name
		fmt.Fprintf(&b, `if [ -e %[1]s ] || [ -L %[1]s ]; then cp -P %[1]s %[2]s/%[3]s && printf 'o\t%%s\n' %[4]s
elif out=$(systemctl mask --no-reload %[5]s-- %[4]s 2>&1); then printf 'p\t%%s\n' %[4]s; p%[6]d=1
else printf 'x\t%%s\t%%s\n' %[4]s "$(echo $out)"; fi
`, p, u.maskDir(), u.copyName(), u.name, u.maskFlag(), i)
	}
	b.WriteString("systemctl daemon-reload\n")
	b.WriteString(l.showScript())
	b.WriteString("cu= cl=\n")
	for _, u := range l.units {
		fmt.Fprintf(&b, "[ ! -e %[1]s/%[2]s ] && [ ! -L %[1]s/%[2]s ] || { cu=\"$cu %[4]s\" cl=\"$cl %[3]s\"; }\n", u.maskDir(), u.copyName(), probeInstance(u.copyName()), u.name)
	}
	b.WriteString("echo \"@copies$cu\"\n[ -z \"$cl\" ] || systemctl show -p Id,LoadState,FragmentPath -- $cl\n")
	for i, u := range l.units {
		p := u.maskDir() + "/" + u.name
		fmt.Fprintf(&b, "if [ \"${p%d:-}\" = 1 ] && [ \"$(readlink %s)\" = /dev/null ]; then rm -f %s; fi\n", i, p, p)
		fmt.Fprintf(&b, "rm -f %s/%s\n", u.maskDir(), u.copyName())
	}
	b.WriteString("systemctl daemon-reload\n")
	out, stderr, err := env.Run(h, b.String())
	if err != nil {
		return nil, fmt.Errorf("forecasting the apply on %s: %v: %s", h.Addr, err, stderr)
	}
	a, err := parseOracleAnswer(out)
	if err != nil {
		return nil, err
	}
	forecasts := map[string]applyForecast{}
	for _, u := range l.units {
		if msg, ok := a.refused[u.name]; ok {
			return nil, fmt.Errorf("systemctl mask %s-- %s on %s refused, though %s held nothing: %s", u.maskFlag(), u.name, h.Addr, u.maskDir(), msg)
		}
		v, ok := a.views[u.name]
		if !ok {
			return nil, fmt.Errorf("systemd on %s said nothing of %s", h.Addr, u.name)
		}
		f := applyForecast{after: v}
		own := v.loadState == "masked" && path.Base(v.fragment) == u.name
		var entryIsMask bool
		switch {
		case a.placed[u.name]:
			entryIsMask = true
		case a.occupied[u.name]:
			c := a.copies[u.name]
			entryIsMask = c.loadState == "masked" && c.fragment == u.maskDir()+"/"+u.copyName()
		default:
			return nil, fmt.Errorf("the forecast on %s neither made nor found the mask of %s", h.Addr, u.name)
		}
		taken := fmt.Sprintf("%s/%s is taken, and alone systemd loads it as %s", u.maskDir(), u.name, a.copies[u.name])
		switch {
		case !own && a.placed[u.name]:
			f.reason = "with the mask in " + u.maskDir() + " systemd still loads it " + v.String()
		case !own:
			f.reason = taken + "; systemd loads the unit " + v.String()
		case !entryIsMask:
			f.reason = taken + ": no mask"
		default:
			f.succeed = true
			f.adopted = a.occupied[u.name]
			f.reason = "systemd then loads " + v.String()
		}
		forecasts[u.name] = f
	}
	return forecasts, l.forecastDestroy(env, h, forecasts)
}

// forecastDestroy asks systemd what it loads once the destroy has removed
// the masks the apply adopted: they are moved aside, systemd reloaded and
// asked, and they are put back.
func (l *oracleLayout) forecastDestroy(env testhosts.Env, h testhosts.Host, forecasts map[string]applyForecast) error {
	var aside, back strings.Builder
	for _, u := range l.units {
		if forecasts[u.name].adopted {
			p := u.maskDir() + "/" + u.name
			fmt.Fprintf(&aside, "mv %s /tmp/%s.aside\n", p, u.name)
			fmt.Fprintf(&back, "mv /tmp/%s.aside %s\n", u.name, p)
		}
	}
	out, stderr, err := env.Run(h, "set -e\n"+aside.String()+"systemctl daemon-reload\n"+l.showScript()+back.String()+"systemctl daemon-reload\n")
	if err != nil {
		return fmt.Errorf("forecasting the destroy on %s: %v: %s", h.Addr, err, stderr)
	}
	a, err := parseOracleAnswer(out)
	if err != nil {
		return err
	}
	for _, u := range l.units {
		f := forecasts[u.name]
		f.destroyed = a.views[u.name]
		forecasts[u.name] = f
	}
	return nil
}

// systemdVersion is the first line of systemctl --version, less "systemd ".
func systemdVersion(t *testing.T, env testhosts.Env, h testhosts.Host) string {
	t.Helper()
	out := env.MustRun(t, h, "systemctl --version")
	first, _, _ := strings.Cut(out, "\n")
	return strings.TrimPrefix(strings.TrimSpace(first), "systemd ")
}
