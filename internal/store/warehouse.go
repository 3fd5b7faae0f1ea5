package store

import (
	"context"
	"time"
)

// Stored statuses of a warehouse purchase (EAEU Customs Code art. 309.6).
// The store compares Status only with WarehouseOpen, in
// ListOverdueWarehousePurchases; any other value is opaque to it.
const (
	WarehouseOpen     = "OPEN"
	WarehouseDeclared = "DECLARED"
	WarehouseDue      = "DUE"
)

// WarehousePurchase is an item of goods for sale to individuals, kept in an
// operator's customs warehouse and bought by an individual: the whole
// resource in Body (protobuf JSON) and the columns it is found by.
type WarehousePurchase struct {
	ID           string
	Operator     string // the operator's register number
	Status       string // WarehouseOpen, WarehouseDeclared or WarehouseDue
	Deadline     string // YYYY-MM-DD: the declaration deadline in force
	PurchaseDate string // YYYY-MM-DD
	CreateTime   time.Time
	UpdateTime   time.Time
	Revision     int64 // 1 on create, +1 on every update
	Body         []byte
}

// WarehousePurchaseQuery selects purchases, newest report first; zero
// fields do not filter.
type WarehousePurchaseQuery struct {
	Operator string
	Status   string
	// Before continues a listing: only purchases strictly older than
	// (CreateTime, ID) in the listing order.
	Before *WarehousePurchaseCursor
	Limit  int // > 0
}

// WarehousePurchaseCursor is a position in a purchase listing.
type WarehousePurchaseCursor struct {
	CreateTime time.Time
	ID         string
}

// OverdueCursor is a position in the listing of overdue purchases.
type OverdueCursor struct {
	Deadline string
	ID       string
}

// WarehouseTx stores warehouse purchases.
type WarehouseTx interface {
	// CreateWarehousePurchase stores p with Revision 1; ErrAlreadyExists
	// when the id is taken.
	CreateWarehousePurchase(ctx context.Context, p WarehousePurchase) error
	// GetWarehousePurchase returns ErrNotFound when absent.
	GetWarehousePurchase(ctx context.Context, id string) (WarehousePurchase, error)
	// UpdateWarehousePurchase replaces Status, Deadline, UpdateTime and
	// Body when the stored revision is expectRevision (compare-and-set),
	// and sets it to +1; ErrNotFound when absent, ErrConflict on another
	// revision, including one changed by a concurrent transaction.
	UpdateWarehousePurchase(ctx context.Context, p WarehousePurchase, expectRevision int64) error
	// ListWarehousePurchases lists by CreateTime descending, then ID
	// descending.
	ListWarehousePurchases(ctx context.Context, q WarehousePurchaseQuery) ([]WarehousePurchase, error)
	// ListOverdueWarehousePurchases returns at most limit purchases with
	// Status WarehouseOpen and a Deadline strictly before before
	// (YYYY-MM-DD), by Deadline then ID ascending, strictly after the
	// cursor when one is given: what the due sweep marks.
	ListOverdueWarehousePurchases(ctx context.Context, before string, after *OverdueCursor, limit int) ([]WarehousePurchase, error)
}
