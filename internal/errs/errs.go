// Package errs holds the typed errors the use cases return. They know
// nothing of gRPC: internal/api/status turns them into google.rpc statuses
// with an ErrorInfo reason and, for invalid input, BadRequest field
// violations.
package errs

import (
	"errors"
	"fmt"
	"strings"
)

// Kind is the class of a failure; each maps to one gRPC code.
type Kind int

// The kinds.
const (
	KindInternal        Kind = iota // INTERNAL
	KindInvalid                     // INVALID_ARGUMENT
	KindNotFound                    // NOT_FOUND
	KindAlreadyExists               // ALREADY_EXISTS
	KindWrongState                  // FAILED_PRECONDITION
	KindPermission                  // PERMISSION_DENIED
	KindUnauthenticated             // UNAUTHENTICATED
	KindConflict                    // ABORTED (etag or request id reuse)
	KindUnavailable                 // UNAVAILABLE
)

// Violation is one malformed field: its path in the request (proto field
// names joined by dots, e.g. "customs_body.code") and what is wrong.
type Violation struct {
	Field       string
	Description string
}

// Error is a use-case failure. Reason is the eaeu.errors.v1.Reason value
// name (e.g. "REASON_WRONG_STATE").
type Error struct {
	Kind       Kind
	Reason     string
	Message    string
	Violations []Violation
}

func (e *Error) Error() string {
	if len(e.Violations) == 0 {
		return e.Message
	}
	parts := make([]string, 0, len(e.Violations))
	for _, v := range e.Violations {
		parts = append(parts, v.Field+": "+v.Description)
	}
	return e.Message + ": " + strings.Join(parts, "; ")
}

// Invalid reports malformed fields.
func Invalid(vs ...Violation) *Error {
	return &Error{Kind: KindInvalid, Reason: "REASON_INVALID_FIELD", Message: "invalid request", Violations: vs}
}

// Field is a shorthand for one violation.
func Field(field, format string, args ...any) *Error {
	return Invalid(Violation{Field: field, Description: fmt.Sprintf(format, args...)})
}

// NotFound reports a missing resource.
func NotFound(resource string) *Error {
	return &Error{Kind: KindNotFound, Reason: "REASON_NOT_FOUND", Message: resource + " not found"}
}

// AlreadyExists reports a taken name.
func AlreadyExists(resource string) *Error {
	return &Error{Kind: KindAlreadyExists, Reason: "REASON_ALREADY_EXISTS", Message: resource + " already exists"}
}

// WrongState reports an action the resource's state does not allow.
func WrongState(format string, args ...any) *Error {
	return &Error{Kind: KindWrongState, Reason: "REASON_WRONG_STATE", Message: fmt.Sprintf(format, args...)}
}

// Permission reports a caller that may not do this.
func Permission(format string, args ...any) *Error {
	return &Error{Kind: KindPermission, Reason: "REASON_PERMISSION_DENIED", Message: fmt.Sprintf(format, args...)}
}

// Unauthenticated reports a caller without a valid certificate.
func Unauthenticated(format string, args ...any) *Error {
	return &Error{Kind: KindUnauthenticated, Reason: "REASON_UNAUTHENTICATED", Message: fmt.Sprintf(format, args...)}
}

// EtagMismatch reports a resource changed since the caller read it.
func EtagMismatch(resource string) *Error {
	return &Error{Kind: KindConflict, Reason: "REASON_ETAG_MISMATCH", Message: resource + " changed since it was read; read it again"}
}

// RequestIDReused reports a request id used before for another request.
func RequestIDReused() *Error {
	return &Error{Kind: KindConflict, Reason: "REASON_REQUEST_ID_REUSED",
		Message: "request_id was already used for a different request; use a new request_id"}
}

// WithReason returns a copy of e with another reason.
func (e *Error) WithReason(reason string) *Error {
	c := *e
	c.Reason = reason
	return &c
}

// As returns the *Error inside err, if any.
func As(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}
