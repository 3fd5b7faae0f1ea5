package accounting

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"google.golang.org/grpc"
	"google.golang.org/protobuf/proto"

	operatorsv1 "github.com/eaeu/customs-exchange/gen/eaeu/operators/v1"
	"github.com/eaeu/customs-exchange/internal/api/mutation"
	"github.com/eaeu/customs-exchange/internal/api/paging"
	"github.com/eaeu/customs-exchange/internal/caller"
	"github.com/eaeu/customs-exchange/internal/errs"
	"github.com/eaeu/customs-exchange/internal/store"
)

// RecordAccountingEvent implements the RPC: one event, its item, its audit
// record and the call's idempotency record in one transaction.
func (s *Server) RecordAccountingEvent(ctx context.Context, req *operatorsv1.RecordAccountingEventRequest) (*operatorsv1.RecordAccountingEventResponse, error) {
	c := caller.From(ctx)
	// The guard checked the proto rules; the engine takes the event over.
	in := s.prepare(proto.Clone(req.GetEvent()).(*operatorsv1.AccountingEvent), false, s.today())
	if in.err != nil {
		return nil, in.err
	}
	number := numberOf(req.GetParent())
	return mutation.Run(ctx, s.Store, req, func() *operatorsv1.RecordAccountingEventResponse { return &operatorsv1.RecordAccountingEventResponse{} },
		func(ctx context.Context, tx store.Tx) (*operatorsv1.RecordAccountingEventResponse, mutation.Result, error) {
			// mutation.Run may run this again: the input is copied each time.
			one := in
			one.ev = proto.Clone(in.ev).(*operatorsv1.AccountingEvent)
			outs, err := s.applyInTx(ctx, tx, c, number, []*input{&one}, "")
			if err != nil {
				return nil, mutation.Result{}, err
			}
			o := outs[0]
			if o.err != nil {
				return nil, mutation.Result{}, o.err
			}
			detail := detailOf(o.event)
			if o.duplicate {
				detail = "duplicate of the recorded event: nothing changed"
			}
			return &operatorsv1.RecordAccountingEventResponse{Event: o.event, Item: o.item, Duplicate: o.duplicate},
				mutation.Result{Resource: o.event.GetName(), Detail: detail}, nil
		})
}

// GetAccountingEvent implements the RPC.
func (s *Server) GetAccountingEvent(ctx context.Context, req *operatorsv1.GetAccountingEventRequest) (*operatorsv1.GetAccountingEventResponse, error) {
	c := caller.From(ctx)
	number, id := childOf(req.GetName(), "events")
	var out *operatorsv1.AccountingEvent
	err := s.Store.View(ctx, func(tx store.Tx) error {
		if _, err := resolve(ctx, tx, c, number); err != nil {
			return err
		}
		rows, err := tx.GetAccountingEvents(ctx, number, []string{id})
		if err != nil {
			return err
		}
		row, ok := rows[id]
		if !ok {
			return errs.NotFound(req.GetName())
		}
		out, err = s.eventOf(row)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &operatorsv1.GetAccountingEventResponse{Event: out}, nil
}

// ListAccountingEvents implements the RPC. An item's events are read by
// the ids the item lists (an item has a handful); the others are listed
// from the operator's events by day.
func (s *Server) ListAccountingEvents(ctx context.Context, req *operatorsv1.ListAccountingEventsRequest) (*operatorsv1.ListAccountingEventsResponse, error) {
	c := caller.From(ctx)
	query := strings.Join([]string{"events", req.GetParent(), req.GetItemId(), req.GetFromDate(), req.GetToDate()}, "|")
	cursor, err := paging.Cursor(req.GetPageToken(), query)
	if err != nil {
		return nil, err
	}
	q := store.AccountingEventQuery{Operator: numberOf(req.GetParent()), FromDate: req.GetFromDate(), ToDate: req.GetToDate()}
	if cursor != "" {
		day, seq, _ := strings.Cut(cursor, "|")
		if q.AfterSeq, err = strconv.ParseInt(seq, 10, 64); err != nil || day == "" {
			return nil, errs.Field("page_token", "not a page token of this list")
		}
		q.AfterDate = day
	}
	size := paging.Size(req.GetPageSize(), 100, 1000)
	q.Limit = size + 1
	resp := &operatorsv1.ListAccountingEventsResponse{}
	err = s.Store.View(ctx, func(tx store.Tx) error {
		if _, err := resolve(ctx, tx, c, q.Operator); err != nil {
			return err
		}
		var rows []store.AccountingEvent
		if req.GetItemId() != "" {
			if rows, err = itemEvents(ctx, tx, q, req.GetItemId()); err != nil {
				return err
			}
		} else if rows, err = tx.ListAccountingEvents(ctx, q); err != nil {
			return err
		}
		rows, resp.NextPageToken = paging.Page(rows, size, query, func(last store.AccountingEvent) string { return fmt.Sprintf("%s|%d", last.OccurredOn, last.Seq) })
		for _, r := range rows {
			ev, err := s.eventOf(r)
			if err != nil {
				return err
			}
			resp.Events = append(resp.Events, ev)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return resp, nil
}

// itemEvents is what ListAccountingEvents would list of one item's
// events, in the same order, filters and page.
func itemEvents(ctx context.Context, tx store.Tx, q store.AccountingEventQuery, itemID string) ([]store.AccountingEvent, error) {
	items, err := tx.GetAccountingItems(ctx, q.Operator, []string{itemID})
	if err != nil {
		return nil, err
	}
	row, ok := items[itemID]
	if !ok {
		return nil, nil
	}
	it := &operatorsv1.AccountingItem{}
	if err := proto.Unmarshal(row.Body, it); err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(it.GetEvents()))
	for _, name := range it.GetEvents() {
		_, id := childOf(name, "events")
		ids = append(ids, id)
	}
	byID, err := tx.GetAccountingEvents(ctx, q.Operator, ids)
	if err != nil {
		return nil, err
	}
	out := make([]store.AccountingEvent, 0, len(byID))
	for _, e := range byID {
		switch {
		case q.FromDate != "" && e.OccurredOn < q.FromDate, q.ToDate != "" && e.OccurredOn > q.ToDate:
		case q.AfterDate != "" && (e.OccurredOn < q.AfterDate || (e.OccurredOn == q.AfterDate && e.Seq <= q.AfterSeq)):
		default:
			out = append(out, e)
		}
	}
	slices.SortFunc(out, func(a, b store.AccountingEvent) int {
		return cmp.Or(strings.Compare(a.OccurredOn, b.OccurredOn), cmp.Compare(a.Seq, b.Seq))
	})
	if len(out) > q.Limit {
		out = out[:q.Limit]
	}
	return out, nil
}

// fullMethod is the RPC's full name, for audit records written outside the
// interceptors.
func fullMethod(ctx context.Context, fallback string) string {
	if m, ok := grpc.Method(ctx); ok {
		return m
	}
	return fallback
}
