package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestStats(t *testing.T) {
	for _, tt := range []struct {
		values []int
		want   int
	}{{nil, 0}, {[]int{5}, 5}, {[]int{9, 1, 5}, 5}, {[]int{4, 1, 3, 2}, 2}} {
		if got := median(tt.values); got != tt.want {
			t.Errorf("median(%v) = %d, want %d", tt.values, got, tt.want)
		}
	}
	if got := ratio(4400, 2250); got != "1.96×" {
		t.Errorf("ratio = %q", got)
	}
	if got := ratio(1, 0); got != "–" {
		t.Errorf("ratio over nothing = %q", got)
	}
	if got := secs(4404); got != "4.40 s" {
		t.Errorf("secs = %q", got)
	}
	if got, want := span([]int{2, 1, 2}), "1–2"; got != want {
		t.Errorf("span = %q, want %q", got, want)
	}
}

// The reading before a phase counts itself as a login, which comes off;
// a host the phase never reached shows 0, never -1.
func TestDelta(t *testing.T) {
	before, err := parseCounters("3 0\n7 2\n")
	if err != nil {
		t.Fatal(err)
	}
	after, _ := parseCounters("5 0\n7 2\n")
	got, err := delta(before, after)
	if err != nil || got != "0–1/0" {
		t.Errorf("delta = %q, %v; want 0–1/0", got, err)
	}
	if _, err := parseCounters("3\n"); err == nil {
		t.Error("a counter line without reloads was accepted")
	}
	if _, err := delta(before, after[:1]); err == nil {
		t.Error("counters of different host counts were compared")
	}
}

func TestRenderMain(t *testing.T) {
	dir := t.TempDir()
	samples := `time tf_apply 4400
time tf_apply 4000
time tf_apply 5000
time noop_apply 2250
time floor_apply 1790
cpu tf_apply 7650
hostcpu tf_apply 3380
time serial_apply 5910
time serial_noop_apply 2110
cpu serial_apply 5560
hostcpu serial_apply 2960
`
	if err := os.WriteFile(filepath.Join(dir, "samples"), []byte(samples), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "counters"), 0o700); err != nil {
		t.Fatal(err)
	}
	for name, text := range map[string]string{"tf_apply.before": "10 0\n10 0\n", "tf_apply.after": "12 0\n12 0\n", "profile.md": "PROFILE\n"} {
		p := filepath.Join(dir, "counters", name)
		if name == "profile.md" {
			p = filepath.Join(dir, name)
		}
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	f, err := load(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	writeMain(&out, f, settings{hosts: 4, perHost: 50, runs: 3, serial: 100, cores: 2, machine: "M"})
	for _, want := range []string{
		"## 200 masks over 4 hosts",
		"Ansible left out (ANSIBLE=0)",
		"| apply (mask) | 4.40 s | 2.25 s | 1.79 s | 2.46× | 1.96× | – | – | 1/0 | – |",
		"| apply | 7.65 s (3.38 s) | – | – | – |",
		"| apply (mask) | 5.91 s | 2.11 s | 2.80× | 5.56 s / 2.96 s | – |",
		"PROFILE",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the report lacks %q:\n%s", want, out.String())
		}
	}
}

// The scale table has the plugin floor beside terraform_data.
func TestRenderScale(t *testing.T) {
	dir := t.TempDir()
	samples := "time tf_apply 82200\ntime noop_apply 70000\ntime floor_apply 64000\ncpu tf_apply 146860\ncpu noop_apply 120000\ncpu floor_apply 95570\n"
	if err := os.WriteFile(filepath.Join(dir, "samples"), []byte(samples), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := load(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	writeScale(&out, f, settings{hosts: 20, perHost: 100, machine: "M"})
	want := "| apply | 82.20 s | 70.00 s | 64.00 s | 1.28× | 1.17× | 1.09× | 146.86 s / 120.00 s / 95.57 s |"
	if !strings.Contains(out.String(), want) {
		t.Errorf("the scale report lacks %q:\n%s", want, out.String())
	}
}

func TestLoadRefusesGarbage(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "samples"), []byte("time tf_apply fast\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := load(dir); err == nil || !strings.Contains(err.Error(), "line 1") {
		t.Errorf("load = %v, want an error naming line 1", err)
	}
}

func TestConnect(t *testing.T) {
	out := `goos: linux
BenchmarkFirstConnection/direct-2         	     100	   4059171 ns/op	         1.000 logins/op
BenchmarkFirstConnection/two_bastions-2   	     100	   9070104 ns/op	         3.000 logins/op
PASS
`
	rows, err := parseConnect(strings.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	writeConnect(&b, rows)
	for _, want := range []string{"| direct | 4.1 ms | 1 |", "| two bastions | 9.1 ms | 3 |"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, b.String())
		}
	}
	if _, err := parseConnect(strings.NewReader("PASS\n")); err == nil {
		t.Error("no benchmark lines, no error")
	}
}
