package ecommerce

import (
	"context"
	"errors"
	"time"

	"github.com/cockroachdb/apd/v3"

	"github.com/eaeu/customs-exchange/internal/api/reference"
	"github.com/eaeu/customs-exchange/internal/errs"
	"github.com/eaeu/customs-exchange/internal/rules/currency"
	"github.com/eaeu/customs-exchange/internal/rules/dates"
	"github.com/eaeu/customs-exchange/internal/rules/duty"
	"github.com/eaeu/customs-exchange/internal/store"
)

// tariff is the duty tariff of one member state on one date, prepared
// once for every declaration registered then: the schedules in force and
// the rate of every currency that has one (art. 309.8(8)).
type tariff struct {
	prepared  *duty.Prepared
	schedules []string // the names of the schedules applied
	rates     map[string]apd.Decimal
	err       error // no Commission schedule, or an unusable one
}

type tariffKey struct {
	state string
	day   string
}

// buildTariff reads every rate in force on day and the schedules in force
// then, and prepares them. Without a usable Commission schedule the rates
// are still there (filing checks them) and err says why no duty can be
// computed.
func (s *Server) buildTariff(ctx context.Context, tx store.Tx, state string, day time.Time) (*tariff, error) {
	t := &tariff{rates: map[string]apd.Decimal{}}
	for _, code := range currency.Codes() {
		if code == s.NationalCurrency {
			continue
		}
		r, err := tx.ResolveExchangeRate(ctx, code, day)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		t.rates[code] = r.Rate
	}
	eec, err := reference.InForce(ctx, tx, "EEC", day)
	if err != nil {
		return nil, err
	}
	if eec == nil {
		e := errs.NotFound("a Commission duty schedule in force on " + dates.Format(day))
		t.err = e.WithReason("REASON_NO_DUTY_SCHEDULE")
		return t, nil
	}
	in := duty.Tariff{NationalCurrency: s.NationalCurrency, MinorUnits: s.MinorUnits, Rates: t.rates}
	if in.Commission, err = scheduleOf(eec); err != nil {
		return nil, err
	}
	t.schedules = []string{eec.GetName()}
	national, err := reference.InForce(ctx, tx, state, day)
	if err != nil {
		return nil, err
	}
	if national != nil {
		ns, err := scheduleOf(national)
		if err != nil {
			return nil, err
		}
		in.National = &ns
		t.schedules = append(t.schedules, national.GetName())
	}
	if t.prepared, err = duty.Prepare(in); err != nil {
		t.err = dutyError(err)
	}
	return t, nil
}

// dutyError is the API error of an error of the duty engine.
func dutyError(err error) error {
	if errors.Is(err, duty.ErrNoRate) {
		return errs.NotFound(err.Error()).WithReason("REASON_NO_EXCHANGE_RATE")
	}
	return errs.Field("parcels", "%v", err)
}
