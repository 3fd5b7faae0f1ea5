package ecommerce

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	auditv1 "github.com/eaeu/customs-exchange/gen/eaeu/audit/v1"
	authv1 "github.com/eaeu/customs-exchange/gen/eaeu/auth/v1"
	ecommercev1 "github.com/eaeu/customs-exchange/gen/eaeu/ecommerce/v1"
	"github.com/eaeu/customs-exchange/internal/api/mutation"
	"github.com/eaeu/customs-exchange/internal/api/reference"
	"github.com/eaeu/customs-exchange/internal/audit"
	"github.com/eaeu/customs-exchange/internal/authn"
	"github.com/eaeu/customs-exchange/internal/caller"
	"github.com/eaeu/customs-exchange/internal/rules/dates"
	wrules "github.com/eaeu/customs-exchange/internal/rules/warehouse"
	"github.com/eaeu/customs-exchange/internal/store"
)

// SweepActorID is the subject id of the node when it marks purchases due:
// spiffe://eaeu/{STATE}/node/warehouse-due-sweep in the audit trail.
const SweepActorID = "warehouse-due-sweep"

// dueSweepBatch is how many overdue purchases one read of the sweep returns.
const dueSweepBatch = 200

// DueSweep marks as due every open warehouse purchase whose declaration
// deadline has passed (art. 309.6(17)(2)).
//
// It is safe to run any number of times, at once, from several instances
// over one store: each purchase is marked in a transaction of its own that
// reads it, checks it is still open and overdue, writes it back only if
// its revision is unchanged (compare-and-set) and appends the audit record
// of the marking. A purchase changed or marked by another run meanwhile is
// left alone, so each is marked exactly once; a run stopped halfway leaves
// the rest to the next one.
type DueSweep struct {
	deps  reference.Deps
	log   *slog.Logger
	actor caller.Caller
}

// NewDueSweep returns the sweep of d.NodeState's purchases; log may be nil.
func NewDueSweep(d reference.Deps, log *slog.Logger) *DueSweep {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	// The node acts for its own customs body.
	subject := authn.Subject{URI: "spiffe://eaeu/" + d.NodeState + "/node/" + SweepActorID,
		MemberState: d.NodeState, Kind: authn.KindNode, ID: SweepActorID}
	return &DueSweep{deps: d, log: log, actor: caller.Caller{Subject: subject, Role: authv1.Role_ROLE_CUSTOMS}}
}

// SweepResult is what one run did.
type SweepResult struct {
	// AsOf is the date in the node's member state the deadlines were
	// compared with: a deadline before it has passed.
	AsOf time.Time
	// Marked is how many purchases this run marked due.
	Marked int
}

// Run sweeps once, now.
func (s *DueSweep) Run(ctx context.Context) (SweepResult, error) {
	res := SweepResult{AsOf: dates.Local(depsNow(s.deps), s.deps.NodeState)}
	before := dates.Format(res.AsOf)
	var (
		after  *store.OverdueCursor
		failed []error
	)
	for {
		var batch []store.WarehousePurchase
		err := s.deps.Store.View(ctx, func(tx store.Tx) error {
			var err error
			batch, err = tx.ListOverdueWarehousePurchases(ctx, before, after, dueSweepBatch)
			return err
		})
		if err != nil {
			return res, errors.Join(append(failed, fmt.Errorf("warehouse due sweep: %w", err))...)
		}
		for _, row := range batch {
			marked, err := s.mark(ctx, row.ID, res.AsOf)
			if marked {
				res.Marked++
			}
			switch {
			case ctx.Err() != nil:
				return res, errors.Join(append(failed, ctx.Err())...)
			case err != nil:
				// One purchase that cannot be marked must not hold up the
				// others; it is tried again next run.
				failed = append(failed, fmt.Errorf("warehouse due sweep: %s: %w", row.ID, err))
			}
		}
		if len(batch) < dueSweepBatch {
			return res, errors.Join(failed...)
		}
		last := batch[len(batch)-1]
		after = &store.OverdueCursor{Deadline: last.Deadline, ID: last.ID}
	}
}

// mark marks one purchase due if it is still open and overdue on today,
// with the audit record of the marking in the same transaction.
func (s *DueSweep) mark(ctx context.Context, id string, today time.Time) (bool, error) {
	var marked bool
	err := s.deps.Store.Update(ctx, func(tx store.Tx) error {
		marked = false
		row, err := tx.GetWarehousePurchase(ctx, id)
		if err != nil || row.Status != store.WarehouseOpen {
			return err
		}
		p, err := decodePurchase(row)
		if err != nil {
			return err
		}
		r, err := purchaseRules(p)
		if err != nil {
			return err
		}
		due, ok := wrules.Overdue(r, today)
		if !ok {
			return nil
		}
		setPurchaseRules(p, due)
		switch err := savePurchase(ctx, tx, row, p, depsNow(s.deps)); {
		case errors.Is(err, store.ErrConflict):
			return nil // changed by another transaction since it was read: not ours to mark
		case err != nil:
			return err
		}
		if _, err := audit.Append(ctx, tx, audit.Entry{
			Caller: s.actor, Method: ecommercev1.WarehouseService_RunDueSweep_FullMethodName, Resource: p.GetName(),
			Outcome: auditv1.Outcome_OUTCOME_OK, StatusCode: "OK",
			Detail: fmt.Sprintf("due on %s: %s; deadline %s passed by %s", p.GetDueDate(), due.DueReason, p.GetDeclarationDeadline(), dates.Format(today)),
		}.Record()); err != nil {
			return err
		}
		marked = true
		return nil
	})
	return marked, err
}

// Loop runs the sweep now and then every interval until ctx ends. A failed
// run is logged; the next one picks up what it left.
func (s *DueSweep) Loop(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		res, err := s.Run(ctx)
		switch {
		case err != nil && ctx.Err() == nil:
			s.log.Error("warehouse due sweep failed", "error", err, "marked", res.Marked)
		case res.Marked > 0:
			s.log.Info("warehouse due sweep", "as_of", dates.Format(res.AsOf), "marked", res.Marked)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// RunDueSweep implements the RPC: the sweep runs (its markings are audited
// as the node's), then the call is recorded with its answer. A retry with
// the same request_id sweeps again, which marks only what became due
// since, and returns the first answer.
func (w *Warehouse) RunDueSweep(ctx context.Context, req *ecommercev1.RunDueSweepRequest) (*ecommercev1.RunDueSweepResponse, error) {
	res, err := w.sweep.Run(ctx)
	if err != nil {
		return nil, err
	}
	return mutation.Run(ctx, w.Store, req, func() *ecommercev1.RunDueSweepResponse { return &ecommercev1.RunDueSweepResponse{} },
		func(context.Context, store.Tx) (*ecommercev1.RunDueSweepResponse, mutation.Result, error) {
			return &ecommercev1.RunDueSweepResponse{MarkedCount: int32(res.Marked), AsOfDate: dates.Format(res.AsOf)},
				mutation.Result{Resource: "warehousePurchases", Detail: fmt.Sprintf("due sweep as of %s marked %d", dates.Format(res.AsOf), res.Marked)}, nil
		})
}
