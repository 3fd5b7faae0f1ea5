package ecommerce

import (
	"context"
	"fmt"

	authv1 "github.com/eaeu/customs-exchange/gen/eaeu/auth/v1"
	ecommercev1 "github.com/eaeu/customs-exchange/gen/eaeu/ecommerce/v1"
	"github.com/eaeu/customs-exchange/internal/api/mutation"
	"github.com/eaeu/customs-exchange/internal/caller"
	"github.com/eaeu/customs-exchange/internal/errs"
	"github.com/eaeu/customs-exchange/internal/rules/dates"
	"github.com/eaeu/customs-exchange/internal/store"
)

// AmendDeclaration implements the RPC (art. 112).
func (s *Server) AmendDeclaration(ctx context.Context, req *ecommercev1.AmendDeclarationRequest) (*ecommercev1.AmendDeclarationResponse, error) {
	c := caller.From(ctx)
	var v violations
	checkParcels(req.GetParcels(), "parcels", &v)
	if len(v) > 0 {
		return nil, errs.Invalid(v...)
	}
	return mutation.Run(ctx, s.Store, req, func() *ecommercev1.AmendDeclarationResponse { return &ecommercev1.AmendDeclarationResponse{} },
		func(ctx context.Context, tx store.Tx) (*ecommercev1.AmendDeclarationResponse, mutation.Result, error) {
			row, d, err := load(ctx, tx, c, req.GetName())
			if err != nil {
				return nil, mutation.Result{}, err
			}
			if req.GetEtag() != d.GetEtag() {
				return nil, mutation.Result{}, errs.EtagMismatch(d.GetName())
			}
			if err := amendable(c, d); err != nil {
				return nil, mutation.Result{}, err
			}
			if err := keepDecisions(d.GetParcels(), req.GetParcels()); err != nil {
				return nil, mutation.Result{}, err
			}
			d.Parcels = req.GetParcels()
			d.Version++
			if d.GetStatus() != ecommercev1.DeclarationStatus_DECLARATION_STATUS_FILED {
				// The rates and schedules of the registration date apply
				// (art. 309.8(8)), whatever the date of the amendment.
				regDay, err := dates.Parse(d.GetRegistrationDate())
				if err != nil {
					return nil, mutation.Result{}, err
				}
				refs, err := s.refsOf(ctx, tx)
				if err != nil {
					return nil, mutation.Result{}, err
				}
				assessment, res, err := s.assess(ctx, refs, s.NodeState, regDay, d.GetParcels())
				if err != nil {
					return nil, mutation.Result{}, err
				}
				d.Duty = assessment
				setObligation(d.GetObligation(), withFees(res.Total, feesOf(d)), d.GetPayments(), s.NationalCurrency)
				if err := s.afterRelease(ctx, tx, d); err != nil {
					return nil, mutation.Result{}, err
				}
			}
			if d, err = s.save(ctx, tx, row, d); err != nil {
				return nil, mutation.Result{}, err
			}
			if err := s.keepVersion(ctx, tx, row.ID, d, req.GetReason(), c); err != nil {
				return nil, mutation.Result{}, err
			}
			return &ecommercev1.AmendDeclarationResponse{Declaration: d}, mutation.Result{Resource: d.GetName(),
				Detail: fmt.Sprintf("version %d", d.GetVersion())}, nil
		})
}

// amendable: the declarant amends until any item is decided; customs also
// after release (correcting the value, art. 309.10); nobody after
// withdrawal or a refusal of every item.
func amendable(c caller.Caller, d *ecommercev1.Declaration) error {
	switch d.GetStatus() {
	case ecommercev1.DeclarationStatus_DECLARATION_STATUS_FILED, ecommercev1.DeclarationStatus_DECLARATION_STATUS_REGISTERED:
		return nil
	case ecommercev1.DeclarationStatus_DECLARATION_STATUS_PARTIALLY_RELEASED, ecommercev1.DeclarationStatus_DECLARATION_STATUS_RELEASED:
		if c.Role == authv1.Role_ROLE_CUSTOMS {
			return nil
		}
		return errs.WrongState("%s is %s: after release only customs amends it (art. 309.10)", d.GetName(), d.GetStatus())
	}
	return errs.WrongState("%s is %s and can no longer be amended", d.GetName(), d.GetStatus())
}

// keepDecisions carries release decisions over to the amended parcels and
// refuses an amendment that drops or moves a decided item.
func keepDecisions(old, amended []*ecommercev1.Parcel) error {
	decided := map[string]*ecommercev1.Item{}
	parcelOf := map[string]string{}
	for _, p := range old {
		for _, it := range p.GetItems() {
			if it.GetReleaseStatus() != ecommercev1.ItemReleaseStatus_ITEM_RELEASE_STATUS_PENDING {
				decided[it.GetItemId()] = it
				parcelOf[it.GetItemId()] = p.GetParcelNumber()
			}
		}
	}
	for _, p := range amended {
		for _, it := range p.GetItems() {
			if prev, ok := decided[it.GetItemId()]; ok {
				if parcelOf[it.GetItemId()] != p.GetParcelNumber() {
					return errs.WrongState("item %s was decided in parcel %s and cannot move", it.GetItemId(), parcelOf[it.GetItemId()])
				}
				it.ReleaseStatus, it.ReleaseNote = prev.GetReleaseStatus(), prev.GetReleaseNote()
				delete(decided, it.GetItemId())
				continue
			}
			it.ReleaseStatus, it.ReleaseNote = ecommercev1.ItemReleaseStatus_ITEM_RELEASE_STATUS_PENDING, ""
		}
	}
	for id := range decided {
		return errs.WrongState("item %s is already decided and cannot be removed", id)
	}
	return nil
}
