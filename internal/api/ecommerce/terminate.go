package ecommerce

import (
	"context"

	ecommercev1 "github.com/eaeu/customs-exchange/gen/eaeu/ecommerce/v1"
	"github.com/eaeu/customs-exchange/internal/api/mutation"
	"github.com/eaeu/customs-exchange/internal/caller"
	"github.com/eaeu/customs-exchange/internal/errs"
	"github.com/eaeu/customs-exchange/internal/store"
)

// TerminateObligation implements the RPC (art. 309.9).
func (s *Server) TerminateObligation(ctx context.Context, req *ecommercev1.TerminateObligationRequest) (*ecommercev1.TerminateObligationResponse, error) {
	c := caller.From(ctx)
	return mutation.Run(ctx, s.Store, req, func() *ecommercev1.TerminateObligationResponse { return &ecommercev1.TerminateObligationResponse{} },
		func(ctx context.Context, tx store.Tx) (*ecommercev1.TerminateObligationResponse, mutation.Result, error) {
			row, d, err := load(ctx, tx, c, req.GetName())
			if err != nil {
				return nil, mutation.Result{}, err
			}
			o := d.GetObligation()
			switch o.GetState() {
			case ecommercev1.ObligationState_OBLIGATION_STATE_ARISEN, ecommercev1.ObligationState_OBLIGATION_STATE_DUE:
			default:
				return nil, mutation.Result{}, errs.WrongState("the obligation of %s is %s: nothing to terminate", d.GetName(), o.GetState())
			}
			o.State, o.TerminationReason = ecommercev1.ObligationState_OBLIGATION_STATE_TERMINATED, req.GetReason()
			if d, err = s.save(ctx, tx, row, d); err != nil {
				return nil, mutation.Result{}, err
			}
			return &ecommercev1.TerminateObligationResponse{Declaration: d}, mutation.Result{Resource: d.GetName(),
				Detail: "obligation terminated: " + req.GetReason().String()}, nil
		})
}

// AnnulRelease implements the RPC: the item loses its release; the
// declaration's status follows its items again.
func (s *Server) AnnulRelease(ctx context.Context, req *ecommercev1.AnnulReleaseRequest) (*ecommercev1.AnnulReleaseResponse, error) {
	c := caller.From(ctx)
	return mutation.Run(ctx, s.Store, req, func() *ecommercev1.AnnulReleaseResponse { return &ecommercev1.AnnulReleaseResponse{} },
		func(ctx context.Context, tx store.Tx) (*ecommercev1.AnnulReleaseResponse, mutation.Result, error) {
			row, d, err := load(ctx, tx, c, req.GetName())
			if err != nil {
				return nil, mutation.Result{}, err
			}
			var target *ecommercev1.Item
			for _, p := range d.GetParcels() {
				for _, it := range p.GetItems() {
					if it.GetItemId() == req.GetItemId() {
						target = it
					}
				}
			}
			if target == nil {
				return nil, mutation.Result{}, errs.Field("item_id", "no item %s in %s", req.GetItemId(), d.GetName())
			}
			if target.GetReleaseStatus() != ecommercev1.ItemReleaseStatus_ITEM_RELEASE_STATUS_RELEASED {
				return nil, mutation.Result{}, errs.WrongState("item %s is %s, not released", req.GetItemId(), target.GetReleaseStatus())
			}
			target.ReleaseStatus, target.ReleaseNote = ecommercev1.ItemReleaseStatus_ITEM_RELEASE_STATUS_ANNULLED, req.GetReason()
			d.Status = statusOf(d)
			if d, err = s.save(ctx, tx, row, d); err != nil {
				return nil, mutation.Result{}, err
			}
			return &ecommercev1.AnnulReleaseResponse{Declaration: d}, mutation.Result{Resource: d.GetName(),
				Detail: "release of item " + req.GetItemId() + " annulled"}, nil
		})
}
