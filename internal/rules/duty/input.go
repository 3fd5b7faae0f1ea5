package duty

import "github.com/cockroachdb/apd/v3"

// Rates gives the units of national currency per one unit of currency, in
// force on the registration date of the declaration (art. 309.8(8)). Compute
// never asks for the national currency itself: its rate is 1.
type Rates func(currency string) (apd.Decimal, bool)

// MapRates adapts a map of currency code to rate.
func MapRates(m map[string]apd.Decimal) Rates {
	return func(currency string) (apd.Decimal, bool) {
		r, ok := m[currency]
		return r, ok
	}
}

// Item is one line of a parcel. Its value is Price × Quantity in Currency.
type Item struct {
	ID string
	// HSCode is the 10-digit code of the EAEU commodity nomenclature.
	HSCode   string
	Price    apd.Decimal
	Currency string
	Quantity apd.Decimal
}

// Parcel is one postal item or shipment: the unit the norms apply to.
type Parcel struct {
	ID string
	// GrossWeightKg is the weight with retail packaging (art. 309.8(2)).
	GrossWeightKg apd.Decimal
	Items         []Item
}

// Input is one declaration for e-commerce goods, with the schedules and
// exchange rates in force on its registration date.
type Input struct {
	// NationalCurrency is the currency of the member state where the
	// declaration is filed (art. 309.8(7)), e.g. "KZT".
	NationalCurrency string
	// MinorUnits is the number of decimals the duty is rounded to (0 to 8).
	MinorUnits int32
	// Commission is the EEC schedule in force on the registration date.
	Commission Schedule
	// National holds a member state's stricter norms (art. 309.8(4)); nil if none.
	National *Schedule
	Rates    Rates
	Parcels  []Parcel
}
