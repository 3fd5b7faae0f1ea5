package warehouse

import (
	"errors"
	"fmt"
	"time"

	"github.com/eaeu/customs-exchange/internal/rules/calendar"
	"github.com/eaeu/customs-exchange/internal/rules/dates"
)

// RefusalWorkingDays is how many working days the operator has to declare
// the goods again after a refusal of their release, counted from the day
// after the refusal (art. 309.6(13), second paragraph).
const RefusalWorkingDays = 5

// Sentinel errors, returned wrapped with a message that cites the law.
var (
	// ErrPurchaseInFuture: the purchase date is after today.
	ErrPurchaseInFuture = errors.New("warehouse: purchase date in the future")
	// ErrPlacementAfterPurchase: the goods were placed in the warehouse
	// after the day they were bought.
	ErrPlacementAfterPurchase = errors.New("warehouse: placement after purchase")
	// ErrEventDate: an event's date is missing where required, in the
	// future, or before what it must follow.
	ErrEventDate = errors.New("warehouse: invalid event date")
	// ErrNotAllowed: the event cannot happen in the purchase's state.
	ErrNotAllowed = errors.New("warehouse: event not allowed in this state")
	// ErrDeadlinePassed: a declaration filed after the deadline; the
	// obligation became due on the deadline instead.
	ErrDeadlinePassed = errors.New("warehouse: declaration deadline passed")
)

// Status is where a purchase stands.
type Status int

// The statuses.
const (
	// Open: waiting for the declaration; the deadline runs.
	Open Status = iota + 1
	// Declared: declared in time; no deadline runs.
	Declared
	// Due: the obligation to pay became due; final.
	Due
)

func (s Status) String() string {
	switch s {
	case Open:
		return "open"
	case Declared:
		return "declared"
	case Due:
		return "due"
	}
	return fmt.Sprintf("Status(%d)", int(s))
}

// DueReason is the case of art. 309.6(17) that made the obligation due.
type DueReason int

// The three cases of art. 309.6(17).
const (
	// Loss: the goods were lost (17)(1).
	Loss DueReason = iota + 1
	// MissedDeadline: no declaration by the deadline (17)(2).
	MissedDeadline
	// RemovedWithoutNotice: removed from the premises without notice to
	// customs (17)(3).
	RemovedWithoutNotice
)

func (r DueReason) String() string {
	switch r {
	case Loss:
		return "goods lost (art. 309.6(17)(1))"
	case MissedDeadline:
		return "declaration deadline missed (art. 309.6(17)(2))"
	case RemovedWithoutNotice:
		return "removed from the premises without notice (art. 309.6(17)(3))"
	}
	return fmt.Sprintf("DueReason(%d)", int(r))
}

// EventKind is what happened to a purchased item.
type EventKind int

// The events.
const (
	// EventDeclared: a declaration for the item was filed.
	EventDeclared EventKind = iota + 1
	// EventReleaseRefused: customs refused release under that declaration.
	EventReleaseRefused
	// EventLost: the goods were lost.
	EventLost
	// EventRemovedWithoutNotice: the goods left the premises without
	// notice to customs.
	EventRemovedWithoutNotice
)

func (k EventKind) String() string {
	switch k {
	case EventDeclared:
		return "declared"
	case EventReleaseRefused:
		return "release refused"
	case EventLost:
		return "lost"
	case EventRemovedWithoutNotice:
		return "removed without notice"
	}
	return fmt.Sprintf("EventKind(%d)", int(k))
}

// Purchase is what the rules know of a purchased item. Dates are UTC
// midnights (package dates); a zero date is "none".
type Purchase struct {
	PurchaseDate  time.Time
	PlacementDate time.Time
	Status        Status
	// Deadline is the last day to declare: set while Open, kept as it was
	// once declared or due.
	Deadline time.Time
	// DeclaredOn is the filing day of the declaration in force (Declared).
	DeclaredOn time.Time
	// RefusedOn is the day release was last refused.
	RefusedOn time.Time
	DueDate   time.Time
	DueReason DueReason
}

// Event is one thing that happened; Date is zero when not known.
type Event struct {
	Kind EventKind
	Date time.Time
}

// DeclarationDeadline is the last day to declare goods bought on the day
// of purchase: the 15th day of the month after the month of purchase
// (art. 309.6(13)). December purchases are declared by 15 January.
func DeclarationDeadline(purchase time.Time) time.Time {
	return dates.FifteenthOfNextMonth(purchase)
}

// RefusalDeadline is the last day to declare again after release was
// refused on the day refusal: the 5th working day of the member state's
// calendar counted from the day after the refusal (art. 309.6(13)).
func RefusalDeadline(cal *calendar.Calendar, refusal time.Time) time.Time {
	return cal.AddWorkingDays(refusal, RefusalWorkingDays)
}

// DueOnLoss is the day the obligation becomes due when the goods are lost:
// the day of loss, else (zero loss) the day of placement
// (art. 309.6(17)(1)).
func DueOnLoss(loss, placement time.Time) time.Time { return dayOr(loss, placement) }

// DueOnMissedDeadline is the day the obligation becomes due when no
// declaration was filed by the deadline: the deadline's last day
// (art. 309.6(17)(2)).
func DueOnMissedDeadline(deadline time.Time) time.Time { return dates.Of(deadline) }

// DueOnRemoval is the day the obligation becomes due when the goods are
// removed from the premises without notice to customs: the day of removal,
// else (zero removal) the day of placement (art. 309.6(17)(3)).
func DueOnRemoval(removal, placement time.Time) time.Time { return dayOr(removal, placement) }

func dayOr(d, otherwise time.Time) time.Time {
	if d.IsZero() {
		return dates.Of(otherwise)
	}
	return dates.Of(d)
}

// NewPurchase opens a purchase reported on today, with its declaration
// deadline. The errors (joined when both apply) wrap ErrPurchaseInFuture
// and ErrPlacementAfterPurchase.
func NewPurchase(purchase, placement, today time.Time) (Purchase, error) {
	var problems []error
	if purchase.After(today) {
		problems = append(problems, fmt.Errorf("%w: %s is after today %s", ErrPurchaseInFuture, dates.Format(purchase), dates.Format(today)))
	}
	if placement.After(purchase) {
		problems = append(problems, fmt.Errorf("%w: goods placed in the warehouse on %s cannot have been bought from it on %s",
			ErrPlacementAfterPurchase, dates.Format(placement), dates.Format(purchase)))
	}
	if len(problems) > 0 {
		return Purchase{}, errors.Join(problems...)
	}
	return Purchase{PurchaseDate: purchase, PlacementDate: placement, Status: Open, Deadline: DeclarationDeadline(purchase)}, nil
}

// Apply returns the purchase after event e, recorded on today; cal is the
// member state's calendar (used for a refusal of release). The state
// machine:
//
//	Open     --declared (on or before the deadline)--> Declared
//	Declared --release refused--> Open, deadline = 5 working days after the refusal
//	Open, Declared --lost / removed without notice--> Due
//	Due: final, nothing more is accepted
//
// The goods stay under the customs warehouse procedure until released, so
// they can be lost or removed after a declaration too. When an open
// purchase's deadline had already passed before a loss or removal, the
// obligation was due on the deadline: the earliest case of art. 309.6(17)
// wins. Errors wrap ErrEventDate, ErrNotAllowed or ErrDeadlinePassed.
func Apply(p Purchase, e Event, today time.Time, cal *calendar.Calendar) (Purchase, error) {
	if p.Status == Due {
		return p, fmt.Errorf("%w: the obligation to pay is due since %s (%s); nothing more is recorded",
			ErrNotAllowed, dates.Format(p.DueDate), p.DueReason)
	}
	date := e.Date
	if !date.IsZero() {
		if date.After(today) {
			return p, fmt.Errorf("%w: %s is after today %s", ErrEventDate, dates.Format(date), dates.Format(today))
		}
		if date.Before(p.PlacementDate) {
			return p, fmt.Errorf("%w: %s is before the goods were placed in the warehouse on %s",
				ErrEventDate, dates.Format(date), dates.Format(p.PlacementDate))
		}
	}
	switch e.Kind {
	case EventDeclared:
		if p.Status != Open {
			return p, fmt.Errorf("%w: already declared on %s; a new declaration follows only a refusal of release",
				ErrNotAllowed, dates.Format(p.DeclaredOn))
		}
		if date.IsZero() {
			date = today
		}
		if date.Before(p.PurchaseDate) || date.Before(p.RefusedOn) {
			return p, fmt.Errorf("%w: a declaration on %s cannot precede the purchase on %s or the last refusal of release",
				ErrEventDate, dates.Format(date), dates.Format(p.PurchaseDate))
		}
		if date.After(p.Deadline) {
			return p, fmt.Errorf("%w: declared on %s, after the deadline %s: the obligation to pay became due on %s (art. 309.6(17)(2))",
				ErrDeadlinePassed, dates.Format(date), dates.Format(p.Deadline), dates.Format(DueOnMissedDeadline(p.Deadline)))
		}
		p.Status, p.DeclaredOn = Declared, date
	case EventReleaseRefused:
		if p.Status != Declared {
			return p, fmt.Errorf("%w: release can be refused only under a declaration; the purchase is %s", ErrNotAllowed, p.Status)
		}
		if date.IsZero() {
			return p, fmt.Errorf("%w: the day of the refusal is required: the new deadline runs from it", ErrEventDate)
		}
		if date.Before(p.DeclaredOn) {
			return p, fmt.Errorf("%w: refused on %s, before the declaration of %s", ErrEventDate, dates.Format(date), dates.Format(p.DeclaredOn))
		}
		p.Status, p.Deadline, p.RefusedOn, p.DeclaredOn = Open, RefusalDeadline(cal, date), date, time.Time{}
	case EventLost:
		p = becomeDue(p, Loss, DueOnLoss(date, p.PlacementDate))
	case EventRemovedWithoutNotice:
		p = becomeDue(p, RemovedWithoutNotice, DueOnRemoval(date, p.PlacementDate))
	default:
		return p, fmt.Errorf("%w: unknown event %v", ErrNotAllowed, e.Kind)
	}
	return p, nil
}

// becomeDue makes p due for reason on day, unless its deadline had passed
// before that day: then it was due on the deadline already.
func becomeDue(p Purchase, reason DueReason, day time.Time) Purchase {
	if p.Status == Open && p.Deadline.Before(day) {
		reason, day = MissedDeadline, DueOnMissedDeadline(p.Deadline)
	}
	p.Status, p.DueReason, p.DueDate = Due, reason, day
	return p
}

// Overdue reports whether p is open with its deadline before today, and
// returns it marked due for the missed deadline (art. 309.6(17)(2)): what
// the periodic sweep applies.
func Overdue(p Purchase, today time.Time) (Purchase, bool) {
	if p.Status != Open || !p.Deadline.Before(today) {
		return p, false
	}
	p.Status, p.DueReason, p.DueDate = Due, MissedDeadline, DueOnMissedDeadline(p.Deadline)
	return p, true
}
