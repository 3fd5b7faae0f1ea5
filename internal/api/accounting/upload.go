package accounting

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync/atomic"

	auditv1 "github.com/eaeu/customs-exchange/gen/eaeu/audit/v1"
	operatorsv1 "github.com/eaeu/customs-exchange/gen/eaeu/operators/v1"
	"github.com/eaeu/customs-exchange/internal/api/grpcerr"
	"github.com/eaeu/customs-exchange/internal/api/middleware"
	"github.com/eaeu/customs-exchange/internal/audit"
	"github.com/eaeu/customs-exchange/internal/caller"
	"github.com/eaeu/customs-exchange/internal/errs"
	"github.com/eaeu/customs-exchange/internal/store"
)

// Upload limits and batching.
const (
	// MaxUploadEvents is how many events one upload call reads: the
	// response (one result per event) then stays within a client's
	// default 4 MB message limit.
	MaxUploadEvents = 50_000
	// MaxEventsPerMessage is how many events one message of the stream
	// may carry; those beyond are refused.
	MaxEventsPerMessage = 1000
	// An upload hands events to the store in batches, one transaction
	// each: at least minBatch events when the store is idle, up to
	// maxBatch while it is busy with the previous batch. Receiving and
	// checking events goes on meanwhile.
	minBatch = 1000
	maxBatch = 4000
)

type uploadJob struct {
	start int
	ins   []*input
	ids   []string // event ids as sent, for the results
}

// UploadAccountingEvents implements the client-streaming RPC.
func (s *Server) UploadAccountingEvents(stream operatorsv1.AccountingService_UploadAccountingEventsServer) error {
	ctx := stream.Context()
	c := caller.From(ctx)
	method := fullMethod(ctx, operatorsv1.AccountingService_UploadAccountingEvents_FullMethodName)
	today := s.today()

	first, err := stream.Recv()
	if errors.Is(err, io.EOF) {
		return stream.SendAndClose(&operatorsv1.UploadAccountingEventsResponse{})
	}
	if err != nil {
		return err
	}
	parent := first.GetParent()
	if err := s.checkUploadParent(ctx, c, parent); err != nil {
		s.refusedStream(ctx, c, method, parent, err)
		return err
	}
	number := numberOf(parent)

	resp := &operatorsv1.UploadAccountingEventsResponse{}
	jobs := make(chan uploadJob, 1)
	var failed atomic.Bool
	done := make(chan error, 1)
	go func() {
		var ferr error
		for j := range jobs {
			if ferr != nil {
				continue
			}
			if ferr = s.flush(ctx, c, number, method, j, resp); ferr != nil {
				failed.Store(true)
			}
		}
		done <- ferr
	}()
	finish := func() error {
		close(jobs)
		return <-done
	}

	var (
		cur       uploadJob
		req       = first
		index     int
		truncated bool // set here, put in resp once the flusher is done with it
	)
read:
	for {
		other := req.GetParent() != "" && req.GetParent() != parent
		for i, ev := range req.GetEvents() {
			if index >= MaxUploadEvents {
				truncated = true
				break read
			}
			var in input
			switch {
			case other:
				in.err = errs.Field("parent", "%s differs from the first message's %s: one upload is for one operator", req.GetParent(), parent)
			case i >= MaxEventsPerMessage:
				in.err = errs.Field("events", "at most %d events per message", MaxEventsPerMessage)
			default:
				in = s.prepare(ev, true, today)
			}
			cur.ins = append(cur.ins, &in)
			cur.ids = append(cur.ids, ev.GetEventId())
			index++
			if len(cur.ins) >= minBatch {
				select {
				case jobs <- cur:
					cur = uploadJob{start: index}
				default:
					if len(cur.ins) >= maxBatch {
						jobs <- cur
						cur = uploadJob{start: index}
					}
				}
			}
		}
		if failed.Load() {
			break
		}
		if req, err = stream.Recv(); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			_ = finish()
			return err
		}
	}
	if len(cur.ins) > 0 && !failed.Load() {
		jobs <- cur
	}
	if err := finish(); err != nil {
		return err
	}
	resp.Truncated = truncated
	if resp.GetRefused() > 0 {
		s.auditRefusedEvents(ctx, c, method, parent, resp)
	}
	return stream.SendAndClose(resp)
}

// checkUploadParent checks the first message's parent: the caller's own
// register number.
func (s *Server) checkUploadParent(ctx context.Context, c caller.Caller, parent string) error {
	if parent == "" {
		return errs.Field("parent", "the first message names the operator: operators/{register_number}")
	}
	return s.Store.View(ctx, func(tx store.Tx) error {
		_, err := resolve(ctx, tx, c, numberOf(parent))
		return err
	})
}

// flush applies one batch and appends its results. The batch is planned
// in a read transaction (reads run beside the writer) and written in a
// short write transaction that checks nothing it relied on changed; when
// something did, it is planned again inside the write transaction. When
// that transaction fails for a reason that is not a refusal of the whole
// upload (a store fault), the batch is applied again one event per
// transaction, so that one event's failure undoes no other.
func (s *Server) flush(ctx context.Context, c caller.Caller, number, method string, j uploadJob, resp *operatorsv1.UploadAccountingEventsResponse) error {
	inTx := func(ins []*input) ([]outcome, error) {
		var outs []outcome
		err := s.Store.Update(ctx, func(tx store.Tx) error {
			var err error
			outs, err = s.applyInTx(ctx, tx, c, number, ins, method)
			return err
		})
		return outs, err
	}
	var p *planned
	err := s.Store.View(ctx, func(tx store.Tx) error {
		var err error
		p, err = s.plan(ctx, tx, c, number, j.ins, method)
		return err
	})
	if err == nil {
		err = s.Store.Update(ctx, func(tx store.Tx) error { return commit(ctx, tx, p, true) })
	}
	var outs []outcome
	switch {
	case err == nil:
		outs = p.outs
	case errors.Is(err, errStale):
		outs, err = inTx(j.ins)
	}
	if err != nil {
		if _, typed := errs.As(err); typed || ctx.Err() != nil {
			return err
		}
		outs = make([]outcome, len(j.ins))
		for i, in := range j.ins {
			one, err := inTx([]*input{in})
			switch {
			case err == nil:
				outs[i] = one[0]
			case ctx.Err() != nil:
				return err
			default:
				if _, typed := errs.As(err); typed {
					return err
				}
				outs[i].err = &errs.Error{Kind: errs.KindUnavailable, Reason: "REASON_UNAVAILABLE",
					Message: "the event could not be stored; send it again"}
			}
		}
	}
	for i, o := range outs {
		r := &operatorsv1.UploadAccountingEventResult{Index: int32(j.start + i), EventId: j.ids[i]}
		switch {
		case o.err != nil:
			r.Outcome = operatorsv1.UploadAccountingEventOutcome_UPLOAD_ACCOUNTING_EVENT_OUTCOME_REFUSED
			e, ok := errs.As(o.err)
			if !ok {
				e = &errs.Error{Kind: errs.KindInternal, Reason: "REASON_INTERNAL", Message: "internal error"}
			}
			r.Reason, r.Message = e.Reason, e.Message
			for _, v := range e.Violations {
				r.FieldViolations = append(r.FieldViolations, &operatorsv1.UploadFieldViolation{Field: v.Field, Description: v.Description})
			}
			resp.Refused++
		case o.duplicate:
			r.Outcome = operatorsv1.UploadAccountingEventOutcome_UPLOAD_ACCOUNTING_EVENT_OUTCOME_DUPLICATE
			resp.Duplicates++
		default:
			r.Outcome = operatorsv1.UploadAccountingEventOutcome_UPLOAD_ACCOUNTING_EVENT_OUTCOME_APPLIED
			resp.Applied++
		}
		resp.Results = append(resp.Results, r)
	}
	return nil
}

// refusedStream audits an upload refused as a whole (the interceptors
// audit refusals of unary calls only).
func (s *Server) refusedStream(ctx context.Context, c caller.Caller, method, parent string, err error) {
	st, _ := grpcerr.Status(err)
	outcome := auditv1.Outcome_OUTCOME_REJECTED
	if e, ok := errs.As(err); ok && e.Kind == errs.KindInvalid {
		outcome = auditv1.Outcome_OUTCOME_INVALID_ARGUMENT
	}
	_ = s.appendAudit(ctx, audit.Entry{Caller: c, Method: method, Resource: parent, Outcome: outcome,
		StatusCode: middleware.CodeName(st.Code()), Detail: truncate(st.Message(), 500)})
}

// auditRefusedEvents writes one record for the events an upload refused
// (each applied event has its own): how many, and the first few.
func (s *Server) auditRefusedEvents(ctx context.Context, c caller.Caller, method, parent string, resp *operatorsv1.UploadAccountingEventsResponse) {
	var (
		first []string
		code  string
	)
	for _, r := range resp.GetResults() {
		if r.GetOutcome() != operatorsv1.UploadAccountingEventOutcome_UPLOAD_ACCOUNTING_EVENT_OUTCOME_REFUSED {
			continue
		}
		if code == "" {
			st, _ := grpcerr.Status(&errs.Error{Kind: kindOfReason(r.GetReason()), Reason: r.GetReason()})
			code = middleware.CodeName(st.Code())
		}
		if len(first) < 5 {
			first = append(first, fmt.Sprintf("#%d %s %s", r.GetIndex(), r.GetEventId(), r.GetReason()))
		}
	}
	_ = s.appendAudit(ctx, audit.Entry{Caller: c, Method: method, Resource: parent, Outcome: auditv1.Outcome_OUTCOME_REJECTED,
		StatusCode: code, Detail: truncate(fmt.Sprintf("%d of %d events refused: %s", resp.GetRefused(), len(resp.GetResults()),
			strings.Join(first, ", ")), 500)})
}

func kindOfReason(reason string) errs.Kind {
	switch reason {
	case "REASON_INVALID_FIELD":
		return errs.KindInvalid
	case "REASON_ALREADY_EXISTS":
		return errs.KindAlreadyExists
	case "REASON_WRONG_STATE":
		return errs.KindWrongState
	case "REASON_NOT_FOUND":
		return errs.KindNotFound
	case "REASON_UNAVAILABLE":
		return errs.KindUnavailable
	}
	return errs.KindInternal
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
