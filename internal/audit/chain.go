package audit

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"time"

	"github.com/eaeu/customs-exchange/internal/store"
)

// HashSize is the length of a record hash.
const HashSize = sha256.Size

// Genesis is the previous hash of the first record.
var Genesis = make([]byte, HashSize)

// Hash returns the SHA-256 of the record's canonical bytes: a version tag,
// then every field length-prefixed in a fixed order, then the previous
// hash. Sequence and time are part of it, so reordering is detected too.
func Hash(r store.AuditRecord) []byte {
	fields := [...]string{r.ActorSubject, r.ActorRole, r.ActorMemberState, r.Method,
		r.Resource, r.RequestID, r.Outcome, r.StatusCode, r.Detail}
	size := len(hashTag) + 16 + 8*len(fields) + len(r.PrevHash)
	for _, f := range fields {
		size += len(f)
	}
	// Built on the stack when it fits: a record is hashed once written
	// and again at every verification.
	var stack [1024]byte
	b := stack[:0]
	if size > len(stack) {
		b = make([]byte, 0, size)
	}
	b = append(b, hashTag...)
	b = binary.BigEndian.AppendUint64(b, uint64(r.Sequence))
	b = binary.BigEndian.AppendUint64(b, uint64(r.Time.UTC().UnixNano()))
	for _, f := range fields {
		b = binary.BigEndian.AppendUint64(b, uint64(len(f)))
		b = append(b, f...)
	}
	b = append(b, r.PrevHash...)
	sum := sha256.Sum256(b)
	return sum[:]
}

const hashTag = "eaeu-audit-v1"

// Append links r to the chain inside tx: it takes the head (which queues
// concurrent appenders), sets Sequence, PrevHash and Hash, and stores it.
// The caller fills the descriptive fields; Time defaults to now.
func Append(ctx context.Context, tx store.AuditTx, r store.AuditRecord) (store.AuditRecord, error) {
	seq, prev, err := tx.AuditHead(ctx)
	if err != nil {
		return r, fmt.Errorf("audit head: %w", err)
	}
	return AppendAt(ctx, tx, seq, prev, r)
}

// AppendAt is Append for a caller that has already taken the head (seq and
// its hash, as AuditHead returned them) in tx.
func AppendAt(ctx context.Context, tx store.AuditTx, seq int64, prev []byte, r store.AuditRecord) (store.AuditRecord, error) {
	if len(prev) == 0 {
		prev = Genesis
	}
	if r.Time.IsZero() {
		r.Time = time.Now()
	}
	r.Time = r.Time.UTC()
	r.Sequence = seq + 1
	r.PrevHash = prev
	r.Hash = Hash(r)
	if err := tx.InsertAudit(ctx, r); err != nil {
		return r, fmt.Errorf("audit insert: %w", err)
	}
	return r, nil
}

// Verification is the result of checking the chain.
type Verification struct {
	Intact              bool
	RecordsChecked      int64
	FirstBrokenSequence int64
	Problem             string
}

// Verify recomputes every record's hash and link, and the digest of the
// rows a record vouches for (covered.go), in order, streaming.
func Verify(ctx context.Context, st store.Store) (Verification, error) {
	var v Verification
	expectSeq := int64(1)
	prev := Genesis
	err := st.View(ctx, func(tx store.Tx) error {
		v = Verification{}
		expectSeq, prev = 1, Genesis
		return tx.ScanAudit(ctx, 1, func(r store.AuditRecord) error {
			v.RecordsChecked++
			switch {
			case r.Sequence != expectSeq:
				v.FirstBrokenSequence = expectSeq
				v.Problem = fmt.Sprintf("record %d is missing (found %d next)", expectSeq, r.Sequence)
			case !bytes.Equal(r.PrevHash, prev):
				v.FirstBrokenSequence = r.Sequence
				v.Problem = "previous_hash does not match the hash of the record before"
			case !bytes.Equal(Hash(r), r.Hash):
				v.FirstBrokenSequence = r.Sequence
				v.Problem = "the record's content does not match its hash (edited)"
			default:
				// The rows the record vouches for (covered.go).
				problem, err := coverProblem(ctx, tx, r)
				if err != nil {
					return err
				}
				if problem != "" {
					v.FirstBrokenSequence, v.Problem = r.Sequence, problem
				}
			}
			if v.Problem != "" {
				return errStop
			}
			prev = r.Hash
			expectSeq++
			return nil
		})
	})
	if err != nil && err != errStop {
		return v, fmt.Errorf("audit verify: %w", err)
	}
	if v.Problem == "" {
		// The head must point at the last record; a deleted tail shows here.
		// Reading the head takes its lock, so this runs as a (short) update.
		err = st.Update(ctx, func(tx store.Tx) error {
			seq, hash, err := tx.AuditHead(ctx)
			if err != nil {
				return err
			}
			if seq != expectSeq-1 || (seq > 0 && !bytes.Equal(hash, prev)) {
				v.FirstBrokenSequence = expectSeq
				v.Problem = fmt.Sprintf("the chain head says %d records, %d found", seq, expectSeq-1)
			}
			return nil
		})
		if err != nil {
			return v, fmt.Errorf("audit verify head: %w", err)
		}
	}
	v.Intact = v.Problem == ""
	return v, nil
}

type stopError struct{}

func (stopError) Error() string { return "stop" }

var errStop error = stopError{}
