// Package register reads and writes the register of e-commerce operators
// in the store: applications and operators are documents, scoped by the
// legal entity number (the id in an operator's client certificate). Both
// the register's handlers and the declarations' checks use it.
package register

import (
	"context"
	"errors"
	"strings"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	operatorsv1 "github.com/eaeu/customs-exchange/gen/eaeu/operators/v1"
	"github.com/eaeu/customs-exchange/internal/errs"
	"github.com/eaeu/customs-exchange/internal/store"
)

// Document kinds.
const (
	KindApplication = "operator_application"
	KindOperator    = "operator"
)

var jsonOut = protojson.MarshalOptions{UseProtoNames: true}

// Encode is the stored form of a register document.
func Encode(m proto.Message) ([]byte, error) { return jsonOut.Marshal(m) }

// Decode reads a register document.
func Decode(d store.Document, m proto.Message) error { return protojson.Unmarshal(d.Body, m) }

// LoadOperator reads an operator entry; NOT_FOUND when absent.
func LoadOperator(ctx context.Context, tx store.Tx, name string) (store.Document, *operatorsv1.Operator, error) {
	doc, err := tx.GetDocument(ctx, KindOperator, name)
	if errors.Is(err, store.ErrNotFound) {
		return doc, nil, errs.NotFound(name)
	}
	if err != nil {
		return doc, nil, err
	}
	op := &operatorsv1.Operator{}
	return doc, op, Decode(doc, op)
}

// OperatorsOf lists every entry (active or excluded) of a legal entity.
func OperatorsOf(ctx context.Context, tx store.Tx, legalEntity string) ([]*operatorsv1.Operator, error) {
	docs, err := tx.ListDocuments(ctx, store.DocumentQuery{Kind: KindOperator, Scope: legalEntity, Limit: 1000})
	if err != nil {
		return nil, err
	}
	out := make([]*operatorsv1.Operator, 0, len(docs))
	for _, d := range docs {
		op := &operatorsv1.Operator{}
		if err := Decode(d, op); err != nil {
			return nil, err
		}
		out = append(out, op)
	}
	return out, nil
}

// ActiveRegisterNumber is the register number under which the legal entity
// is on the register now, if it is.
func ActiveRegisterNumber(ctx context.Context, tx store.Tx, legalEntity string) (string, bool, error) {
	ops, err := OperatorsOf(ctx, tx, legalEntity)
	if err != nil {
		return "", false, err
	}
	for _, op := range ops {
		if op.GetStatus() == operatorsv1.OperatorStatus_OPERATOR_STATUS_ACTIVE {
			return op.GetRegisterNumber(), true, nil
		}
	}
	return "", false, nil
}

// RegisterNumbers are every register number the legal entity has held.
func RegisterNumbers(ctx context.Context, tx store.Tx, legalEntity string) ([]string, error) {
	ops, err := OperatorsOf(ctx, tx, legalEntity)
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(ops))
	for _, op := range ops {
		out = append(out, op.GetRegisterNumber())
	}
	return out, nil
}

// RegisterNumberOf is the register number in an operator resource name.
func RegisterNumberOf(name string) string { return strings.TrimPrefix(name, "operators/") }
