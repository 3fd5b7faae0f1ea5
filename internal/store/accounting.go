package store

import (
	"context"
	"time"
)

// AccountingItem is an item as it stands in an e-commerce operator's
// separate accounts (EAEU Customs Code art. 429.5): the whole resource in
// Body and the columns it is found, listed and reported by. States are
// opaque to the store.
type AccountingItem struct {
	Operator string // the operator's register number
	ItemID   string // the operator's id of the item
	State    string
	HSCode   string
	Quantity int64
	Currency string
	Amount   string // the item's value, decimal text, digits as given
	// Deadline is the declaration deadline (YYYY-MM-DD) while one runs,
	// else "".
	Deadline string
	// Flags are the discrepancies its events recorded (a bit set).
	// Items with Flags != 0 or a Deadline are "of interest": listed by
	// AccountingItemQuery.OfInterest from a partial index.
	Flags          int64
	LastOccurredOn string // YYYY-MM-DD of its last event
	CreateTime     time.Time
	UpdateTime     time.Time
	Revision       int64 // 1 on create, +1 on every update
	Body           []byte
}

// AccountingEvent is one entry of an operator's accounts, appended and
// never changed. The item's figures (HSCode, Quantity, Currency, Amount)
// and its states before and after are copied onto the event, so that a
// report reads the events alone.
type AccountingEvent struct {
	// Seq is assigned by the store on insert and increases in commit
	// order; it orders events recorded on the same day.
	Seq        int64
	Operator   string
	EventID    string // the operator's id of the event, unique per operator
	ItemID     string
	Kind       string
	OccurredOn string // YYYY-MM-DD
	RecordTime time.Time
	FromState  string
	ToState    string
	HSCode     string
	Quantity   int64
	Currency   string
	Amount     string
	Flags      int64
	// Body is the event as the operator sent it (without what the service
	// adds, which is in the columns): a resent event is compared with it.
	Body []byte
	// AuditSequence is the audit record that vouches for the event's
	// stored bytes (the record of the bulk upload's transaction that
	// applied it, see audit.CoverDetail), 0 for none. Written, not read
	// back by the queries above.
	AuditSequence int64
}

// AccountingMovement is the part of an event a report reads. The byte
// slices are valid only during the callback that receives it.
type AccountingMovement struct {
	Kind       []byte
	OccurredOn []byte
	FromState  []byte
	ToState    []byte
	HSCode     []byte
	Quantity   int64
	Currency   []byte
	Amount     []byte
	Flags      int64
}

// AccountingItemUpdate replaces an item when its stored revision is
// ExpectRevision.
type AccountingItemUpdate struct {
	Item           AccountingItem
	ExpectRevision int64
}

// AccountingWrite is what recording a batch of events writes, in one
// statement group: the events, the items they create or change, and
// (optionally) the audit records of the batch. On any error the caller
// must not commit the transaction (some rows may have been written).
type AccountingWrite struct {
	// Events are appended in order; ErrAlreadyExists when an (Operator,
	// EventID) is taken. Seq is assigned.
	Events []AccountingEvent
	// NewItems are created with Revision 1; ErrAlreadyExists when taken.
	NewItems []AccountingItem
	// Updates replace items (every column but Operator, ItemID and
	// CreateTime) and add 1 to their revision; ErrConflict on another
	// revision, ErrNotFound when absent.
	Updates []AccountingItemUpdate
	// Audit records, already linked (Sequence, PrevHash and Hash set, the
	// first one the head's successor, consecutive): stored and the chain
	// head moved to the last one. ErrConflict when the head is elsewhere.
	Audit []AuditRecord
}

// AccountingItemQuery selects one operator's items by ItemID ascending;
// zero fields do not filter.
type AccountingItemQuery struct {
	Operator string // "" for every operator (then by Operator, ItemID)
	State    string
	// OfInterest keeps items with Flags != 0 or a Deadline.
	OfInterest bool
	// After continues a listing: strictly after (AfterOperator, AfterItem).
	AfterOperator string
	AfterItem     string
	Limit         int // > 0
}

// AccountingEventQuery selects one operator's events by OccurredOn, then
// Seq, ascending; zero fields do not filter. (An item's events are found
// by their ids, which the item lists.)
type AccountingEventQuery struct {
	Operator string // required
	FromDate string // YYYY-MM-DD, inclusive
	ToDate   string // YYYY-MM-DD, inclusive
	// After continues a listing: strictly after (AfterDate, AfterSeq).
	AfterDate string
	AfterSeq  int64
	Limit     int // > 0
}

// AccountingReport is an operator's report on its accounts for a period.
type AccountingReport struct {
	Operator    string
	ID          string // unique
	PeriodStart string // YYYY-MM-DD
	PeriodEnd   string // YYYY-MM-DD
	Status      string
	CreateTime  time.Time
	UpdateTime  time.Time
	Revision    int64 // 1 on create, +1 on every update
	Body        []byte
}

// AccountingReportQuery selects reports, newest first (CreateTime, then ID,
// descending); zero fields do not filter.
type AccountingReportQuery struct {
	Operator    string // "" for every operator
	Status      string
	PeriodStart string // with PeriodEnd: only reports of exactly that period
	PeriodEnd   string
	// Before continues a listing: strictly older than (BeforeTime, BeforeID).
	BeforeTime time.Time
	BeforeID   string
	Limit      int // > 0
}

// AccountingTx stores the separate accounts of e-commerce operators
// (EAEU Customs Code art. 429.5, 309.3, 309.6).
type AccountingTx interface {
	// GetAccountingItems returns the items of the operator with those ids
	// that exist, by id.
	GetAccountingItems(ctx context.Context, operator string, itemIDs []string) (map[string]AccountingItem, error)
	// ListAccountingItems lists by (Operator, ItemID).
	ListAccountingItems(ctx context.Context, q AccountingItemQuery) ([]AccountingItem, error)
	// GetAccountingEvents returns the events of the operator with those ids
	// that exist, by event id.
	GetAccountingEvents(ctx context.Context, operator string, eventIDs []string) (map[string]AccountingEvent, error)
	// ListAccountingEvents lists by (OccurredOn, Seq).
	ListAccountingEvents(ctx context.Context, q AccountingEventQuery) ([]AccountingEvent, error)
	// WriteAccounting writes a batch (see AccountingWrite).
	WriteAccounting(ctx context.Context, w AccountingWrite) error
	// ScanAuditedAccountingEvents calls fn for every event whose
	// AuditSequence is auditSequence (> 0), in Seq order, streaming. It
	// stops at fn's first error and returns it.
	ScanAuditedAccountingEvents(ctx context.Context, auditSequence int64, fn func(*AccountingEvent) error) error
	// ScanAccountingMovements calls fn for every event of the operator
	// with OccurredOn on or before through, in no particular order,
	// streaming: memory does not grow with the number of events. It stops
	// at fn's first error and returns it.
	ScanAccountingMovements(ctx context.Context, operator, through string, fn func(*AccountingMovement) error) error
	// CreateAccountingReport stores r with Revision 1; ErrAlreadyExists
	// when the id is taken.
	CreateAccountingReport(ctx context.Context, r AccountingReport) error
	// GetAccountingReport returns ErrNotFound when the operator has no
	// report with that id.
	GetAccountingReport(ctx context.Context, operator, id string) (AccountingReport, error)
	// UpdateAccountingReport replaces Status, UpdateTime and Body when the
	// stored revision is expectRevision, and adds 1 to it; ErrNotFound,
	// ErrConflict.
	UpdateAccountingReport(ctx context.Context, r AccountingReport, expectRevision int64) error
	// ListAccountingReports lists by CreateTime, then ID, descending.
	ListAccountingReports(ctx context.Context, q AccountingReportQuery) ([]AccountingReport, error)
}
