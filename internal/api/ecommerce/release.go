package ecommerce

import (
	"context"
	"fmt"
	"strings"

	"github.com/cockroachdb/apd/v3"

	ecommercev1 "github.com/eaeu/customs-exchange/gen/eaeu/ecommerce/v1"
	"github.com/eaeu/customs-exchange/internal/api/mutation"
	"github.com/eaeu/customs-exchange/internal/caller"
	"github.com/eaeu/customs-exchange/internal/errs"
	rules "github.com/eaeu/customs-exchange/internal/rules/ecommerce"
	"github.com/eaeu/customs-exchange/internal/store"
)

// DecideRelease implements the RPC: release per item (art. 118(5.1),
// 309.5), the items of one parcel together.
func (s *Server) DecideRelease(ctx context.Context, req *ecommercev1.DecideReleaseRequest) (*ecommercev1.DecideReleaseResponse, error) {
	c := caller.From(ctx)
	var v violations
	byItem := map[string]*ecommercev1.ReleaseDecision{}
	for i, dec := range req.GetDecisions() {
		f := fmt.Sprintf("decisions[%d]", i)
		if _, dup := byItem[dec.GetItemId()]; dup {
			v.add(f+".item_id", "item %s is decided twice", dec.GetItemId())
		}
		byItem[dec.GetItemId()] = dec
		if !dec.GetRelease() && strings.TrimSpace(dec.GetNote()) == "" {
			v.add(f+".note", "a refusal of release needs its reason")
		}
	}
	if len(v) > 0 {
		return nil, errs.Invalid(v...)
	}
	return mutation.Run(ctx, s.Store, req, func() *ecommercev1.DecideReleaseResponse { return &ecommercev1.DecideReleaseResponse{} },
		func(ctx context.Context, tx store.Tx) (*ecommercev1.DecideReleaseResponse, mutation.Result, error) {
			row, d, err := load(ctx, tx, c, req.GetName())
			if err != nil {
				return nil, mutation.Result{}, err
			}
			switch d.GetStatus() {
			case ecommercev1.DeclarationStatus_DECLARATION_STATUS_REGISTERED, ecommercev1.DeclarationStatus_DECLARATION_STATUS_PARTIALLY_RELEASED:
			default:
				return nil, mutation.Result{}, errs.WrongState("%s is %s: no item can be decided", d.GetName(), d.GetStatus())
			}
			if err := s.decide(d, byItem); err != nil {
				return nil, mutation.Result{}, err
			}
			if d, err = s.save(ctx, tx, row, d); err != nil {
				return nil, mutation.Result{}, err
			}
			return &ecommercev1.DecideReleaseResponse{Declaration: d}, mutation.Result{Resource: d.GetName(),
				Detail: fmt.Sprintf("%d items decided, %s", len(byItem), d.GetStatus())}, nil
		})
}

func (s *Server) decide(d *ecommercev1.Declaration, byItem map[string]*ecommercev1.ReleaseDecision) error {
	// Payments go to the duty first, then to the fees.
	assessed, fees, paidSoFar := assessedOf(d), feesOf(d), paidOf(d)
	var dutyTotal apd.Decimal
	_, _ = apd.BaseContext.Sub(&dutyTotal, &assessed, &fees)
	dutyPaid := rules.Settle(dutyTotal, paidSoFar).PaidInFull
	feesPaid := rules.Settle(assessed, paidSoFar).PaidInFull
	found := map[string]bool{}
	for _, p := range d.GetParcels() {
		var releasing, pending int
		for _, it := range p.GetItems() {
			dec, ok := byItem[it.GetItemId()]
			if !ok {
				if it.GetReleaseStatus() == ecommercev1.ItemReleaseStatus_ITEM_RELEASE_STATUS_PENDING {
					pending++
				}
				continue
			}
			found[it.GetItemId()] = true
			if it.GetReleaseStatus() != ecommercev1.ItemReleaseStatus_ITEM_RELEASE_STATUS_PENDING {
				return errs.WrongState("item %s is already %s", it.GetItemId(), it.GetReleaseStatus())
			}
			if !dec.GetRelease() {
				continue
			}
			if why := s.Restrictions.Obstacle(rules.ItemCheck{HSCode: it.GetHsCode(), PermitNumber: it.GetPermitNumber()}, dutyPaid, feesPaid); why != "" {
				return errs.WrongState("item %s cannot be released: %s", it.GetItemId(), why)
			}
			releasing++
		}
		// art. 118(5.1): several items in one parcel are released when all
		// of them qualify, so a release names every undecided item of it.
		if releasing > 0 && pending > 0 {
			return errs.WrongState("parcel %s: its items are released together; decide all %d undecided items of it in one request",
				p.GetParcelNumber(), pending+releasing)
		}
	}
	for id := range byItem {
		if !found[id] {
			return errs.Field("decisions", "no item %s in %s", id, d.GetName())
		}
	}
	for _, p := range d.GetParcels() {
		for _, it := range p.GetItems() {
			if dec, ok := byItem[it.GetItemId()]; ok {
				it.ReleaseStatus, it.ReleaseNote = ecommercev1.ItemReleaseStatus_ITEM_RELEASE_STATUS_REFUSED, dec.GetNote()
				if dec.GetRelease() {
					it.ReleaseStatus = ecommercev1.ItemReleaseStatus_ITEM_RELEASE_STATUS_RELEASED
				}
			}
		}
	}
	d.Status = statusOf(d)
	o := d.GetObligation()
	switch d.GetStatus() {
	case ecommercev1.DeclarationStatus_DECLARATION_STATUS_REFUSED:
		if o.GetState() == ecommercev1.ObligationState_OBLIGATION_STATE_ARISEN {
			o.State, o.TerminationReason = ecommercev1.ObligationState_OBLIGATION_STATE_TERMINATED, ecommercev1.TerminationReason_TERMINATION_REASON_RELEASE_REFUSED
		}
	case ecommercev1.DeclarationStatus_DECLARATION_STATUS_RELEASED:
		if assessed := assessedOf(d); assessed.Sign() == 0 {
			o.State, o.TerminationReason = ecommercev1.ObligationState_OBLIGATION_STATE_TERMINATED, ecommercev1.TerminationReason_TERMINATION_REASON_DUTY_FREE
		}
	}
	return nil
}

func paidOf(d *ecommercev1.Declaration) apd.Decimal {
	p, _ := decimal(d.GetObligation().GetPaid().GetAmount())
	return p
}
