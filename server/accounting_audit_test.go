package main

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/eaeu/customs-exchange/client"
	auditv1 "github.com/eaeu/customs-exchange/gen/eaeu/audit/v1"
	"github.com/eaeu/customs-exchange/internal/pki"
)

const uploadMethod = "/eaeu.operators.v1.AccountingService/UploadAccountingEvents"

// uploadRecords are the audit records of the events uploads applied for
// parent: one per transaction, each vouching for its events' rows.
func uploadRecords(t *testing.T, customs *client.Client, parent string) []*auditv1.AuditRecord {
	t.Helper()
	resp, err := customs.Audit.ListAuditRecords(ctxT(t), &auditv1.ListAuditRecordsRequest{Method: uploadMethod,
		Resource: parent, Outcome: auditv1.Outcome_OUTCOME_OK, PageSize: 1000})
	if err != nil {
		t.Fatal(err)
	}
	return resp.GetAuditRecords()
}

// auditedEvents is how many events the records say they vouch for.
func auditedEvents(t *testing.T, recs []*auditv1.AuditRecord) int {
	t.Helper()
	var n int
	for _, r := range recs {
		var k int
		_, note, ok := strings.Cut(r.GetDetail(), "; ")
		if !strings.HasPrefix(r.GetDetail(), "accounting events sha256:") || !ok {
			t.Fatalf("audit record of uploaded events: %v", r)
		}
		if _, err := fmt.Sscanf(note, "%d event", &k); err != nil {
			t.Fatalf("audit record of uploaded events: %v: %v", r, err)
		}
		n += k
	}
	return n
}

// TestUploadedEventsTamperDetected edits, then deletes, the stored row of
// an uploaded event behind the service's back: the audit verification
// (the RPC and the command line) finds each at the record of the
// transaction that applied the event.
func TestUploadedEventsTamperDetected(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			dir := t.TempDir()
			dsn := b.dsn(t)
			n := startNode(t, dir, dsn)
			seedDeclarationReference(t, n)
			registerDevOperator(t, n)
			if dsn == "" {
				dsn = filepath.Join(dir, "exchange.db")
			}
			resp, err := upload(t, n.sdk(pki.RoleOperator), devOperator, bulkEvents("tamper", 50), 50)
			if err != nil || resp.GetApplied() != 200 {
				t.Fatalf("upload: %v %v", resp, err)
			}
			customs := n.sdk(pki.RoleCustoms)
			recs := uploadRecords(t, customs, devOperator)
			if len(recs) != 1 || auditedEvents(t, recs) != 200 {
				t.Fatalf("audit records of the upload: %v", recs)
			}
			seq := recs[0].GetSequence()
			verify := func(wantBroken int64) {
				t.Helper()
				v, err := customs.Audit.VerifyAuditChain(ctxT(t), &auditv1.VerifyAuditChainRequest{})
				if err != nil || v.GetIntact() != (wantBroken == 0) || v.GetFirstBrokenSequence() != wantBroken {
					t.Fatalf("verify: %v %v, want first broken %d", v, err, wantBroken)
				}
			}
			verify(0)

			tamper(t, dsn, "UPDATE accounting_events SET quantity = quantity + 1 WHERE event_id = 'tamper-00017-r'")
			verify(seq)
			tamper(t, dsn, "UPDATE accounting_events SET quantity = quantity - 1 WHERE event_id = 'tamper-00017-r'")
			verify(0) // as it was
			tamper(t, dsn, "DELETE FROM accounting_events WHERE event_id = 'tamper-00031-n'")
			verify(seq)

			if err := n.stop(); err != nil {
				t.Fatalf("graceful stop: %v", err)
			}
			out, err := exec.Command(serverBin, "audit-verify", "--data-dir", dir, "--store", dsn).CombinedOutput()
			if err == nil || !strings.Contains(string(out), fmt.Sprintf("BROKEN at record %d", seq)) {
				t.Fatalf("audit-verify must fail at record %d: %v\n%s", seq, err, out)
			}
		})
	}
}
