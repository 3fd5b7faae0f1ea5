package audit

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"hash"
	"strings"

	auditv1 "github.com/eaeu/customs-exchange/gen/eaeu/audit/v1"
	"github.com/eaeu/customs-exchange/internal/store"
)

// A bulk upload's transaction is audited by one record that vouches for
// the accounting events it applied: the event rows carry the record's
// sequence (store.AccountingEvent.AuditSequence), and the record's Detail
// starts with the SHA-256 of their stored bytes (CoverDetail). Verify
// recomputes that digest from the rows, so an event row edited, deleted,
// added to the record or moved to another breaks the chain at the record,
// as an edited record does.

// coverTag starts the Detail of a record that vouches for events.
const coverTag = "accounting events sha256:"

// CoverDetail is the Detail of a record vouching for the events whose
// EventsDigest is sum: the tag and the digest in hex, then note.
func CoverDetail(sum []byte, note string) string {
	return coverTag + hex.EncodeToString(sum) + "; " + note
}

// coveredSum is the digest r vouches for, when it is such a record.
func coveredSum(r store.AuditRecord) ([]byte, bool) {
	rest, ok := strings.CutPrefix(r.Detail, coverTag)
	if !ok || r.Outcome != auditv1.Outcome_OUTCOME_OK.String() || len(rest) < 2*sha256.Size {
		return nil, false
	}
	sum, err := hex.DecodeString(rest[:2*sha256.Size])
	return sum, err == nil
}

// coverProblem is what is wrong with the events r vouches for ("" when r
// vouches for none, or they are as it says).
func coverProblem(ctx context.Context, tx store.Tx, r store.AuditRecord) (string, error) {
	want, ok := coveredSum(r)
	if !ok {
		return "", nil
	}
	d := NewEventsDigest()
	err := tx.ScanAuditedAccountingEvents(ctx, r.Sequence, func(e *store.AccountingEvent) error {
		d.Add(e)
		return nil
	})
	if err != nil {
		return "", err
	}
	if !bytes.Equal(d.Sum(), want) {
		return "the accounting events the record vouches for do not match it (edited, deleted or added)", nil
	}
	return "", nil
}

// EventsDigest is the SHA-256 of accounting events as stored, added in
// Seq order: a version tag, then per event every stored column but Seq
// (which the store assigns) and AuditSequence (which names the record),
// strings length-prefixed, then the number of events.
type EventsDigest struct {
	h   hash.Hash
	n   uint64
	buf []byte
}

// NewEventsDigest returns an empty digest.
func NewEventsDigest() *EventsDigest {
	d := &EventsDigest{h: sha256.New()}
	d.h.Write([]byte("eaeu-accounting-events-v1"))
	return d
}

// Add adds e after the events added before it.
func (d *EventsDigest) Add(e *store.AccountingEvent) {
	b := d.buf[:0]
	for _, f := range [...]string{e.Operator, e.EventID, e.ItemID, e.Kind, e.OccurredOn, e.FromState, e.ToState,
		e.HSCode, e.Currency, e.Amount} {
		b = binary.BigEndian.AppendUint64(b, uint64(len(f)))
		b = append(b, f...)
	}
	var recorded int64 // stored as Unix nanoseconds, the zero time as 0
	if !e.RecordTime.IsZero() {
		recorded = e.RecordTime.UnixNano()
	}
	b = binary.BigEndian.AppendUint64(b, uint64(recorded))
	b = binary.BigEndian.AppendUint64(b, uint64(e.Quantity))
	b = binary.BigEndian.AppendUint64(b, uint64(e.Flags))
	b = binary.BigEndian.AppendUint64(b, uint64(len(e.Body)))
	b = append(b, e.Body...)
	d.h.Write(b)
	d.buf = b
	d.n++
}

// Sum returns the digest of the events added; call it once, after the
// last Add.
func (d *EventsDigest) Sum() []byte {
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], d.n)
	d.h.Write(n[:])
	return d.h.Sum(nil)
}
