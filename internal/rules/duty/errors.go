package duty

import "errors"

// Sentinel errors. Compute wraps them with %w and names the parcel, item,
// currency or schedule concerned; test them with errors.Is.
var (
	// ErrNoRate: no exchange rate for a currency on the registration date.
	ErrNoRate = errors.New("duty: no exchange rate")
	// ErrInvalidRate: an exchange rate that is not a positive, finite number.
	ErrInvalidRate = errors.New("duty: invalid exchange rate")
	// ErrInvalidInput: the input as a whole is malformed (national currency,
	// minor units, a parcel without items).
	ErrInvalidInput = errors.New("duty: invalid input")
	// ErrInvalidSchedule: a schedule is malformed (shape, norms, rates,
	// categories, taxes).
	ErrInvalidSchedule = errors.New("duty: invalid schedule")
	// ErrInvalidHSCode: an item's HS code is not 10 digits.
	ErrInvalidHSCode = errors.New("duty: invalid HS code")
	// ErrInvalidWeight: a gross weight that is negative, not finite or out of range.
	ErrInvalidWeight = errors.New("duty: invalid weight")
	// ErrInvalidPrice: a price that is negative, not finite or out of range.
	ErrInvalidPrice = errors.New("duty: invalid price")
	// ErrInvalidQuantity: a quantity that is not positive, not finite or out of range.
	ErrInvalidQuantity = errors.New("duty: invalid quantity")
	// ErrPrecision: an intermediate amount would need more than 34
	// significant digits; Compute refuses rather than round it.
	ErrPrecision = errors.New("duty: amount exceeds 34 significant digits")
	// ErrNoSchedule: no schedule of the jurisdiction is in force on the date.
	ErrNoSchedule = errors.New("duty: no schedule in force")
)
