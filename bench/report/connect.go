package main

import (
	"bufio"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
)

// connectRow is one sub-benchmark of BenchmarkFirstConnection.
type connectRow struct {
	name   string
	ms     float64
	logins float64
}

var benchLine = regexp.MustCompile(`^BenchmarkFirstConnection/(\S+?)(?:-\d+)?\s+\d+\s+([\d.]+) ns/op\s+([\d.]+) logins/op`)

// parseConnect reads `go test -bench BenchmarkFirstConnection` output.
func parseConnect(r io.Reader) ([]connectRow, error) {
	var rows []connectRow
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		m := benchLine.FindStringSubmatch(strings.TrimSpace(sc.Text()))
		if m == nil {
			continue
		}
		ns, err := strconv.ParseFloat(m[2], 64)
		if err != nil {
			return nil, err
		}
		logins, err := strconv.ParseFloat(m[3], 64)
		if err != nil {
			return nil, err
		}
		rows = append(rows, connectRow{name: m[1], ms: ns / 1e6, logins: logins})
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("no BenchmarkFirstConnection lines")
	}
	return rows, nil
}

// writeConnect renders the first-connection table.
func writeConnect(w io.Writer, rows []connectRow) {
	fmt.Fprintf(w, "\n## First connection, by the way a host is reached\n\n"+
		"`go test -bench BenchmarkFirstConnection ./internal/sshtransport`: a new pool's first three commands on a host, "+
		"against the package's in-process SSH servers and the test proxies (internal/testhosts), so the figures are "+
		"the client's and the servers' CPU for the handshakes, not a network's latency. Logins are counted by the "+
		"servers, every hop included: one per hop is the goal.\n\n")
	fmt.Fprintln(w, "| reached | time per pool | SSH logins per pool |")
	fmt.Fprintln(w, "|---|---|---|")
	for _, r := range rows {
		fmt.Fprintf(w, "| %s | %.1f ms | %g |\n", strings.ReplaceAll(r.name, "_", " "), r.ms, r.logins)
	}
}
