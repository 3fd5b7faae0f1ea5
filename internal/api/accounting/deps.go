package accounting

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"google.golang.org/protobuf/proto"

	authv1 "github.com/eaeu/customs-exchange/gen/eaeu/auth/v1"
	operatorsv1 "github.com/eaeu/customs-exchange/gen/eaeu/operators/v1"
	"github.com/eaeu/customs-exchange/internal/api/middleware"
	"github.com/eaeu/customs-exchange/internal/api/reference"
	"github.com/eaeu/customs-exchange/internal/audit"
	"github.com/eaeu/customs-exchange/internal/caller"
	"github.com/eaeu/customs-exchange/internal/errs"
	"github.com/eaeu/customs-exchange/internal/register"
	"github.com/eaeu/customs-exchange/internal/rules/dates"
	"github.com/eaeu/customs-exchange/internal/store"
)

// Server serves eaeu.operators.v1.AccountingService.
type Server struct {
	operatorsv1.UnimplementedAccountingServiceServer
	reference.Deps
	validator middleware.Validator
}

// New returns the service.
func New(d reference.Deps) *Server {
	v, err := middleware.NewValidator()
	if err != nil {
		// protovalidate.New fails only on a broken build.
		panic(err)
	}
	return &Server{Deps: d, validator: v}
}

func (s *Server) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

// today is the date in the node's member state.
func (s *Server) today() time.Time { return dates.Local(s.now(), s.NodeState) }

// Resource names.
const operatorsPrefix = "operators/"

// allOperators is the parent that names every operator (customs only).
const allOperators = "-"

func operatorName(number string) string   { return operatorsPrefix + number }
func itemName(number, id string) string   { return operatorsPrefix + number + "/items/" + id }
func eventName(number, id string) string  { return operatorsPrefix + number + "/events/" + id }
func reportName(number, id string) string { return operatorsPrefix + number + "/reports/" + id }
func numberOf(parent string) string       { return strings.TrimPrefix(parent, operatorsPrefix) }
func etagOf(rev int64) string             { return strconv.FormatInt(rev, 10) }
func childOf(name, collection string) (string, string) {
	rest := strings.TrimPrefix(name, operatorsPrefix)
	number, id, _ := strings.Cut(rest, "/"+collection+"/")
	return number, id
}

// scope is the operator whose accounts a call is about, as the caller may
// see it.
type scope struct {
	number string
	// active: on the register now (placements need it; an excluded
	// operator still completes its operations, art. 429.5).
	active bool
}

// resolve checks that the caller may see the accounts of the register
// number: customs any operator on the register, an operator only the
// register numbers its legal entity (its certificate id) has held.
// Otherwise NOT_FOUND, so that another operator's accounts are not even
// confirmed to exist.
func resolve(ctx context.Context, tx store.Tx, c caller.Caller, number string) (scope, error) {
	name := operatorName(number)
	switch c.Role {
	case authv1.Role_ROLE_CUSTOMS:
		_, op, err := register.LoadOperator(ctx, tx, name)
		if err != nil {
			return scope{}, err
		}
		return scope{number: number, active: op.GetStatus() == operatorsv1.OperatorStatus_OPERATOR_STATUS_ACTIVE}, nil
	case authv1.Role_ROLE_OPERATOR:
		ops, err := register.OperatorsOf(ctx, tx, c.Subject.ID)
		if err != nil {
			return scope{}, err
		}
		for _, op := range ops {
			if op.GetRegisterNumber() == number {
				return scope{number: number, active: op.GetStatus() == operatorsv1.OperatorStatus_OPERATOR_STATUS_ACTIVE}, nil
			}
		}
	}
	return scope{}, errs.NotFound(name)
}

// resolveParent is resolve for a parent that may be operators/- (every
// operator): customs only. number is "" for every operator.
func resolveParent(ctx context.Context, tx store.Tx, c caller.Caller, parent string) (string, error) {
	number := numberOf(parent)
	if number != allOperators {
		sc, err := resolve(ctx, tx, c, number)
		return sc.number, err
	}
	if c.Role != authv1.Role_ROLE_CUSTOMS {
		return "", errs.Field("parent", "operators/- (every operator) is for customs; name your register number")
	}
	return "", nil
}

var deterministic = proto.MarshalOptions{Deterministic: true}

func encode(m proto.Message) ([]byte, error) { return deterministic.Marshal(m) }

// storeErr turns the store's sentinels into typed errors naming what.
func storeErr(err error, what string) error {
	switch {
	case errors.Is(err, store.ErrNotFound):
		return errs.NotFound(what)
	case errors.Is(err, store.ErrConflict):
		return errs.EtagMismatch(what)
	}
	return err
}

// appendAudit writes one audit record in its own transaction (a refused
// stream, the summary of refused events).
func (s *Server) appendAudit(ctx context.Context, e audit.Entry) error {
	ctx = context.WithoutCancel(ctx)
	return s.Store.Update(ctx, func(tx store.Tx) error {
		_, err := audit.Append(ctx, tx, e.Record())
		return err
	})
}
