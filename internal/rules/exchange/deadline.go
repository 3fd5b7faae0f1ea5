package exchange

import (
	"errors"
	"fmt"
	"time"

	"github.com/eaeu/customs-exchange/internal/rules/dates"
)

// Errors of the deadline rules.
var (
	// ErrAlreadyExtended: the deadline may be extended once only.
	ErrAlreadyExtended = errors.New("exchange: the deadline was already extended once (art. 371(8)(2))")
	// ErrLapsed: the deadline passed before the action.
	ErrLapsed = errors.New("exchange: the deadline has already passed")
	// ErrNoStateBodyRequest: the extension is for obtaining copies from
	// other state bodies, and none was asked.
	ErrNoStateBodyRequest = errors.New("exchange: the deadline is extended only when copies must be obtained from other state bodies (art. 371(8)(2)); record the request to them first")
	// ErrBeforeAsk: an answer dated before the ask it answers.
	ErrBeforeAsk = errors.New("exchange: the answer is dated before the ask")
)

// day is the length of a calendar day between two dates.
const day = 24 * time.Hour

// InitialDeadline is the deadline of a request registered on registration:
// one month later, on the same date or, when the next month has no such
// date, on its last day (art. 371(6): 31 January gives 28 or 29 February).
func InitialDeadline(registration time.Time) time.Time {
	return dates.AddMonthsClamped(dates.Of(registration), 1)
}

// DaysBetween is the number of calendar days from a to b (negative when b
// is before a).
func DaysBetween(a, b time.Time) int {
	return int(dates.Of(b).Sub(dates.Of(a)) / day)
}

// Suspend stops the deadline on askDate, the day the ask for additional
// information is sent (art. 371(8)(1), (9)), and returns the days that were left:
// from askDate to the deadline. The ask day itself is not counted as
// running. An ask after the deadline passed suspends nothing: ErrLapsed.
func Suspend(deadline, askDate time.Time) (daysLeft int, err error) {
	left := DaysBetween(askDate, deadline)
	if left < 0 {
		return 0, fmt.Errorf("%w: deadline %s, ask %s", ErrLapsed, dates.Format(deadline), dates.Format(askDate))
	}
	return left, nil
}

// Resume restarts the deadline on answerDate, the day the additional
// information arrives, with the days that were left when it was
// suspended (art. 371(9)). An answer the same day as the ask leaves the
// deadline where it was.
func Resume(askDate, answerDate time.Time, daysLeft int) (time.Time, error) {
	if dates.Of(answerDate).Before(dates.Of(askDate)) {
		return time.Time{}, fmt.Errorf("%w: ask %s, answer %s", ErrBeforeAsk, dates.Format(askDate), dates.Format(answerDate))
	}
	return dates.Of(answerDate).AddDate(0, 0, max(daysLeft, 0)), nil
}

// Extend moves the deadline by one month, once, when copies must be
// obtained from other state bodies of the requested body's country
// (art. 371(7), (8)(2)); the month is counted like the first one (clamped
// to the month's end).
func Extend(deadline time.Time, alreadyExtended, copiesFromStateBodies bool) (time.Time, error) {
	if alreadyExtended {
		return time.Time{}, ErrAlreadyExtended
	}
	if !copiesFromStateBodies {
		return time.Time{}, ErrNoStateBodyRequest
	}
	return dates.AddMonthsClamped(dates.Of(deadline), 1), nil
}

// NoAnswerRefusalFrom is the first day a refusal on ground (2) may be
// issued for an ask sent on askDate: the additional information may
// arrive within two months of asking, up to and including the same date
// two months later (the last day of that month when the date does not
// exist there); the day after, it did not arrive in time (art. 371(10)(2)).
func NoAnswerRefusalFrom(askDate time.Time) time.Time {
	return dates.AddMonthsClamped(dates.Of(askDate), 2).AddDate(0, 0, 1)
}

// NoAnswerRefusalDue reports whether, on today, a refusal on ground (2)
// may be issued for an ask sent on askDate and not answered.
func NoAnswerRefusalDue(askDate, today time.Time) bool {
	return !dates.Of(today).Before(NoAnswerRefusalFrom(askDate))
}

// Overdue reports whether a running deadline has passed on today: the
// deadline day itself is still in time.
func Overdue(deadline, today time.Time) bool {
	return dates.Of(today).After(dates.Of(deadline))
}
