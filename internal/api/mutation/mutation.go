// Package mutation runs a mutating RPC as one store transaction holding its
// state change, its audit record and its idempotency record. A retry with
// the same request_id and the same request returns the stored response and
// writes nothing; the same request_id with another request is refused.
package mutation

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/protobuf/proto"

	auditv1 "github.com/eaeu/customs-exchange/gen/eaeu/audit/v1"
	"github.com/eaeu/customs-exchange/internal/audit"
	"github.com/eaeu/customs-exchange/internal/caller"
	"github.com/eaeu/customs-exchange/internal/errs"
	"github.com/eaeu/customs-exchange/internal/packed"
	"github.com/eaeu/customs-exchange/internal/store"
)

// Request is a mutating request: it carries a client-chosen request id.
type Request interface {
	proto.Message
	GetRequestId() string
}

// Result is what a mutation returns besides its response.
type Result struct {
	// Resource is the name of the resource changed, for the audit trail.
	Resource string
	// Detail is a short note for the audit trail (no personal data).
	Detail string
}

var deterministic = proto.MarshalOptions{Deterministic: true}

// call is what identifies one mutating call for its idempotency record.
type call struct {
	c         caller.Caller
	method    string
	requestID string
	sum       [sha256.Size]byte // of the request
	key       string            // caller | method | request id
}

func newCall(ctx context.Context, req Request) (*call, error) {
	reqBytes, err := deterministic.Marshal(req)
	if err != nil {
		return nil, fmt.Errorf("marshal request: %w", err)
	}
	k := &call{c: caller.From(ctx), requestID: req.GetRequestId(), sum: sha256.Sum256(reqBytes)}
	k.method, _ = grpc.Method(ctx)
	k.key = k.c.Subject.URI + "|" + k.method + "|" + k.requestID
	return k, nil
}

// keyed: without a request id there is nothing to deduplicate on; the
// change and its audit record are still written in one transaction.
func (k *call) keyed() bool { return k.requestID != "" }

// replay returns the response stored for an earlier call with this key, or
// found false when there is none.
func replay[R proto.Message](ctx context.Context, tx store.Tx, k *call, newResp func() R) (resp R, found bool, err error) {
	if !k.keyed() {
		return resp, false, nil
	}
	prev, err := tx.GetIdempotency(ctx, k.key)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return resp, false, nil
	case err != nil:
		return resp, false, err
	case !bytes.Equal(prev.RequestHash, k.sum[:]):
		return resp, false, errs.RequestIDReused()
	}
	resp = newResp()
	out, err := packed.Unpack(prev.Response)
	if err != nil {
		return resp, false, fmt.Errorf("stored response of %s: %w", k.key, err)
	}
	return resp, true, proto.Unmarshal(out, resp)
}

// record writes the audit record, linked after the head at seq (with its
// hash prev), and the idempotency record of a call that succeeded.
func (k *call) record(ctx context.Context, tx store.Tx, seq int64, prev []byte, r proto.Message, res Result) error {
	if _, err := audit.AppendAt(ctx, tx, seq, prev, audit.Entry{
		Caller: k.c, Method: k.method, Resource: res.Resource, RequestID: k.requestID,
		Outcome: auditv1.Outcome_OUTCOME_OK, StatusCode: "OK", Detail: res.Detail,
	}.Record()); err != nil {
		return err
	}
	if !k.keyed() {
		return nil
	}
	out, err := deterministic.Marshal(r)
	if err != nil {
		return fmt.Errorf("marshal response: %w", err)
	}
	if err := tx.PutIdempotency(ctx, store.IdempotencyRecord{
		Key: k.key, RequestHash: k.sum[:], Response: packed.Pack(out), CreateTime: time.Now().UTC(),
	}); err != nil {
		return fmt.Errorf("%w: %w", errConcurrentRetry, err)
	}
	return nil
}

// Run executes fn in one Update transaction together with the idempotency
// check and the audit record. newResp makes an empty response to decode a
// replayed one into.
func Run[R proto.Message](ctx context.Context, st store.Store, req Request, newResp func() R,
	fn func(ctx context.Context, tx store.Tx) (R, Result, error)) (R, error) {
	var zero R
	k, err := newCall(ctx, req)
	if err != nil {
		return zero, err
	}
	var resp R
	for attempt := 0; ; attempt++ {
		err = st.Update(ctx, func(tx store.Tx) error {
			prev, found, err := replay(ctx, tx, k, newResp)
			if found || err != nil {
				resp = prev
				return err
			}
			r, res, err := fn(ctx, tx)
			if err != nil {
				return err
			}
			seq, head, err := tx.AuditHead(ctx)
			if err != nil {
				return fmt.Errorf("audit head: %w", err)
			}
			resp = r
			return k.record(ctx, tx, seq, head, r, res)
		})
		if retryRace(err, attempt) {
			continue
		}
		if err != nil {
			return zero, err
		}
		return resp, nil
	}
}

// retryRace: two copies of one request raced on another instance: run
// again, and the second run finds the first one's answer.
func retryRace(err error, attempt int) bool {
	return errors.Is(err, errConcurrentRetry) && errors.Is(err, store.ErrAlreadyExists) && attempt == 0
}

var errConcurrentRetry = errors.New("idempotency record written concurrently")
