package accounting

import (
	"context"
	"strings"

	"google.golang.org/protobuf/proto"

	operatorsv1 "github.com/eaeu/customs-exchange/gen/eaeu/operators/v1"
	"github.com/eaeu/customs-exchange/internal/api/paging"
	"github.com/eaeu/customs-exchange/internal/caller"
	"github.com/eaeu/customs-exchange/internal/errs"
	rules "github.com/eaeu/customs-exchange/internal/rules/accounting"
	"github.com/eaeu/customs-exchange/internal/store"
)

// stateName is the stored form of a proto item state ("" for unspecified).
func stateName(s operatorsv1.AccountingItemState) string { return rules.State(s).Name() }

// GetAccountingItem implements the RPC.
func (s *Server) GetAccountingItem(ctx context.Context, req *operatorsv1.GetAccountingItemRequest) (*operatorsv1.GetAccountingItemResponse, error) {
	c := caller.From(ctx)
	number, id := childOf(req.GetName(), "items")
	out := &operatorsv1.AccountingItem{}
	err := s.Store.View(ctx, func(tx store.Tx) error {
		if _, err := resolve(ctx, tx, c, number); err != nil {
			return err
		}
		rows, err := tx.GetAccountingItems(ctx, number, []string{id})
		if err != nil {
			return err
		}
		row, ok := rows[id]
		if !ok {
			return errs.NotFound(req.GetName())
		}
		return proto.Unmarshal(row.Body, out)
	})
	if err != nil {
		return nil, err
	}
	return &operatorsv1.GetAccountingItemResponse{Item: out}, nil
}

// ListAccountingItems implements the RPC.
func (s *Server) ListAccountingItems(ctx context.Context, req *operatorsv1.ListAccountingItemsRequest) (*operatorsv1.ListAccountingItemsResponse, error) {
	c := caller.From(ctx)
	query := strings.Join([]string{"items", req.GetParent(), req.GetState().String()}, "|")
	after, err := paging.Cursor(req.GetPageToken(), query)
	if err != nil {
		return nil, err
	}
	size := paging.Size(req.GetPageSize(), 100, 1000)
	q := store.AccountingItemQuery{Operator: numberOf(req.GetParent()), State: stateName(req.GetState()), AfterItem: after, Limit: size + 1}
	resp := &operatorsv1.ListAccountingItemsResponse{}
	err = s.Store.View(ctx, func(tx store.Tx) error {
		if _, err := resolve(ctx, tx, c, q.Operator); err != nil {
			return err
		}
		rows, err := tx.ListAccountingItems(ctx, q)
		if err != nil {
			return err
		}
		rows, resp.NextPageToken = paging.Page(rows, size, query, func(last store.AccountingItem) string { return last.ItemID })
		for _, r := range rows {
			it := &operatorsv1.AccountingItem{}
			if err := proto.Unmarshal(r.Body, it); err != nil {
				return err
			}
			resp.Items = append(resp.Items, it)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return resp, nil
}
