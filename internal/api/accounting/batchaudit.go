package accounting

import (
	"fmt"
	"time"

	auditv1 "github.com/eaeu/customs-exchange/gen/eaeu/audit/v1"
	"github.com/eaeu/customs-exchange/internal/audit"
	"github.com/eaeu/customs-exchange/internal/caller"
	"github.com/eaeu/customs-exchange/internal/store"
)

// batchRecord is the audit record of the events one transaction of an
// upload applies: one record for them all, which vouches for their stored
// rows by their digest (audit.CoverDetail; commit gives the rows its
// sequence), so that editing or deleting one of them breaks the chain
// there, as editing a record does. events are in the order they are
// written, which is their Seq order.
func batchRecord(c caller.Caller, method, number string, now time.Time, events []store.AccountingEvent) store.AuditRecord {
	d := audit.NewEventsDigest()
	for i := range events {
		d.Add(&events[i])
	}
	note := fmt.Sprintf("%d events applied, %s to %s", len(events), events[0].EventID, events[len(events)-1].EventID)
	if len(events) == 1 {
		note = "1 event applied, " + events[0].EventID
	}
	rec := audit.Entry{Caller: c, Method: method, Resource: operatorName(number), Outcome: auditv1.Outcome_OUTCOME_OK,
		StatusCode: "OK", Detail: audit.CoverDetail(d.Sum(), note)}.Record()
	rec.Time = now
	return rec
}
