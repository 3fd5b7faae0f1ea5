package calendar

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/eaeu/customs-exchange/internal/rules/dates"
)

// Sentinel errors returned (wrapped) by New.
var (
	// ErrUnknownMemberState: the member state is not AM, BY, KZ, KG or RU.
	ErrUnknownMemberState = errors.New("calendar: unknown member state")
	// ErrDuplicateDate: two exceptions share a date.
	ErrDuplicateDate = errors.New("calendar: duplicate exception date")
	// ErrInvalidException: an exception has no kind, a date that is not a
	// UTC midnight, or is a transfer on a Monday-to-Friday day.
	ErrInvalidException = errors.New("calendar: invalid exception")
)

// memberStates are the EAEU member states that have a calendar. The same
// list is in package currency; a test keeps the two in step.
var memberStates = map[string]bool{"AM": true, "BY": true, "KG": true, "KZ": true, "RU": true}

// Kind says how an exception changes a day.
type Kind int

const (
	// Holiday is a public holiday: not a working day even on a weekday.
	// On a weekend it changes nothing but the reason given for the day.
	Holiday Kind = iota + 1
	// Working is a transfer: a Saturday or Sunday made a working day.
	Working
)

// String returns "holiday", "working" or "Kind(n)".
func (k Kind) String() string {
	switch k {
	case Holiday:
		return "holiday"
	case Working:
		return "working"
	default:
		return fmt.Sprintf("Kind(%d)", int(k))
	}
}

// Exception is one day that departs from the Monday-to-Friday week.
type Exception struct {
	// Date is the day, at midnight UTC.
	Date time.Time
	// Kind is Holiday or Working.
	Kind Kind
	// Description says what the day is, e.g. "Nauryz meiramy"; it is
	// returned in the reason of IsWorkingDay.
	Description string
}

// Calendar is the working-day calendar of one member state. Build it with
// New; the zero value is not usable.
type Calendar struct {
	memberState string
	// days holds the exception days (days since 1970-01-01) sorted
	// ascending; exc holds the exception of each, in the same order, and
	// reasons the reason IsWorkingDay gives for it.
	days    []int64
	exc     []Exception
	reasons []string
}

// New builds the calendar of memberState ("AM", "BY", "KZ", "KG" or "RU")
// from its exceptions, in any order. It returns an error wrapping
// ErrUnknownMemberState for another member state, ErrDuplicateDate when two
// exceptions share a date, and ErrInvalidException when an exception's date
// is not a UTC midnight, its kind is neither Holiday nor Working, or it is a
// Working transfer on a Monday-to-Friday day (those are working already). A
// Holiday on a Saturday or Sunday is allowed; it only changes the reason.
func New(memberState string, exceptions []Exception) (*Calendar, error) {
	if !memberStates[memberState] {
		return nil, fmt.Errorf("%w: %q", ErrUnknownMemberState, memberState)
	}
	c := &Calendar{
		memberState: memberState,
		exc:         slices.Clone(exceptions),
	}
	for i, e := range c.exc {
		if !dates.IsDate(e.Date) {
			return nil, fmt.Errorf("%w: exception %d: date %v is not a UTC midnight", ErrInvalidException, i, e.Date)
		}
		switch e.Kind {
		case Holiday:
		case Working:
			if !isWeekend(dayNumber(e.Date)) {
				return nil, fmt.Errorf("%w: exception %d: %s is a %s; only a Saturday or Sunday can be made working",
					ErrInvalidException, i, dates.Format(e.Date), e.Date.Weekday())
			}
		default:
			return nil, fmt.Errorf("%w: exception %d (%s): kind %v is neither Holiday nor Working",
				ErrInvalidException, i, dates.Format(e.Date), e.Kind)
		}
	}
	slices.SortStableFunc(c.exc, func(a, b Exception) int { return a.Date.Compare(b.Date) })
	c.days = make([]int64, len(c.exc))
	c.reasons = make([]string, len(c.exc))
	for i, e := range c.exc {
		c.days[i] = dayNumber(e.Date)
		if i > 0 && c.days[i] == c.days[i-1] {
			return nil, fmt.Errorf("%w: %s", ErrDuplicateDate, dates.Format(e.Date))
		}
		if e.Kind == Working {
			c.reasons[i] = reason("transfer", e.Description)
		} else {
			c.reasons[i] = reason("holiday", e.Description)
		}
	}
	return c, nil
}

// MemberState returns the two-letter code of the calendar's member state.
func (c *Calendar) MemberState() string { return c.memberState }

// Exceptions returns a copy of the exceptions, sorted by date.
func (c *Calendar) Exceptions() []Exception { return slices.Clone(c.exc) }

// IsWorkingDay says whether the UTC date of d is a working day, and why:
// "weekday" (Monday to Friday), "weekend" (Saturday or Sunday),
// "holiday: <description>" (a public holiday, also on a weekend) or
// "transfer: <description>" (a weekend day made working). When the
// description is empty the reason is just "holiday" or "transfer".
func (c *Calendar) IsWorkingDay(d time.Time) (bool, string) {
	day := dayNumber(dates.Of(d))
	if i, ok := slices.BinarySearch(c.days, day); ok {
		return c.exc[i].Kind == Working, c.reasons[i]
	}
	if isWeekend(day) {
		return false, "weekend"
	}
	return true, "weekday"
}

func reason(kind, desc string) string {
	if strings.TrimSpace(desc) == "" {
		return kind
	}
	return kind + ": " + desc
}

// AddWorkingDays returns the n-th working day after the UTC date of start;
// start itself is not counted, whether it is a working day or not
// (art. 429.5: "within 5 working days" of an event ends on the fifth
// working day after it). n == 0 returns the date of start unchanged, even
// when that is not a working day. A negative n counts back: the |n|-th
// working day before start.
//
// The cost grows with n (about n*7/5 days are visited, whole weeks without
// exceptions in one step), plus a binary search over the exceptions.
func (c *Calendar) AddWorkingDays(start time.Time, n int) time.Time {
	day := dayNumber(dates.Of(start))
	switch {
	case n > 0:
		day = c.forward(day, n)
	case n < 0:
		day = c.backward(day, -n)
	}
	return fromDayNumber(day)
}

// forward returns the n-th working day after day (n > 0).
func (c *Calendar) forward(day int64, n int) int64 {
	// next is the index of the first exception after day.
	next, _ := slices.BinarySearch(c.days, day+1)
	for n > 0 {
		// A run of 7 days with no exception holds exactly 5 working days.
		// Take it whole while the answer lies beyond it.
		if n > 5 && (next == len(c.days) || c.days[next] > day+7) {
			day += 7
			n -= 5
			continue
		}
		day++
		working := !isWeekend(day)
		if next < len(c.days) && c.days[next] == day {
			working = c.exc[next].Kind == Working
			next++
		}
		if working {
			n--
		}
	}
	return day
}

// backward returns the n-th working day before day (n > 0).
func (c *Calendar) backward(day int64, n int) int64 {
	// prev is the index of the last exception before day.
	prev, _ := slices.BinarySearch(c.days, day)
	prev--
	for n > 0 {
		if n > 5 && (prev < 0 || c.days[prev] < day-7) {
			day -= 7
			n -= 5
			continue
		}
		day--
		working := !isWeekend(day)
		if prev >= 0 && c.days[prev] == day {
			working = c.exc[prev].Kind == Working
			prev--
		}
		if working {
			n--
		}
	}
	return day
}

// AddDays returns the UTC date of start plus n calendar days (art. 429.5:
// unsold goods within 60 calendar days). Working days play no part.
func (c *Calendar) AddDays(start time.Time, n int) time.Time {
	return fromDayNumber(dayNumber(dates.Of(start)) + int64(n))
}

// AddMonths returns the UTC date of start plus n months, on the same day
// of the month or the last day of the target month when that day does not
// exist (art. 371: one month from registration; 31 January + 1 month is
// 28 or 29 February). It is dates.AddMonthsClamped; working days play no
// part.
func (c *Calendar) AddMonths(start time.Time, n int) time.Time {
	return dates.AddMonthsClamped(start, n)
}

// NextWorkingDayOnOrAfter returns the UTC date of d when it is a working
// day, otherwise the first working day after it: where the law moves a
// deadline that ends on a non-working day to the next working day, this is
// that move. Whether it applies is the caller's decision.
func (c *Calendar) NextWorkingDayOnOrAfter(d time.Time) time.Time {
	day := dayNumber(dates.Of(d))
	i, _ := slices.BinarySearch(c.days, day)
	for {
		working := !isWeekend(day)
		if i < len(c.days) && c.days[i] == day {
			working = c.exc[i].Kind == Working
			i++
		}
		if working {
			return fromDayNumber(day)
		}
		day++
	}
}

const secondsPerDay = 24 * 60 * 60

// dayNumber is the number of days from 1970-01-01 to the date d (a UTC
// midnight), negative before it.
func dayNumber(d time.Time) int64 {
	return d.Unix() / secondsPerDay
}

// fromDayNumber is the inverse of dayNumber.
func fromDayNumber(day int64) time.Time {
	return time.Unix(day*secondsPerDay, 0).UTC()
}

// isWeekend reports whether the day is a Saturday or Sunday. 1970-01-01
// (day 0) was a Thursday.
func isWeekend(day int64) bool {
	wd := time.Weekday(((day % 7) + 7 + int64(time.Thursday)) % 7)
	return wd == time.Saturday || wd == time.Sunday
}
