// Package benchkit measures request rates and latencies for the
// benchmarks of make bench: a fixed number of concurrent workers call a
// function for a fixed time, and the figures are compared as ratios with a
// baseline measured in the same run on the same machine.
package benchkit

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Result is one measurement.
type Result struct {
	Calls    int64
	Errors   int64
	Duration time.Duration
	P50, P99 time.Duration
}

// Rate is calls per second.
func (r Result) Rate() float64 { return float64(r.Calls) / r.Duration.Seconds() }

// Run calls call from workers goroutines for d and returns the rate and
// latency percentiles. Every call's latency is kept (a few MB for a few
// hundred thousand calls).
func Run(ctx context.Context, workers int, d time.Duration, call func(context.Context) error) Result {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var calls, errs atomic.Int64
	lat := make([][]time.Duration, workers)
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for ctx.Err() == nil {
				t := time.Now()
				if err := call(context.WithoutCancel(ctx)); err != nil {
					errs.Add(1)
					continue
				}
				lat[w] = append(lat[w], time.Since(t))
				calls.Add(1)
			}
		}(w)
	}
	wg.Wait()
	return summarize(calls.Load(), errs.Load(), time.Since(start), slices.Concat(lat...))
}

// Paced calls call at a fixed total rate (calls per second) for d, from as
// many goroutines as needed, and reports the latencies: the way to compare
// tail latencies of two services at the same load.
func Paced(ctx context.Context, rate float64, d time.Duration, call func(context.Context) error) Result {
	interval := time.Duration(float64(time.Second) / rate)
	var mu sync.Mutex
	var lat []time.Duration
	var errs atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	tick := time.NewTicker(interval)
	defer tick.Stop()
	deadline := time.After(d)
loop:
	for {
		select {
		case <-deadline:
			break loop
		case <-tick.C:
			wg.Add(1)
			go func() {
				defer wg.Done()
				t := time.Now()
				if err := call(ctx); err != nil {
					errs.Add(1)
					return
				}
				l := time.Since(t)
				mu.Lock()
				lat = append(lat, l)
				mu.Unlock()
			}()
		}
	}
	wg.Wait()
	return summarize(int64(len(lat)), errs.Load(), time.Since(start), lat)
}

func summarize(calls, errs int64, d time.Duration, lat []time.Duration) Result {
	r := Result{Calls: calls, Errors: errs, Duration: d}
	if len(lat) > 0 {
		slices.Sort(lat)
		r.P50 = lat[len(lat)*50/100]
		r.P99 = lat[min(len(lat)-1, len(lat)*99/100)]
	}
	return r
}
