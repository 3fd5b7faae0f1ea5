package accounting

import "fmt"

// RefusalKind classifies why an event is refused.
type RefusalKind uint8

// The kinds of refusal.
const (
	// RefusedInvalid: the event names an item it cannot apply to (an item
	// not in the accounts, a removal of an item not in the customs
	// warehouse, a return of an item not out with a buyer): a malformed
	// field of the event (INVALID_ARGUMENT).
	RefusedInvalid RefusalKind = iota + 1
	// RefusedWrongState: the item is where the event could apply, but not
	// yet or no more (a removal before the notice, any event after the end
	// of the procedure): FAILED_PRECONDITION.
	RefusedWrongState
	// RefusedExists: a placement of an item id already in the accounts
	// (ALREADY_EXISTS).
	RefusedExists
)

// Refusal is an event the rules do not allow. Field is the event's field
// at fault ("item_id", "occurred_on", ...), relative to the event.
type Refusal struct {
	Kind    RefusalKind
	Field   string
	Article string
	Message string
}

func (r *Refusal) Error() string { return r.Message + " (" + r.Article + ")" }

func refuse(kind RefusalKind, field, article, format string, args ...any) *Refusal {
	return &Refusal{Kind: kind, Field: field, Article: article, Message: fmt.Sprintf(format, args...)}
}

// Articles cited.
const (
	ArtTemporaryStorage = "EAEU Customs Code art. 309.3"
	ArtWarehouse        = "EAEU Customs Code art. 309.6"
	ArtAccounts         = "EAEU Customs Code art. 429.5"
)

// Next is the state after an event of kind on an item in state from, or
// the refusal. The table (from -> allowed events):
//
//	None                 placements
//	InTemporaryStorage   customs warehouse placement, release, transfer,
//	                     transit, re-export, destruction or loss (art. 309.3)
//	InCustomsWarehouse   removal notice, release, transfer, transit,
//	                     re-export, destruction or loss (art. 309.6)
//	RemovalNotified      removal, release, destruction or loss
//	Removed              buyer return, release, destruction or loss
//	final states         nothing
func Next(from State, kind EventKind) (State, *Refusal) {
	if from.Final() {
		if kind.Placement() {
			return from, refuse(RefusedExists, "item_id", ArtAccounts,
				"the item id was used by an item whose procedure has ended (%s); give the new item another id", from)
		}
		return from, refuse(RefusedWrongState, "", ArtWarehouse,
			"the item is %s: its procedure has ended and no event may follow", from)
	}
	if from == None && !kind.Placement() {
		return from, refuse(RefusedInvalid, "item_id", ArtAccounts,
			"the item is not in the accounts: it must be placed into temporary storage or the customs warehouse first")
	}
	switch kind {
	case TemporaryStoragePlacement:
		if from == None {
			return InTemporaryStorage, nil
		}
		return from, refuse(RefusedExists, "item_id", ArtAccounts, "the item is already in the accounts (%s)", from)
	case CustomsWarehousePlacement:
		switch from {
		case None, InTemporaryStorage:
			return InCustomsWarehouse, nil
		}
		return from, refuse(RefusedExists, "item_id", ArtAccounts, "the item is already in the accounts (%s)", from)
	case RemovalNotice:
		switch from {
		case InCustomsWarehouse:
			return RemovalNotified, nil
		case RemovalNotified:
			return from, refuse(RefusedWrongState, "", ArtWarehouse, "customs was already notified of the item's removal")
		}
		return from, refuse(RefusedInvalid, "item_id", ArtWarehouse,
			"the item is not in the customs warehouse (%s): only goods kept there are notified for removal", from)
	case Removal:
		switch from {
		case RemovalNotified:
			return Removed, nil
		case InCustomsWarehouse:
			return from, refuse(RefusedWrongState, "", ArtWarehouse,
				"customs has not been notified of the item's removal: notify it before removing the item")
		}
		return from, refuse(RefusedInvalid, "item_id", ArtWarehouse,
			"the item is not in the customs warehouse (%s): only goods kept there are removed for delivery", from)
	case BuyerReturn:
		if from == Removed {
			return InCustomsWarehouse, nil
		}
		return from, refuse(RefusedInvalid, "item_id", ArtWarehouse,
			"the item was not removed for delivery to a buyer (%s): only such an item can be returned", from)
	case Release:
		return Released, nil
	case DestructionOrLoss:
		return DestroyedOrLost, nil
	case Transfer, Transit, ReExport:
		switch from {
		case InTemporaryStorage, InCustomsWarehouse:
			switch kind {
			case Transfer:
				return Transferred, nil
			case Transit:
				return InTransit, nil
			}
			return ReExported, nil
		}
		return from, refuse(RefusedWrongState, "", ArtWarehouse,
			"the item was bought by an individual (%s): it can only be removed, released, returned or recognised destroyed or lost", from)
	}
	return from, refuse(RefusedInvalid, "", ArtAccounts, "unknown event kind")
}
