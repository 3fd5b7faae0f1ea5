package accounting

import (
	"context"
	"strings"
	"time"

	"google.golang.org/protobuf/proto"

	operatorsv1 "github.com/eaeu/customs-exchange/gen/eaeu/operators/v1"
	"github.com/eaeu/customs-exchange/internal/api/paging"
	"github.com/eaeu/customs-exchange/internal/caller"
	"github.com/eaeu/customs-exchange/internal/errs"
	rules "github.com/eaeu/customs-exchange/internal/rules/accounting"
	"github.com/eaeu/customs-exchange/internal/rules/dates"
	"github.com/eaeu/customs-exchange/internal/store"
)

// ListAccountingDiscrepancies implements the RPC. Only items with a
// recorded discrepancy or a running declaration deadline are read (a
// partial index holds them), so the cost follows what there is to see,
// not the size of the accounts.
func (s *Server) ListAccountingDiscrepancies(ctx context.Context, req *operatorsv1.ListAccountingDiscrepanciesRequest) (*operatorsv1.ListAccountingDiscrepanciesResponse, error) {
	c := caller.From(ctx)
	asOf := s.today()
	if req.GetAsOfDate() != "" {
		var err error
		if asOf, err = dates.Parse(req.GetAsOfDate()); err != nil {
			return nil, errs.Field("as_of_date", "not a date (YYYY-MM-DD)")
		}
	}
	query := strings.Join([]string{"discrepancies", req.GetParent(), dates.Format(asOf), req.GetKind().String()}, "|")
	cursor, err := paging.Cursor(req.GetPageToken(), query)
	if err != nil {
		return nil, err
	}
	size := paging.Size(req.GetPageSize(), 100, 1000)
	q := store.AccountingItemQuery{OfInterest: true, Limit: size + 1}
	if cursor != "" {
		op, item, ok := strings.Cut(cursor, "|")
		if !ok {
			return nil, errs.Field("page_token", "not a page token of this list")
		}
		q.AfterOperator, q.AfterItem = op, item
	}
	resp := &operatorsv1.ListAccountingDiscrepanciesResponse{}
	err = s.Store.View(ctx, func(tx store.Tx) error {
		var err error
		if q.Operator, err = resolveParent(ctx, tx, c, req.GetParent()); err != nil {
			return err
		}
		rows, err := tx.ListAccountingItems(ctx, q)
		if err != nil {
			return err
		}
		rows, resp.NextPageToken = paging.Page(rows, size, query, func(last store.AccountingItem) string { return last.Operator + "|" + last.ItemID })
		for _, row := range rows {
			it := &operatorsv1.AccountingItem{}
			if err := proto.Unmarshal(row.Body, it); err != nil {
				return err
			}
			resp.Discrepancies = append(resp.Discrepancies, discrepanciesOf(row, it, asOf, req.GetKind())...)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return resp, nil
}

// discrepanciesOf are the item's recorded discrepancies and, judged on
// asOf, its overdue declaration; only of kind when one is given.
func discrepanciesOf(row store.AccountingItem, it *operatorsv1.AccountingItem, asOf time.Time, kind operatorsv1.AccountingDiscrepancyKind) []*operatorsv1.AccountingDiscrepancy {
	var out []*operatorsv1.AccountingDiscrepancy
	want := func(k operatorsv1.AccountingDiscrepancyKind) bool {
		return kind == operatorsv1.AccountingDiscrepancyKind_ACCOUNTING_DISCREPANCY_KIND_UNSPECIFIED || kind == k
	}
	for _, d := range it.GetDiscrepancies() {
		if want(d.GetKind()) {
			out = append(out, d)
		}
	}
	st, _ := rules.ParseState(row.State)
	if f, late := rules.Overdue(st, parseDate(row.Deadline), asOf); late &&
		want(operatorsv1.AccountingDiscrepancyKind_ACCOUNTING_DISCREPANCY_KIND_DECLARATION_OVERDUE) {
		out = append(out, &operatorsv1.AccountingDiscrepancy{Item: it.GetName(), Kind: operatorsv1.AccountingDiscrepancyKind(f.Kind),
			Article: f.Kind.Article(), Date: dates.Format(f.Date), Event: it.GetLastEvent(), Detail: f.Detail})
	}
	return out
}
