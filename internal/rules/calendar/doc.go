// Package calendar is the working-day calendar of one EAEU member state
// (AM, BY, KZ, KG or RU) and the deadline arithmetic built on it.
//
// A day is a working day when it is Monday to Friday and not one of the
// state's public holidays, or when it is a Saturday or Sunday that the
// state's law has made working (a transfer). The exceptions to the
// Monday-to-Friday week are given to New; the package holds no holiday
// list of its own: the calendars are reference data kept by the service.
//
// Deadlines in the EAEU Customs Code are counted from the day after the
// event: AddWorkingDays(start, 5) is the fifth working day after start
// (art. 429.5: notify changes within 5 working days; art. 309.6: returned
// goods placed back within 3 working days). AddDays counts calendar days
// (art. 429.5: unsold goods within 60 calendar days) and AddMonths counts
// months with the month-end clamp of package dates (art. 371: one month
// from registration). Whether a deadline that falls on a non-working day
// moves to the next working day is the caller's rule to apply, with
// NextWorkingDayOnOrAfter.
//
// All dates are time.Time values at midnight UTC (see package dates);
// methods take the UTC date of any instant they are given. A Calendar is
// immutable once built and safe for concurrent use.
package calendar
