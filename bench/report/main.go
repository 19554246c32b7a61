// Command report renders make bench's measurements as BENCHMARKS.md's
// sections: scripts/bench boots the hosts, runs the phases and records
// each one's figures; the statistics and the tables are here.
//
//	report -mode main|scale -dir DIR [settings]
//
// DIR/samples holds one measurement a line, "KIND NAME VALUE": KIND is time
// (wall milliseconds), cpu (the machine's busy milliseconds) or hostcpu
// (the hosts' cgroups' milliseconds); NAME is a phase of a subject
// ("tf_apply", "serial_noop_plan"), measured once a run. DIR/counters/NAME.before
// and NAME.after hold the hosts' counters (scripts/bench's counters) around
// the last run of NAME, and DIR/profile.md the profiled run's text.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// figures are a bench's measurements, by kind and then name.
type figures struct {
	samples map[string]map[string][]int
	counts  map[string]string // NAME → "logins/reloads" of its last run
	profile string
}

func (f figures) median(kind, name string) int { return median(f.samples[kind][name]) }

func (f figures) has(kind, name string) bool { return len(f.samples[kind][name]) > 0 }

func (f figures) count(name string) string {
	if c, ok := f.counts[name]; ok {
		return c
	}
	return "–"
}

// load reads dir as scripts/bench wrote it.
func load(dir string) (figures, error) {
	f := figures{samples: map[string]map[string][]int{}, counts: map[string]string{}}
	file, err := os.Open(filepath.Join(dir, "samples"))
	if err != nil {
		return f, err
	}
	defer file.Close()
	sc := bufio.NewScanner(file)
	for n := 1; sc.Scan(); n++ {
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 {
			continue
		}
		v, err := strconv.Atoi(fields[len(fields)-1])
		if len(fields) != 3 || err != nil {
			return f, fmt.Errorf("samples line %d: %q: want KIND NAME MILLISECONDS", n, sc.Text())
		}
		if f.samples[fields[0]] == nil {
			f.samples[fields[0]] = map[string][]int{}
		}
		f.samples[fields[0]][fields[1]] = append(f.samples[fields[0]][fields[1]], v)
	}
	if err := sc.Err(); err != nil {
		return f, err
	}
	befores, _ := filepath.Glob(filepath.Join(dir, "counters", "*.before"))
	for _, b := range befores {
		name := strings.TrimSuffix(filepath.Base(b), ".before")
		before, err := readCounters(b)
		if err != nil {
			return f, err
		}
		after, err := readCounters(strings.TrimSuffix(b, ".before") + ".after")
		if err != nil {
			return f, err
		}
		if f.counts[name], err = delta(before, after); err != nil {
			return f, fmt.Errorf("counters of %s: %w", name, err)
		}
	}
	if p, err := os.ReadFile(filepath.Join(dir, "profile.md")); err == nil {
		f.profile = strings.TrimRight(string(p), "\n")
	}
	return f, nil
}

func readCounters(path string) ([]counter, error) {
	text, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	cs, err := parseCounters(string(text))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return cs, nil
}

// settings are the run's shape, for the tables' words.
type settings struct {
	hosts, perHost, runs, serial, cores int
	machine, ansible                    string
}

var phases = []struct{ label, key string }{
	{"apply (mask)", "apply"},
	{"no-change plan (re-check)", "plan"},
	{"destroy (unmask)", "destroy"},
}

func writeMain(w io.Writer, f figures, s settings) {
	ansible := s.ansible
	if ansible == "" {
		ansible = "Ansible left out (ANSIBLE=0)"
	}
	fmt.Fprintf(w, `## %d masks over %d hosts

%d masks a host, medians of %d runs, %s. Terraform's default
-parallelism (10); %s; the hosts' sshd logs at its default level, INFO. The plugin
floor is bench/noop: the same resources through a provider that does nothing.
Logins/reloads: SSH logins and daemon-reloads per host in the phase (last
run; "a–b" when the hosts differ).

| phase | provider | plugin floor | terraform_data | ÷ terraform_data | ÷ plugin floor | Ansible | Ansible ÷ provider | provider logins/reloads | Ansible logins/reloads |
|---|---|---|---|---|---|---|---|---|---|
`, s.hosts*s.perHost, s.hosts, s.perHost, s.runs, s.machine, ansible)
	for _, p := range phases {
		tf, noop, floor := f.median("time", "tf_"+p.key), f.median("time", "noop_"+p.key), f.median("time", "floor_"+p.key)
		ans, ansRatio := "–", "–"
		if f.has("time", "ans_"+p.key) {
			an := f.median("time", "ans_"+p.key)
			ans, ansRatio = secs(an), ratio(an, tf)
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", p.label, secs(tf), secs(noop), secs(floor),
			ratio(tf, floor), ratio(tf, noop), ans, ansRatio, f.count("tf_"+p.key), f.count("ans_"+p.key))
	}
	fmt.Fprintf(w, `
Where the machine's CPU time goes (medians): all of it, and in brackets the
part spent inside the hosts (sshd, shells, systemctl, PID 1). The machine has
%d cores, so a phase cannot take less wall time than its CPU time ÷ %d.

| phase | provider | plugin floor | terraform_data | Ansible |
|---|---|---|---|---|
`, s.cores, s.cores)
	for _, p := range phases {
		fmt.Fprintf(w, "| %s ", p.key)
		for _, k := range []string{"tf", "noop", "floor", "ans"} {
			name := k + "_" + p.key
			if !f.has("cpu", name) {
				fmt.Fprint(w, "| – ")
				continue
			}
			fmt.Fprintf(w, "| %s (%s) ", secs(f.median("cpu", name)), secs(f.median("hostcpu", name)))
		}
		fmt.Fprint(w, "|\n")
	}
	fmt.Fprintf(w, `
## Serial: %d masks on one host, -parallelism=1

The same phases, one request at a time, as pipelines that serialize run;
beside the plugin floor at the same -parallelism.

| phase | provider | plugin floor | ÷ plugin floor | provider machine CPU / inside the host | logins/reloads |
|---|---|---|---|---|---|
`, s.serial)
	for _, p := range phases {
		tf, noop := f.median("time", "serial_"+p.key), f.median("time", "serial_noop_"+p.key)
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s / %s | %s |\n", p.label, secs(tf), secs(noop), ratio(tf, noop),
			secs(f.median("cpu", "serial_"+p.key)), secs(f.median("hostcpu", "serial_"+p.key)), f.count("serial_"+p.key))
	}
	fmt.Fprintf(w, `
The provider, profiled in one more run (SYSTEMD_PROVIDER_PROFILE_DIR; a
Terraform command starts a provider process per walk):

%s
`, f.profile)
}

func writeScale(w io.Writer, f figures, s settings) {
	fmt.Fprintf(w, `
## Scale: %d masks over %d hosts

%d masks a host, one run, %s. Ansible is left out here (it
would take about half an hour a phase). The plugin floor (bench/noop, a
provider that does nothing) is what any plugin costs beside terraform_data,
which Terraform runs without a plugin.

| phase | provider | plugin floor | terraform_data | provider ÷ terraform_data | provider ÷ plugin floor | plugin floor ÷ terraform_data | machine CPU (provider / plugin floor / terraform_data) | provider logins/reloads per host |
|---|---|---|---|---|---|---|---|---|
`, s.hosts*s.perHost, s.hosts, s.perHost, s.machine)
	for _, p := range phases {
		tf, noop, floor := f.median("time", "tf_"+p.key), f.median("time", "noop_"+p.key), f.median("time", "floor_"+p.key)
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s | %s | %s / %s / %s | %s |\n", p.key, secs(tf), secs(noop), secs(floor),
			ratio(tf, floor), ratio(tf, noop), ratio(noop, floor),
			secs(f.median("cpu", "tf_"+p.key)), secs(f.median("cpu", "noop_"+p.key)), secs(f.median("cpu", "floor_"+p.key)), f.count("tf_"+p.key))
	}
	fmt.Fprintf(w, "\nThe provider, profiled in one more run:\n\n%s\n", f.profile)
}

func main() {
	var s settings
	mode := flag.String("mode", "main", "main, scale, or connect (go test -bench output on stdin)")
	dir := flag.String("dir", "", "the directory scripts/bench wrote")
	flag.IntVar(&s.hosts, "hosts", 0, "hosts in the run")
	flag.IntVar(&s.perHost, "per-host", 0, "masks a host")
	flag.IntVar(&s.runs, "runs", 0, "runs, for the medians")
	flag.IntVar(&s.serial, "serial", 0, "masks in the serial case")
	flag.IntVar(&s.cores, "cores", 0, "the machine's cores")
	flag.StringVar(&s.machine, "machine", "", "the machine, in words")
	flag.StringVar(&s.ansible, "ansible", "", "Ansible's version and settings, in words; empty when left out")
	flag.Parse()
	if *mode == "connect" {
		rows, err := parseConnect(os.Stdin)
		if err != nil {
			fmt.Fprintln(os.Stderr, "report:", err)
			os.Exit(1)
		}
		writeConnect(os.Stdout, rows)
		return
	}
	f, err := load(*dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, "report:", err)
		os.Exit(1)
	}
	switch *mode {
	case "main":
		writeMain(os.Stdout, f, s)
	case "scale":
		writeScale(os.Stdout, f, s)
	default:
		fmt.Fprintf(os.Stderr, "report: unknown mode %q\n", *mode)
		os.Exit(2)
	}
}
