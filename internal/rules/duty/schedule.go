package duty

import (
	"fmt"
	"time"

	"github.com/cockroachdb/apd/v3"
)

// Shape is how the single rate applies once a parcel exceeds a norm.
type Shape int

const (
	// ShapeOverNorm is the 2020 rule: rate × the value over the value norm,
	// but not less than MinimumPerKg × the weight over the weight norm.
	ShapeOverNorm Shape = iota + 1
	// ShapeWholeValue: once a parcel exceeds a norm, rate × the full value,
	// but not less than MinimumPerKg × the full gross weight.
	ShapeWholeValue
)

// String names the shape.
func (s Shape) String() string {
	switch s {
	case ShapeOverNorm:
		return "over-norm"
	case ShapeWholeValue:
		return "whole-value"
	default:
		return fmt.Sprintf("Shape(%d)", int(s))
	}
}

// Schedule is one effective-dated set of norms and rates: the Commission's
// (art. 309.8(3)-(4)) or a member state's stricter norms.
type Schedule struct {
	ID string
	// Jurisdiction is "EEC" for the Commission or a member state code.
	Jurisdiction string
	// EffectiveDate is the first registration date the schedule applies to.
	EffectiveDate time.Time
	// Shape is the Commission's; it is ignored on a national schedule.
	Shape Shape
	// NormCurrency is the currency of ValueNorm and MinimumPerKg (e.g. "EUR").
	NormCurrency string
	// ValueNorm is the duty-free value per parcel, in NormCurrency.
	ValueNorm apd.Decimal
	// WeightNormKg is the duty-free gross weight per parcel, in kg.
	WeightNormKg apd.Decimal
	// Rate is the single rate, a fraction (0.15 for 15 %).
	Rate apd.Decimal
	// MinimumPerKg is the floor per kg, in NormCurrency.
	MinimumPerKg apd.Decimal
	// Categories of goods with their own rate; ignored on a national schedule.
	Categories []Category
	// NationalTaxes are charged on top of the duty. Leave empty unless the
	// law says so: art. 309.8(16) excludes the other import payments.
	NationalTaxes []Tax
	// LegalBasis names the act that sets the schedule.
	LegalBasis string
}

// Category is a group of goods, by HS code prefix, with its own rate.
type Category struct {
	ID string
	// HSPrefixes are 1 to 10 digits; the longest matching prefix wins.
	HSPrefixes []string
	// Rate is the category's rate, a fraction. Zero is a zero rate.
	Rate apd.Decimal
	// MinimumPerKg, in the schedule's NormCurrency; nil means the schedule's.
	MinimumPerKg *apd.Decimal
}

// Tax is a national payment charged on top of the duty.
type Tax struct {
	Code string
	// Rate is a fraction of the customs value in national currency.
	Rate       apd.Decimal
	LegalBasis string
}

// Default2020Schedule returns the figures of EEC Council decision No 107 of
// 20.12.2017, in force from 2020-01-01: duty-free up to 200 EUR and 31 kg
// gross per parcel; above that 15 % of the value over 200 EUR, but not less
// than 2 EUR per kg over 31 kg.
func Default2020Schedule() Schedule {
	return Schedule{
		ID:            "EEC-107-2020",
		Jurisdiction:  "EEC",
		EffectiveDate: time.Date(2020, time.January, 1, 0, 0, 0, 0, time.UTC),
		Shape:         ShapeOverNorm,
		NormCurrency:  "EUR",
		ValueNorm:     *apd.New(200, 0),
		WeightNormKg:  *apd.New(31, 0),
		Rate:          *apd.New(15, -2),
		MinimumPerKg:  *apd.New(2, 0),
		LegalBasis:    "EEC Council decision No 107 of 20.12.2017 (from 2020-01-01)",
	}
}

// ScheduleInForce returns the schedule of the jurisdiction with the latest
// EffectiveDate not after on (the registration date of the declaration,
// art. 309.8(8)). It wraps ErrNoSchedule when there is none.
func ScheduleInForce(schedules []Schedule, jurisdiction string, on time.Time) (Schedule, error) {
	best := -1
	for i := range schedules {
		s := &schedules[i]
		if s.Jurisdiction != jurisdiction || s.EffectiveDate.After(on) {
			continue
		}
		if best < 0 || s.EffectiveDate.After(schedules[best].EffectiveDate) {
			best = i
		}
	}
	if best < 0 {
		return Schedule{}, fmt.Errorf("%w: jurisdiction %q on %s", ErrNoSchedule, jurisdiction, on.Format(time.DateOnly))
	}
	return schedules[best], nil
}

// validate checks a schedule; national schedules skip shape and categories.
func (s *Schedule) validate(national bool) error {
	id := s.ID
	fail := func(format string, args ...any) error {
		return fmt.Errorf("%w: schedule %q: %s", ErrInvalidSchedule, id, fmt.Sprintf(format, args...))
	}
	if !national && s.Shape != ShapeOverNorm && s.Shape != ShapeWholeValue {
		return fail("shape %v", s.Shape)
	}
	if s.NormCurrency == "" {
		return fail("norm currency not set")
	}
	if why := checkNonNegative(&s.ValueNorm); why != "" {
		return fail("value norm %s", why)
	}
	if why := checkNonNegative(&s.WeightNormKg); why != "" {
		return fail("weight norm %s", why)
	}
	if why := checkNonNegative(&s.Rate); why != "" {
		return fail("rate %s", why)
	}
	if why := checkNonNegative(&s.MinimumPerKg); why != "" {
		return fail("minimum per kg %s", why)
	}
	if !national {
		// Duplicate prefixes are found in prepare, once they are sorted.
		for i := range s.Categories {
			c := &s.Categories[i]
			if c.ID == "" {
				return fail("category %d has no ID", i)
			}
			if why := checkNonNegative(&c.Rate); why != "" {
				return fail("category %q rate %s", c.ID, why)
			}
			if c.MinimumPerKg != nil {
				if why := checkNonNegative(c.MinimumPerKg); why != "" {
					return fail("category %q minimum per kg %s", c.ID, why)
				}
			}
			if len(c.HSPrefixes) == 0 {
				return fail("category %q has no HS prefix", c.ID)
			}
			for _, p := range c.HSPrefixes {
				if len(p) == 0 || len(p) > hsCodeLen || !allDigits(p) {
					return fail("category %q HS prefix %q is not 1 to 10 digits", c.ID, p)
				}
			}
		}
	}
	for i := range s.NationalTaxes {
		t := &s.NationalTaxes[i]
		if t.Code == "" {
			return fail("tax %d has no code", i)
		}
		if why := checkNonNegative(&t.Rate); why != "" {
			return fail("tax %q rate %s", t.Code, why)
		}
	}
	return nil
}
