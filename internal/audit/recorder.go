package audit

import (
	"context"
	"log/slog"

	auditv1 "github.com/eaeu/customs-exchange/gen/eaeu/audit/v1"
	"github.com/eaeu/customs-exchange/internal/caller"
	"github.com/eaeu/customs-exchange/internal/store"
)

// Entry describes a call to audit; the chain fields are added by Append.
type Entry struct {
	Caller     caller.Caller
	Method     string
	Resource   string
	RequestID  string
	Outcome    auditv1.Outcome
	StatusCode string
	Detail     string
}

// Record turns an entry into a store record.
func (e Entry) Record() store.AuditRecord {
	r := store.AuditRecord{
		ActorSubject: e.Caller.Subject.URI,
		ActorRole:    e.Caller.Role.String(),
		Method:       e.Method,
		Resource:     e.Resource,
		RequestID:    e.RequestID,
		Outcome:      e.Outcome.String(),
		StatusCode:   e.StatusCode,
		Detail:       e.Detail,
	}
	r.ActorMemberState = e.Caller.Subject.MemberState
	return r
}

// Recorder appends records for refused calls, each in its own transaction
// (a refused call changes nothing else, so there is nothing to join).
type Recorder struct {
	store store.Store
	log   *slog.Logger
}

// NewRecorder returns a recorder writing to st.
func NewRecorder(st store.Store, log *slog.Logger) *Recorder {
	return &Recorder{store: st, log: log}
}

// Refused appends the record of a refused call. A failure to write it is
// logged, never returned: the caller is refused either way.
func (r *Recorder) Refused(ctx context.Context, e Entry) {
	ctx = context.WithoutCancel(ctx)
	err := r.store.Update(ctx, func(tx store.Tx) error {
		_, err := Append(ctx, tx, e.Record())
		return err
	})
	if err != nil {
		r.log.ErrorContext(ctx, "audit record of a refused call not written", "method", e.Method, "error", err)
	}
}
