package ecommerce

import (
	"context"

	ecommercev1 "github.com/eaeu/customs-exchange/gen/eaeu/ecommerce/v1"
	"github.com/eaeu/customs-exchange/internal/api/mutation"
	"github.com/eaeu/customs-exchange/internal/caller"
	"github.com/eaeu/customs-exchange/internal/errs"
	"github.com/eaeu/customs-exchange/internal/store"
)

// WithdrawDeclaration implements the RPC (art. 113): only before any item
// is decided; the obligation ends (art. 309.9) and payments are refundable.
func (s *Server) WithdrawDeclaration(ctx context.Context, req *ecommercev1.WithdrawDeclarationRequest) (*ecommercev1.WithdrawDeclarationResponse, error) {
	c := caller.From(ctx)
	return mutation.Run(ctx, s.Store, req, func() *ecommercev1.WithdrawDeclarationResponse { return &ecommercev1.WithdrawDeclarationResponse{} },
		func(ctx context.Context, tx store.Tx) (*ecommercev1.WithdrawDeclarationResponse, mutation.Result, error) {
			row, d, err := load(ctx, tx, c, req.GetName())
			if err != nil {
				return nil, mutation.Result{}, err
			}
			switch d.GetStatus() {
			case ecommercev1.DeclarationStatus_DECLARATION_STATUS_FILED, ecommercev1.DeclarationStatus_DECLARATION_STATUS_REGISTERED:
			default:
				return nil, mutation.Result{}, errs.WrongState("%s is %s: only a declaration with no item decided can be withdrawn (art. 113)", d.GetName(), d.GetStatus())
			}
			for _, p := range d.GetParcels() {
				for _, it := range p.GetItems() {
					if it.GetReleaseStatus() != ecommercev1.ItemReleaseStatus_ITEM_RELEASE_STATUS_PENDING {
						return nil, mutation.Result{}, errs.WrongState("item %s is already %s", it.GetItemId(), it.GetReleaseStatus())
					}
				}
			}
			d.Status = ecommercev1.DeclarationStatus_DECLARATION_STATUS_WITHDRAWN
			d.WithdrawalReason = req.GetReason()
			if o := d.GetObligation(); o != nil {
				// Nothing is owed any more: all that was paid is refundable.
				setObligation(o, zero(), d.GetPayments(), s.NationalCurrency)
				o.State, o.TerminationReason = ecommercev1.ObligationState_OBLIGATION_STATE_TERMINATED, ecommercev1.TerminationReason_TERMINATION_REASON_WITHDRAWN
			}
			if d, err = s.save(ctx, tx, row, d); err != nil {
				return nil, mutation.Result{}, err
			}
			return &ecommercev1.WithdrawDeclarationResponse{Declaration: d}, mutation.Result{Resource: d.GetName(), Detail: "withdrawn"}, nil
		})
}
