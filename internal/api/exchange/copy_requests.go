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
	"github.com/eaeu/customs-exchange/internal/caller"
	"github.com/eaeu/customs-exchange/internal/errs"
	"github.com/eaeu/customs-exchange/internal/rules/dates"
	rules "github.com/eaeu/customs-exchange/internal/rules/exchange"
	"github.com/eaeu/customs-exchange/internal/store"
)

const copyRequestPrefix = "copyRequests/"

// Outbox message kinds.
const (
	KindCopyRequest           = "copy_request"
	KindCopyRequestEvent      = "copy_request_event"
	KindAttachment            = "attachment"
	KindNotice                = "notice"
	KindNoticeAcknowledgement = "notice_acknowledgement"
)

// Stored directions.
func directionOf(d exchangev1.Direction) string {
	switch d {
	case exchangev1.Direction_DIRECTION_OUTGOING:
		return store.ExchangeOutgoing
	case exchangev1.Direction_DIRECTION_INCOMING:
		return store.ExchangeIncoming
	}
	return ""
}

// loadedRequest is a request read for a change.
type loadedRequest struct {
	row store.ExchangeRequest
	cr  *exchangev1.CopyRequest
}

func requestID(name string) string { return strings.TrimPrefix(name, copyRequestPrefix) }

func (d *Deps) loadRequest(ctx context.Context, tx store.Tx, name string) (*loadedRequest, error) {
	row, err := tx.GetExchangeRequest(ctx, requestID(name))
	if err != nil {
		return nil, notFoundAs(err, name)
	}
	cr := &exchangev1.CopyRequest{}
	if err := proto.Unmarshal(row.Body, cr); err != nil {
		return nil, fmt.Errorf("decode %s: %w", name, err)
	}
	if cr.Processing == nil {
		cr.Processing = &exchangev1.Processing{}
	}
	return &loadedRequest{row: row, cr: cr}, nil
}

// stored is the request as kept in the store: no events, no computed or
// output-only fields.
func stored(cr *exchangev1.CopyRequest) ([]byte, error) {
	c := &exchangev1.CopyRequest{Name: cr.GetName(), Direction: cr.GetDirection(), Document: cr.GetDocument(), Processing: cr.GetProcessing()}
	return marshal(c)
}

// columns sets the row columns from the request.
func columns(row *store.ExchangeRequest, cr *exchangev1.CopyRequest) error {
	p := cr.GetProcessing()
	row.Status = p.GetStatus().String()
	row.Deadline = ""
	if p.GetStatus() == exchangev1.CopyRequestStatus_COPY_REQUEST_STATUS_IN_PROGRESS {
		row.Deadline = p.GetDeadline()
	}
	row.RefusalFrom = ""
	if p.GetStatus() == exchangev1.CopyRequestStatus_COPY_REQUEST_STATUS_SUSPENDED {
		row.RefusalFrom = p.GetNoAnswerRefusalFrom()
	}
	body, err := stored(cr)
	row.Body = body
	return err
}

func (d *Deps) saveRequest(ctx context.Context, tx store.Tx, l *loadedRequest) error {
	if err := columns(&l.row, l.cr); err != nil {
		return err
	}
	l.row.UpdateTime = d.now()
	if err := tx.UpdateExchangeRequest(ctx, l.row, l.row.Revision); err != nil {
		return err
	}
	l.row.Revision++
	return nil
}

func (d *Deps) createRequest(ctx context.Context, tx store.Tx, cr *exchangev1.CopyRequest, peer string) (*loadedRequest, error) {
	now := d.now()
	row := store.ExchangeRequest{ID: requestID(cr.GetName()), Direction: directionOf(cr.GetDirection()), PeerCode: peer, CreateTime: now, UpdateTime: now}
	if err := columns(&row, cr); err != nil {
		return nil, err
	}
	if err := tx.CreateExchangeRequest(ctx, row); err != nil {
		if errors.Is(err, store.ErrAlreadyExists) {
			return nil, errs.AlreadyExists(cr.GetName())
		}
		return nil, err
	}
	row.Revision = 1
	return &loadedRequest{row: row, cr: cr}, nil
}

// appendEvent stores an event of the request.
func (d *Deps) appendEvent(ctx context.Context, tx store.Tx, requestID string, e *exchangev1.CopyRequestEvent) error {
	body, err := marshal(e)
	if err != nil {
		return err
	}
	_, err = tx.AppendExchangeRequestEvent(ctx, store.ExchangeRequestEvent{RequestID: requestID, ID: e.GetId(),
		Kind: e.GetKind().String(), Time: e.GetTime().AsTime(), Body: body})
	return err
}

// newEvent makes an event of this node.
func (d *Deps) newEvent(kind exchangev1.CopyRequestEventKind, text string, p *exchangev1.Processing) *exchangev1.CopyRequestEvent {
	e := &exchangev1.CopyRequestEvent{Id: uuid.NewString(), Kind: kind, Time: timestamppb.New(d.now()), MemberState: d.NodeState, Text: text}
	if p != nil {
		e.Processing = proto.Clone(p).(*exchangev1.Processing)
	}
	return e
}

// enqueue writes a message to a peer into the outbox of the transaction.
// set receives the message id to put in the payload's request_id first.
func (d *Deps) enqueue(ctx context.Context, tx store.Tx, peer, kind, subject, attachmentID string, payload proto.Message, set func(id string)) error {
	id := uuid.NewString()
	set(id)
	body, err := marshal(payload)
	if err != nil {
		return err
	}
	now := d.now()
	_, err = tx.EnqueueOutbox(ctx, store.OutboxMessage{ID: id, PeerCode: peer, Kind: kind, Subject: subject, Payload: body,
		AttachmentID: attachmentID, NextAttempt: now, CreateTime: now, UpdateTime: now})
	return err
}

// deliverEvent records an event and queues it for the other side.
func (d *Deps) deliverEvent(ctx context.Context, tx store.Tx, l *loadedRequest, e *exchangev1.CopyRequestEvent) error {
	if err := d.appendEvent(ctx, tx, l.row.ID, e); err != nil {
		return err
	}
	msg := &exchangev1.ReceiveCopyRequestEventRequest{Name: l.cr.GetName(), Event: e}
	return d.enqueue(ctx, tx, l.row.PeerCode, KindCopyRequestEvent, l.cr.GetName(), "", msg, func(id string) { msg.RequestId = id })
}

// present is the request as answered: events, computed flags, times.
func (d *Deps) present(ctx context.Context, tx store.Tx, l *loadedRequest, withEvents bool) (*exchangev1.CopyRequest, error) {
	out := proto.Clone(l.cr).(*exchangev1.CopyRequest)
	today := d.today()
	p := out.GetProcessing()
	switch p.GetStatus() {
	case exchangev1.CopyRequestStatus_COPY_REQUEST_STATUS_IN_PROGRESS:
		if dl, err := dates.Parse(p.GetDeadline()); err == nil {
			out.Overdue = rules.Overdue(dl, today)
		}
	case exchangev1.CopyRequestStatus_COPY_REQUEST_STATUS_SUSPENDED:
		if ask, err := dates.Parse(p.GetSuspendedSince()); err == nil {
			out.NoAnswerRefusalDue = rules.NoAnswerRefusalDue(ask, today)
		}
	}
	for _, a := range p.GetAttachments() {
		row, err := tx.GetExchangeAttachment(ctx, attachmentID(a.GetName()))
		switch {
		case err == nil:
			a.Available = row.Complete
		case errors.Is(err, store.ErrNotFound):
			a.Available = false
		default:
			return nil, err
		}
	}
	out.CreateTime = timestamppb.New(l.row.CreateTime)
	out.UpdateTime = timestamppb.New(l.row.UpdateTime)
	out.Etag = strconv.FormatInt(l.row.Revision, 10)
	if withEvents {
		evs, err := tx.ListExchangeRequestEvents(ctx, l.row.ID)
		if err != nil {
			return nil, err
		}
		for _, e := range evs {
			ev := &exchangev1.CopyRequestEvent{}
			if err := proto.Unmarshal(e.Body, ev); err != nil {
				return nil, err
			}
			out.Events = append(out.Events, ev)
		}
	}
	return out, nil
}

// toRules is the request as the completeness rule sees it.
func toRules(doc *exchangev1.RequestDocument) rules.Request {
	r := rules.Request{
		Requesting:          rules.Body{Code: doc.GetRequestingBody().GetCode(), MemberState: doc.GetRequestingBody().GetMemberState(), Name: doc.GetRequestingBody().GetDisplayName()},
		Requested:           rules.Body{Code: doc.GetRequestedBody().GetCode(), MemberState: doc.GetRequestedBody().GetMemberState(), Name: doc.GetRequestedBody().GetDisplayName()},
		ReferencesArt371:    doc.GetLegalBasis() == exchangev1.LegalBasis_LEGAL_BASIS_EAEU_CUSTOMS_CODE_ARTICLE_371,
		Circumstances:       doc.GetCircumstances(),
		ProvisionsChecked:   doc.GetProvisionsChecked(),
		Ground:              rules.Ground(doc.GetGround()),
		SignerName:          doc.GetSigner().GetFullName(),
		SignerPosition:      doc.GetSigner().GetPosition(),
		SignerCapacity:      rules.Capacity(doc.GetSigner().GetCapacity()),
		Signed:              len(doc.GetSignature().GetValue()) > 0,
		OutgoingNumber:      doc.GetOutgoingNumber(),
		Date:                doc.GetDate(),
		OtherInformation:    doc.GetOtherInformation(),
		ReferencedDocuments: doc.GetReferencedDocuments(),
	}
	for _, it := range doc.GetRequestedItems() {
		r.Items = append(r.Items, rules.Item{
			Kind:        it.GetKind() != exchangev1.RequestedItemKind_REQUESTED_ITEM_KIND_UNSPECIFIED,
			Document:    it.GetKind() == exchangev1.RequestedItemKind_REQUESTED_ITEM_KIND_DOCUMENT_COPY,
			Description: it.GetDescription(),
		})
	}
	return r
}

// SendCopyRequest implements the RPC.
func (s *CopyRequests) SendCopyRequest(ctx context.Context, req *exchangev1.SendCopyRequestRequest) (*exchangev1.SendCopyRequestResponse, error) {
	resp, err := mutation.Run(ctx, s.Store, req, func() *exchangev1.SendCopyRequestResponse { return &exchangev1.SendCopyRequestResponse{} },
		func(ctx context.Context, tx store.Tx) (*exchangev1.SendCopyRequestResponse, mutation.Result, error) {
			own, err := s.ownBody(ctx, tx, true)
			if err != nil {
				return nil, mutation.Result{}, err
			}
			doc := proto.Clone(req.GetDocument()).(*exchangev1.RequestDocument)
			peer, err := s.peerBody(ctx, tx, doc.GetRequestedBody().GetCode(), "document.requested_body.code", true, true)
			if err != nil {
				return nil, mutation.Result{}, err
			}
			today := s.today()
			doc.Id = uuid.NewString()
			doc.RequestingBody, doc.RequestedBody = ref(own), ref(peer)
			if doc.GetDate() == "" {
				doc.Date = dates.Format(today)
			}
			if doc.GetOutgoingNumber() == "" {
				n, err := tx.NextSerial(ctx, fmt.Sprintf("exchange/copy_requests/out/%s/%d", s.CustomsCode, today.Year()))
				if err != nil {
					return nil, mutation.Result{}, err
				}
				doc.OutgoingNumber = fmt.Sprintf("%s/%d/O%06d", s.CustomsCode, today.Year(), n)
			}
			doc.Signature = nil
			check := toRules(doc)
			check.Signed = true // signed below
			if missing := rules.Check(check); len(missing) > 0 {
				vs := make([]errs.Violation, 0, len(missing))
				for _, m := range missing {
					vs = append(vs, errs.Violation{Field: "document." + m.Field, Description: m.Reason})
				}
				return nil, mutation.Result{}, errs.Invalid(vs...)
			}
			if err := signCurrent(doc, s.Signing); err != nil {
				return nil, mutation.Result{}, errs.WrongState("this node cannot sign requests: %v", err)
			}
			cr := &exchangev1.CopyRequest{Name: copyRequestPrefix + doc.GetId(), Direction: exchangev1.Direction_DIRECTION_OUTGOING, Document: doc,
				Processing: &exchangev1.Processing{Status: exchangev1.CopyRequestStatus_COPY_REQUEST_STATUS_SENT}}
			l, err := s.createRequest(ctx, tx, cr, peer.GetCode())
			if err != nil {
				return nil, mutation.Result{}, err
			}
			if err := s.appendEvent(ctx, tx, l.row.ID, s.newEvent(exchangev1.CopyRequestEventKind_COPY_REQUEST_EVENT_KIND_SENT, "", nil)); err != nil {
				return nil, mutation.Result{}, err
			}
			msg := &exchangev1.ReceiveCopyRequestRequest{Document: doc}
			if err := s.enqueue(ctx, tx, peer.GetCode(), KindCopyRequest, cr.GetName(), "", msg, func(id string) { msg.RequestId = id }); err != nil {
				return nil, mutation.Result{}, err
			}
			out, err := s.present(ctx, tx, l, true)
			return &exchangev1.SendCopyRequestResponse{CopyRequest: out}, mutation.Result{Resource: cr.GetName(), Detail: "to " + peer.GetCode()}, err
		})
	if err == nil {
		s.outboxWritten()
	}
	return resp, err
}

// ReceiveCopyRequest implements the RPC.
func (s *CopyRequests) ReceiveCopyRequest(ctx context.Context, req *exchangev1.ReceiveCopyRequestRequest) (*exchangev1.ReceiveCopyRequestResponse, error) {
	doc := req.GetDocument()
	if doc.GetId() == "" {
		return nil, errs.Field("document.id", "required: the request id chosen by the requesting node")
	}
	resp, err := mutation.Run(ctx, s.Store, req, func() *exchangev1.ReceiveCopyRequestResponse { return &exchangev1.ReceiveCopyRequestResponse{} },
		func(ctx context.Context, tx store.Tx) (*exchangev1.ReceiveCopyRequestResponse, mutation.Result, error) {
			peer, err := s.callerPeer(ctx, tx)
			if err != nil {
				return nil, mutation.Result{}, err
			}
			c := caller.From(ctx)
			switch {
			case doc.GetRequestingBody().GetCode() != peer.GetCode():
				return nil, mutation.Result{}, errs.Permission("customs body %s may deliver only its own requests, not those of %q", peer.GetCode(), doc.GetRequestingBody().GetCode())
			case !peer.GetDesignatedForRequests():
				return nil, mutation.Result{}, errs.Permission("customs body %s is not designated by the Commission to send requests (art. 371(12))", peer.GetCode())
			case doc.GetRequestedBody().GetCode() != s.CustomsCode:
				return nil, mutation.Result{}, errs.Field("document.requested_body.code", "this node serves customs body %s", s.CustomsCode)
			}
			if err := Verify(doc, s.Bundle, c.Subject); err != nil {
				return nil, mutation.Result{}, errs.Permission("the request's signature is refused: %v", err)
			}
			if _, err := s.ownBody(ctx, tx, true); err != nil {
				return nil, mutation.Result{}, err
			}
			today := s.today()
			n, err := tx.NextSerial(ctx, fmt.Sprintf("exchange/copy_requests/in/%s/%d", s.CustomsCode, today.Year()))
			if err != nil {
				return nil, mutation.Result{}, err
			}
			p := &exchangev1.Processing{
				Status: exchangev1.CopyRequestStatus_COPY_REQUEST_STATUS_IN_PROGRESS, Version: 1,
				RegistrationNumber: fmt.Sprintf("%s/%d/I%06d", s.CustomsCode, today.Year(), n),
				RegistrationDate:   dates.Format(today),
				Deadline:           dates.Format(rules.InitialDeadline(today)),
			}
			cr := &exchangev1.CopyRequest{Name: copyRequestPrefix + doc.GetId(), Direction: exchangev1.Direction_DIRECTION_INCOMING,
				Document: proto.Clone(doc).(*exchangev1.RequestDocument), Processing: p}
			missing := rules.Check(toRules(doc))
			registered := s.newEvent(exchangev1.CopyRequestEventKind_COPY_REQUEST_EVENT_KIND_REGISTERED, "registered as "+p.GetRegistrationNumber(), p)
			var refused *exchangev1.CopyRequestEvent
			if len(missing) > 0 {
				p.Status, p.Version = exchangev1.CopyRequestStatus_COPY_REQUEST_STATUS_REFUSED, 2
				p.RefusalGround = exchangev1.RefusalGround_REFUSAL_GROUND_INCOMPLETE
				for _, m := range missing {
					p.RefusalReasons = append(p.RefusalReasons, m.Field+": "+m.Reason)
				}
				refused = s.newEvent(exchangev1.CopyRequestEventKind_COPY_REQUEST_EVENT_KIND_REFUSED,
					"refused on ground (1) of art. 371(10): the request lacks required content", p)
			}
			l, err := s.createRequest(ctx, tx, cr, peer.GetCode())
			if err != nil {
				return nil, mutation.Result{}, err
			}
			for _, e := range []*exchangev1.CopyRequestEvent{registered, refused} {
				if e == nil {
					continue
				}
				if err := s.deliverEvent(ctx, tx, l, e); err != nil {
					return nil, mutation.Result{}, err
				}
			}
			detail := "registered " + p.GetRegistrationNumber()
			if refused != nil {
				detail += "; refused: incomplete"
			}
			return &exchangev1.ReceiveCopyRequestResponse{Name: cr.GetName(), Status: p.GetStatus(), RegistrationNumber: p.GetRegistrationNumber()},
				mutation.Result{Resource: cr.GetName(), Detail: detail}, nil
		})
	if err == nil {
		s.outboxWritten()
	}
	return resp, err
}

// GetCopyRequest implements the RPC.
func (s *CopyRequests) GetCopyRequest(ctx context.Context, req *exchangev1.GetCopyRequestRequest) (*exchangev1.GetCopyRequestResponse, error) {
	var out *exchangev1.CopyRequest
	err := s.Store.View(ctx, func(tx store.Tx) error {
		l, err := s.loadRequest(ctx, tx, req.GetName())
		if err != nil {
			return err
		}
		out, err = s.present(ctx, tx, l, true)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &exchangev1.GetCopyRequestResponse{CopyRequest: out}, nil
}

// ListCopyRequests implements the RPC.
func (s *CopyRequests) ListCopyRequests(ctx context.Context, req *exchangev1.ListCopyRequestsRequest) (*exchangev1.ListCopyRequestsResponse, error) {
	query := fmt.Sprintf("d=%d&s=%d&o=%t&n=%t", req.GetDirection(), req.GetStatus(), req.GetOverdueOnly(), req.GetNoAnswerRefusalDueOnly())
	at, id, ok, err := paging.TimeCursor(req.GetPageToken(), query)
	if err != nil {
		return nil, err
	}
	q := store.ExchangeRequestQuery{Direction: directionOf(req.GetDirection()), Limit: paging.Size(req.GetPageSize(), 50, 500) + 1}
	if req.GetStatus() != exchangev1.CopyRequestStatus_COPY_REQUEST_STATUS_UNSPECIFIED {
		q.Status = req.GetStatus().String()
	}
	today := dates.Format(s.today())
	if req.GetOverdueOnly() {
		q.Status, q.DeadlineBefore = exchangev1.CopyRequestStatus_COPY_REQUEST_STATUS_IN_PROGRESS.String(), today
	}
	if req.GetNoAnswerRefusalDueOnly() {
		q.Status, q.RefusalFromOnOrBefore = exchangev1.CopyRequestStatus_COPY_REQUEST_STATUS_SUSPENDED.String(), today
	}
	if ok {
		q.Before = &store.ExchangeCursor{CreateTime: at, ID: id}
	}
	resp := &exchangev1.ListCopyRequestsResponse{}
	err = s.Store.View(ctx, func(tx store.Tx) error {
		rows, err := tx.ListExchangeRequests(ctx, q)
		if err != nil {
			return err
		}
		rows, resp.NextPageToken = paging.TimePage(rows, q.Limit-1, query, func(r store.ExchangeRequest) (time.Time, string) { return r.CreateTime, r.ID })
		for _, row := range rows {
			cr := &exchangev1.CopyRequest{}
			if err := proto.Unmarshal(row.Body, cr); err != nil {
				return err
			}
			out, err := s.present(ctx, tx, &loadedRequest{row: row, cr: cr}, false)
			if err != nil {
				return err
			}
			resp.CopyRequests = append(resp.CopyRequests, out)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return resp, nil
}
