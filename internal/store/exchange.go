package store

import (
	"context"
	"time"
)

// Directions of an exchange item as stored.
const (
	ExchangeOutgoing = "OUTGOING"
	ExchangeIncoming = "INCOMING"
)

// ExchangeRequest is a request for copies of documents and information
// (EAEU Customs Code art. 371) as one side holds it: the whole resource in
// Body (deterministic protobuf, so that the signed document inside it is
// kept byte for byte) and the columns it is found by. The store treats
// Status and the dates as opaque text.
type ExchangeRequest struct {
	ID          string
	Direction   string // ExchangeOutgoing or ExchangeIncoming
	PeerCode    string // the other side's customs body code
	Status      string
	Deadline    string // YYYY-MM-DD or "" (none running)
	RefusalFrom string // YYYY-MM-DD: first day of a ground (2) refusal, or ""
	CreateTime  time.Time
	UpdateTime  time.Time
	Revision    int64 // 1 on create, +1 on every update
	Body        []byte
}

// ExchangeRequestQuery selects requests, newest first; zero fields do not
// filter.
type ExchangeRequestQuery struct {
	Direction string
	Status    string
	// DeadlineBefore keeps requests with a non-empty Deadline strictly
	// before it (YYYY-MM-DD): overdue on that day.
	DeadlineBefore string
	// RefusalFromOnOrBefore keeps requests with a non-empty RefusalFrom on
	// or before it (YYYY-MM-DD).
	RefusalFromOnOrBefore string
	Before                *ExchangeCursor // strictly older than (CreateTime, ID)
	Limit                 int             // > 0
}

// ExchangeCursor is a position in a newest-first listing.
type ExchangeCursor struct {
	CreateTime time.Time
	ID         string
}

// ExchangeRequestEvent is one change of a request; Seq is 1, 2, ... per
// request, assigned by the store.
type ExchangeRequestEvent struct {
	RequestID string
	Seq       int64
	ID        string // unique
	Kind      string
	Time      time.Time
	Body      []byte
}

// ExchangeAttachment is a file of an answer. Its content is held in
// chunks of at most a few MiB, written and read one at a time.
type ExchangeAttachment struct {
	ID         string
	RequestID  string
	FileName   string
	MediaType  string
	Size       int64
	SHA256     string // lower-case hex
	Complete   bool   // every chunk is stored and checked
	Chunks     int
	CreateTime time.Time
	UpdateTime time.Time
}

// ExchangeRecord is one version of a regular-exchange record. Seq is the
// publisher's global sequence: assigned by AppendExchangeRecord in commit
// order, it is the cursor peers resume from.
type ExchangeRecord struct {
	Seq             int64
	RecordID        string
	Version         int32
	Kind            string
	ContentType     string
	Data            []byte
	AmendmentReason string
	PublishTime     time.Time
}

// ExchangeRecordQuery selects published records in Seq order.
type ExchangeRecordQuery struct {
	AfterSeq int64
	Kinds    []string // any of them; empty for every kind
	RecordID string   // "" for every record
	Limit    int      // > 0
	// MaxBytes stops the listing after the record that brings the total
	// size of Data to at least MaxBytes (0: no limit); at least one record
	// is returned when any matches.
	MaxBytes int
}

// ReceivedExchangeRecord is a record version received from a peer; its
// Record.Seq is the peer's sequence number.
type ReceivedExchangeRecord struct {
	PeerCode    string
	Record      ExchangeRecord
	ReceiveTime time.Time
}

// ExchangeSubscription is this node's pull of a peer's records.
type ExchangeSubscription struct {
	PeerCode          string
	Position          int64 // the peer's Seq of the last record stored
	RecordsReceived   int64
	DuplicatesSkipped int64
	LastError         string
	LastReceiveTime   time.Time
	CreateTime        time.Time
	UpdateTime        time.Time
}

// ExchangeAgreement is the regular-exchange agreement with a peer.
type ExchangeAgreement struct {
	PeerCode   string
	Revision   int64
	CreateTime time.Time
	UpdateTime time.Time
	Body       []byte
}

// ExchangeNotice is information sent to or received from a peer.
type ExchangeNotice struct {
	ID         string
	Direction  string
	PeerCode   string
	Status     string
	CreateTime time.Time
	UpdateTime time.Time
	Revision   int64
	Body       []byte
}

// ExchangeNoticeQuery selects notices, newest first.
type ExchangeNoticeQuery struct {
	Direction string
	Status    string
	Before    *ExchangeCursor
	Limit     int
}

// States of an outbox message.
const (
	OutboxPending       = "PENDING"
	OutboxDelivered     = "DELIVERED"
	OutboxUndeliverable = "UNDELIVERABLE"
)

// OutboxMessage is a message to a peer node, written in the transaction
// of the change it reports. Messages to one peer are delivered in Seq
// order; ID is the idempotency key the peer applies it once by.
type OutboxMessage struct {
	Seq           int64 // assigned by EnqueueOutbox, in commit order
	ID            string
	PeerCode      string
	Kind          string
	Subject       string // the resource it is about
	Payload       []byte
	AttachmentID  string // the attachment whose content follows, or ""
	State         string
	Attempts      int
	NextAttempt   time.Time
	LeaseUntil    time.Time
	LastError     string
	CreateTime    time.Time
	UpdateTime    time.Time
	DeliveredTime time.Time
}

// ExchangeCount is one figure of ExchangeCounts.
type ExchangeCount struct {
	Key   string
	Value int64
}

// ExchangeTx stores the customs-to-customs exchange.
type ExchangeTx interface {
	// CreateExchangeRequest stores r with Revision 1; ErrAlreadyExists when
	// the id is taken.
	CreateExchangeRequest(ctx context.Context, r ExchangeRequest) error
	// GetExchangeRequest returns ErrNotFound when absent.
	GetExchangeRequest(ctx context.Context, id string) (ExchangeRequest, error)
	// UpdateExchangeRequest replaces every column but ID, Direction,
	// PeerCode and CreateTime when the stored revision is expectRevision,
	// and sets it to +1; ErrNotFound, or ErrConflict on another revision.
	UpdateExchangeRequest(ctx context.Context, r ExchangeRequest, expectRevision int64) error
	// ListExchangeRequests lists by CreateTime descending, then ID
	// descending.
	ListExchangeRequests(ctx context.Context, q ExchangeRequestQuery) ([]ExchangeRequest, error)

	// AppendExchangeRequestEvent stores e with the next Seq of its request
	// and returns it; ErrAlreadyExists when e.ID is taken.
	AppendExchangeRequestEvent(ctx context.Context, e ExchangeRequestEvent) (int64, error)
	// ListExchangeRequestEvents returns a request's events in Seq order.
	ListExchangeRequestEvents(ctx context.Context, requestID string) ([]ExchangeRequestEvent, error)

	// CreateExchangeAttachment stores a (for now incomplete) attachment;
	// ErrAlreadyExists when the id is taken.
	CreateExchangeAttachment(ctx context.Context, a ExchangeAttachment) error
	// GetExchangeAttachment returns ErrNotFound when absent.
	GetExchangeAttachment(ctx context.Context, id string) (ExchangeAttachment, error)
	// ListExchangeAttachments lists a request's attachments by CreateTime.
	ListExchangeAttachments(ctx context.Context, requestID string) ([]ExchangeAttachment, error)
	// PutExchangeAttachmentChunk stores chunk idx (0, 1, ...) of an
	// incomplete attachment, replacing one of the same index.
	PutExchangeAttachmentChunk(ctx context.Context, id string, idx int, data []byte) error
	// GetExchangeAttachmentChunk returns chunk idx; ErrNotFound when absent.
	GetExchangeAttachmentChunk(ctx context.Context, id string, idx int) ([]byte, error)
	// CompleteExchangeAttachment records the checked size, digest and
	// number of chunks and marks the attachment complete.
	CompleteExchangeAttachment(ctx context.Context, a ExchangeAttachment) error
	// ResetExchangeAttachment deletes the chunks of an incomplete
	// attachment, so that a transfer starts over.
	ResetExchangeAttachment(ctx context.Context, id string) error

	// AppendExchangeRecord stores r with the next global Seq and returns
	// it; ErrAlreadyExists when the record id and version are taken.
	AppendExchangeRecord(ctx context.Context, r ExchangeRecord) (int64, error)
	// LatestExchangeRecord returns the highest version of a record.
	LatestExchangeRecord(ctx context.Context, recordID string) (ExchangeRecord, error)
	// ListExchangeRecords lists published records in Seq order.
	ListExchangeRecords(ctx context.Context, q ExchangeRecordQuery) ([]ExchangeRecord, error)
	// PutReceivedExchangeRecord stores a record from a peer and reports
	// whether it was new: one of the same peer, record id and version is
	// kept and the call changes nothing.
	PutReceivedExchangeRecord(ctx context.Context, r ReceivedExchangeRecord) (bool, error)
	// ListReceivedExchangeRecords lists a peer's records by its Seq,
	// strictly after afterSeq; recordID "" for every record.
	ListReceivedExchangeRecords(ctx context.Context, peerCode, recordID string, afterSeq int64, limit int) ([]ReceivedExchangeRecord, error)

	// CreateExchangeSubscription stores s; ErrAlreadyExists when there is
	// one for the peer.
	CreateExchangeSubscription(ctx context.Context, s ExchangeSubscription) error
	// GetExchangeSubscription returns ErrNotFound when absent.
	GetExchangeSubscription(ctx context.Context, peerCode string) (ExchangeSubscription, error)
	// UpdateExchangeSubscription replaces every column but PeerCode and
	// CreateTime; ErrNotFound when absent.
	UpdateExchangeSubscription(ctx context.Context, s ExchangeSubscription) error
	// ListExchangeSubscriptions lists by peer code, strictly after after.
	ListExchangeSubscriptions(ctx context.Context, after string, limit int) ([]ExchangeSubscription, error)
	// SetExchangePeerPosition records the position a peer resumed pulling
	// from.
	SetExchangePeerPosition(ctx context.Context, peerCode string, position int64, at time.Time) error
	// GetExchangePeerPosition returns 0 when the peer never pulled.
	GetExchangePeerPosition(ctx context.Context, peerCode string) (int64, error)

	// CreateExchangeAgreement stores a with Revision 1; ErrAlreadyExists.
	CreateExchangeAgreement(ctx context.Context, a ExchangeAgreement) error
	// GetExchangeAgreement returns ErrNotFound when absent.
	GetExchangeAgreement(ctx context.Context, peerCode string) (ExchangeAgreement, error)
	// UpdateExchangeAgreement replaces Body and UpdateTime at
	// expectRevision; ErrNotFound, ErrConflict.
	UpdateExchangeAgreement(ctx context.Context, a ExchangeAgreement, expectRevision int64) error
	// ListExchangeAgreements lists by peer code, strictly after after.
	ListExchangeAgreements(ctx context.Context, after string, limit int) ([]ExchangeAgreement, error)

	// CreateExchangeNotice stores n with Revision 1; ErrAlreadyExists.
	CreateExchangeNotice(ctx context.Context, n ExchangeNotice) error
	// GetExchangeNotice returns ErrNotFound when absent.
	GetExchangeNotice(ctx context.Context, id string) (ExchangeNotice, error)
	// UpdateExchangeNotice replaces Status, UpdateTime and Body at
	// expectRevision; ErrNotFound, ErrConflict.
	UpdateExchangeNotice(ctx context.Context, n ExchangeNotice, expectRevision int64) error
	// ListExchangeNotices lists by CreateTime descending, then ID
	// descending.
	ListExchangeNotices(ctx context.Context, q ExchangeNoticeQuery) ([]ExchangeNotice, error)

	// EnqueueOutbox stores m as pending with the next Seq and returns it;
	// ErrAlreadyExists when the id is taken.
	EnqueueOutbox(ctx context.Context, m OutboxMessage) (int64, error)
	// DueOutbox returns, for at most limit peers, the oldest pending
	// message of the peer when its next attempt is due at now and it is
	// not leased: messages to a peer go out one at a time, in order.
	DueOutbox(ctx context.Context, now time.Time, limit int) ([]OutboxMessage, error)
	// ClaimOutbox leases a pending, unleased message until leaseUntil and
	// reports whether it did (another instance may have claimed it).
	ClaimOutbox(ctx context.Context, id string, now, leaseUntil time.Time) (bool, error)
	// GetOutbox returns ErrNotFound when absent.
	GetOutbox(ctx context.Context, id string) (OutboxMessage, error)
	// UpdateOutbox replaces State, Attempts, NextAttempt, LeaseUntil,
	// LastError, UpdateTime and DeliveredTime; ErrNotFound when absent.
	UpdateOutbox(ctx context.Context, m OutboxMessage) error
	// ListOutbox lists the messages in a state by Seq, strictly after
	// afterSeq.
	ListOutbox(ctx context.Context, state string, afterSeq int64, limit int) ([]OutboxMessage, error)

	// ExchangeCounts returns the exchange figures: requests and notices by
	// direction and status, outbox messages by state, records published,
	// and records received by peer.
	ExchangeCounts(ctx context.Context) ([]ExchangeCount, error)
}
