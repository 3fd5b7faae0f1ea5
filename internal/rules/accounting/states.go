package accounting

// State is where an item stands in the accounts. Its Name is the stored
// form and the suffix of the proto enum value.
type State uint8

// The states. None is an item not (yet) in the accounts.
const (
	None State = iota
	InTemporaryStorage
	InCustomsWarehouse
	RemovalNotified
	Removed
	Released
	Transferred
	InTransit
	ReExported
	DestroyedOrLost
	numStates
)

var stateNames = [numStates]string{"", "IN_TEMPORARY_STORAGE", "IN_CUSTOMS_WAREHOUSE", "REMOVAL_NOTIFIED",
	"REMOVED", "RELEASED", "TRANSFERRED", "IN_TRANSIT", "RE_EXPORTED", "DESTROYED_OR_LOST"}

// Name is the stored form of the state ("" for None).
func (s State) Name() string {
	if s < numStates {
		return stateNames[s]
	}
	return ""
}

func (s State) String() string {
	if s == None {
		return "NONE"
	}
	return s.Name()
}

// ParseState reads a stored state; ok is false for an unknown name.
func ParseState(name string) (State, bool) {
	for i, n := range stateNames {
		if n == name {
			return State(i), true
		}
	}
	return None, false
}

// Final reports whether no event may follow (art. 309.6: the customs
// warehouse procedure ends by release, placement in another operator's
// warehouse, transit, re-export, recognised destruction or loss).
func (s State) Final() bool { return s >= Released }

// UnionStatus reports whether the item has the status of Union goods: an
// item removed for delivery to its buyer after the notice (art. 309.6; it
// loses it when returned), or released (art. 309.5).
func (s State) UnionStatus() bool { return s == Removed || s == Released }

// Bought reports whether a declaration deadline runs: the item was bought
// (the removal was notified) and is neither released nor returned.
func (s State) Bought() bool { return s == RemovalNotified || s == Removed }

// Account is one of the separate accounts of art. 429.5.
type Account uint8

// The accounts. NoAccount: the item has left the operator's accounts.
const (
	NoAccount Account = iota
	TemporaryStorage
	CustomsWarehouse
	RemovedForBuyers
	numAccounts
)

// Accounts are the three accounts, in report order.
var Accounts = [...]Account{TemporaryStorage, CustomsWarehouse, RemovedForBuyers}

var accountNames = [numAccounts]string{"", "TEMPORARY_STORAGE", "CUSTOMS_WAREHOUSE", "REMOVED_FOR_BUYERS"}

// Name is the suffix of the proto enum value ("" for NoAccount).
func (a Account) Name() string {
	if a < numAccounts {
		return accountNames[a]
	}
	return ""
}

// AccountOf is the account an item in the state is kept in: goods in
// temporary storage; goods in the customs warehouse, notified or not (they
// are still in the premises); goods bought by individuals and removed from
// the premises, until released or returned.
func AccountOf(s State) Account {
	switch s {
	case InTemporaryStorage:
		return TemporaryStorage
	case InCustomsWarehouse, RemovalNotified:
		return CustomsWarehouse
	case Removed:
		return RemovedForBuyers
	}
	return NoAccount
}

// EventKind is what happened to an item. Its Name is the stored form and
// the suffix of the proto enum value.
type EventKind uint8

// The kinds.
const (
	UnknownEvent EventKind = iota
	TemporaryStoragePlacement
	CustomsWarehousePlacement
	RemovalNotice
	Removal
	BuyerReturn
	Release
	Transfer
	Transit
	ReExport
	DestructionOrLoss
	NumEventKinds
)

var kindNames = [NumEventKinds]string{"", "TEMPORARY_STORAGE_PLACEMENT", "CUSTOMS_WAREHOUSE_PLACEMENT", "REMOVAL_NOTICE",
	"REMOVAL", "BUYER_RETURN", "RELEASE", "TRANSFER", "TRANSIT", "RE_EXPORT", "DESTRUCTION_OR_LOSS"}

// Name is the stored form ("" for UnknownEvent).
func (k EventKind) Name() string {
	if k < NumEventKinds {
		return kindNames[k]
	}
	return ""
}

func (k EventKind) String() string {
	if k == UnknownEvent {
		return "UNKNOWN"
	}
	return k.Name()
}

// ParseEventKind reads a stored kind.
func ParseEventKind(name string) (EventKind, bool) {
	for i, n := range kindNames {
		if i > 0 && n == name {
			return EventKind(i), true
		}
	}
	return UnknownEvent, false
}

// Placement reports whether the event puts an item into the accounts.
func (k EventKind) Placement() bool {
	return k == TemporaryStoragePlacement || k == CustomsWarehousePlacement
}
