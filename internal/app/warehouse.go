package app

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/eaeu/customs-exchange/internal/api/ecommerce"
	"github.com/eaeu/customs-exchange/internal/api/reference"
)

// WarehouseSweepIntervalEnv names the environment variable that sets how
// often the warehouse due sweep runs: a Go duration (e.g. "30s", "5m");
// "0" turns the periodic run off (RunDueSweep still works).
const WarehouseSweepIntervalEnv = "EAEU_WAREHOUSE_SWEEP_INTERVAL"

// DefaultWarehouseSweepInterval is the interval when the variable is unset.
const DefaultWarehouseSweepInterval = time.Minute

func warehouseSweepInterval() (time.Duration, error) {
	v, ok := os.LookupEnv(WarehouseSweepIntervalEnv)
	if !ok || v == "" {
		return DefaultWarehouseSweepInterval, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("%s=%q: want a non-negative duration such as 1m", WarehouseSweepIntervalEnv, v)
	}
	return d, nil
}

// startDueSweep starts the periodic warehouse due sweep: once at start
// (catching up on what became due while the node was down), then every
// interval. stop ends it and waits for a running sweep to stop, so call it
// before closing the store. Several instances on one store may all run it:
// each purchase is marked once.
func (a *App) startDueSweep(ctx context.Context) (stop func(), err error) {
	interval, err := warehouseSweepInterval()
	if err != nil {
		return nil, err
	}
	if interval == 0 {
		a.log.Info("warehouse due sweep: periodic run off", "env", WarehouseSweepIntervalEnv)
		return func() {}, nil
	}
	sweep := ecommerce.NewDueSweep(reference.Deps{Store: a.store, NodeState: a.cfg.MemberState}, a.log)
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		sweep.Loop(ctx, interval)
	}()
	return func() { cancel(); <-done }, nil
}
