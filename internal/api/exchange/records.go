package exchange

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	exchangev1 "github.com/eaeu/customs-exchange/gen/eaeu/exchange/v1"
	"github.com/eaeu/customs-exchange/internal/api/mutation"
	"github.com/eaeu/customs-exchange/internal/api/paging"
	"github.com/eaeu/customs-exchange/internal/caller"
	"github.com/eaeu/customs-exchange/internal/errs"
	"github.com/eaeu/customs-exchange/internal/store"
)

const (
	agreementPrefix    = "exchangeAgreements/"
	subscriptionPrefix = "subscriptions/"
	recordPrefix       = "exchangeRecords/"
	// pullPageBytes ends a page at about this much data.
	pullPageBytes = 1 << 20
	// pullPoll is how often an idle follow stream looks for records
	// published by another instance.
	pullPoll = time.Second
)

// --- agreements -------------------------------------------------------------

func agreementFrom(a store.ExchangeAgreement, peerPosition int64) (*exchangev1.Agreement, error) {
	out := &exchangev1.Agreement{}
	if err := proto.Unmarshal(a.Body, out); err != nil {
		return nil, err
	}
	out.Name = agreementPrefix + a.PeerCode
	out.PeerPosition = peerPosition
	out.CreateTime, out.UpdateTime = timestamppb.New(a.CreateTime), timestamppb.New(a.UpdateTime)
	out.Etag = strconv.FormatInt(a.Revision, 10)
	return out, nil
}

func storedAgreement(a *exchangev1.Agreement, peerState string) ([]byte, error) {
	return marshal(&exchangev1.Agreement{PeerCode: a.GetPeerCode(), RecordKinds: a.GetRecordKinds(), Schedule: a.GetSchedule(),
		Officials: a.GetOfficials(), PeerOfficials: a.GetPeerOfficials(), PeerMemberState: peerState})
}

func (s *RegularExchange) readAgreement(ctx context.Context, tx store.Tx, code string) (*exchangev1.Agreement, store.ExchangeAgreement, error) {
	a, err := tx.GetExchangeAgreement(ctx, code)
	if err != nil {
		return nil, a, notFoundAs(err, agreementPrefix+code)
	}
	pos, err := tx.GetExchangePeerPosition(ctx, code)
	if err != nil {
		return nil, a, err
	}
	out, err := agreementFrom(a, pos)
	return out, a, err
}

// CreateAgreement implements the RPC.
func (s *RegularExchange) CreateAgreement(ctx context.Context, req *exchangev1.CreateAgreementRequest) (*exchangev1.CreateAgreementResponse, error) {
	in := req.GetAgreement()
	if len(in.GetRecordKinds()) == 0 {
		return nil, errs.Field("agreement.record_kinds", "name at least one kind of record")
	}
	return mutation.Run(ctx, s.Store, req, func() *exchangev1.CreateAgreementResponse { return &exchangev1.CreateAgreementResponse{} },
		func(ctx context.Context, tx store.Tx) (*exchangev1.CreateAgreementResponse, mutation.Result, error) {
			peer, err := s.peerBody(ctx, tx, in.GetPeerCode(), "agreement.peer_code", false, false)
			if err != nil {
				return nil, mutation.Result{}, err
			}
			body, err := storedAgreement(in, peer.GetMemberState())
			if err != nil {
				return nil, mutation.Result{}, err
			}
			now := s.now()
			row := store.ExchangeAgreement{PeerCode: peer.GetCode(), CreateTime: now, UpdateTime: now, Body: body}
			if err := tx.CreateExchangeAgreement(ctx, row); err != nil {
				if errors.Is(err, store.ErrAlreadyExists) {
					return nil, mutation.Result{}, errs.AlreadyExists(agreementPrefix + peer.GetCode())
				}
				return nil, mutation.Result{}, err
			}
			out, _, err := s.readAgreement(ctx, tx, peer.GetCode())
			return &exchangev1.CreateAgreementResponse{Agreement: out}, mutation.Result{Resource: out.GetName()}, err
		})
}

// GetAgreement implements the RPC.
func (s *RegularExchange) GetAgreement(ctx context.Context, req *exchangev1.GetAgreementRequest) (*exchangev1.GetAgreementResponse, error) {
	var out *exchangev1.Agreement
	err := s.Store.View(ctx, func(tx store.Tx) error {
		var err error
		out, _, err = s.readAgreement(ctx, tx, req.GetName()[len(agreementPrefix):])
		return err
	})
	if err != nil {
		return nil, err
	}
	return &exchangev1.GetAgreementResponse{Agreement: out}, nil
}

// ListAgreements implements the RPC.
func (s *RegularExchange) ListAgreements(ctx context.Context, req *exchangev1.ListAgreementsRequest) (*exchangev1.ListAgreementsResponse, error) {
	after, err := paging.Cursor(req.GetPageToken(), "agreements")
	if err != nil {
		return nil, err
	}
	size := paging.Size(req.GetPageSize(), 50, 500)
	resp := &exchangev1.ListAgreementsResponse{}
	err = s.Store.View(ctx, func(tx store.Tx) error {
		rows, err := tx.ListExchangeAgreements(ctx, after, size+1)
		if err != nil {
			return err
		}
		rows, resp.NextPageToken = paging.Page(rows, size, "agreements", func(last store.ExchangeAgreement) string { return last.PeerCode })
		for _, r := range rows {
			pos, err := tx.GetExchangePeerPosition(ctx, r.PeerCode)
			if err != nil {
				return err
			}
			a, err := agreementFrom(r, pos)
			if err != nil {
				return err
			}
			resp.Agreements = append(resp.Agreements, a)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return resp, nil
}

var agreementFields = []string{"record_kinds", "schedule", "officials", "peer_officials"}

// UpdateAgreement implements the RPC.
func (s *RegularExchange) UpdateAgreement(ctx context.Context, req *exchangev1.UpdateAgreementRequest) (*exchangev1.UpdateAgreementResponse, error) {
	in := req.GetAgreement()
	paths := req.GetUpdateMask().GetPaths()
	if len(paths) == 0 {
		return nil, errs.Field("update_mask", "name at least one field: %v", agreementFields)
	}
	for _, p := range paths {
		if !slices.Contains(agreementFields, p) {
			return nil, errs.Field("update_mask", "%q cannot be updated; updatable: %v", p, agreementFields)
		}
		if p == "record_kinds" && len(in.GetRecordKinds()) == 0 {
			return nil, errs.Field("agreement.record_kinds", "name at least one kind of record")
		}
	}
	if len(in.GetName()) <= len(agreementPrefix) || in.GetName()[:len(agreementPrefix)] != agreementPrefix {
		return nil, errs.Field("agreement.name", "required: exchangeAgreements/{peer_code}")
	}
	code := in.GetName()[len(agreementPrefix):]
	return mutation.Run(ctx, s.Store, req, func() *exchangev1.UpdateAgreementResponse { return &exchangev1.UpdateAgreementResponse{} },
		func(ctx context.Context, tx store.Tx) (*exchangev1.UpdateAgreementResponse, mutation.Result, error) {
			cur, row, err := s.readAgreement(ctx, tx, code)
			if err != nil {
				return nil, mutation.Result{}, err
			}
			if in.GetEtag() != "" && in.GetEtag() != cur.GetEtag() {
				return nil, mutation.Result{}, errs.EtagMismatch(cur.GetName())
			}
			for _, p := range paths {
				switch p {
				case "record_kinds":
					cur.RecordKinds = in.GetRecordKinds()
				case "schedule":
					cur.Schedule = in.GetSchedule()
				case "officials":
					cur.Officials = in.GetOfficials()
				case "peer_officials":
					cur.PeerOfficials = in.GetPeerOfficials()
				}
			}
			if row.Body, err = storedAgreement(cur, cur.GetPeerMemberState()); err != nil {
				return nil, mutation.Result{}, err
			}
			row.UpdateTime = s.now()
			if err := tx.UpdateExchangeAgreement(ctx, row, row.Revision); err != nil {
				return nil, mutation.Result{}, err
			}
			out, _, err := s.readAgreement(ctx, tx, code)
			return &exchangev1.UpdateAgreementResponse{Agreement: out}, mutation.Result{Resource: out.GetName()}, err
		})
}

// --- records ----------------------------------------------------------------

func recordFrom(r store.ExchangeRecord, withData bool) *exchangev1.ExchangeRecord {
	out := &exchangev1.ExchangeRecord{
		Name:     recordPrefix + r.RecordID + "/versions/" + strconv.Itoa(int(r.Version)),
		RecordId: r.RecordID, Version: r.Version, Kind: exchangev1.RecordKind(exchangev1.RecordKind_value[r.Kind]),
		ContentType: r.ContentType, AmendmentReason: r.AmendmentReason, Sequence: r.Seq, PublishTime: timestamppb.New(r.PublishTime),
	}
	if withData {
		out.Data = r.Data
	}
	return out
}

// PublishRecords implements the RPC.
func (s *RegularExchange) PublishRecords(ctx context.Context, req *exchangev1.PublishRecordsRequest) (*exchangev1.PublishRecordsResponse, error) {
	seen := map[string]bool{}
	for i, r := range req.GetRecords() {
		if seen[r.GetRecordId()] {
			return nil, errs.Field(fmt.Sprintf("records[%d].record_id", i), "%s is listed twice", r.GetRecordId())
		}
		seen[r.GetRecordId()] = true
	}
	resp, err := mutation.Run(ctx, s.Store, req, func() *exchangev1.PublishRecordsResponse { return &exchangev1.PublishRecordsResponse{} },
		func(ctx context.Context, tx store.Tx) (*exchangev1.PublishRecordsResponse, mutation.Result, error) {
			out := &exchangev1.PublishRecordsResponse{}
			now := s.now()
			for i, in := range req.GetRecords() {
				r := store.ExchangeRecord{RecordID: in.GetRecordId(), Version: 1, Kind: in.GetKind().String(), ContentType: in.GetContentType(),
					Data: in.GetData(), PublishTime: now}
				seq, err := tx.AppendExchangeRecord(ctx, r)
				if errors.Is(err, store.ErrAlreadyExists) {
					return nil, mutation.Result{}, errs.Field(fmt.Sprintf("records[%d].record_id", i), "%s is already published; amend it with AmendRecord", in.GetRecordId())
				}
				if err != nil {
					return nil, mutation.Result{}, err
				}
				r.Seq = seq
				out.Records = append(out.Records, recordFrom(r, false))
			}
			last := out.Records[len(out.Records)-1]
			return out, mutation.Result{Resource: recordPrefix + req.GetRecords()[0].GetRecordId(),
				Detail: fmt.Sprintf("%d records, sequence %d-%d", len(out.Records), out.Records[0].GetSequence(), last.GetSequence())}, nil
		})
	if err == nil {
		full := make([]*exchangev1.ExchangeRecord, len(resp.GetRecords()))
		for i, r := range resp.GetRecords() {
			in := req.GetRecords()[i]
			full[i] = &exchangev1.ExchangeRecord{Name: r.GetName(), RecordId: r.GetRecordId(), Version: r.GetVersion(), Kind: r.GetKind(),
				ContentType: r.GetContentType(), Data: in.GetData(), Sequence: r.GetSequence(), PublishTime: r.GetPublishTime()}
		}
		s.cache.add(full)
		s.Records.Notify()
	}
	return resp, err
}

// AmendRecord implements the RPC.
func (s *RegularExchange) AmendRecord(ctx context.Context, req *exchangev1.AmendRecordRequest) (*exchangev1.AmendRecordResponse, error) {
	resp, err := mutation.Run(ctx, s.Store, req, func() *exchangev1.AmendRecordResponse { return &exchangev1.AmendRecordResponse{} },
		func(ctx context.Context, tx store.Tx) (*exchangev1.AmendRecordResponse, mutation.Result, error) {
			prev, err := tx.LatestExchangeRecord(ctx, req.GetRecordId())
			if err != nil {
				return nil, mutation.Result{}, notFoundAs(err, recordPrefix+req.GetRecordId())
			}
			r := store.ExchangeRecord{RecordID: prev.RecordID, Version: prev.Version + 1, Kind: prev.Kind, ContentType: prev.ContentType,
				Data: req.GetData(), AmendmentReason: req.GetAmendmentReason(), PublishTime: s.now()}
			if req.GetContentType() != "" {
				r.ContentType = req.GetContentType()
			}
			if r.Seq, err = tx.AppendExchangeRecord(ctx, r); err != nil {
				return nil, mutation.Result{}, err
			}
			out := recordFrom(r, false)
			return &exchangev1.AmendRecordResponse{Record: out}, mutation.Result{Resource: out.GetName(), Detail: fmt.Sprintf("sequence %d", r.Seq)}, nil
		})
	if err == nil {
		r := proto.Clone(resp.GetRecord()).(*exchangev1.ExchangeRecord)
		r.Data = req.GetData()
		s.cache.add([]*exchangev1.ExchangeRecord{r})
		s.Records.Notify()
	}
	return resp, err
}

// ListRecords implements the RPC.
func (s *RegularExchange) ListRecords(ctx context.Context, req *exchangev1.ListRecordsRequest) (*exchangev1.ListRecordsResponse, error) {
	query := fmt.Sprintf("k=%d&r=%s", req.GetKind(), req.GetRecordId())
	after, err := paging.SeqCursor(req.GetPageToken(), query)
	if err != nil {
		return nil, err
	}
	size := paging.Size(req.GetPageSize(), 100, 1000)
	q := store.ExchangeRecordQuery{AfterSeq: after, RecordID: req.GetRecordId(), Limit: size + 1}
	if req.GetKind() != exchangev1.RecordKind_RECORD_KIND_UNSPECIFIED {
		q.Kinds = []string{req.GetKind().String()}
	}
	resp := &exchangev1.ListRecordsResponse{}
	err = s.Store.View(ctx, func(tx store.Tx) error {
		rows, err := tx.ListExchangeRecords(ctx, q)
		if err != nil {
			return err
		}
		rows, resp.NextPageToken = paging.SeqPage(rows, size, query, func(last store.ExchangeRecord) int64 { return last.Seq })
		for _, r := range rows {
			resp.Records = append(resp.Records, recordFrom(r, true))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return resp, nil
}

// PullRecords implements the RPC. Pages are read from the store one at a
// time and sent when the peer's flow-control window admits them: nothing
// is buffered beyond the page being sent.
func (s *RegularExchange) PullRecords(req *exchangev1.PullRecordsRequest, stream grpc.ServerStreamingServer[exchangev1.PullRecordsResponse]) error {
	ctx := stream.Context()
	var (
		kinds []string
		peer  string
	)
	err := s.Store.Update(ctx, func(tx store.Tx) error {
		b, err := s.callerPeer(ctx, tx)
		if err != nil {
			return err
		}
		peer = b.GetCode()
		a, err := tx.GetExchangeAgreement(ctx, peer)
		if errors.Is(err, store.ErrNotFound) {
			return errs.Permission("no regular-exchange agreement with customs body %s", peer)
		}
		if err != nil {
			return err
		}
		ag, err := agreementFrom(a, 0)
		if err != nil {
			return err
		}
		for _, k := range ag.GetRecordKinds() {
			kinds = append(kinds, k.String())
		}
		// The peer holds everything up to where it resumes.
		return tx.SetExchangePeerPosition(ctx, peer, req.GetAfterSequence(), s.now())
	})
	if err != nil {
		s.auditStreamRefusal(ctx, agreementPrefix+caller.From(ctx).Subject.ID, "", err)
		return err
	}
	page := int(req.GetPageSize())
	if page == 0 {
		page = 200
	}
	// One page is read ahead while the previous one is sent: the store and
	// the network work at the same time, and at most two pages are held.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	pages := make(chan pullPage)
	go s.readPages(ctx, req.GetAfterSequence(), kinds, page, req.GetFollow(), pages)
	for p := range pages {
		if p.err != nil {
			return p.err
		}
		if err := stream.Send(p.msg); err != nil {
			return err
		}
	}
	return ctx.Err()
}

type pullPage struct {
	msg *exchangev1.PullRecordsResponse
	err error
}

// readPages reads pages after the cursor into out until caught up (or,
// with follow, until ctx ends), then closes out.
func (s *RegularExchange) readPages(ctx context.Context, after int64, kinds []string, page int, follow bool, out chan<- pullPage) {
	defer close(out)
	want := map[exchangev1.RecordKind]bool{}
	for _, k := range kinds {
		want[exchangev1.RecordKind(exchangev1.RecordKind_value[k])] = true
	}
	for {
		wake := s.Records.Wait() // before reading, so no publication is missed
		if recs, last, ok := s.cache.page(after, want, page, pullPageBytes); ok {
			after = last
			if len(recs) == 0 {
				continue
			}
			select {
			case out <- pullPage{msg: &exchangev1.PullRecordsResponse{Records: recs, LastSequence: last}}:
			case <-ctx.Done():
				return
			}
			continue
		}
		var rows []store.ExchangeRecord
		err := s.Store.View(ctx, func(tx store.Tx) error {
			var err error
			rows, err = tx.ListExchangeRecords(ctx, store.ExchangeRecordQuery{AfterSeq: after, Kinds: kinds, Limit: page, MaxBytes: pullPageBytes})
			return err
		})
		var p pullPage
		switch {
		case err != nil:
			p.err = err
		case len(rows) > 0:
			p.msg = &exchangev1.PullRecordsResponse{Records: make([]*exchangev1.ExchangeRecord, len(rows)), LastSequence: rows[len(rows)-1].Seq}
			for i, r := range rows {
				p.msg.Records[i] = recordFrom(r, true)
			}
			after = p.msg.GetLastSequence()
		case !follow:
			return
		default:
			t := time.NewTimer(pullPoll)
			select {
			case <-ctx.Done():
				t.Stop()
				return
			case <-wake:
			case <-t.C:
			}
			t.Stop()
			continue
		}
		select {
		case out <- p:
		case <-ctx.Done():
			return
		}
		if p.err != nil {
			return
		}
	}
}

// --- subscriptions ------------------------------------------------------------

func subscriptionFrom(s store.ExchangeSubscription) *exchangev1.Subscription {
	return &exchangev1.Subscription{Name: subscriptionPrefix + s.PeerCode, PeerCode: s.PeerCode, Position: s.Position,
		RecordsReceived: s.RecordsReceived, DuplicatesSkipped: s.DuplicatesSkipped, LastError: s.LastError,
		LastReceiveTime: timestamppb.New(s.LastReceiveTime), CreateTime: timestamppb.New(s.CreateTime)}
}

// CreateSubscription implements the RPC.
func (s *RegularExchange) CreateSubscription(ctx context.Context, req *exchangev1.CreateSubscriptionRequest) (*exchangev1.CreateSubscriptionResponse, error) {
	resp, err := mutation.Run(ctx, s.Store, req, func() *exchangev1.CreateSubscriptionResponse { return &exchangev1.CreateSubscriptionResponse{} },
		func(ctx context.Context, tx store.Tx) (*exchangev1.CreateSubscriptionResponse, mutation.Result, error) {
			peer, err := s.peerBody(ctx, tx, req.GetSubscription().GetPeerCode(), "subscription.peer_code", true, false)
			if err != nil {
				return nil, mutation.Result{}, err
			}
			now := s.now()
			sub := store.ExchangeSubscription{PeerCode: peer.GetCode(), CreateTime: now, UpdateTime: now}
			if err := tx.CreateExchangeSubscription(ctx, sub); err != nil {
				if errors.Is(err, store.ErrAlreadyExists) {
					return nil, mutation.Result{}, errs.AlreadyExists(subscriptionPrefix + peer.GetCode())
				}
				return nil, mutation.Result{}, err
			}
			out := subscriptionFrom(sub)
			return &exchangev1.CreateSubscriptionResponse{Subscription: out}, mutation.Result{Resource: out.GetName()}, nil
		})
	if err == nil && s.Subscribed != nil {
		s.Subscribed()
	}
	return resp, err
}

// GetSubscription implements the RPC.
func (s *RegularExchange) GetSubscription(ctx context.Context, req *exchangev1.GetSubscriptionRequest) (*exchangev1.GetSubscriptionResponse, error) {
	var out *exchangev1.Subscription
	err := s.Store.View(ctx, func(tx store.Tx) error {
		sub, err := tx.GetExchangeSubscription(ctx, req.GetName()[len(subscriptionPrefix):])
		if err != nil {
			return notFoundAs(err, req.GetName())
		}
		out = subscriptionFrom(sub)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &exchangev1.GetSubscriptionResponse{Subscription: out}, nil
}

// ListSubscriptions implements the RPC.
func (s *RegularExchange) ListSubscriptions(ctx context.Context, req *exchangev1.ListSubscriptionsRequest) (*exchangev1.ListSubscriptionsResponse, error) {
	after, err := paging.Cursor(req.GetPageToken(), "subscriptions")
	if err != nil {
		return nil, err
	}
	size := paging.Size(req.GetPageSize(), 50, 500)
	resp := &exchangev1.ListSubscriptionsResponse{}
	err = s.Store.View(ctx, func(tx store.Tx) error {
		rows, err := tx.ListExchangeSubscriptions(ctx, after, size+1)
		if err != nil {
			return err
		}
		rows, resp.NextPageToken = paging.Page(rows, size, "subscriptions", func(last store.ExchangeSubscription) string { return last.PeerCode })
		for _, r := range rows {
			resp.Subscriptions = append(resp.Subscriptions, subscriptionFrom(r))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return resp, nil
}

// ListReceivedRecords implements the RPC.
func (s *RegularExchange) ListReceivedRecords(ctx context.Context, req *exchangev1.ListReceivedRecordsRequest) (*exchangev1.ListReceivedRecordsResponse, error) {
	peer := req.GetParent()[len(subscriptionPrefix):]
	query := req.GetParent() + "|" + req.GetRecordId()
	after, err := paging.SeqCursor(req.GetPageToken(), query)
	if err != nil {
		return nil, err
	}
	size := paging.Size(req.GetPageSize(), 100, 1000)
	resp := &exchangev1.ListReceivedRecordsResponse{}
	err = s.Store.View(ctx, func(tx store.Tx) error {
		rows, err := tx.ListReceivedExchangeRecords(ctx, peer, req.GetRecordId(), after, size+1)
		if err != nil {
			return err
		}
		rows, resp.NextPageToken = paging.SeqPage(rows, size, query, func(last store.ReceivedExchangeRecord) int64 { return last.Record.Seq })
		for _, r := range rows {
			rec := recordFrom(r.Record, true)
			resp.Records = append(resp.Records, &exchangev1.ReceivedRecord{
				Name:     fmt.Sprintf("%s%s/records/%s/versions/%d", subscriptionPrefix, peer, r.Record.RecordID, r.Record.Version),
				PeerCode: peer, Record: rec, ReceiveTime: timestamppb.New(r.ReceiveTime),
			})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return resp, nil
}
