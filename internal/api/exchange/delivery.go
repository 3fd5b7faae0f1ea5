package exchange

import (
	"context"
	"slices"
	"strings"

	"google.golang.org/protobuf/types/known/timestamppb"

	exchangev1 "github.com/eaeu/customs-exchange/gen/eaeu/exchange/v1"
	"github.com/eaeu/customs-exchange/internal/api/mutation"
	"github.com/eaeu/customs-exchange/internal/api/paging"
	"github.com/eaeu/customs-exchange/internal/errs"
	"github.com/eaeu/customs-exchange/internal/store"
)

const outboxPrefix = "outboxMessages/"

var outboxStates = map[exchangev1.OutboxMessageState]string{
	exchangev1.OutboxMessageState_OUTBOX_MESSAGE_STATE_PENDING:       store.OutboxPending,
	exchangev1.OutboxMessageState_OUTBOX_MESSAGE_STATE_DELIVERED:     store.OutboxDelivered,
	exchangev1.OutboxMessageState_OUTBOX_MESSAGE_STATE_UNDELIVERABLE: store.OutboxUndeliverable,
}

func outboxFrom(m store.OutboxMessage) *exchangev1.OutboxMessage {
	out := &exchangev1.OutboxMessage{Name: outboxPrefix + m.ID, PeerCode: m.PeerCode, Kind: m.Kind, Subject: m.Subject,
		Attempts: int32(m.Attempts), LastError: m.LastError, CreateTime: timestamppb.New(m.CreateTime)}
	for k, v := range outboxStates {
		if v == m.State {
			out.State = k
		}
	}
	if m.State == store.OutboxPending {
		out.NextAttemptTime = timestamppb.New(m.NextAttempt)
	}
	if !m.DeliveredTime.IsZero() {
		out.DeliveredTime = timestamppb.New(m.DeliveredTime)
	}
	return out
}

// ListOutboxMessages implements the RPC.
func (s *Delivery) ListOutboxMessages(ctx context.Context, req *exchangev1.ListOutboxMessagesRequest) (*exchangev1.ListOutboxMessagesResponse, error) {
	state := req.GetState()
	if state == exchangev1.OutboxMessageState_OUTBOX_MESSAGE_STATE_UNSPECIFIED {
		state = exchangev1.OutboxMessageState_OUTBOX_MESSAGE_STATE_UNDELIVERABLE
	}
	query := "state=" + state.String()
	after, err := paging.SeqCursor(req.GetPageToken(), query)
	if err != nil {
		return nil, err
	}
	size := paging.Size(req.GetPageSize(), 50, 500)
	resp := &exchangev1.ListOutboxMessagesResponse{}
	err = s.Store.View(ctx, func(tx store.Tx) error {
		rows, err := tx.ListOutbox(ctx, outboxStates[state], after, size+1)
		if err != nil {
			return err
		}
		rows, resp.NextPageToken = paging.SeqPage(rows, size, query, func(last store.OutboxMessage) int64 { return last.Seq })
		for _, m := range rows {
			resp.OutboxMessages = append(resp.OutboxMessages, outboxFrom(m))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return resp, nil
}

// RetryOutboxMessage implements the RPC.
func (s *Delivery) RetryOutboxMessage(ctx context.Context, req *exchangev1.RetryOutboxMessageRequest) (*exchangev1.RetryOutboxMessageResponse, error) {
	resp, err := mutation.Run(ctx, s.Store, req, func() *exchangev1.RetryOutboxMessageResponse { return &exchangev1.RetryOutboxMessageResponse{} },
		func(ctx context.Context, tx store.Tx) (*exchangev1.RetryOutboxMessageResponse, mutation.Result, error) {
			m, err := tx.GetOutbox(ctx, strings.TrimPrefix(req.GetName(), outboxPrefix))
			if err != nil {
				return nil, mutation.Result{}, notFoundAs(err, req.GetName())
			}
			if m.State != store.OutboxUndeliverable {
				return nil, mutation.Result{}, errs.WrongState("%s is %s; only undeliverable messages are retried", req.GetName(), strings.ToLower(m.State))
			}
			now := s.now()
			m.State, m.Attempts, m.NextAttempt, m.LeaseUntil, m.UpdateTime = store.OutboxPending, 0, now, now, now
			if err := tx.UpdateOutbox(ctx, m); err != nil {
				return nil, mutation.Result{}, err
			}
			return &exchangev1.RetryOutboxMessageResponse{OutboxMessage: outboxFrom(m)}, mutation.Result{Resource: req.GetName()}, nil
		})
	if err == nil {
		s.outboxWritten()
	}
	return resp, err
}

// GetExchangeStatistics implements the RPC: counts only, no content.
func (s *Delivery) GetExchangeStatistics(ctx context.Context, _ *exchangev1.GetExchangeStatisticsRequest) (*exchangev1.GetExchangeStatisticsResponse, error) {
	resp := &exchangev1.GetExchangeStatisticsResponse{ComputeTime: timestamppb.New(s.now())}
	err := s.Store.View(ctx, func(tx store.Tx) error {
		counts, err := tx.ExchangeCounts(ctx)
		if err != nil {
			return err
		}
		today := s.today().Format("2006-01-02")
		overdue, err := tx.ListExchangeRequests(ctx, store.ExchangeRequestQuery{Status: inProgress.String(), DeadlineBefore: today, Limit: 100000})
		if err != nil {
			return err
		}
		n := map[string]int64{}
		for _, r := range overdue {
			n["copy_requests_overdue/"+r.Direction]++
		}
		for k, v := range n {
			counts = append(counts, store.ExchangeCount{Key: k, Value: v})
		}
		slices.SortFunc(counts, func(a, b store.ExchangeCount) int { return strings.Compare(a.Key, b.Key) })
		for _, c := range counts {
			resp.Counts = append(resp.Counts, &exchangev1.Count{Key: strings.ToLower(c.Key), Value: c.Value})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return resp, nil
}
