// Package store is the durable state of the service: one interface, one SQL
// implementation (package sqlstore) and two engines that hold only their
// driver, configuration and migrations (packages sqlite and postgres).
//
// Every mutating RPC runs in one Update transaction that writes its state
// change, its audit record and its idempotency record together, so a crash
// leaves either all of them or none.
package store

import (
	"context"
	"errors"
	"time"

	"github.com/cockroachdb/apd/v3"
)

// Sentinel errors every backend returns (wrapped with %w where useful).
var (
	// ErrNotFound: no row with that key.
	ErrNotFound = errors.New("store: not found")
	// ErrAlreadyExists: a row with that key exists.
	ErrAlreadyExists = errors.New("store: already exists")
	// ErrConflict: the row changed since it was read (revision mismatch).
	ErrConflict = errors.New("store: revision conflict")
)

// Store opens transactions.
type Store interface {
	// Update runs fn in a read-write transaction and commits when fn returns
	// nil. Writers are serialized: SQLite has a single writer connection
	// (BEGIN IMMEDIATE); on PostgreSQL AuditHead locks the chain head row.
	// A transient conflict (SQLITE_BUSY, serialization failure, deadlock)
	// is retried by running fn again, so fn must not keep state between runs.
	Update(ctx context.Context, fn func(Tx) error) error
	// View runs fn in a read-only transaction.
	View(ctx context.Context, fn func(Tx) error) error
	// Ping reports whether the store answers.
	Ping(ctx context.Context) error
	// Close releases the connections; call it once, after the last use.
	Close() error
	// Backend names the engine: "sqlite" or "postgres".
	Backend() string
}

// Tx is what a transaction can do. It grows one small interface per
// aggregate.
type Tx interface {
	DocumentTx
	ExchangeRateTx
	IdempotencyTx
	AuditTx
	DeclarationTx
	WarehouseTx
	ExchangeTx
	AccountingTx
}

// Document is a reference-data resource stored whole under its name: the
// body is the resource's protobuf JSON (decimals inside it are strings,
// so they stay exact).
type Document struct {
	Kind       string // "customs_body", "calendar", "duty_schedule", ...
	Name       string // resource name, unique within Kind
	Scope      string // a filter key: member state or jurisdiction
	SortKey    string // List order within Kind (ascending); unique within Kind
	Body       []byte
	Revision   int64 // 1 on create, +1 on every update
	CreateTime time.Time
	UpdateTime time.Time
}

// DocumentQuery selects documents of one kind.
type DocumentQuery struct {
	Kind       string
	Scope      string // "" for every scope
	AfterSort  string // exclusive lower bound on SortKey; "" from the start
	Limit      int    // > 0
	Descending bool   // order by SortKey descending; AfterSort is then an exclusive upper bound
}

// DocumentTx stores documents.
type DocumentTx interface {
	// GetDocument returns ErrNotFound when absent.
	GetDocument(ctx context.Context, kind, name string) (Document, error)
	// CreateDocument stores d with Revision 1; ErrAlreadyExists when the
	// name (or the sort key) is taken.
	CreateDocument(ctx context.Context, d Document) error
	// UpdateDocument replaces Scope, SortKey, Body and UpdateTime when the
	// stored revision equals expectRevision and sets it to expectRevision+1;
	// ErrNotFound when absent, ErrConflict on another revision.
	UpdateDocument(ctx context.Context, d Document, expectRevision int64) error
	// ListDocuments returns at most q.Limit documents in SortKey order.
	ListDocuments(ctx context.Context, q DocumentQuery) ([]Document, error)
}

// ExchangeRate is national currency per one unit of Currency, in force
// from EffectiveDate (a UTC midnight) until the next rate of the currency.
type ExchangeRate struct {
	Currency      string
	EffectiveDate time.Time
	Rate          apd.Decimal
	CreateTime    time.Time
}

// RateCursor is the position after which a descending rate listing goes on.
type RateCursor struct {
	EffectiveDate time.Time
	Currency      string
}

// ExchangeRateTx stores exchange rates; the rate is stored exactly
// (NUMERIC on PostgreSQL, decimal text on SQLite).
type ExchangeRateTx interface {
	// CreateExchangeRate returns ErrAlreadyExists when the currency has a
	// rate with that effective date.
	CreateExchangeRate(ctx context.Context, r ExchangeRate) error
	// GetExchangeRate returns the rate with exactly that effective date.
	GetExchangeRate(ctx context.Context, currency string, effective time.Time) (ExchangeRate, error)
	// ResolveExchangeRate returns the rate with the latest effective date
	// on or before date; ErrNotFound when there is none.
	ResolveExchangeRate(ctx context.Context, currency string, date time.Time) (ExchangeRate, error)
	// ListExchangeRates lists by effective date descending, then currency
	// ascending, strictly after the cursor when one is given; currency ""
	// lists every currency.
	ListExchangeRates(ctx context.Context, currency string, after *RateCursor, limit int) ([]ExchangeRate, error)
}

// IdempotencyRecord remembers the response to a mutating call so that a
// retry with the same request id gets the same answer and writes nothing.
type IdempotencyRecord struct {
	Key         string // caller subject | full method | request id
	RequestHash []byte // SHA-256 of the deterministic request bytes
	Response    []byte // the deterministic response bytes
	CreateTime  time.Time
}

// IdempotencyTx stores idempotency records.
type IdempotencyTx interface {
	// GetIdempotency returns ErrNotFound when the key is new.
	GetIdempotency(ctx context.Context, key string) (IdempotencyRecord, error)
	// PutIdempotency returns ErrAlreadyExists when the key is taken.
	PutIdempotency(ctx context.Context, r IdempotencyRecord) error
}

// AuditRecord is one link of the audit hash chain. Time is stored with
// nanosecond precision in UTC so the hash can be recomputed exactly.
type AuditRecord struct {
	Sequence         int64
	Time             time.Time
	ActorSubject     string
	ActorRole        string
	ActorMemberState string
	Method           string
	Resource         string
	RequestID        string
	Outcome          string
	StatusCode       string
	Detail           string
	PrevHash         []byte
	Hash             []byte
}

// AuditFilter selects audit records; zero fields do not filter.
type AuditFilter struct {
	AfterSequence int64
	Limit         int // > 0
	ActorSubject  string
	Method        string
	Resource      string
	Outcome       string
	Start, End    time.Time // [Start, End)
}

// AuditTx appends to and reads the audit chain.
type AuditTx interface {
	// AuditHead returns the last sequence and hash (0 and nil when the chain
	// is empty) and holds the chain head until the transaction ends, so
	// that concurrent appenders queue behind each other.
	AuditHead(ctx context.Context) (seq int64, hash []byte, err error)
	// InsertAudit stores r, whose Sequence must be the head's plus one, and
	// moves the head to it.
	InsertAudit(ctx context.Context, r AuditRecord) error
	// ListAudit returns records in sequence order.
	ListAudit(ctx context.Context, f AuditFilter) ([]AuditRecord, error)
	// ScanAudit calls fn for every record with Sequence >= from, in order,
	// without loading them all; it stops at fn's first error and returns it.
	ScanAudit(ctx context.Context, from int64, fn func(AuditRecord) error) error
}

// Declaration is a declaration for e-commerce goods: the whole resource in
// Body (protobuf JSON) and the columns it is found and listed by.
type Declaration struct {
	ID               string
	Number           string // "" until registered; unique once set
	Status           string
	CustomsBody      string
	Operator         string // the declarant operator's register number, "" for an individual
	RecipientKey     string // a keyed hash of the recipient's id: found by, not readable
	FilingDate       string // YYYY-MM-DD
	RegistrationDate string // YYYY-MM-DD or ""
	FilingTime       time.Time
	UpdateTime       time.Time
	Revision         int64 // 1 on create, +1 on every update
	Body             []byte
}

// DeclarationQuery selects declarations, newest filing first; zero fields
// do not filter.
type DeclarationQuery struct {
	Status       string
	Operator     string
	RecipientKey string
	FiledFrom    string // YYYY-MM-DD, inclusive
	FiledTo      string // YYYY-MM-DD, inclusive
	// Before continues a listing: only declarations strictly older than
	// (FilingTime, ID) in the listing order.
	Before *DeclarationCursor
	Limit  int // > 0
}

// DeclarationCursor is a position in a declaration listing.
type DeclarationCursor struct {
	FilingTime time.Time
	ID         string
}

// DeclarationTx stores declarations.
type DeclarationTx interface {
	// CreateDeclaration stores d with Revision 1; ErrAlreadyExists when the
	// id (or a non-empty number) is taken.
	CreateDeclaration(ctx context.Context, d Declaration) error
	// GetDeclaration returns ErrNotFound when absent.
	GetDeclaration(ctx context.Context, id string) (Declaration, error)
	// GetDeclarationByNumber returns ErrNotFound when no declaration has it.
	GetDeclarationByNumber(ctx context.Context, number string) (Declaration, error)
	// UpdateDeclaration replaces every column but ID and FilingTime when
	// the stored revision is expectRevision, and sets it to +1; ErrNotFound,
	// ErrConflict on another revision, ErrAlreadyExists on a taken number.
	UpdateDeclaration(ctx context.Context, d Declaration, expectRevision int64) error
	// ListDeclarations lists by FilingTime descending, then ID descending.
	ListDeclarations(ctx context.Context, q DeclarationQuery) ([]Declaration, error)
	// NextSerial returns the next value (1, 2, ...) of the named counter,
	// e.g. the daily serial of a customs body's declaration numbers.
	NextSerial(ctx context.Context, counter string) (int64, error)
	// Counter returns the named counter's value, 0 when it has none.
	Counter(ctx context.Context, counter string) (int64, error)
}

// ReferenceGeneration is the counter every change to the data that checks
// and prices a declaration moves (customs bodies, duty schedules,
// calendars, exchange rates, the register of operators): the store's
// triggers move it in the transaction of the change.
const ReferenceGeneration = "generation/reference"
