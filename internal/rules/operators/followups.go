package operators

import (
	"sort"
	"time"

	"github.com/eaeu/customs-exchange/internal/rules/calendar"
	"github.com/eaeu/customs-exchange/internal/rules/dates"
)

// FollowUpKind names an obligation after exclusion (art. 429.5).
type FollowUpKind int

// The kinds.
const (
	TemporaryStorageOperations  FollowUpKind = iota + 1 // 30 working days
	NotifyOtherOperators                                // 3 working days
	DeclareBoughtWarehouseGoods                         // 15th of the next month
	EndUnsoldWarehouseGoods                             // 60 calendar days
)

// FollowUp is one obligation with its last day.
type FollowUp struct {
	Kind    FollowUpKind
	Article string
	Due     time.Time
}

// FollowUps are the obligations of an operator excluded on the date, by
// what its premises hold: temporary storage, a customs warehouse, or both.
func FollowUps(cal *calendar.Calendar, excluded time.Time, temporaryStorage, warehouse bool) []FollowUp {
	var out []FollowUp
	if temporaryStorage {
		out = append(out,
			FollowUp{TemporaryStorageOperations, "EAEU Customs Code art. 429.5", cal.AddWorkingDays(excluded, 30)},
			FollowUp{NotifyOtherOperators, "EAEU Customs Code art. 429.5", cal.AddWorkingDays(excluded, 3)})
	}
	if warehouse {
		out = append(out,
			FollowUp{DeclareBoughtWarehouseGoods, "EAEU Customs Code art. 429.5, 309.6", dates.FifteenthOfNextMonth(excluded)},
			FollowUp{EndUnsoldWarehouseGoods, "EAEU Customs Code art. 429.5", cal.AddDays(excluded, 60)})
	}
	return out
}

// ChangeNoticeWorkingDays is the deadline of a notice of change of
// registered details (art. 429.5).
const ChangeNoticeWorkingDays = 5

// ChangeNoticeDue is the last day to notify a change made on the date.
func ChangeNoticeDue(cal *calendar.Calendar, changed time.Time) time.Time {
	return cal.AddWorkingDays(changed, ChangeNoticeWorkingDays)
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
