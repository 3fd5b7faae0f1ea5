package exchange

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	exchangev1 "github.com/eaeu/customs-exchange/gen/eaeu/exchange/v1"
	"github.com/eaeu/customs-exchange/internal/api/mutation"
	"github.com/eaeu/customs-exchange/internal/api/paging"
	"github.com/eaeu/customs-exchange/internal/errs"
	"github.com/eaeu/customs-exchange/internal/store"
)

const noticePrefix = "notices/"

// mandatoryReasons are the cases the law obliges the sender to notify.
var mandatoryReasons = map[exchangev1.NoticeReason]bool{
	exchangev1.NoticeReason_NOTICE_REASON_AEO_CERTIFICATE_SUSPENSION_GROUNDS: true,
	exchangev1.NoticeReason_NOTICE_REASON_VEHICLE_MISUSE:                     true,
	exchangev1.NoticeReason_NOTICE_REASON_OTHER_MANDATORY:                    true,
}

func (d *Deps) loadNotice(ctx context.Context, tx store.Tx, name string) (*exchangev1.Notice, store.ExchangeNotice, error) {
	row, err := tx.GetExchangeNotice(ctx, strings.TrimPrefix(name, noticePrefix))
	if err != nil {
		return nil, row, notFoundAs(err, name)
	}
	n := &exchangev1.Notice{}
	if err := proto.Unmarshal(row.Body, n); err != nil {
		return nil, row, err
	}
	return n, row, nil
}

func presentNotice(n *exchangev1.Notice, row store.ExchangeNotice) *exchangev1.Notice {
	out := proto.Clone(n).(*exchangev1.Notice)
	out.UpdateTime = timestamppb.New(row.UpdateTime)
	out.Etag = strconv.FormatInt(row.Revision, 10)
	return out
}

func storedNotice(n *exchangev1.Notice) ([]byte, error) {
	c := proto.Clone(n).(*exchangev1.Notice)
	c.UpdateTime, c.Etag = nil, ""
	return marshal(c)
}

func (d *Deps) saveNotice(ctx context.Context, tx store.Tx, n *exchangev1.Notice, row *store.ExchangeNotice, create bool) error {
	body, err := storedNotice(n)
	if err != nil {
		return err
	}
	row.Body, row.Status, row.UpdateTime = body, n.GetStatus().String(), d.now()
	if create {
		row.CreateTime = row.UpdateTime
		if err := tx.CreateExchangeNotice(ctx, *row); err != nil {
			if errors.Is(err, store.ErrAlreadyExists) {
				return errs.AlreadyExists(n.GetName())
			}
			return err
		}
		row.Revision = 1
		return nil
	}
	if err := tx.UpdateExchangeNotice(ctx, *row, row.Revision); err != nil {
		return err
	}
	row.Revision++
	return nil
}

// SendNotice implements the RPC.
func (s *Notices) SendNotice(ctx context.Context, req *exchangev1.SendNoticeRequest) (*exchangev1.SendNoticeResponse, error) {
	in := req.GetNotice()
	mandatory := in.GetKind() == exchangev1.NoticeKind_NOTICE_KIND_MANDATORY
	switch {
	case mandatory != mandatoryReasons[in.GetReason()]:
		return nil, errs.Field("notice.reason", "%s does not go with %s: mandatory notices are for AEO suspension grounds, vehicle misuse or another case of the Code; own-initiative ones for a possible breach or information of interest",
			in.GetReason(), in.GetKind())
	case in.GetReason() == exchangev1.NoticeReason_NOTICE_REASON_OTHER_MANDATORY && strings.TrimSpace(in.GetLegalReference()) == "":
		return nil, errs.Field("notice.legal_reference", "required: the provision that obliges the sender")
	}
	resp, err := mutation.Run(ctx, s.Store, req, func() *exchangev1.SendNoticeResponse { return &exchangev1.SendNoticeResponse{} },
		func(ctx context.Context, tx store.Tx) (*exchangev1.SendNoticeResponse, mutation.Result, error) {
			own, err := s.ownBody(ctx, tx, false)
			if err != nil {
				return nil, mutation.Result{}, err
			}
			peer, err := s.peerBody(ctx, tx, in.GetRecipient().GetCode(), "notice.recipient.code", true, false)
			if err != nil {
				return nil, mutation.Result{}, err
			}
			n := proto.Clone(in).(*exchangev1.Notice)
			n.Name = noticePrefix + uuid.NewString()
			n.Direction, n.Status = exchangev1.Direction_DIRECTION_OUTGOING, exchangev1.NoticeStatus_NOTICE_STATUS_SENT
			n.Sender, n.Recipient = ref(own), ref(peer)
			n.SendTime = timestamppb.New(s.now())
			n.AcknowledgeTime, n.AcknowledgementNote = nil, ""
			row := store.ExchangeNotice{ID: strings.TrimPrefix(n.GetName(), noticePrefix), Direction: store.ExchangeOutgoing, PeerCode: peer.GetCode()}
			if err := s.saveNotice(ctx, tx, n, &row, true); err != nil {
				return nil, mutation.Result{}, err
			}
			sent := proto.Clone(n).(*exchangev1.Notice)
			sent.Direction, sent.Status = exchangev1.Direction_DIRECTION_UNSPECIFIED, exchangev1.NoticeStatus_NOTICE_STATUS_UNSPECIFIED
			msg := &exchangev1.ReceiveNoticeRequest{Notice: sent}
			if err := s.enqueue(ctx, tx, peer.GetCode(), KindNotice, n.GetName(), "", msg, func(id string) { msg.RequestId = id }); err != nil {
				return nil, mutation.Result{}, err
			}
			return &exchangev1.SendNoticeResponse{Notice: presentNotice(n, row)},
				mutation.Result{Resource: n.GetName(), Detail: fmt.Sprintf("%s to %s", in.GetReason(), peer.GetCode())}, nil
		})
	if err == nil {
		s.outboxWritten()
	}
	return resp, err
}

// ReceiveNotice implements the RPC.
func (s *Notices) ReceiveNotice(ctx context.Context, req *exchangev1.ReceiveNoticeRequest) (*exchangev1.ReceiveNoticeResponse, error) {
	in := req.GetNotice()
	if _, err := uuid.Parse(strings.TrimPrefix(in.GetName(), noticePrefix)); err != nil || !strings.HasPrefix(in.GetName(), noticePrefix) {
		return nil, errs.Field("notice.name", "required: notices/{uuid}")
	}
	return mutation.Run(ctx, s.Store, req, func() *exchangev1.ReceiveNoticeResponse { return &exchangev1.ReceiveNoticeResponse{} },
		func(ctx context.Context, tx store.Tx) (*exchangev1.ReceiveNoticeResponse, mutation.Result, error) {
			peer, err := s.callerPeer(ctx, tx)
			if err != nil {
				return nil, mutation.Result{}, err
			}
			switch {
			case in.GetSender().GetCode() != peer.GetCode():
				return nil, mutation.Result{}, errs.Permission("customs body %s may deliver only its own notices", peer.GetCode())
			case in.GetRecipient().GetCode() != s.CustomsCode:
				return nil, mutation.Result{}, errs.Field("notice.recipient.code", "this node serves customs body %s", s.CustomsCode)
			}
			n := proto.Clone(in).(*exchangev1.Notice)
			n.Direction, n.Status = exchangev1.Direction_DIRECTION_INCOMING, exchangev1.NoticeStatus_NOTICE_STATUS_RECEIVED
			n.Sender, n.AcknowledgeTime, n.AcknowledgementNote = ref(peer), nil, ""
			row := store.ExchangeNotice{ID: strings.TrimPrefix(n.GetName(), noticePrefix), Direction: store.ExchangeIncoming, PeerCode: peer.GetCode()}
			if err := s.saveNotice(ctx, tx, n, &row, true); err != nil {
				return nil, mutation.Result{}, err
			}
			return &exchangev1.ReceiveNoticeResponse{Name: n.GetName()}, mutation.Result{Resource: n.GetName(), Detail: n.GetReason().String()}, nil
		})
}

// AcknowledgeNotice implements the RPC.
func (s *Notices) AcknowledgeNotice(ctx context.Context, req *exchangev1.AcknowledgeNoticeRequest) (*exchangev1.AcknowledgeNoticeResponse, error) {
	resp, err := mutation.Run(ctx, s.Store, req, func() *exchangev1.AcknowledgeNoticeResponse { return &exchangev1.AcknowledgeNoticeResponse{} },
		func(ctx context.Context, tx store.Tx) (*exchangev1.AcknowledgeNoticeResponse, mutation.Result, error) {
			n, row, err := s.loadNotice(ctx, tx, req.GetName())
			if err != nil {
				return nil, mutation.Result{}, err
			}
			if n.GetDirection() != exchangev1.Direction_DIRECTION_INCOMING || n.GetStatus() != exchangev1.NoticeStatus_NOTICE_STATUS_RECEIVED {
				return nil, mutation.Result{}, errs.WrongState("%s is not an incoming notice awaiting acknowledgement", req.GetName())
			}
			now := s.now()
			n.Status, n.AcknowledgeTime, n.AcknowledgementNote = exchangev1.NoticeStatus_NOTICE_STATUS_ACKNOWLEDGED, timestamppb.New(now), req.GetNote()
			if err := s.saveNotice(ctx, tx, n, &row, false); err != nil {
				return nil, mutation.Result{}, err
			}
			msg := &exchangev1.ReceiveNoticeAcknowledgementRequest{Name: n.GetName(), AcknowledgeTime: n.GetAcknowledgeTime(), Note: req.GetNote()}
			if err := s.enqueue(ctx, tx, row.PeerCode, KindNoticeAcknowledgement, n.GetName(), "", msg, func(id string) { msg.RequestId = id }); err != nil {
				return nil, mutation.Result{}, err
			}
			return &exchangev1.AcknowledgeNoticeResponse{Notice: presentNotice(n, row)}, mutation.Result{Resource: n.GetName()}, nil
		})
	if err == nil {
		s.outboxWritten()
	}
	return resp, err
}

// ReceiveNoticeAcknowledgement implements the RPC.
func (s *Notices) ReceiveNoticeAcknowledgement(ctx context.Context, req *exchangev1.ReceiveNoticeAcknowledgementRequest) (*exchangev1.ReceiveNoticeAcknowledgementResponse, error) {
	return mutation.Run(ctx, s.Store, req, func() *exchangev1.ReceiveNoticeAcknowledgementResponse {
		return &exchangev1.ReceiveNoticeAcknowledgementResponse{}
	},
		func(ctx context.Context, tx store.Tx) (*exchangev1.ReceiveNoticeAcknowledgementResponse, mutation.Result, error) {
			peer, err := s.callerPeer(ctx, tx)
			if err != nil {
				return nil, mutation.Result{}, err
			}
			n, row, err := s.loadNotice(ctx, tx, req.GetName())
			if err != nil {
				return nil, mutation.Result{}, err
			}
			if n.GetDirection() != exchangev1.Direction_DIRECTION_OUTGOING || row.PeerCode != peer.GetCode() {
				return nil, mutation.Result{}, errs.Permission("customs body %s did not receive %s from this node", peer.GetCode(), req.GetName())
			}
			if n.GetStatus() != exchangev1.NoticeStatus_NOTICE_STATUS_ACKNOWLEDGED {
				at := req.GetAcknowledgeTime()
				if at == nil {
					at = timestamppb.New(s.now())
				}
				n.Status, n.AcknowledgeTime, n.AcknowledgementNote = exchangev1.NoticeStatus_NOTICE_STATUS_ACKNOWLEDGED, at, req.GetNote()
				if err := s.saveNotice(ctx, tx, n, &row, false); err != nil {
					return nil, mutation.Result{}, err
				}
			}
			return &exchangev1.ReceiveNoticeAcknowledgementResponse{Status: n.GetStatus()}, mutation.Result{Resource: n.GetName(), Detail: "acknowledged"}, nil
		})
}

// GetNotice implements the RPC.
func (s *Notices) GetNotice(ctx context.Context, req *exchangev1.GetNoticeRequest) (*exchangev1.GetNoticeResponse, error) {
	var out *exchangev1.Notice
	err := s.Store.View(ctx, func(tx store.Tx) error {
		n, row, err := s.loadNotice(ctx, tx, req.GetName())
		if err != nil {
			return err
		}
		out = presentNotice(n, row)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &exchangev1.GetNoticeResponse{Notice: out}, nil
}

// ListNotices implements the RPC.
func (s *Notices) ListNotices(ctx context.Context, req *exchangev1.ListNoticesRequest) (*exchangev1.ListNoticesResponse, error) {
	query := fmt.Sprintf("d=%d&s=%d", req.GetDirection(), req.GetStatus())
	at, id, ok, err := paging.TimeCursor(req.GetPageToken(), query)
	if err != nil {
		return nil, err
	}
	q := store.ExchangeNoticeQuery{Direction: directionOf(req.GetDirection()), Limit: paging.Size(req.GetPageSize(), 50, 500) + 1}
	if req.GetStatus() != exchangev1.NoticeStatus_NOTICE_STATUS_UNSPECIFIED {
		q.Status = req.GetStatus().String()
	}
	if ok {
		q.Before = &store.ExchangeCursor{CreateTime: at, ID: id}
	}
	resp := &exchangev1.ListNoticesResponse{}
	err = s.Store.View(ctx, func(tx store.Tx) error {
		rows, err := tx.ListExchangeNotices(ctx, q)
		if err != nil {
			return err
		}
		rows, resp.NextPageToken = paging.TimePage(rows, q.Limit-1, query, func(r store.ExchangeNotice) (time.Time, string) { return r.CreateTime, r.ID })
		for _, row := range rows {
			n := &exchangev1.Notice{}
			if err := proto.Unmarshal(row.Body, n); err != nil {
				return err
			}
			resp.Notices = append(resp.Notices, presentNotice(n, row))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return resp, nil
}
