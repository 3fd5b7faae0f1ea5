package middleware

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"regexp"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"

	"github.com/eaeu/customs-exchange/internal/caller"
)

// RequestIDHeader carries the per-call trace id (not the idempotency
// request_id field) in metadata and in the response header.
const RequestIDHeader = "x-request-id"

var validTraceID = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

type stateKey struct{}

// callState is what the outer interceptors learn from the inner ones: the
// guard records the authenticated caller here so that the logging line,
// written on the way out, names it.
type callState struct {
	traceID string
	caller  caller.Caller
}

func stateOf(ctx context.Context) *callState {
	s, _ := ctx.Value(stateKey{}).(*callState)
	return s
}

// TraceID returns the call's trace id.
func TraceID(ctx context.Context) string {
	if s := stateOf(ctx); s != nil {
		return s.traceID
	}
	return ""
}

// loggedCaller is the caller the guard authenticated, seen from outside it.
func loggedCaller(ctx context.Context) caller.Caller {
	if s := stateOf(ctx); s != nil {
		return s.caller
	}
	return caller.From(ctx)
}

func recordCaller(ctx context.Context, c caller.Caller) {
	if s := stateOf(ctx); s != nil {
		s.caller = c
	}
}

func withTraceID(ctx context.Context) context.Context {
	id := ""
	if md, ok := metadata.FromIncomingContext(ctx); ok {
		if v := md.Get(RequestIDHeader); len(v) == 1 && validTraceID.MatchString(v[0]) {
			id = v[0]
		}
	}
	if id == "" {
		var b [12]byte
		_, _ = rand.Read(b[:])
		id = hex.EncodeToString(b[:])
	}
	_ = grpc.SetHeader(ctx, metadata.Pairs(RequestIDHeader, id))
	return context.WithValue(ctx, stateKey{}, &callState{traceID: id, caller: caller.Public})
}

// RequestIDUnary gives every call a trace id (the client's x-request-id
// when it is well formed) and returns it in the response header.
func RequestIDUnary() grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
		return h(withTraceID(ctx), req)
	}
}

// RequestIDStream is RequestIDUnary for streams.
func RequestIDStream() grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, _ *grpc.StreamServerInfo, h grpc.StreamHandler) error {
		return h(srv, &ctxStream{ServerStream: ss, ctx: withTraceID(ss.Context())})
	}
}

type ctxStream struct {
	grpc.ServerStream
	ctx context.Context
}

func (s *ctxStream) Context() context.Context { return s.ctx }
