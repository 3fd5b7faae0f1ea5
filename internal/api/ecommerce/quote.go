package ecommerce

import (
	"context"

	ecommercev1 "github.com/eaeu/customs-exchange/gen/eaeu/ecommerce/v1"
	"github.com/eaeu/customs-exchange/internal/errs"
	"github.com/eaeu/customs-exchange/internal/rules/dates"
	"github.com/eaeu/customs-exchange/internal/store"
)

// QuoteDuty implements the RPC: the registration computation, read-only.
func (s *Server) QuoteDuty(ctx context.Context, req *ecommercev1.QuoteDutyRequest) (*ecommercev1.QuoteDutyResponse, error) {
	state := req.GetMemberState()
	if state == "" {
		state = s.NodeState
	}
	if state != s.NodeState {
		return nil, errs.Field("member_state", "this node computes in %s's currency and schedules only", s.NodeState)
	}
	day := s.today()
	if req.GetDate() != "" {
		var err error
		if day, err = dates.Parse(req.GetDate()); err != nil {
			return nil, errs.Field("date", "not a date (YYYY-MM-DD)")
		}
	}
	var v violations
	checkParcels(req.GetParcels(), "parcels", &v)
	if len(v) > 0 {
		return nil, errs.Invalid(v...)
	}
	var out *ecommercev1.DutyAssessment
	err := s.Store.View(ctx, func(tx store.Tx) error {
		refs, err := s.refsOf(ctx, tx)
		if err != nil {
			return err
		}
		out, _, err = s.assess(ctx, refs, state, day, req.GetParcels())
		return err
	})
	if err != nil {
		return nil, err
	}
	return &ecommercev1.QuoteDutyResponse{Duty: out}, nil
}
