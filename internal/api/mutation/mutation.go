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

// Run executes fn in one Update transaction together with the idempotency
// check and the audit record. newResp makes an empty response to decode a
// replayed one into.
func Run[R proto.Message](ctx context.Context, st store.Store, req Request, newResp func() R,
	fn func(ctx context.Context, tx store.Tx) (R, Result, error)) (R, error) {
	var zero R
	c := caller.From(ctx)
	method, _ := grpc.Method(ctx)
	reqBytes, err := deterministic.Marshal(req)
	if err != nil {
		return zero, fmt.Errorf("marshal request: %w", err)
	}
	sum := sha256.Sum256(reqBytes)
	key := c.Subject.URI + "|" + method + "|" + req.GetRequestId()

	// Without a request id there is nothing to deduplicate on: the change
	// and its audit record are still written in one transaction.
	keyed := req.GetRequestId() != ""
	var resp R
	for attempt := 0; ; attempt++ {
		err = st.Update(ctx, func(tx store.Tx) error {
			prev, err := tx.GetIdempotency(ctx, key)
			if !keyed {
				err = store.ErrNotFound
			}
			switch {
			case err == nil:
				if !bytes.Equal(prev.RequestHash, sum[:]) {
					return errs.RequestIDReused()
				}
				resp = newResp()
				return proto.Unmarshal(prev.Response, resp)
			case !errors.Is(err, store.ErrNotFound):
				return err
			}
			r, res, err := fn(ctx, tx)
			if err != nil {
				return err
			}
			if _, err := audit.Append(ctx, tx, audit.Entry{
				Caller: c, Method: method, Resource: res.Resource, RequestID: req.GetRequestId(),
				Outcome: auditv1.Outcome_OUTCOME_OK, StatusCode: "OK", Detail: res.Detail,
			}.Record()); err != nil {
				return err
			}
			resp = r
			if !keyed {
				return nil
			}
			out, err := deterministic.Marshal(r)
			if err != nil {
				return fmt.Errorf("marshal response: %w", err)
			}
			if err := tx.PutIdempotency(ctx, store.IdempotencyRecord{
				Key: key, RequestHash: sum[:], Response: out, CreateTime: time.Now().UTC(),
			}); err != nil {
				return fmt.Errorf("%w: %w", errConcurrentRetry, err)
			}
			return nil
		})
		// Two copies of one request raced on another instance: run again,
		// and the second run finds the first one's answer.
		if errors.Is(err, errConcurrentRetry) && errors.Is(err, store.ErrAlreadyExists) && attempt == 0 {
			continue
		}
		if err != nil {
			return zero, err
		}
		return resp, nil
	}
}

var errConcurrentRetry = errors.New("idempotency record written concurrently")
