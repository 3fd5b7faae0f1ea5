package outbox

import (
	"context"
	"testing"
	"time"

	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/types/known/timestamppb"

	exchangev1 "github.com/eaeu/customs-exchange/gen/eaeu/exchange/v1"
	"github.com/eaeu/customs-exchange/internal/store"
)

// TestPullerAppliesOnce: a page delivered again (at least once) stores
// nothing twice; the cursor only moves forward; each page leaves an audit
// record.
func TestPullerAppliesOnce(t *testing.T) {
	st := openStore(t, t.TempDir(), "127.0.0.1:1")
	ctx := context.Background()
	now := time.Now()
	if err := st.Update(ctx, func(tx store.Tx) error {
		return tx.CreateExchangeSubscription(ctx, store.ExchangeSubscription{PeerCode: peer, CreateTime: now, UpdateTime: now})
	}); err != nil {
		t.Fatal(err)
	}
	p := NewPuller(st, NewPeersWithCredentials(st, insecure.NewCredentials()), quiet, Options{})
	rec := func(id string, v int32, seq int64) *exchangev1.ExchangeRecord {
		return &exchangev1.ExchangeRecord{RecordId: id, Version: v, Sequence: seq, Kind: exchangev1.RecordKind_RECORD_KIND_CUSTOMS_DOCUMENT,
			ContentType: "application/json", Data: []byte("{}"), PublishTime: timestamppb.Now()}
	}
	page1 := &exchangev1.PullRecordsResponse{Records: []*exchangev1.ExchangeRecord{rec("CD-1", 1, 1), rec("CD-2", 1, 2)}, LastSequence: 2}
	page2 := &exchangev1.PullRecordsResponse{Records: []*exchangev1.ExchangeRecord{rec("CD-2", 1, 2), rec("CD-1", 2, 3)}, LastSequence: 3}
	for _, pg := range []*exchangev1.PullRecordsResponse{page1, page1, page2} {
		if err := p.apply(ctx, peer, pg); err != nil {
			t.Fatal(err)
		}
	}
	var s store.ExchangeSubscription
	var audited int
	_ = st.View(ctx, func(tx store.Tx) error {
		s, _ = tx.GetExchangeSubscription(ctx, peer)
		recs, _ := tx.ListAudit(ctx, store.AuditFilter{Method: pullMethod, Limit: 100})
		audited = len(recs)
		return nil
	})
	if s.RecordsReceived != 3 || s.DuplicatesSkipped != 3 || s.Position != 3 {
		t.Fatalf("subscription %+v: want 3 stored, 3 skipped, position 3", s)
	}
	if audited != 3 {
		t.Fatalf("%d audit records, want one per page", audited)
	}
}
