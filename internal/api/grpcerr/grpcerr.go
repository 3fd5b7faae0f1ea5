// Package grpcerr is the one place where errors become gRPC statuses:
// typed use-case errors (internal/errs) get their code, an ErrorInfo with
// the reason and, for invalid input, BadRequest field violations; anything
// else becomes INTERNAL with no driver text in it.
package grpcerr

import (
	"context"
	"errors"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/protoadapt"

	"github.com/eaeu/customs-exchange/internal/errs"
)

// Domain is the ErrorInfo domain of every error of this service.
const Domain = "customs-exchange.eaeu"

var codeOf = map[errs.Kind]codes.Code{
	errs.KindInternal:        codes.Internal,
	errs.KindInvalid:         codes.InvalidArgument,
	errs.KindNotFound:        codes.NotFound,
	errs.KindAlreadyExists:   codes.AlreadyExists,
	errs.KindWrongState:      codes.FailedPrecondition,
	errs.KindPermission:      codes.PermissionDenied,
	errs.KindUnauthenticated: codes.Unauthenticated,
	errs.KindConflict:        codes.Aborted,
	errs.KindUnavailable:     codes.Unavailable,
}

// Status converts err. The boolean is false when err was not a typed error
// (the caller should log it: the client only sees "internal error").
func Status(err error) (*status.Status, bool) {
	if err == nil {
		return status.New(codes.OK, ""), true
	}
	if s, ok := status.FromError(err); ok {
		return s, true
	}
	if e, ok := errs.As(err); ok {
		return fromTyped(e), true
	}
	switch {
	case errors.Is(err, context.Canceled):
		return status.New(codes.Canceled, "the call was cancelled"), true
	case errors.Is(err, context.DeadlineExceeded):
		return status.New(codes.DeadlineExceeded, "the call's deadline passed"), true
	}
	return fromTyped(&errs.Error{Kind: errs.KindInternal, Reason: "REASON_INTERNAL", Message: "internal error"}), false
}

func fromTyped(e *errs.Error) *status.Status {
	code, ok := codeOf[e.Kind]
	if !ok {
		code = codes.Internal
	}
	s := status.New(code, e.Message)
	details := []protoadapt.MessageV1{&errdetails.ErrorInfo{Reason: e.Reason, Domain: Domain}}
	if len(e.Violations) > 0 {
		br := &errdetails.BadRequest{}
		for _, v := range e.Violations {
			br.FieldViolations = append(br.FieldViolations, &errdetails.BadRequest_FieldViolation{
				Field: v.Field, Description: v.Description,
			})
		}
		details = append(details, br)
	}
	if e.Kind == errs.KindUnavailable {
		details = append(details, &errdetails.RetryInfo{})
	}
	if ws, err := s.WithDetails(details...); err == nil {
		return ws
	}
	return s
}
