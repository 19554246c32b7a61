package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"runtime/pprof"
)

// startProfile writes a CPU profile of this process to DIR/cpu-PID.pprof and,
// when it stops, a heap profile to DIR/heap-PID.pprof and its peak resident
// memory (VmHWM) to DIR/mem-PID.txt. It is a
// measuring aid for make bench, off unless SYSTEMD_PROVIDER_PROFILE_DIR is set.
func startProfile(dir string) (stop func(), err error) {
	pid := os.Getpid()
	f, err := os.Create(filepath.Join(dir, fmt.Sprintf("cpu-%d.pprof", pid)))
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
		if h, err := os.Create(filepath.Join(dir, fmt.Sprintf("heap-%d.pprof", pid))); err == nil {
			_ = pprof.Lookup("heap").WriteTo(h, 0)
			h.Close()
		}
		if status, err := os.ReadFile("/proc/self/status"); err == nil {
			for _, line := range bytes.Split(status, []byte("\n")) {
				if bytes.HasPrefix(line, []byte("VmHWM:")) {
					_ = os.WriteFile(filepath.Join(dir, fmt.Sprintf("mem-%d.txt", pid)), append(line, '\n'), 0o644)
				}
			}
		}
	}, nil
}
