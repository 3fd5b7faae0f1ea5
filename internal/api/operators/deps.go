package operators

import (
	"context"
	"time"

	"github.com/cockroachdb/apd/v3"

	authv1 "github.com/eaeu/customs-exchange/gen/eaeu/auth/v1"
	operatorsv1 "github.com/eaeu/customs-exchange/gen/eaeu/operators/v1"
	typev1 "github.com/eaeu/customs-exchange/gen/eaeu/type/v1"
	"github.com/eaeu/customs-exchange/internal/api/reference"
	"github.com/eaeu/customs-exchange/internal/caller"
	"github.com/eaeu/customs-exchange/internal/errs"
	"github.com/eaeu/customs-exchange/internal/rules/dates"
	"github.com/eaeu/customs-exchange/internal/store"
)

// Requirements are the member state's settings for inclusion (art. 429.2).
type Requirements struct {
	// SecurityMinimum: the Commission's amount or a higher national one.
	SecurityMinimum *typev1.Money
	// SecurityMinimumForSale applies to scopes with goods for sale to
	// individuals; nil: the same as SecurityMinimum.
	SecurityMinimumForSale *typev1.Money
	// QualifiedEmployees: at least 2 are required (art. 429.2(3)).
	QualifiedEmployees bool
	// ExtraConditions: code -> description (art. 429.2(2)).
	ExtraConditions map[string]string
}

// Server serves eaeu.operators.v1.RegisterService.
type Server struct {
	operatorsv1.UnimplementedRegisterServiceServer
	reference.Deps
	Requirements Requirements
	rates        *reference.ExchangeRates
}

// New returns the service.
func New(d reference.Deps, req Requirements) *Server {
	return &Server{Deps: d, Requirements: req, rates: &reference.ExchangeRates{Deps: d}}
}

func (s *Server) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

func (s *Server) today() time.Time { return dates.Local(s.now(), s.NodeState) }

// national converts m into the national currency at the rate in force on
// day.
func (s *Server) national(ctx context.Context, tx store.Tx, m *typev1.Money, day time.Time, field string) (apd.Decimal, error) {
	var amount apd.Decimal
	if _, _, err := amount.SetString(m.GetAmount()); err != nil || amount.Sign() < 0 {
		return amount, errs.Field(field+".amount", "must be a non-negative decimal")
	}
	r, err := s.rates.Resolve(ctx, tx, m.GetCurrencyCode(), day)
	if err != nil {
		if e, ok := errs.As(err); ok && e.Kind == errs.KindNotFound {
			return amount, errs.Field(field+".currency_code", "no exchange rate of %s is in force on %s", m.GetCurrencyCode(), dates.Format(day))
		}
		return amount, err
	}
	var out apd.Decimal
	_, err = apd.BaseContext.WithPrecision(34).Mul(&out, &amount, &r.Rate)
	return out, err
}

// ownsEntity reports whether the caller may see the legal entity's data:
// customs always, an operator only its own.
func ownsEntity(c caller.Caller, legalEntity string) bool {
	return c.Role == authv1.Role_ROLE_CUSTOMS || (c.Role == authv1.Role_ROLE_OPERATOR && c.Subject.ID == legalEntity)
}
