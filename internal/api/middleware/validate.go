package middleware

import (
	"errors"

	"buf.build/go/protovalidate"
	"google.golang.org/protobuf/proto"

	"github.com/eaeu/customs-exchange/internal/errs"
)

// Validator checks a request against the buf.validate rules in its proto.
type Validator struct {
	v protovalidate.Validator
}

// NewValidator compiles rules lazily, once per message type.
func NewValidator() (Validator, error) {
	v, err := protovalidate.New()
	if err != nil {
		return Validator{}, err
	}
	return Validator{v: v}, nil
}

// Check returns an INVALID_ARGUMENT error listing every violated field, or
// nil.
func (v Validator) Check(req any) *errs.Error {
	m, ok := req.(proto.Message)
	if !ok || v.v == nil {
		return nil
	}
	err := v.v.Validate(m)
	if err == nil {
		return nil
	}
	var ve *protovalidate.ValidationError
	if !errors.As(err, &ve) {
		return &errs.Error{Kind: errs.KindInternal, Reason: "REASON_INTERNAL", Message: "request validation failed to run"}
	}
	vs := make([]errs.Violation, 0, len(ve.Violations))
	for _, x := range ve.Violations {
		field := protovalidate.FieldPathString(x.Proto.GetField())
		if field == "" {
			field = protovalidate.FieldPathString(x.Proto.GetRule())
		}
		vs = append(vs, errs.Violation{Field: field, Description: x.Proto.GetMessage()})
	}
	return errs.Invalid(vs...)
}
