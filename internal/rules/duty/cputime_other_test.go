//go:build !unix

package duty

import "time"

func processCPU() (time.Duration, bool) { return 0, false }
