package accounting

import (
	"fmt"
	"time"

	"github.com/eaeu/customs-exchange/internal/rules/calendar"
	"github.com/eaeu/customs-exchange/internal/rules/dates"
)

// Working days of a return by the buyer (art. 309.6).
const (
	// ReturnPlacementWorkingDays: the returned goods are placed back in the
	// premises within 3 working days of the return documents.
	ReturnPlacementWorkingDays = 3
	// ReturnNoticeWorkingDays: customs is notified within 5 working days of
	// the return documents, and not later than the declaration deadline.
	ReturnNoticeWorkingDays = 5
)

// DeclarationDeadline is the last day to declare goods bought from a
// customs warehouse: the 15th day of the month after the month of
// purchase (art. 309.6).
func DeclarationDeadline(purchase time.Time) time.Time { return dates.FifteenthOfNextMonth(purchase) }

// ReturnDeadlines are the last days of a return by the buyer.
type ReturnDeadlines struct {
	// PlaceBy: placed back in the premises.
	PlaceBy time.Time
	// NotifyBy: customs notified; the earlier of the 5th working day after
	// the documents and the declaration deadline.
	NotifyBy time.Time
	// CappedByDeclaration: NotifyBy is the declaration deadline.
	CappedByDeclaration bool
}

// ReturnDue computes the deadlines of a return whose documents are dated
// documents, for an item whose declaration deadline is declaration (zero
// when none runs) (art. 309.6).
func ReturnDue(cal *calendar.Calendar, documents, declaration time.Time) ReturnDeadlines {
	r := ReturnDeadlines{
		PlaceBy:  cal.AddWorkingDays(documents, ReturnPlacementWorkingDays),
		NotifyBy: cal.AddWorkingDays(documents, ReturnNoticeWorkingDays),
	}
	if !declaration.IsZero() && declaration.Before(r.NotifyBy) {
		r.NotifyBy, r.CappedByDeclaration = dates.Of(declaration), true
	}
	return r
}

// CheckEventDate refuses an event dated in the future or before the item's
// previous event (zero previous: the item's first event). Accounts are
// kept in the order things happened.
func CheckEventDate(occurred, previous, today time.Time) *Refusal {
	if occurred.After(today) {
		return refuse(RefusedInvalid, "occurred_on", ArtAccounts, "%s is in the future (today is %s)",
			dates.Format(occurred), dates.Format(today))
	}
	if !previous.IsZero() && occurred.Before(previous) {
		return refuse(RefusedInvalid, "occurred_on", ArtAccounts,
			"%s is before the item's previous event (%s): record events in the order they happened",
			dates.Format(occurred), dates.Format(previous))
	}
	return nil
}

// CheckReturnDates refuses return documents dated before the item was
// removed or after it was placed back.
func CheckReturnDates(documents, removed, placedBack time.Time) *Refusal {
	if !removed.IsZero() && documents.Before(removed) {
		return refuse(RefusedInvalid, "buyer_return.return_documents_date", ArtWarehouse,
			"the return documents (%s) are dated before the removal (%s)", dates.Format(documents), dates.Format(removed))
	}
	if documents.After(placedBack) {
		return refuse(RefusedInvalid, "buyer_return.return_documents_date", ArtWarehouse,
			"the return documents (%s) are dated after the item was placed back (%s)", dates.Format(documents), dates.Format(placedBack))
	}
	return nil
}

// PurchaseDate is the day the item was bought, from a notice: the date it
// states, else the notice's day. A purchase after the notice is refused.
func PurchaseDate(stated, notice time.Time) (time.Time, *Refusal) {
	if stated.IsZero() {
		return notice, nil
	}
	if stated.After(notice) {
		return stated, refuse(RefusedInvalid, "removal_notice.purchase_date", ArtWarehouse,
			"the purchase (%s) is after the notice of removal (%s)", dates.Format(stated), dates.Format(notice))
	}
	return stated, nil
}

// Discrepancy is a kind of thing customs should look at in the accounts.
type Discrepancy uint8

// The kinds; the values are the proto enum numbers.
const (
	DeclarationOverdue Discrepancy = iota + 1
	RemovedWithoutNotice
	ReturnPlacedLate
	ReturnNotifiedLate
	StockMismatch
	numDiscrepancies
)

// Discrepancies lists every kind.
var Discrepancies = [...]Discrepancy{DeclarationOverdue, RemovedWithoutNotice, ReturnPlacedLate, ReturnNotifiedLate, StockMismatch}

var discrepancyNames = [numDiscrepancies]string{"", "DECLARATION_OVERDUE", "REMOVED_WITHOUT_NOTICE",
	"RETURN_PLACED_LATE", "RETURN_NOTIFIED_LATE", "STOCK_MISMATCH"}

func (d Discrepancy) String() string {
	if d < numDiscrepancies && d > 0 {
		return discrepancyNames[d]
	}
	return fmt.Sprintf("Discrepancy(%d)", d)
}

// Flag is the bit of the discrepancy in a flag set (stored with items and
// events).
func (d Discrepancy) Flag() int64 { return 1 << d }

// Has reports whether the flag set holds d.
func Has(flags int64, d Discrepancy) bool { return flags&d.Flag() != 0 }

// Article is the provision a discrepancy is judged by.
func (d Discrepancy) Article() string {
	if d == StockMismatch {
		return ArtAccounts
	}
	return ArtWarehouse
}

// Finding is one discrepancy found.
type Finding struct {
	Kind   Discrepancy
	Date   time.Time // the day it arose, or the deadline missed
	Detail string
}

// Flags is the flag set of the findings.
func Flags(fs []Finding) int64 {
	var f int64
	for _, x := range fs {
		f |= x.Kind.Flag()
	}
	return f
}

// CheckQuantity finds a stock mismatch when an event states a quantity
// (non-zero) other than the item's: the item moves whole in the accounts,
// so more (or fewer) units than the accounts hold moved (art. 429.5).
func CheckQuantity(kind EventKind, itemQuantity, stated int64, on time.Time) []Finding {
	if stated == 0 || stated == itemQuantity {
		return nil
	}
	what := "removed"
	if kind == BuyerReturn {
		what = "returned"
	}
	more := "more"
	if stated < itemQuantity {
		more = "fewer"
	}
	return []Finding{{StockMismatch, on, fmt.Sprintf("%d units %s, %s than the %d the accounts hold", stated, what, more, itemQuantity)}}
}

// CheckRemoval finds a removal before customs received the notice of it
// (art. 309.6: removal is allowed after notifying customs). received is
// the day customs received the notice.
func CheckRemoval(received, removed time.Time) []Finding {
	if removed.Before(received) {
		return []Finding{{RemovedWithoutNotice, removed, fmt.Sprintf("removed on %s, customs notified on %s",
			dates.Format(removed), dates.Format(received))}}
	}
	return nil
}

// CheckReturn finds a return placed back or notified late (art. 309.6):
// placedBack is the day the goods were placed back in the premises,
// received the day customs received the notice of the return.
func CheckReturn(due ReturnDeadlines, placedBack, received time.Time) []Finding {
	var out []Finding
	if placedBack.After(due.PlaceBy) {
		out = append(out, Finding{ReturnPlacedLate, due.PlaceBy, fmt.Sprintf("placed back on %s, due by %s (%d working days after the return documents)",
			dates.Format(placedBack), dates.Format(due.PlaceBy), ReturnPlacementWorkingDays)})
	}
	if received.After(due.NotifyBy) {
		why := fmt.Sprintf("%d working days after the return documents", ReturnNoticeWorkingDays)
		if due.CappedByDeclaration {
			why = "the declaration deadline"
		}
		out = append(out, Finding{ReturnNotifiedLate, due.NotifyBy, fmt.Sprintf("customs notified on %s, due by %s (%s)",
			dates.Format(received), dates.Format(due.NotifyBy), why)})
	}
	return out
}

// Overdue finds a bought item not released or returned by its declaration
// deadline, judged on the day asOf (art. 309.6: the obligation becomes due
// when the deadline passes without a declaration).
func Overdue(s State, deadline, asOf time.Time) (Finding, bool) {
	if !s.Bought() || deadline.IsZero() || !asOf.After(deadline) {
		return Finding{}, false
	}
	return Finding{DeclarationOverdue, deadline, fmt.Sprintf("bought, not released by the declaration deadline %s (judged on %s)",
		dates.Format(deadline), dates.Format(asOf))}, true
}
