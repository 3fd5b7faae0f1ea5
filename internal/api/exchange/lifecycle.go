package exchange

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"google.golang.org/protobuf/proto"

	exchangev1 "github.com/eaeu/customs-exchange/gen/eaeu/exchange/v1"
	"github.com/eaeu/customs-exchange/internal/api/mutation"
	"github.com/eaeu/customs-exchange/internal/errs"
	"github.com/eaeu/customs-exchange/internal/rules/dates"
	rules "github.com/eaeu/customs-exchange/internal/rules/exchange"
	"github.com/eaeu/customs-exchange/internal/store"
)

type (
	reqStatus = exchangev1.CopyRequestStatus
	eventKind = exchangev1.CopyRequestEventKind
)

const (
	inProgress = exchangev1.CopyRequestStatus_COPY_REQUEST_STATUS_IN_PROGRESS
	suspended  = exchangev1.CopyRequestStatus_COPY_REQUEST_STATUS_SUSPENDED
	fulfilled  = exchangev1.CopyRequestStatus_COPY_REQUEST_STATUS_FULFILLED
	refused    = exchangev1.CopyRequestStatus_COPY_REQUEST_STATUS_REFUSED
)

func statusName(s reqStatus) string {
	return strings.ToLower(strings.TrimPrefix(s.String(), "COPY_REQUEST_STATUS_"))
}

// wantStatus refuses a change in another status.
func wantStatus(l *loadedRequest, allowed ...reqStatus) error {
	st := l.cr.GetProcessing().GetStatus()
	if slices.Contains(allowed, st) {
		return nil
	}
	names := make([]string, len(allowed))
	for i, a := range allowed {
		names[i] = statusName(a)
	}
	return errs.WrongState("%s is %s; this needs it %s", l.cr.GetName(), statusName(st), strings.Join(names, " or "))
}

// change is one change made by the requested body: fn edits the
// processing (and may queue more); the version goes up, the event is
// recorded and delivered to the requester after whatever fn queued.
type change func(ctx context.Context, tx store.Tx, l *loadedRequest, today time.Time) (text string, err error)

func runChange[R proto.Message](ctx context.Context, s *CopyRequests, req mutation.Request, name string, kind eventKind,
	newResp func() R, wrap func(*exchangev1.CopyRequest) R, fn change) (R, error) {
	resp, err := mutation.Run(ctx, s.Store, req, newResp, func(ctx context.Context, tx store.Tx) (R, mutation.Result, error) {
		var zero R
		if _, err := s.ownBody(ctx, tx, true); err != nil {
			return zero, mutation.Result{}, err
		}
		l, err := s.loadRequest(ctx, tx, name)
		if err != nil {
			return zero, mutation.Result{}, err
		}
		if l.cr.GetDirection() != exchangev1.Direction_DIRECTION_INCOMING {
			return zero, mutation.Result{}, errs.WrongState("%s is a request this node sent; only the requested body processes it", name)
		}
		text, err := fn(ctx, tx, l, s.today())
		if err != nil {
			return zero, mutation.Result{}, err
		}
		l.cr.Processing.Version++
		if err := s.saveRequest(ctx, tx, l); err != nil {
			return zero, mutation.Result{}, err
		}
		if err := s.deliverEvent(ctx, tx, l, s.newEvent(kind, text, l.cr.GetProcessing())); err != nil {
			return zero, mutation.Result{}, err
		}
		out, err := s.present(ctx, tx, l, true)
		return wrap(out), mutation.Result{Resource: name, Detail: strings.ToLower(strings.TrimPrefix(kind.String(), "COPY_REQUEST_EVENT_KIND_"))}, err
	})
	if err == nil {
		s.outboxWritten()
	}
	return resp, err
}

// AskAdditionalInformation implements the RPC: art. 371(8)(1), (9).
func (s *CopyRequests) AskAdditionalInformation(ctx context.Context, req *exchangev1.AskAdditionalInformationRequest) (*exchangev1.AskAdditionalInformationResponse, error) {
	return runChange(ctx, s, req, req.GetName(), exchangev1.CopyRequestEventKind_COPY_REQUEST_EVENT_KIND_INFORMATION_ASKED,
		func() *exchangev1.AskAdditionalInformationResponse {
			return &exchangev1.AskAdditionalInformationResponse{}
		},
		func(cr *exchangev1.CopyRequest) *exchangev1.AskAdditionalInformationResponse {
			return &exchangev1.AskAdditionalInformationResponse{CopyRequest: cr}
		},
		func(_ context.Context, _ store.Tx, l *loadedRequest, today time.Time) (string, error) {
			if err := wantStatus(l, inProgress); err != nil {
				return "", err
			}
			p := l.cr.GetProcessing()
			deadline, err := dates.Parse(p.GetDeadline())
			if err != nil {
				return "", err
			}
			left, err := rules.Suspend(deadline, today)
			if errors.Is(err, rules.ErrLapsed) {
				return "", errs.WrongState("the deadline passed on %s: it can no longer be suspended (art. 371(9))", p.GetDeadline())
			}
			if err != nil {
				return "", err
			}
			p.Status, p.SuspendedSince, p.DaysLeft, p.Deadline = suspended, dates.Format(today), int32(left), ""
			p.NoAnswerRefusalFrom = dates.Format(rules.NoAnswerRefusalFrom(today))
			p.InformationAsked = req.GetText()
			return req.GetText(), nil
		})
}

// ExtendCopyRequest implements the RPC: art. 371(7), (8)(2).
func (s *CopyRequests) ExtendCopyRequest(ctx context.Context, req *exchangev1.ExtendCopyRequestRequest) (*exchangev1.ExtendCopyRequestResponse, error) {
	return runChange(ctx, s, req, req.GetName(), exchangev1.CopyRequestEventKind_COPY_REQUEST_EVENT_KIND_EXTENDED,
		func() *exchangev1.ExtendCopyRequestResponse { return &exchangev1.ExtendCopyRequestResponse{} },
		func(cr *exchangev1.CopyRequest) *exchangev1.ExtendCopyRequestResponse {
			return &exchangev1.ExtendCopyRequestResponse{CopyRequest: cr}
		},
		func(_ context.Context, _ store.Tx, l *loadedRequest, today time.Time) (string, error) {
			if err := wantStatus(l, inProgress); err != nil {
				return "", err
			}
			p := l.cr.GetProcessing()
			deadline, err := dates.Parse(p.GetDeadline())
			if err != nil {
				return "", err
			}
			if rules.Overdue(deadline, today) {
				return "", errs.WrongState("the deadline passed on %s: it can no longer be extended", p.GetDeadline())
			}
			next, err := rules.Extend(deadline, p.GetExtended(), len(p.GetStateBodyRequests()) > 0)
			if err != nil {
				return "", errs.WrongState("%s", strings.TrimPrefix(err.Error(), "exchange: "))
			}
			p.Deadline, p.Extended, p.ExtensionReasons = dates.Format(next), true, req.GetReasons()
			return req.GetReasons(), nil
		})
}

// RecordStateBodyRequest implements the RPC: art. 371(7).
func (s *CopyRequests) RecordStateBodyRequest(ctx context.Context, req *exchangev1.RecordStateBodyRequestRequest) (*exchangev1.RecordStateBodyRequestResponse, error) {
	return runChange(ctx, s, req, req.GetName(), exchangev1.CopyRequestEventKind_COPY_REQUEST_EVENT_KIND_STATE_BODY_REQUESTED,
		func() *exchangev1.RecordStateBodyRequestResponse { return &exchangev1.RecordStateBodyRequestResponse{} },
		func(cr *exchangev1.CopyRequest) *exchangev1.RecordStateBodyRequestResponse {
			return &exchangev1.RecordStateBodyRequestResponse{CopyRequest: cr}
		},
		func(_ context.Context, _ store.Tx, l *loadedRequest, today time.Time) (string, error) {
			if err := wantStatus(l, inProgress, suspended); err != nil {
				return "", err
			}
			sb := proto.Clone(req.GetStateBodyRequest()).(*exchangev1.StateBodyRequest)
			sb.Date = dates.Format(today)
			p := l.cr.GetProcessing()
			p.StateBodyRequests = append(p.StateBodyRequests, sb)
			return fmt.Sprintf("asked %s for: %s", sb.GetStateBody(), sb.GetSubject()), nil
		})
}

// FulfilCopyRequest implements the RPC: the answer with its attachments.
// The attachments' content is queued before the event, so the requester
// holds them when it learns of the answer.
func (s *CopyRequests) FulfilCopyRequest(ctx context.Context, req *exchangev1.FulfilCopyRequestRequest) (*exchangev1.FulfilCopyRequestResponse, error) {
	return runChange(ctx, s, req, req.GetName(), exchangev1.CopyRequestEventKind_COPY_REQUEST_EVENT_KIND_FULFILLED,
		func() *exchangev1.FulfilCopyRequestResponse { return &exchangev1.FulfilCopyRequestResponse{} },
		func(cr *exchangev1.CopyRequest) *exchangev1.FulfilCopyRequestResponse {
			return &exchangev1.FulfilCopyRequestResponse{CopyRequest: cr}
		},
		func(ctx context.Context, tx store.Tx, l *loadedRequest, _ time.Time) (string, error) {
			if err := wantStatus(l, inProgress, suspended); err != nil {
				return "", err
			}
			p := l.cr.GetProcessing()
			seen := map[string]bool{}
			for i, name := range req.GetAttachments() {
				field := fmt.Sprintf("attachments[%d]", i)
				if !strings.HasPrefix(name, l.cr.GetName()+"/attachments/") {
					return "", errs.Field(field, "%s is not an attachment of %s", name, l.cr.GetName())
				}
				if seen[name] {
					return "", errs.Field(field, "%s is listed twice", name)
				}
				seen[name] = true
				a, err := tx.GetExchangeAttachment(ctx, attachmentID(name))
				if errors.Is(err, store.ErrNotFound) {
					return "", errs.Field(field, "%s was not uploaded", name)
				}
				if err != nil {
					return "", err
				}
				if !a.Complete {
					return "", errs.Field(field, "the upload of %s did not complete", name)
				}
				att := attachmentOf(l.cr.GetName(), a)
				p.Attachments = append(p.Attachments, att)
				hdr := &exchangev1.AttachmentHeader{Parent: l.cr.GetName(), Name: name, FileName: a.FileName, MediaType: a.MediaType,
					SizeBytes: a.Size, Sha256: a.SHA256}
				if err := s.enqueue(ctx, tx, l.row.PeerCode, KindAttachment, name, a.ID, hdr, func(id string) { hdr.RequestId = id }); err != nil {
					return "", err
				}
			}
			p.Status, p.FulfilmentNote = fulfilled, req.GetNote()
			p.SuspendedSince, p.DaysLeft, p.NoAnswerRefusalFrom = "", 0, ""
			return req.GetNote(), nil
		})
}

// RefuseCopyRequest implements the RPC: art. 371(10)(2)-(4), (11).
func (s *CopyRequests) RefuseCopyRequest(ctx context.Context, req *exchangev1.RefuseCopyRequestRequest) (*exchangev1.RefuseCopyRequestResponse, error) {
	return runChange(ctx, s, req, req.GetName(), exchangev1.CopyRequestEventKind_COPY_REQUEST_EVENT_KIND_REFUSED,
		func() *exchangev1.RefuseCopyRequestResponse { return &exchangev1.RefuseCopyRequestResponse{} },
		func(cr *exchangev1.CopyRequest) *exchangev1.RefuseCopyRequestResponse {
			return &exchangev1.RefuseCopyRequestResponse{CopyRequest: cr}
		},
		func(_ context.Context, _ store.Tx, l *loadedRequest, today time.Time) (string, error) {
			p := l.cr.GetProcessing()
			switch req.GetGround() {
			case exchangev1.RefusalGround_REFUSAL_GROUND_NO_ADDITIONAL_INFORMATION:
				if err := wantStatus(l, suspended); err != nil {
					return "", err
				}
				ask, err := dates.Parse(p.GetSuspendedSince())
				if err != nil {
					return "", err
				}
				if !rules.NoAnswerRefusalDue(ask, today) {
					return "", errs.WrongState("the additional information asked on %s may still arrive until the end of %s; ground (2) of art. 371(10) applies from %s",
						p.GetSuspendedSince(), dates.Format(rules.NoAnswerRefusalFrom(ask).AddDate(0, 0, -1)), dates.Format(rules.NoAnswerRefusalFrom(ask)))
				}
			default:
				if err := wantStatus(l, inProgress, suspended); err != nil {
					return "", err
				}
			}
			p.Status, p.RefusalGround, p.RefusalReasons = refused, req.GetGround(), req.GetReasons()
			p.SuspendedSince, p.DaysLeft, p.NoAnswerRefusalFrom = "", 0, ""
			return strings.Join(req.GetReasons(), "; "), nil
		})
}

// AnswerAdditionalInformation implements the RPC: the requester sends the
// information asked for; the requested body resumes the deadline when it
// arrives.
func (s *CopyRequests) AnswerAdditionalInformation(ctx context.Context, req *exchangev1.AnswerAdditionalInformationRequest) (*exchangev1.AnswerAdditionalInformationResponse, error) {
	resp, err := mutation.Run(ctx, s.Store, req, func() *exchangev1.AnswerAdditionalInformationResponse {
		return &exchangev1.AnswerAdditionalInformationResponse{}
	},
		func(ctx context.Context, tx store.Tx) (*exchangev1.AnswerAdditionalInformationResponse, mutation.Result, error) {
			l, err := s.loadRequest(ctx, tx, req.GetName())
			if err != nil {
				return nil, mutation.Result{}, err
			}
			if l.cr.GetDirection() != exchangev1.Direction_DIRECTION_OUTGOING {
				return nil, mutation.Result{}, errs.WrongState("%s was sent to this node; the requester answers asks for information", req.GetName())
			}
			if err := wantStatus(l, suspended); err != nil {
				return nil, mutation.Result{}, err
			}
			if err := s.deliverEvent(ctx, tx, l, s.newEvent(exchangev1.CopyRequestEventKind_COPY_REQUEST_EVENT_KIND_INFORMATION_ANSWERED, req.GetText(), nil)); err != nil {
				return nil, mutation.Result{}, err
			}
			out, err := s.present(ctx, tx, l, true)
			return &exchangev1.AnswerAdditionalInformationResponse{CopyRequest: out}, mutation.Result{Resource: req.GetName(), Detail: "information answered"}, err
		})
	if err == nil {
		s.outboxWritten()
	}
	return resp, err
}

// ReceiveCopyRequestEvent implements the RPC. At the requester it applies
// the requested body's newer state; at the requested body it takes the
// requester's additional information and resumes the deadline.
func (s *CopyRequests) ReceiveCopyRequestEvent(ctx context.Context, req *exchangev1.ReceiveCopyRequestEventRequest) (*exchangev1.ReceiveCopyRequestEventResponse, error) {
	resp, err := mutation.Run(ctx, s.Store, req, func() *exchangev1.ReceiveCopyRequestEventResponse {
		return &exchangev1.ReceiveCopyRequestEventResponse{}
	},
		func(ctx context.Context, tx store.Tx) (*exchangev1.ReceiveCopyRequestEventResponse, mutation.Result, error) {
			peer, err := s.callerPeer(ctx, tx)
			if err != nil {
				return nil, mutation.Result{}, err
			}
			l, err := s.loadRequest(ctx, tx, req.GetName())
			if err != nil {
				return nil, mutation.Result{}, err
			}
			if l.row.PeerCode != peer.GetCode() {
				return nil, mutation.Result{}, errs.Permission("customs body %s is not a party to %s", peer.GetCode(), req.GetName())
			}
			e := proto.Clone(req.GetEvent()).(*exchangev1.CopyRequestEvent)
			e.MemberState = peer.GetMemberState()
			if err := s.appendEvent(ctx, tx, l.row.ID, e); err != nil && !errors.Is(err, store.ErrAlreadyExists) {
				return nil, mutation.Result{}, err
			} else if err != nil {
				// Already applied under another delivery: nothing to do.
				return &exchangev1.ReceiveCopyRequestEventResponse{Status: l.cr.GetProcessing().GetStatus()}, mutation.Result{Resource: req.GetName(), Detail: "duplicate event"}, nil
			}
			detail := strings.ToLower(strings.TrimPrefix(e.GetKind().String(), "COPY_REQUEST_EVENT_KIND_"))
			switch l.cr.GetDirection() {
			case exchangev1.Direction_DIRECTION_OUTGOING:
				p := e.GetProcessing()
				if p == nil {
					return nil, mutation.Result{}, errs.Field("event.processing", "required on the requested body's events")
				}
				if p.GetVersion() > l.cr.GetProcessing().GetVersion() {
					l.cr.Processing = proto.Clone(p).(*exchangev1.Processing)
					for _, a := range l.cr.Processing.GetAttachments() {
						a.Available = false
					}
					if err := s.saveRequest(ctx, tx, l); err != nil {
						return nil, mutation.Result{}, err
					}
				} else {
					detail += " (older state kept)"
				}
			case exchangev1.Direction_DIRECTION_INCOMING:
				if e.GetKind() != exchangev1.CopyRequestEventKind_COPY_REQUEST_EVENT_KIND_INFORMATION_ANSWERED {
					return nil, mutation.Result{}, errs.Field("event.kind", "the requester may only send additional information")
				}
				if l.cr.GetProcessing().GetStatus() == suspended {
					if err := s.resume(ctx, tx, l); err != nil {
						return nil, mutation.Result{}, err
					}
					detail += "; deadline resumed to " + l.cr.GetProcessing().GetDeadline()
				} else {
					detail += " (not suspended: recorded only)"
				}
			}
			return &exchangev1.ReceiveCopyRequestEventResponse{Status: l.cr.GetProcessing().GetStatus()}, mutation.Result{Resource: req.GetName(), Detail: detail}, nil
		})
	if err == nil {
		s.outboxWritten()
	}
	return resp, err
}

// resume restarts the deadline on the day the additional information
// arrived, with the days that were left (art. 371(9)), and tells the
// requester.
func (s *CopyRequests) resume(ctx context.Context, tx store.Tx, l *loadedRequest) error {
	p := l.cr.GetProcessing()
	ask, err := dates.Parse(p.GetSuspendedSince())
	if err != nil {
		return err
	}
	deadline, err := rules.Resume(ask, s.today(), int(p.GetDaysLeft()))
	if err != nil {
		return err
	}
	p.Status, p.Deadline = inProgress, dates.Format(deadline)
	p.SuspendedSince, p.DaysLeft, p.NoAnswerRefusalFrom = "", 0, ""
	p.Version++
	if err := s.saveRequest(ctx, tx, l); err != nil {
		return err
	}
	return s.deliverEvent(ctx, tx, l, s.newEvent(exchangev1.CopyRequestEventKind_COPY_REQUEST_EVENT_KIND_RESUMED,
		"the additional information arrived; the deadline resumes to "+p.GetDeadline(), p))
}
