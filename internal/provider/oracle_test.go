package provider

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"text/tabwriter"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/systemd-tf/terraform-provider-systemd/internal/testhosts"
)

// systemd as the oracle: layouts of unit files, masks, links and aliases
// are put along systemd's unit search path on a real host, systemd itself
// says what is masked (systemctl show's LoadState, FragmentPath and Id,
// systemctl is-enabled), and the provider's answers must agree: the data
// sources, which masks import, and which masks apply.

// TestAccOracle_layouts: one unit of each kind of layout worth asking
// systemd about.
func TestAccOracle_layouts(t *testing.T) {
	env := testAccPreCheck(t, 1)
	l := &oracleLayout{}

	// A mask in each directory of the search path. The apply then adds a
	// mask of its own, or finds it there already.
	l.add("null-etc-control", false, entryAt("etc.control", layoutNull))
	l.add("null-run-control", true, entryAt("run.control", layoutNull))
	l.add("null-etc", false, entryAt("etc", layoutNull))
	l.add("null-etc-attached", true, entryAt("etc.attached", layoutNull))
	l.add("null-run", false, entryAt("run", layoutNull))
	l.add("null-run-attached", true, entryAt("run.attached", layoutNull))
	l.add("null-usr-local", false, entryAt("usr.local", layoutNull))
	l.add("null-usr-lib", true, entryAt("usr.lib", layoutNull))

	// Unit files above masks: the masks have no effect, and a mask under
	// the file would have none either.
	l.add("file-etc-over-run-mask", true, entryAt("etc", layoutFile), entryAt("run", layoutNull))
	l.add("file-control-over-etc-mask", false, entryAt("etc.control", layoutFile), entryAt("etc", layoutNull))
	l.add("file-etc-over-vendor-mask", true, entryAt("etc", layoutFile), entryAt("usr.lib", layoutNull))
	l.add("file-etc-over-vendor-mask-p", false, entryAt("etc", layoutFile), entryAt("usr.lib", layoutNull))
	l.add("empty-etc-under-control-file", false, entryAt("etc.control", layoutFile), entryAt("etc", layoutEmpty))
	// A mask above a unit file in the mask's own directory, and above a
	// mask there: systemd obeys the first.
	l.add("control-mask-over-etc-file", false, entryAt("run.control", layoutNull), entryAt("etc", layoutFile))
	l.add("control-mask-over-etc-mask", false, entryAt("etc.control", layoutNull), entryAt("etc", layoutNull))
	// /run comes before run.attached: a runtime mask there wins.
	l.add("empty-vendor-under-attached-file", true, entryAt("run.attached", layoutFile), entryAt("usr.local", layoutEmpty))

	// Empty files and chains of links are masks too.
	l.add("empty-etc", false, entryAt("etc", layoutEmpty))
	l.add("empty-run", true, entryAt("run", layoutEmpty))
	l.add("empty-run-control", false, entryAt("run.control", layoutEmpty))
	l.add("chain-etc", true, entryAt("etc", layoutChain))
	l.add("chain-run", true, entryAt("run", layoutChain))
	l.add("chain-vendor-under-etc-file", false, entryAt("etc", layoutFile), entryAt("usr.lib", layoutChain))

	// Aliases: a link in /etc or /run to another name in /usr/lib is that
	// unit, masked or not.
	masked := l.add("alias-target-masked", false, entryAt("usr.lib", layoutFile), entryAt("etc", layoutNull))
	l.add("alias-to-masked", true, aliasAt("etc", masked, "usr.lib"))
	l.add("alias-in-run-to-masked", false, aliasAt("run", masked, "usr.lib"))
	l.add("alias-over-run-mask", true, aliasAt("etc", masked, "usr.lib"), entryAt("run", layoutNull))
	plain := l.add("alias-target", true, entryAt("usr.lib", layoutFile))
	l.add("alias-to-unmasked", false, aliasAt("etc", plain, "usr.lib"))
	vendorMask := l.add("alias-target-vendor-mask", false, entryAt("usr.lib", layoutNull))
	l.add("alias-to-vendor-mask-link", true, aliasAt("etc", vendorMask, "usr.lib"))
	// An alias in /etc to a masked name is no mask of its own: the
	// persistent mask would replace it.
	controlMask := l.add("alias-target-control-mask", true, entryAt("etc.control", layoutNull))
	l.add("alias-to-control-mask", false, aliasAt("etc", controlMask, "etc.control"), entryAt("etc.attached", layoutChain))

	// Templates and instances: an instance with no entry of its own is
	// what its template is.
	tm := l.addTemplate("tmpl-masked", false, entryAt("usr.lib", layoutFile), entryAt("etc", layoutNull))
	l.addInstance(tm, "a", true)
	l.addInstance(tm, "b", false, entryAt("run", layoutFile))
	tf := l.addTemplate("tmpl-file", true, entryAt("usr.lib", layoutFile))
	l.addInstance(tf, "a", true, entryAt("run", layoutNull))
	l.addInstance(tf, "b", false)
	tv := l.addTemplate("tmpl-vendor-mask", true, entryAt("usr.lib", layoutNull))
	l.addInstance(tv, "a", false)

	runOracle(t, env, env.Hosts[0], l)
}

// TestAccOracle_generated: random layouts, from a seed that is logged (and
// that ORACLE_SEED overrides, to replay a run).
func TestAccOracle_generated(t *testing.T) {
	env := testAccPreCheck(t, 1)
	seed := uint64(20240617)
	if s := os.Getenv("ORACLE_SEED"); s != "" {
		var err error
		if seed, err = strconv.ParseUint(s, 10, 64); err != nil {
			t.Fatalf("ORACLE_SEED=%q: %v", s, err)
		}
	}
	t.Logf("oracle: layout seed %d (ORACLE_SEED=%d replays it)", seed, seed)
	l := generatedLayout(rand.New(rand.NewPCG(seed, 0)), 44, 4)
	runOracle(t, env, env.Hosts[1%len(env.Hosts)], l)
}

// TestAccOracle_generatorMask: masks made by the kernel's systemd.mask=
// (systemd-debug-generator links /run/systemd/generator.early/NAME to
// /dev/null at every boot and reload), on a host of the test's own booted
// with two of them. generator.early comes before /etc, so the one with a
// unit file in /etc/systemd/system is masked all the same; neither is a
// mask systemd_unit_mask manages, so neither imports.
func TestAccOracle_generatorMask(t *testing.T) {
	testAccPreCheck(t, 1)
	l := &oracleLayout{}
	alone := l.add("generator-mask", true)
	overFile := l.add("generator-mask-over-etc-file", false, entryAt("etc", layoutFile))
	env := testhosts.BootPrivateWith(t, testhosts.PrivateOptions{
		InitArgs: []string{"systemd.mask=" + alone.name, "systemd.mask=" + overFile.name},
	})
	// The oracle itself must say what the test is about.
	runOracle(t, env, env.Hosts[0], l, func(before map[string]systemdView) error {
		for _, u := range l.units {
			if v := before[u.name]; v.loadState != "masked" || env.SystemdVersion >= 248 && v.fragment != "/run/systemd/generator.early/"+u.name {
				return fmt.Errorf("systemd.mask=%s: systemd says %s, not masked from /run/systemd/generator.early", u.name, v)
			}
		}
		return nil
	})
}

// oracleFinding is one answer of the provider that systemd contradicts.
type oracleFinding struct {
	unit              *layoutUnit
	facet             string
	systemd, provider string
}

// oracleReport collects what systemd and the provider said of a layout.
type oracleReport struct {
	layout   *oracleLayout
	before   map[string]systemdView
	forecast map[string]applyForecast
	applied  map[string]systemdView // systemd after the apply
	findings []oracleFinding
	// held: what PID 1 had loaded and queued when its view after the apply
	// or the destroy differed from its forecast, by that step.
	held      map[string]string
	compared  map[string]bool // facets compared
	counts    map[string]int  // what the provider did, for the log
	importing []*layoutUnit   // the units of the import step running
	imported  map[string]bool // units whose import the plan showed
	// importChecked: the import step running has been compared.
	importChecked bool
	env           testhosts.Env
	host          testhosts.Host
}

func (r *oracleReport) disagree(u *layoutUnit, facet, systemd, provider string) {
	r.findings = append(r.findings, oracleFinding{unit: u, facet: facet, systemd: systemd, provider: provider})
}

// oracleMasked is the oracle: a unit is masked when systemd loads it as
// masked; a template, which is never loaded, when is-enabled says so.
func oracleMasked(u *layoutUnit, v systemdView) bool {
	if u.isTemplate() {
		return v.isEnabled == "masked" || v.isEnabled == "masked-runtime"
	}
	return v.loadState == "masked"
}

// pathsKnown reports whether systemd's FragmentPath names the mask a unit
// is loaded from: from systemd 248 on; 247 and older give the end of the
// link's chain (/dev/null), so there the oracle compares what it can read
// for sure, masked or not and the unit file state, and not the paths, the
// listing, import or apply that follow from them.
func (r *oracleReport) pathsKnown() bool {
	return r.env.SystemdVersion == 0 || r.env.SystemdVersion >= 248
}

// oracleListed: systemd_masked_units lists the units that systemd loads as
// masked from an entry under their own name (not as an alias of another
// unit, nor an instance of a masked template).
func oracleListed(u *layoutUnit, v systemdView) bool {
	return oracleMasked(u, v) && path.Base(v.fragment) == u.name
}

// oracleImportable: systemd_unit_mask manages the masks in /etc/systemd/system
// and /run/systemd/system, so it imports a unit when the mask that systemd
// loads it from is one of those.
func oracleImportable(u *layoutUnit, v systemdView) (ok, runtime bool) {
	if !oracleMasked(u, v) {
		return false, false
	}
	switch v.fragment {
	case oraclePersistentDir + "/" + u.name:
		return true, false
	case oracleRuntimeDir + "/" + u.name:
		return true, true
	}
	return false, false
}

func boolWord(b bool, yes, no string) string {
	if b {
		return yes
	}
	return no
}

// checkDataSources compares every data source with systemd's answers.
func (r *oracleReport) checkDataSources(s *terraform.State) error {
	mod := s.RootModule()
	list, ok := mod.Resources["data.systemd_masked_units.oracle"]
	if !ok {
		return fmt.Errorf("data.systemd_masked_units.oracle is not in the state")
	}
	n, _ := strconv.Atoi(list.Primary.Attributes["units.#"])
	type listing struct{ layer, path string }
	listed := map[string]listing{}
	for i := 0; i < n; i++ {
		a := list.Primary.Attributes
		p := fmt.Sprintf("units.%d.", i)
		listed[a[p+"name"]] = listing{a[p+"layer"], a[p+"path"]}
	}
	for _, u := range r.layout.units {
		v := r.before[u.name]
		rs, ok := mod.Resources["data.systemd_unit."+u.label]
		if !ok {
			return fmt.Errorf("data.systemd_unit.%s is not in the state", u.label)
		}
		a := rs.Primary.Attributes
		masked := oracleMasked(u, v)
		if got := a["masked"]; got != strconv.FormatBool(masked) {
			r.disagree(u, "data source masked", fmt.Sprintf("%t (%s; is-enabled %q)", masked, v, v.isEnabled), got)
		}
		want := v.isEnabled
		if want == "not-found" {
			want = ""
		}
		if got := a["unit_file_state"]; got != want {
			r.disagree(u, "data source unit_file_state", fmt.Sprintf("is-enabled %q", want), fmt.Sprintf("%q", got))
		}
		if !r.pathsKnown() {
			continue
		}
		wantPath, wantLayer := "", ""
		if masked {
			wantPath, wantLayer = v.fragment, oracleDirLayers[path.Dir(v.fragment)]
		}
		if a["mask_path"] != wantPath || a["mask_layer"] != wantLayer {
			r.disagree(u, "data source mask_path, mask_layer", fmt.Sprintf("%q %q (FragmentPath)", wantPath, wantLayer),
				fmt.Sprintf("%q %q", a["mask_path"], a["mask_layer"]))
		}
		got, isListed := listed[u.name]
		switch wantListed := oracleListed(u, v); {
		case wantListed != isListed:
			r.disagree(u, "systemd_masked_units", boolWord(wantListed, "listed: masked from ", "not listed: ")+v.String(),
				boolWord(isListed, fmt.Sprintf("listed (%s %s)", got.layer, got.path), "not listed"))
		case isListed && (got.path != v.fragment || got.layer != oracleDirLayers[path.Dir(v.fragment)]):
			r.disagree(u, "systemd_masked_units layer, path", oracleDirLayers[path.Dir(v.fragment)]+" "+v.fragment, got.layer+" "+got.path)
		}
	}
	r.compared["data sources"] = true
	return nil
}

// terraformDiagnostics splits an error of the terraform CLI into its
// diagnostics, by the label of the layout unit each is about ("" when it
// names none), each with its text on one line.
func (r *oracleReport) terraformDiagnostics(err error) map[string][]string {
	diags := map[string][]string{}
	if err == nil {
		return diags
	}
	with := regexp.MustCompile(`with systemd_unit_mask\.(u\d+),`)
	blocks := regexp.MustCompile(`(?m)^Error: `).Split(err.Error(), -1)
	for _, b := range blocks[1:] {
		text := strings.Join(strings.Fields(b), " ")
		label := ""
		if m := with.FindStringSubmatch(b); m != nil {
			label = m[1]
		} else {
			// The name that the text mentions first (a message may name
			// another unit too, the one that decides); of names at the
			// same place, the longest: names of the layout contain one
			// another only as a prefix up to ".".
			best, at := "", len(text)
			for _, u := range r.layout.units {
				i := strings.Index(text, u.name)
				if i >= 0 && (i < at || i == at && len(u.name) > len(best)) {
					best, at, label = u.name, i, u.label
				}
			}
		}
		diags[label] = append(diags[label], text)
	}
	return diags
}

func (r *oracleReport) unitByLabel(label string) *layoutUnit {
	for _, u := range r.layout.units {
		if u.label == label {
			return u
		}
	}
	return nil
}

// importRecorder is a plan check: which of the importing units the plan
// imports, and in which layer.
type importRecorder struct{ r *oracleReport }

func (c importRecorder) CheckPlan(_ context.Context, req plancheck.CheckPlanRequest, _ *plancheck.CheckPlanResponse) {
	for _, rc := range req.Plan.ResourceChanges {
		u := c.r.unitByLabel(rc.Name)
		if rc.Type != "systemd_unit_mask" || u == nil || rc.Change == nil || rc.Change.Importing == nil {
			continue
		}
		c.r.imported[u.name] = true
		v := c.r.before[u.name]
		want, wantRuntime := oracleImportable(u, v)
		before, _ := rc.Change.Before.(map[string]any)
		runtime, _ := before["runtime"].(bool)
		switch {
		case !want:
			c.r.disagree(u, "import", "refused: "+v.String(), fmt.Sprintf("imported (runtime = %t)", runtime))
		case runtime != wantRuntime:
			c.r.disagree(u, "import layer", fmt.Sprintf("runtime = %t: masked from %s", wantRuntime, v.fragment), fmt.Sprintf("runtime = %t", runtime))
		}
	}
	// The plan went through: nothing was refused (checkImports, when the
	// step fails after this, has nothing to add).
	_ = c.r.checkImports(nil)
}

func allPrefixed(texts []string, prefix string) bool {
	for _, s := range texts {
		if !strings.HasPrefix(s, prefix) {
			return false
		}
	}
	return true
}

// checkImports compares the import step's outcome with systemd's: err is
// the step's error, if any.
func (r *oracleReport) checkImports(err error) error {
	if r.importChecked || !r.pathsKnown() {
		return nil
	}
	r.importChecked = true
	diags := r.terraformDiagnostics(err)
	if other := diags[""]; len(other) > 0 && !strings.Contains(err.Error(), "plan was not empty") {
		return fmt.Errorf("the import failed for a reason that names no unit: %s", strings.Join(other, "\n"))
	}
	for _, u := range r.importing {
		v := r.before[u.name]
		want, _ := oracleImportable(u, v)
		msgs, failed := diags[u.label]
		r.counts[boolWord(failed, "import refused", "imported")]++
		switch {
		case failed && want:
			r.disagree(u, "import", "imported: masked from "+v.fragment, "refused: "+strings.Join(msgs, " | "))
		case failed && !allPrefixed(msgs, "Cannot Import Unit Mask"):
			r.disagree(u, "import error", `"Cannot Import Unit Mask"`, strings.Join(msgs, " | "))
		case !failed && !want && err != nil && !r.imported[u.name]:
			// The plan failed on other units: this one went through.
			r.disagree(u, "import", "refused: "+v.String(), "imported")
		}
	}
	r.compared["import"] = true
	return nil
}

var applyRefusal = regexp.MustCompile(`would have no effect|already exists|is a real unit file`)

// checkApply compares the apply with systemd's forecast, and what systemd
// loads after it with what the forecast said it would.
func (r *oracleReport) checkApply(err error) error {
	if !r.pathsKnown() {
		return nil
	}
	diags := r.terraformDiagnostics(err)
	if other := diags[""]; len(other) > 0 {
		return fmt.Errorf("the apply failed for a reason that names no unit: %s", strings.Join(other, "\n"))
	}
	after, verr := r.layout.views(r.env, r.host, true)
	if verr != nil {
		return verr
	}
	r.applied = after
	for _, u := range r.layout.units {
		if !after[u.name].same(r.forecast[u.name].after) {
			r.noteHeld("after the apply")
			break
		}
	}
	for _, u := range r.layout.units {
		f := r.forecast[u.name]
		msgs, failed := diags[u.label]
		msg := strings.Join(msgs, " | ")
		r.counts[boolWord(failed, "apply refused", "applied")]++
		switch {
		case failed && f.succeed:
			r.disagree(u, "apply", "applies: "+f.reason, "refused: "+msg)
		case !failed && !f.succeed:
			r.disagree(u, "apply", "refused: "+f.reason, "applied")
		case failed && !applyRefusal.MatchString(msg):
			r.disagree(u, "apply error", `"would have no effect", "already exists" or "is a real unit file"`, msg)
		}
		if !after[u.name].same(f.after) {
			r.disagree(u, "systemd after the apply", "as forecast: "+f.after.String(), after[u.name].String())
		}
		if !failed && !oracleMasked(u, after[u.name]) {
			r.disagree(u, "masked after the apply", "masked", after[u.name].String())
		}
	}
	r.compared["apply"] = true
	return nil
}

// checkDestroy: every unit is as systemd said it would be once the
// resources are gone: as before the apply, less the masks the apply adopted
// (which the destroy removes).
func (r *oracleReport) checkDestroy(*terraform.State) error {
	if !r.pathsKnown() {
		return nil
	}
	if r.applied == nil {
		return nil
	}
	now, err := r.layout.views(r.env, r.host, false)
	if err != nil {
		return err
	}
	for _, u := range r.layout.units {
		f := r.forecast[u.name]
		if !now[u.name].same(f.destroyed) {
			r.noteHeld("after destroy")
			want := "as forecast: " + f.destroyed.String()
			if f.destroyed.same(r.before[u.name]) {
				want = "as before the apply: " + f.destroyed.String()
			}
			r.disagree(u, "after destroy", want, now[u.name].String())
		}
	}
	r.compared["destroy"] = true
	return nil
}

// noteHeld records, once for step, which units PID 1 holds loaded and its
// jobs. What systemd loads for a name can depend on them, not only on the
// files: an alias is loaded as LoadState=error while the masked unit it
// names is held loaded by something else (a unit that wants it, a job), and
// as masked otherwise.
func (r *oracleReport) noteHeld(step string) {
	if _, ok := r.held[step]; ok {
		return
	}
	out, stderr, err := r.env.Run(r.host, "systemctl list-units --all --plain --no-legend --full; echo '(jobs)'; systemctl list-jobs --no-legend")
	if err != nil {
		out = fmt.Sprintf("(could not ask: %v: %s)", err, stderr)
	}
	r.held[step] = strings.TrimSpace(out)
}

// summarize logs the summary line and fails the test on any disagreement,
// with a table of them.
func (r *oracleReport) summarize(t *testing.T, version string) {
	t.Helper()
	bad := map[*layoutUnit]bool{}
	for _, f := range r.findings {
		bad[f.unit] = true
	}
	var b strings.Builder
	if len(r.findings) > 0 {
		tw := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "unit\tlayout\tfacet\tsystemd said\tprovider said")
		for _, f := range r.findings {
			fmt.Fprintf(tw, "%s %s (%s)\t%s\t%s\t%s\t%s\n", f.unit.label, f.unit.key, f.unit.name, f.unit.describe(), f.facet, f.systemd, f.provider)
		}
		_ = tw.Flush()
		steps := make([]string, 0, len(r.held))
		for step := range r.held {
			steps = append(steps, step)
		}
		sort.Strings(steps)
		for _, step := range steps {
			fmt.Fprintf(&b, "PID 1's loaded units and jobs %s, when its view differed from the forecast:\n%s\n", step, r.held[step])
		}
		t.Errorf("the provider disagrees with systemd:\n%s", b.String())
	}
	var facets []string
	for f := range r.compared {
		facets = append(facets, f)
	}
	sort.Strings(facets)
	n := len(r.layout.units)
	t.Logf("oracle: %d cases, %d agree (systemd %s)", n, n-len(bad), version)
	t.Logf("oracle: compared %s; the provider %s", strings.Join(facets, ", "), r.countsText())
	if len(facets) == 0 || r.pathsKnown() && len(facets) < 4 {
		t.Errorf("oracle: only %v were compared", facets)
	}
}

func (r *oracleReport) countsText() string {
	var parts []string
	for _, k := range []string{"imported", "import refused", "applied", "apply refused"} {
		parts = append(parts, fmt.Sprintf("%s %d", k, r.counts[k]))
	}
	return strings.Join(parts, ", ")
}

// Configs.

func (l *oracleLayout) dataSourcesConfig(provider string) string {
	var b strings.Builder
	b.WriteString(provider)
	for _, u := range l.units {
		b.WriteString(unitData(u.label, u.name))
	}
	b.WriteString("\ndata \"systemd_masked_units\" \"oracle\" {}\n")
	return b.String()
}

func oracleMaskBlock(u *layoutUnit, runtime bool) string {
	return fmt.Sprintf("\nresource \"systemd_unit_mask\" %q {\n  name    = %s\n  runtime = %t\n}\n", u.label, hclString(u.name), runtime)
}

// importsConfig imports every unit by name, into a resource in the layer
// systemd says its mask is in.
func (r *oracleReport) importsConfig(provider string, units []*layoutUnit) string {
	var b strings.Builder
	b.WriteString(provider)
	for _, u := range units {
		_, runtime := oracleImportable(u, r.before[u.name])
		fmt.Fprintf(&b, "\nimport {\n  to = systemd_unit_mask.%s\n  id = %s\n}\n", u.label, hclString(u.name))
		b.WriteString(oracleMaskBlock(u, runtime))
	}
	return b.String()
}

func (l *oracleLayout) masksConfig(provider string) string {
	var b strings.Builder
	b.WriteString(provider)
	for _, u := range l.units {
		b.WriteString(oracleMaskBlock(u, u.runtime))
	}
	return b.String()
}

// runOracle builds layout l on h, asks systemd, and compares the provider's
// data sources, imports and applies with systemd's answers. Each of
// preconditions checks what systemd says before anything else is done.
func runOracle(t *testing.T, env testhosts.Env, h testhosts.Host, l *oracleLayout, preconditions ...func(before map[string]systemdView) error) {
	version := systemdVersion(t, env, h)
	l.build(t, env, h)
	before, err := l.views(env, h, true)
	if err != nil {
		t.Fatal(err)
	}
	for _, check := range preconditions {
		if err := check(before); err != nil {
			t.Fatal(err)
		}
	}
	forecast, err := l.forecastApply(env, h)
	if err != nil {
		t.Fatal(err)
	}
	if again, err := l.views(env, h, false); err != nil {
		t.Fatal(err)
	} else {
		for _, u := range l.units {
			if !again[u.name].same(before[u.name]) {
				t.Fatalf("the forecast did not leave %s as it was: %s, then %s", u.name, before[u.name], again[u.name])
			}
		}
	}
	r := &oracleReport{layout: l, before: before, forecast: forecast, held: map[string]string{}, compared: map[string]bool{},
		imported: map[string]bool{}, counts: map[string]int{}, env: env, host: h}
	defer r.summarize(t, version)

	provider := providerBlock(env, h)
	var importable, refused []*layoutUnit
	for _, u := range l.units {
		if ok, _ := oracleImportable(u, before[u.name]); ok {
			importable = append(importable, u)
		} else {
			refused = append(refused, u)
		}
	}
	phase := ""
	steps := []resource.TestStep{{
		Config: l.dataSourcesConfig(provider),
		Check:  r.checkDataSources,
	}}
	// Imports are planned, never applied: the plan imports (or refuses)
	// every unit at once. The units that import and those that do not go
	// to two plans, so that the refusals do not hide the imports.
	for _, units := range [][]*layoutUnit{importable, refused} {
		if len(units) == 0 {
			continue
		}
		steps = append(steps, resource.TestStep{
			PreConfig: func() { phase, r.importing, r.importChecked = "import", units, false },
			Config:    r.importsConfig(provider, units),
			PlanOnly:  true,
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PostApplyPreRefresh: []plancheck.PlanCheck{importRecorder{r}},
			},
		})
	}
	steps = append(steps, resource.TestStep{
		PreConfig: func() { phase = "apply" },
		Config:    l.masksConfig(provider),
		Check:     func(*terraform.State) error { return r.checkApply(nil) },
	})

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		ErrorCheck: func(err error) error {
			switch phase {
			case "import":
				return r.checkImports(err)
			case "apply":
				return r.checkApply(err)
			}
			return err
		},
		CheckDestroy: r.checkDestroy,
		Steps:        steps,
	})
}
