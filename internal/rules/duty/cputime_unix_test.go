//go:build unix

package duty

import (
	"syscall"
	"time"
)

// processCPU returns the user+system CPU time of the process, or false.
// Benchmarks report items per CPU second besides items per wall second,
// so that the figure per core holds on a machine shared with other work.
func processCPU() (time.Duration, bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}
