package middleware

import (
	"context"
	"errors"
	"fmt"

	"google.golang.org/genproto/googleapis/rpc/code"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"

	auditv1 "github.com/eaeu/customs-exchange/gen/eaeu/audit/v1"
	"github.com/eaeu/customs-exchange/internal/api/grpcerr"
	"github.com/eaeu/customs-exchange/internal/audit"
	"github.com/eaeu/customs-exchange/internal/authn"
	"github.com/eaeu/customs-exchange/internal/authz"
	"github.com/eaeu/customs-exchange/internal/caller"
	"github.com/eaeu/customs-exchange/internal/errs"
)

// Metadata keys the in-process gateway sets after it authenticated the
// HTTPS client certificate itself. Only the in-process listener trusts
// them; the gateway drops any client header of the same name.
const (
	ForwardedSubjectHeader  = "x-eaeu-forwarded-subject"
	ForwardedRejectedHeader = "x-eaeu-forwarded-rejected"
)

// Authenticator finds the caller of a call. A call without any identity
// is the public caller; a call with an identity that does not hold up
// (an untrusted certificate) is an error.
type Authenticator interface {
	Authenticate(ctx context.Context) (caller.Caller, error)
}

// TLSAuthenticator reads the client certificate of the TLS connection and
// checks it against the trust bundle (the handshake only asks for it).
type TLSAuthenticator struct {
	Bundle    *authn.TrustBundle
	NodeState string
}

// Authenticate implements Authenticator.
func (a TLSAuthenticator) Authenticate(ctx context.Context) (caller.Caller, error) {
	p, ok := peer.FromContext(ctx)
	if !ok {
		return caller.Public, nil
	}
	info, ok := p.AuthInfo.(credentials.TLSInfo)
	if !ok || len(info.State.PeerCertificates) == 0 {
		return caller.Public, nil
	}
	s, err := a.Bundle.AuthenticatePeer(info.State.PeerCertificates)
	if err != nil {
		return caller.Caller{}, err
	}
	return caller.Caller{Subject: s, Role: caller.RoleFor(s, a.NodeState)}, nil
}

// ForwardedAuthenticator trusts the subject the in-process gateway (or, in
// development plaintext mode, the client) put in metadata. It must only be
// used on a listener no one else can reach.
type ForwardedAuthenticator struct {
	NodeState string
}

// Authenticate implements Authenticator.
func (a ForwardedAuthenticator) Authenticate(ctx context.Context) (caller.Caller, error) {
	md, _ := metadata.FromIncomingContext(ctx)
	if r := md.Get(ForwardedRejectedHeader); len(r) > 0 {
		return caller.Caller{}, errors.New(r[0])
	}
	v := md.Get(ForwardedSubjectHeader)
	switch len(v) {
	case 0:
		return caller.Public, nil
	case 1:
	default:
		return caller.Caller{}, errors.New("more than one forwarded subject")
	}
	s, err := authn.ParseSubject(v[0])
	if err != nil {
		return caller.Caller{}, err
	}
	return caller.Caller{Subject: s, Role: caller.RoleFor(s, a.NodeState)}, nil
}

// Guard authenticates, authorises and validates every call, and audits
// each refusal.
type Guard struct {
	Authn     Authenticator
	Table     authz.Table
	Validator Validator
	Recorder  *audit.Recorder
}

func (g *Guard) admit(ctx context.Context, method string, req any) (context.Context, error) {
	c, err := g.Authn.Authenticate(ctx)
	if err != nil {
		e := errs.Unauthenticated("client certificate refused: %v", err)
		g.refuse(ctx, caller.Public, method, req, auditv1.Outcome_OUTCOME_UNAUTHENTICATED, e)
		return ctx, statusErr(e)
	}
	ctx = caller.With(ctx, c)
	recordCaller(ctx, c)
	rule, ok := g.Table[method]
	if !ok {
		e := errs.Permission("%s is not served", method)
		g.refuse(ctx, c, method, req, auditv1.Outcome_OUTCOME_PERMISSION_DENIED, e)
		return ctx, statusErr(e)
	}
	if !rule.Allows(c.Role) {
		var e *errs.Error
		if c.IsPublic() {
			e = errs.Unauthenticated("%s needs a client certificate", method)
			g.refuse(ctx, c, method, req, auditv1.Outcome_OUTCOME_UNAUTHENTICATED, e)
		} else {
			e = errs.Permission("role %s may not call %s", c.Role, method)
			g.refuse(ctx, c, method, req, auditv1.Outcome_OUTCOME_PERMISSION_DENIED, e)
		}
		return ctx, statusErr(e)
	}
	if req != nil {
		if err := g.validate(ctx, c, method, req); err != nil {
			return ctx, err
		}
	}
	return ctx, nil
}

func (g *Guard) validate(ctx context.Context, c caller.Caller, method string, req any) error {
	if e := g.Validator.Check(req); e != nil {
		g.refuse(ctx, c, method, req, auditv1.Outcome_OUTCOME_INVALID_ARGUMENT, e)
		return statusErr(e)
	}
	return nil
}

func (g *Guard) refuse(ctx context.Context, c caller.Caller, method string, req any, outcome auditv1.Outcome, e *errs.Error) {
	rid, _ := requestIDOf(req)
	st, _ := grpcerr.Status(e)
	g.Recorder.Refused(ctx, audit.Entry{
		Caller: c, Method: method, Resource: resourceOf(req), RequestID: rid,
		Outcome: outcome, StatusCode: CodeName(st.Code()), Detail: truncate(e.Error(), 500),
	})
}

// Unary is the guard for unary calls.
func (g *Guard) Unary() grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
		ctx, err := g.admit(ctx, info.FullMethod, req)
		if err != nil {
			return nil, err
		}
		resp, err := h(ctx, req)
		if err != nil {
			g.auditRejected(ctx, info.FullMethod, req, err)
		}
		return resp, err
	}
}

// Stream is the guard for streams: identity and role at the start, each
// received message validated.
func (g *Guard) Stream() grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, h grpc.StreamHandler) error {
		ctx, err := g.admit(ss.Context(), info.FullMethod, nil)
		if err != nil {
			return err
		}
		return h(srv, &guardedStream{ServerStream: ss, ctx: ctx, g: g, method: info.FullMethod})
	}
}

type guardedStream struct {
	grpc.ServerStream
	ctx    context.Context
	g      *Guard
	method string
}

func (s *guardedStream) Context() context.Context { return s.ctx }

func (s *guardedStream) RecvMsg(m any) error {
	if err := s.ServerStream.RecvMsg(m); err != nil {
		return err
	}
	return s.g.validate(s.ctx, caller.From(s.ctx), s.method, m)
}

// auditRejected records a use-case refusal of a mutating call (one whose
// request has a request_id); failed reads are answers, not refusals.
func (g *Guard) auditRejected(ctx context.Context, method string, req any, err error) {
	rid, mutating := requestIDOf(req)
	if !mutating {
		return
	}
	if e, ok := RefusalEntry(ctx, method, resourceOf(req), rid, err); ok {
		g.Recorder.Refused(ctx, e)
	}
}

// RefusalEntry is the audit entry of a call that err refused: ok is false
// for an error that is not a refusal of the use case (an untyped error,
// a cancellation, a timeout, an internal failure), which is not audited
// as one.
func RefusalEntry(ctx context.Context, method, resource, requestID string, err error) (e audit.Entry, ok bool) {
	st, typed := grpcerr.Status(err)
	if !typed {
		return audit.Entry{}, false
	}
	outcome := auditv1.Outcome_OUTCOME_REJECTED
	switch st.Code() {
	case codes.InvalidArgument:
		outcome = auditv1.Outcome_OUTCOME_INVALID_ARGUMENT
	case codes.PermissionDenied:
		outcome = auditv1.Outcome_OUTCOME_PERMISSION_DENIED
	case codes.Canceled, codes.DeadlineExceeded, codes.Unavailable, codes.Internal:
		return audit.Entry{}, false
	}
	return audit.Entry{Caller: caller.From(ctx), Method: method, Resource: resource, RequestID: requestID,
		Outcome: outcome, StatusCode: CodeName(st.Code()), Detail: truncate(st.Message(), 500)}, true
}

func statusErr(e *errs.Error) error {
	st, _ := grpcerr.Status(e)
	return st.Err()
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return fmt.Sprintf("%s…", s[:n])
}

// CodeName is the canonical name of a gRPC code, e.g. PERMISSION_DENIED.
func CodeName(c codes.Code) string { return code.Code(c).String() }
