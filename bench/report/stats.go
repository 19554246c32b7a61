package main

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// median is the middle of values, the lower of the two middles for an even
// count (as the figures in BENCHMARKS.md always were); 0 for none.
func median(values []int) int {
	if len(values) == 0 {
		return 0
	}
	s := slices.Clone(values)
	slices.Sort(s)
	return s[(len(s)-1)/2]
}

// ratio is a ÷ b as BENCHMARKS.md prints it: "1.96×".
func ratio(a, b int) string {
	if b == 0 {
		return "–"
	}
	return fmt.Sprintf("%.2f×", float64(a)/float64(b))
}

// secs is a duration in milliseconds, in seconds: "4.40 s".
func secs(ms int) string { return fmt.Sprintf("%.2f s", float64(ms)/1000) }

// span is "n" when every value is n, else "min–max".
func span(values []int) string {
	if len(values) == 0 {
		return "–"
	}
	lo, hi := slices.Min(values), slices.Max(values)
	if lo == hi {
		return strconv.Itoa(lo)
	}
	return fmt.Sprintf("%d–%d", lo, hi)
}

// counter is what scripts/bench's counters read on one host: its SSH logins
// and PID 1's daemon-reloads so far.
type counter struct{ logins, reloads int }

// parseCounters reads counters' output, "LOGINS RELOADS" per host.
func parseCounters(text string) ([]counter, error) {
	var cs []counter
	for _, line := range strings.Split(strings.TrimSpace(text), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if len(f) != 2 {
			return nil, fmt.Errorf("counter line %q: want LOGINS RELOADS", line)
		}
		l, err1 := strconv.Atoi(f[0])
		r, err2 := strconv.Atoi(f[1])
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("counter line %q: not two numbers", line)
		}
		cs = append(cs, counter{l, r})
	}
	return cs, nil
}

// delta is "logins/reloads" per host between two readings, each as a span
// over the hosts. The reading before counted itself with a login of its
// own, which is taken off; a host the phase never reached then has no
// login to take off, so a count never goes below zero.
func delta(before, after []counter) (string, error) {
	if len(before) != len(after) {
		return "", fmt.Errorf("%d hosts before, %d after", len(before), len(after))
	}
	var logins, reloads []int
	for i := range before {
		logins = append(logins, max(0, after[i].logins-before[i].logins-1))
		reloads = append(reloads, after[i].reloads-before[i].reloads)
	}
	return span(logins) + "/" + span(reloads), nil
}
