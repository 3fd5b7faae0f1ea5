package operators

import (
	"context"

	operatorsv1 "github.com/eaeu/customs-exchange/gen/eaeu/operators/v1"
	"github.com/eaeu/customs-exchange/internal/api/paging"
	"github.com/eaeu/customs-exchange/internal/register"
	"github.com/eaeu/customs-exchange/internal/store"
)

// public is the part of an entry anyone may read; nothing else is shown.
func public(op *operatorsv1.Operator) *operatorsv1.PublicOperator {
	return &operatorsv1.PublicOperator{Name: op.GetName(), RegisterNumber: op.GetRegisterNumber(),
		LegalName: op.GetDetails().GetLegalName(), MemberState: op.GetDetails().GetMemberState(),
		InclusionDate: op.GetInclusionDate(), Scope: op.GetDetails().GetScope(), Status: op.GetStatus()}
}

// ListPublicOperators implements the RPC.
func (s *Server) ListPublicOperators(ctx context.Context, req *operatorsv1.ListPublicOperatorsRequest) (*operatorsv1.ListPublicOperatorsResponse, error) {
	resp := &operatorsv1.ListPublicOperatorsResponse{}
	err := s.Store.View(ctx, func(tx store.Tx) error {
		var err error
		resp.Operators, resp.NextPageToken, err = paging.Documents(ctx, tx,
			store.DocumentQuery{Kind: register.KindOperator}, "public",
			req.GetPageToken(), paging.Size(req.GetPageSize(), 50, 500), func(d store.Document) (*operatorsv1.PublicOperator, error) {
				op := &operatorsv1.Operator{}
				if err := register.Decode(d, op); err != nil {
					return nil, err
				}
				return public(op), nil
			})
		return err
	})
	if err != nil {
		return nil, err
	}
	return resp, nil
}

// GetPublicOperator implements the RPC.
func (s *Server) GetPublicOperator(ctx context.Context, req *operatorsv1.GetPublicOperatorRequest) (*operatorsv1.GetPublicOperatorResponse, error) {
	var out *operatorsv1.PublicOperator
	err := s.Store.View(ctx, func(tx store.Tx) error {
		_, op, err := register.LoadOperator(ctx, tx, "operators/"+req.GetRegisterNumber())
		if err != nil {
			return err
		}
		out = public(op)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &operatorsv1.GetPublicOperatorResponse{Operator: out}, nil
}
