package dates

import (
	"errors"
	"fmt"
	"time"
)

// Layout is the textual form of a date: ISO 8601 calendar date, YYYY-MM-DD.
const Layout = "2006-01-02"

// ErrInvalidDate is returned (wrapped) by Parse for text that is not a
// valid YYYY-MM-DD date.
var ErrInvalidDate = errors.New("dates: invalid date")

// Parse reads a strict YYYY-MM-DD date: exactly ten characters, four-digit
// year 0001-9999, two-digit month and day, a day that exists in that month
// (so "2026-02-30" and "2025-02-29" fail), no sign, no spaces, no time part
// and no trailing text. The result is midnight UTC.
func Parse(s string) (time.Time, error) {
	if len(s) != len(Layout) || s[4] != '-' || s[7] != '-' {
		return time.Time{}, fmt.Errorf("%w: %q is not YYYY-MM-DD", ErrInvalidDate, s)
	}
	year, ok1 := digits(s[0:4])
	month, ok2 := digits(s[5:7])
	day, ok3 := digits(s[8:10])
	if !ok1 || !ok2 || !ok3 {
		return time.Time{}, fmt.Errorf("%w: %q is not YYYY-MM-DD", ErrInvalidDate, s)
	}
	if year < 1 {
		return time.Time{}, fmt.Errorf("%w: %q: year must be 0001-9999", ErrInvalidDate, s)
	}
	if month < 1 || month > 12 {
		return time.Time{}, fmt.Errorf("%w: %q: month must be 01-12", ErrInvalidDate, s)
	}
	if day < 1 || day > DaysInMonth(year, time.Month(month)) {
		return time.Time{}, fmt.Errorf("%w: %q: day out of range for the month", ErrInvalidDate, s)
	}
	return time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC), nil
}

// MustParse is Parse that panics on error; for tests and fixed dates in code.
func MustParse(s string) time.Time {
	t, err := Parse(s)
	if err != nil {
		panic(err)
	}
	return t
}

// digits parses an all-ASCII-digit string.
func digits(s string) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// Format writes the UTC date of t as YYYY-MM-DD.
func Format(t time.Time) string {
	return t.UTC().Format(Layout)
}

// Of returns the UTC date that contains the instant t: t converted to UTC
// and truncated to midnight. Of(t) == t for a date.
func Of(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// IsDate reports whether t is already a date: midnight in the UTC location.
func IsDate(t time.Time) bool {
	return t.Location() == time.UTC && t.Equal(Of(t))
}

// DaysInMonth returns the number of days of the month (28-31), taking leap
// years into account.
func DaysInMonth(year int, month time.Month) int {
	// Day 0 of the next month is the last day of this one.
	return time.Date(year, month+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// AddMonthsClamped returns the date n months after the UTC date of t, on the
// same day of the month, or on the last day of the target month when that
// day does not exist there ("month" deadlines: 31 January + 1 month is
// 28 February, or 29 February in a leap year). A negative n counts back
// the same way.
//
// Unlike time.Time.AddDate, it never overflows into the following month,
// and n months are always counted from t itself, not month by month:
// AddMonthsClamped(31 Jan, 2) is 31 March, not 28 March.
func AddMonthsClamped(t time.Time, n int) time.Time {
	y, m, d := t.UTC().Date()
	total := int(m) - 1 + n
	y += floorDiv(total, 12)
	month := time.Month(total - floorDiv(total, 12)*12 + 1)
	d = min(d, DaysInMonth(y, month))
	return time.Date(y, month, d, 0, 0, 0, 0, time.UTC)
}

// FifteenthOfNextMonth returns the 15th day of the month after the month
// of the UTC date of t: the deadline for declaring e-commerce goods bought
// from a customs warehouse (EAEU Customs Code art. 309.6: "not later than
// the 15th day of the month following the month of purchase"). A purchase
// in December gives 15 January of the next year.
func FifteenthOfNextMonth(t time.Time) time.Time {
	y, m, _ := t.UTC().Date()
	// time.Date normalises month 13 to January of the next year.
	return time.Date(y, m+1, 15, 0, 0, 0, 0, time.UTC)
}

// floorDiv is integer division rounding toward negative infinity.
func floorDiv(a, b int) int {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}
