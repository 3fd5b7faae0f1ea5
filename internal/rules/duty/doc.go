// Package duty computes the customs duty on e-commerce goods bought by
// individuals (EAEU Customs Code chapter 43.1, art. 309.8 and 309.9).
//
// It is a pure rule: it imports neither the store nor gRPC, it reads no
// clock and keeps no state. Every amount, rate and weight is an
// apd.Decimal; no float is used anywhere.
//
// Compute takes the Commission's schedule in force on the registration
// date of the declaration (optionally a member state's stricter norms),
// the exchange rates of that date and the parcels of the declaration, and
// returns, per parcel, the duty, any national taxes the schedule lists,
// and the steps of the computation with the paragraph each rests on.
//
// Everything but the parcels is the same for every declaration registered
// on one date in one member state: Prepare converts such a Tariff once
// (schedules validated, norms and rates converted, the texts every parcel
// shares formatted), and Prepared.Compute then computes each declaration,
// with the same Result and errors as Compute, from many goroutines at once.
// Compute prepares the tariff of its Input for that one declaration.
//
// # Arithmetic
//
// Every intermediate amount is exact. Amounts whose coefficient fits in 64
// bits are computed as integers with overflow checks; anything larger goes
// through an apd context of 34 digits that traps Inexact, so an amount that
// would need more digits fails with ErrPrecision instead of being silently
// rounded. Both paths give the same digits (num.go; num_test.go checks them
// against apd). The one inexact operation is the pro-rata share of a
// mixed-category parcel (see below). The only rounding is the final one:
// the duty of each parcel and each tax amount are rounded half up to the
// minor units of the national currency (Input.MinorUnits).
//
// # Choices where the law and the brief are silent
//
//   - Norms. The value norm is converted from the schedule's norm currency
//     into the national currency at the registration-date rate (309.8(8))
//     and compared with the unrounded customs value. A parcel is duty-free
//     when its value is at most the value norm AND its gross weight is at
//     most the weight norm (a value or weight exactly at the norm is free).
//   - Stricter national norms (309.8(4)). When Input.National is set, the
//     lower value norm and the lower weight norm of the two schedules apply
//     (compared in national currency), and the national rate and minimum
//     per kg replace the Commission's only when they are higher. A national
//     schedule is taken as complete: a zero norm there is a zero norm (no
//     duty-free allowance), not "unset". The shape and the categories are
//     always the Commission's: art. 309.8(3) gives the single rate and its
//     categories to the Commission, and 309.8(4) lets states tighten only
//     the norms. Category rates are likewise the Commission's and are not
//     raised by a national rate; a category without its own minimum per kg
//     falls back to the schedule's (national-if-higher) minimum.
//   - Categories. An item belongs to the category with the longest HS
//     prefix matching its code, or to none. When every item of a parcel is
//     in the same category (or in none) that rate and minimum apply. When a
//     parcel mixes categories, the value part is computed per group of
//     items with the group's rate and the floor uses the schedule's
//     minimum per kg. Under ShapeOverNorm the value over the norm is shared
//     between the groups pro rata to their value:
//     byValue = Σ(rate_g × value_g) × valueOver ÷ value. That division is
//     truncated to MinorUnits+8 decimal places (an exact quotient keeps its
//     own digits). Truncating never rounds up, and every half-up tie point
//     (a multiple of 10^-(MinorUnits+1)) lies on the truncation grid, so
//     rounding the truncated share gives the same duty as rounding the
//     exact quotient would.
//   - National taxes (309.8(16)). When the e-commerce duty is paid, import
//     duty, VAT, excise and special duties are not charged. Taxes are added
//     only when a schedule lists them (the Commission's first, then the
//     national one), only on a parcel that is not duty-free, each as its
//     rate × the customs value in national currency, rounded half up.
//   - The 5-euro rule (309.8(21), 309.9(2)(9)) applies to one declaration
//     for one individual, so it is a separate function, FiveEuroRule, for
//     the caller to apply to the unpaid amount of a declaration.
package duty
