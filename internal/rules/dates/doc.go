// Package dates holds the calendar-date arithmetic that legal deadlines are
// built from, with no knowledge of any member state's working days.
//
// A date is a time.Time at midnight UTC. Parse reads the only textual form
// the service accepts, strict ISO 8601 "YYYY-MM-DD"; Format writes it back.
// Of turns any instant into the UTC date that contains it.
//
// Month arithmetic follows the rule the EAEU Customs Code applies to
// deadlines counted in months: a period of n months ends on the same date
// n months later, or on the last day of that month when the date does not
// exist there (31 January + 1 month = 28 or 29 February). See
// AddMonthsClamped. FifteenthOfNextMonth is the declaration deadline of
// art. 309.6 for e-commerce goods sold from a customs warehouse.
//
// Working days depend on a member state's calendar and live in package
// calendar, which builds on this one.
package dates
