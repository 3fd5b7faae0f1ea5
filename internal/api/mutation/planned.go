package mutation

import (
	"context"
	"fmt"

	"google.golang.org/protobuf/proto"

	"github.com/eaeu/customs-exchange/internal/store"
)

// RunPlanned is Run for a mutation whose checks and computation need only
// reads: plan does them in a read transaction, outside the single writer,
// and apply writes the result in the Update transaction, with the
// idempotency and audit records. Only writes then wait for the writer.
//
// plan must read only what store.ReferenceGeneration covers (reference data
// and the register of operators) besides what it is given; it is given the
// generation its transaction reads, to key caches of that data with. The generation
// is read before plan and again in the writer, after the audit head is
// taken (which on PostgreSQL queues writers, so every change committed
// before is seen): when it moved, plan runs again inside the writer, so
// that apply never writes what a change committed meanwhile would refuse.
// A refusal by plan is returned at once and writes nothing; so is the
// stored answer of a retry.
func RunPlanned[P any, R proto.Message](ctx context.Context, st store.Store, req Request, newResp func() R,
	plan func(ctx context.Context, tx store.Tx, gen int64) (P, error),
	apply func(ctx context.Context, tx store.Tx, p P) (R, Result, error)) (R, error) {
	var zero R
	k, err := newCall(ctx, req)
	if err != nil {
		return zero, err
	}
	for attempt := 0; ; attempt++ {
		resp, err := runPlanned(ctx, st, k, newResp, plan, apply)
		if retryRace(err, attempt) {
			continue
		}
		return resp, err
	}
}

// runPlanned is one attempt of RunPlanned. The writer does not look for an
// earlier answer again: a copy of the request that committed since the
// read makes the idempotency record's insert fail, and the next attempt's
// read finds that answer.
func runPlanned[P any, R proto.Message](ctx context.Context, st store.Store, k *call, newResp func() R,
	plan func(ctx context.Context, tx store.Tx, gen int64) (P, error),
	apply func(ctx context.Context, tx store.Tx, p P) (R, Result, error)) (R, error) {
	var (
		zero  R
		p     P
		gen   int64
		resp  R
		found bool
	)
	err := st.View(ctx, func(tx store.Tx) error {
		var err error
		if resp, found, err = replay(ctx, tx, k, newResp); found || err != nil {
			return err
		}
		if gen, err = tx.Counter(ctx, store.ReferenceGeneration); err != nil {
			return err
		}
		p, err = plan(ctx, tx, gen)
		return err
	})
	if err != nil {
		return zero, err
	}
	if found {
		return resp, nil
	}
	err = st.Update(ctx, func(tx store.Tx) error {
		seq, head, err := tx.AuditHead(ctx)
		if err != nil {
			return fmt.Errorf("audit head: %w", err)
		}
		now, err := tx.Counter(ctx, store.ReferenceGeneration)
		if err != nil {
			return err
		}
		if now != gen {
			if p, err = plan(ctx, tx, now); err != nil {
				return err
			}
			gen = now
		}
		r, res, err := apply(ctx, tx, p)
		if err != nil {
			return err
		}
		resp = r
		return k.record(ctx, tx, seq, head, r, res)
	})
	if err != nil {
		return zero, err
	}
	return resp, nil
}
