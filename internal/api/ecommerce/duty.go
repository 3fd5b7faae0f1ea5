package ecommerce

import (
	"context"
	"fmt"
	"time"

	"github.com/cockroachdb/apd/v3"

	ecommercev1 "github.com/eaeu/customs-exchange/gen/eaeu/ecommerce/v1"
	referencev1 "github.com/eaeu/customs-exchange/gen/eaeu/reference/v1"
	"github.com/eaeu/customs-exchange/internal/errs"
	"github.com/eaeu/customs-exchange/internal/rules/dates"
	"github.com/eaeu/customs-exchange/internal/rules/duty"
)

func decimal(s string) (apd.Decimal, error) {
	var d apd.Decimal
	_, _, err := d.SetString(s)
	return d, err
}

// scheduleOf turns a stored schedule into the engine's.
func scheduleOf(p *referencev1.DutySchedule) (duty.Schedule, error) {
	s := duty.Schedule{ID: p.GetName(), Jurisdiction: p.GetJurisdiction(), NormCurrency: p.GetNormCurrencyCode(),
		LegalBasis: p.GetLegalBasis(), Shape: duty.ShapeOverNorm}
	if p.GetShape() == referencev1.DutyShape_DUTY_SHAPE_WHOLE_VALUE {
		s.Shape = duty.ShapeWholeValue
	}
	var err error
	if s.EffectiveDate, err = dates.Parse(p.GetEffectiveDate()); err != nil {
		return s, err
	}
	for _, f := range []struct {
		dst *apd.Decimal
		src string
	}{{&s.ValueNorm, p.GetValueNorm()}, {&s.WeightNormKg, p.GetWeightNormKg()}, {&s.Rate, p.GetRate()}, {&s.MinimumPerKg, p.GetMinimumPerKg()}} {
		if *f.dst, err = decimal(f.src); err != nil {
			return s, fmt.Errorf("schedule %s: %w", p.GetName(), err)
		}
	}
	for _, c := range p.GetCategories() {
		cat := duty.Category{ID: c.GetId(), HSPrefixes: c.GetHsCodePrefixes()}
		if cat.Rate, err = decimal(c.GetRate()); err != nil {
			return s, err
		}
		if c.GetMinimumPerKg() != "" {
			m, err := decimal(c.GetMinimumPerKg())
			if err != nil {
				return s, err
			}
			cat.MinimumPerKg = &m
		}
		s.Categories = append(s.Categories, cat)
	}
	for _, t := range p.GetNationalTaxes() {
		r, err := decimal(t.GetRate())
		if err != nil {
			return s, err
		}
		s.NationalTaxes = append(s.NationalTaxes, duty.Tax{Code: t.GetCode(), Rate: r, LegalBasis: t.GetLegalBasis()})
	}
	return s, nil
}

// parcelsOf turns the declared parcels into the engine's (the proto
// validation already checked the decimal formats).
func parcelsOf(ps []*ecommercev1.Parcel) ([]duty.Parcel, error) {
	out := make([]duty.Parcel, 0, len(ps))
	for _, p := range ps {
		w, err := decimal(p.GetGrossWeightKg())
		if err != nil {
			return nil, err
		}
		dp := duty.Parcel{ID: p.GetParcelNumber(), GrossWeightKg: w}
		for _, it := range p.GetItems() {
			price, err := decimal(it.GetPrice().GetAmount())
			if err != nil {
				return nil, err
			}
			qty, err := decimal(it.GetQuantity())
			if err != nil {
				return nil, err
			}
			dp.Items = append(dp.Items, duty.Item{ID: it.GetItemId(), HSCode: it.GetHsCode(), Price: price,
				Currency: it.GetPrice().GetCurrencyCode(), Quantity: qty})
		}
		out = append(out, dp)
	}
	return out, nil
}

// assess computes the duty of parcels filed in memberState with the
// schedules and exchange rates in force on day (art. 309.8(8)).
func (s *Server) assess(ctx context.Context, r refView, memberState string, day time.Time, parcels []*ecommercev1.Parcel) (*ecommercev1.DutyAssessment, duty.Result, error) {
	t, err := r.tariff(ctx, memberState, day)
	if err != nil {
		return nil, duty.Result{}, err
	}
	if t.err != nil {
		return nil, duty.Result{}, t.err
	}
	for _, p := range parcels {
		for _, it := range p.GetItems() {
			if code := it.GetPrice().GetCurrencyCode(); code != s.NationalCurrency {
				if _, ok := t.rates[code]; !ok {
					e := errs.NotFound(fmt.Sprintf("an exchange rate of %s in force on %s", code, dates.Format(day)))
					return nil, duty.Result{}, e.WithReason("REASON_NO_EXCHANGE_RATE")
				}
			}
		}
	}
	in, err := parcelsOf(parcels)
	if err != nil {
		return nil, duty.Result{}, errs.Field("parcels", "%v", err)
	}
	res, err := t.prepared.Compute(in)
	if err != nil {
		return nil, duty.Result{}, dutyError(err)
	}
	return assessmentOf(res, day, t.schedules), res, nil
}

func assessmentOf(r duty.Result, day time.Time, schedules []string) *ecommercev1.DutyAssessment {
	a := &ecommercev1.DutyAssessment{CurrencyCode: r.Currency, RatesDate: dates.Format(day), Schedules: schedules, Total: r.Total.Text('f')}
	for _, p := range r.Parcels {
		var taxes apd.Decimal
		for _, t := range p.Taxes {
			_, _ = apd.BaseContext.Add(&taxes, &taxes, &t.Amount)
		}
		pd := &ecommercev1.ParcelDuty{ParcelNumber: p.ParcelID, Value: p.Value.Text('f'), ValueNorm: p.ValueNorm.Text('f'),
			WeightNormKg: p.WeightNorm.Text('f'), Rate: p.Rate.Text('f'), DutyFree: p.DutyFree, Duty: p.Duty.Text('f'),
			Taxes: taxes.Text('f'), Total: p.Total.Text('f')}
		for _, st := range p.Steps.All() {
			pd.Steps = append(pd.Steps, &ecommercev1.DutyStep{Description: st.Description, LegalBasis: st.LegalBasis, Amount: st.Amount})
		}
		a.Parcels = append(a.Parcels, pd)
	}
	return a
}
