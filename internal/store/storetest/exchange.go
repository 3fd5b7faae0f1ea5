package storetest

import (
	"bytes"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/eaeu/customs-exchange/internal/store"
)

func exReq(id string, created int64) store.ExchangeRequest {
	return store.ExchangeRequest{
		ID: id, Direction: store.ExchangeIncoming, PeerCode: "10000000", Status: "IN_PROGRESS",
		Deadline: "2026-04-10", CreateTime: ts(created, 7), UpdateTime: ts(created, 7), Body: []byte{0x0a, 0x01, byte(len(id))},
	}
}

func runExchange(t *testing.T, open opener) {
	t.Run("Requests", func(t *testing.T) { runExchangeRequests(t, open) })
	t.Run("Attachments", func(t *testing.T) { runExchangeAttachments(t, open) })
	t.Run("Records", func(t *testing.T) { runExchangeRecords(t, open) })
	t.Run("RecordSequenceUnderConcurrency", func(t *testing.T) { runExchangeRecordConcurrency(t, open) })
	t.Run("SubscriptionsAndCursors", func(t *testing.T) { runExchangeSubscriptions(t, open) })
	t.Run("AgreementsAndNotices", func(t *testing.T) { runExchangeAgreementsNotices(t, open) })
	t.Run("Outbox", func(t *testing.T) { runOutbox(t, open) })
	t.Run("OutboxWrittenWithTheChange", func(t *testing.T) { runOutboxAtomic(t, open) })
}

func runExchangeRequests(t *testing.T, open opener) {
	s := open(t)
	r := exReq("r1", 1_800_000_000)
	update(t, s, func(tx store.Tx) error { return tx.CreateExchangeRequest(ctx(t), r) })
	err := s.Update(ctx(t), func(tx store.Tx) error { return tx.CreateExchangeRequest(ctx(t), r) })
	wantErr(t, "CreateExchangeRequest of a taken id", err, store.ErrAlreadyExists)
	view(t, s, func(tx store.Tx) error {
		got, err := tx.GetExchangeRequest(ctx(t), "r1")
		noErr(t, "GetExchangeRequest", err)
		if got.Revision != 1 || got.Deadline != "2026-04-10" || !bytes.Equal(got.Body, r.Body) || got.PeerCode != "10000000" {
			t.Fatalf("got %+v", got)
		}
		sameInstant(t, "CreateTime", got.CreateTime, r.CreateTime)
		_, err = tx.GetExchangeRequest(ctx(t), "nope")
		wantErr(t, "GetExchangeRequest of a missing id", err, store.ErrNotFound)
		return nil
	})
	r.Status, r.Deadline, r.RefusalFrom, r.Body = "SUSPENDED", "", "2026-05-21", []byte("v2")
	update(t, s, func(tx store.Tx) error { return tx.UpdateExchangeRequest(ctx(t), r, 1) })
	err = s.Update(ctx(t), func(tx store.Tx) error { return tx.UpdateExchangeRequest(ctx(t), r, 1) })
	wantErr(t, "UpdateExchangeRequest at a stale revision", err, store.ErrConflict)
	err = s.Update(ctx(t), func(tx store.Tx) error { return tx.UpdateExchangeRequest(ctx(t), exReq("r9", 1), 1) })
	wantErr(t, "UpdateExchangeRequest of a missing id", err, store.ErrNotFound)

	// Listing: newest first, filters, cursor.
	for i, id := range []string{"r2", "r3", "r4"} {
		x := exReq(id, 1_800_000_001+int64(i))
		if id == "r3" {
			x.Direction, x.Deadline = store.ExchangeOutgoing, "2026-03-01"
		}
		update(t, s, func(tx store.Tx) error { return tx.CreateExchangeRequest(ctx(t), x) })
	}
	ids := func(rs []store.ExchangeRequest) []string {
		var out []string
		for _, r := range rs {
			out = append(out, r.ID)
		}
		return out
	}
	view(t, s, func(tx store.Tx) error {
		all, err := tx.ListExchangeRequests(ctx(t), store.ExchangeRequestQuery{Limit: 10})
		noErr(t, "ListExchangeRequests", err)
		if got := ids(all); !slices.Equal(got, []string{"r4", "r3", "r2", "r1"}) {
			t.Fatalf("order %v", got)
		}
		page, err := tx.ListExchangeRequests(ctx(t), store.ExchangeRequestQuery{Limit: 2, Before: &store.ExchangeCursor{CreateTime: all[1].CreateTime, ID: all[1].ID}})
		noErr(t, "ListExchangeRequests after a cursor", err)
		if got := ids(page); !slices.Equal(got, []string{"r2", "r1"}) {
			t.Fatalf("page %v", got)
		}
		out, err := tx.ListExchangeRequests(ctx(t), store.ExchangeRequestQuery{Direction: store.ExchangeOutgoing, Limit: 10})
		noErr(t, "by direction", err)
		if got := ids(out); !slices.Equal(got, []string{"r3"}) {
			t.Fatalf("outgoing %v", got)
		}
		overdue, err := tx.ListExchangeRequests(ctx(t), store.ExchangeRequestQuery{Status: "IN_PROGRESS", DeadlineBefore: "2026-04-01", Limit: 10})
		noErr(t, "overdue", err)
		if got := ids(overdue); !slices.Equal(got, []string{"r3"}) {
			t.Fatalf("overdue on 2026-04-01: %v", got)
		}
		due, err := tx.ListExchangeRequests(ctx(t), store.ExchangeRequestQuery{Status: "SUSPENDED", RefusalFromOnOrBefore: "2026-05-21", Limit: 10})
		noErr(t, "refusal due", err)
		if got := ids(due); !slices.Equal(got, []string{"r1"}) {
			t.Fatalf("refusal due: %v", got)
		}
		due, err = tx.ListExchangeRequests(ctx(t), store.ExchangeRequestQuery{RefusalFromOnOrBefore: "2026-05-20", Limit: 10})
		noErr(t, "refusal not yet due", err)
		if len(due) != 0 {
			t.Fatalf("refusal due a day early: %v", ids(due))
		}
		return nil
	})

	// Events: numbered per request.
	for i, kind := range []string{"REGISTERED", "INFORMATION_ASKED"} {
		e := store.ExchangeRequestEvent{RequestID: "r1", ID: fmt.Sprintf("e%d", i), Kind: kind, Time: ts(1_800_000_100+int64(i), 1), Body: []byte(kind)}
		var seq int64
		update(t, s, func(tx store.Tx) error {
			var err error
			seq, err = tx.AppendExchangeRequestEvent(ctx(t), e)
			return err
		})
		if seq != int64(i+1) {
			t.Fatalf("event seq %d, want %d", seq, i+1)
		}
	}
	err = s.Update(ctx(t), func(tx store.Tx) error {
		_, err := tx.AppendExchangeRequestEvent(ctx(t), store.ExchangeRequestEvent{RequestID: "r2", ID: "e0", Kind: "X", Time: ts(1, 0)})
		return err
	})
	wantErr(t, "AppendExchangeRequestEvent of a taken id", err, store.ErrAlreadyExists)
	view(t, s, func(tx store.Tx) error {
		evs, err := tx.ListExchangeRequestEvents(ctx(t), "r1")
		noErr(t, "ListExchangeRequestEvents", err)
		if len(evs) != 2 || evs[0].Kind != "REGISTERED" || evs[1].Seq != 2 || string(evs[1].Body) != "INFORMATION_ASKED" {
			t.Fatalf("events %+v", evs)
		}
		sameInstant(t, "event time", evs[0].Time, ts(1_800_000_100, 1))
		return nil
	})
}

func runExchangeAttachments(t *testing.T, open opener) {
	s := open(t)
	update(t, s, func(tx store.Tx) error { return tx.CreateExchangeRequest(ctx(t), exReq("r1", 1_800_000_000)) })
	a := store.ExchangeAttachment{ID: "a1", RequestID: "r1", FileName: "invoice.pdf", MediaType: "application/pdf",
		CreateTime: ts(1_800_000_010, 0), UpdateTime: ts(1_800_000_010, 0)}
	update(t, s, func(tx store.Tx) error { return tx.CreateExchangeAttachment(ctx(t), a) })
	err := s.Update(ctx(t), func(tx store.Tx) error { return tx.CreateExchangeAttachment(ctx(t), a) })
	wantErr(t, "CreateExchangeAttachment of a taken id", err, store.ErrAlreadyExists)
	chunk := func(i int) []byte { return bytes.Repeat([]byte{byte(i)}, 64<<10+i) }
	// A first transfer breaks off after one chunk, is reset and starts over.
	update(t, s, func(tx store.Tx) error { return tx.PutExchangeAttachmentChunk(ctx(t), "a1", 0, []byte("partial")) })
	update(t, s, func(tx store.Tx) error { return tx.ResetExchangeAttachment(ctx(t), "a1") })
	err = s.View(ctx(t), func(tx store.Tx) error { _, err := tx.GetExchangeAttachmentChunk(ctx(t), "a1", 0); return err })
	wantErr(t, "chunk after reset", err, store.ErrNotFound)
	total := 0
	for i := range 3 {
		update(t, s, func(tx store.Tx) error { return tx.PutExchangeAttachmentChunk(ctx(t), "a1", i, chunk(i)) })
		total += len(chunk(i))
	}
	a.Size, a.SHA256, a.Chunks, a.UpdateTime = int64(total), "ab", 3, ts(1_800_000_020, 0)
	update(t, s, func(tx store.Tx) error { return tx.CompleteExchangeAttachment(ctx(t), a) })
	err = s.Update(ctx(t), func(tx store.Tx) error { return tx.PutExchangeAttachmentChunk(ctx(t), "a1", 3, []byte("late")) })
	wantErr(t, "chunk of a complete attachment", err, store.ErrConflict)
	err = s.Update(ctx(t), func(tx store.Tx) error { return tx.ResetExchangeAttachment(ctx(t), "a1") })
	wantErr(t, "reset of a complete attachment", err, store.ErrConflict)
	view(t, s, func(tx store.Tx) error {
		got, err := tx.GetExchangeAttachment(ctx(t), "a1")
		noErr(t, "GetExchangeAttachment", err)
		if !got.Complete || got.Size != int64(total) || got.Chunks != 3 || got.SHA256 != "ab" || got.FileName != "invoice.pdf" {
			t.Fatalf("got %+v", got)
		}
		for i := range 3 {
			data, err := tx.GetExchangeAttachmentChunk(ctx(t), "a1", i)
			noErr(t, "GetExchangeAttachmentChunk", err)
			if !bytes.Equal(data, chunk(i)) {
				t.Fatalf("chunk %d differs", i)
			}
		}
		list, err := tx.ListExchangeAttachments(ctx(t), "r1")
		noErr(t, "ListExchangeAttachments", err)
		if len(list) != 1 || list[0].ID != "a1" {
			t.Fatalf("list %+v", list)
		}
		_, err = tx.GetExchangeAttachment(ctx(t), "nope")
		wantErr(t, "GetExchangeAttachment of a missing id", err, store.ErrNotFound)
		return nil
	})
}

func exRecord(id string, version int32, kind string, size int) store.ExchangeRecord {
	return store.ExchangeRecord{RecordID: id, Version: version, Kind: kind, ContentType: "application/json",
		Data: bytes.Repeat([]byte("x"), size), PublishTime: ts(1_800_000_000+int64(version), 3)}
}

func runExchangeRecords(t *testing.T, open opener) {
	s := open(t)
	var seqs []int64
	for _, r := range []store.ExchangeRecord{
		exRecord("GD-1", 1, "GOODS_DECLARATION", 10), exRecord("PCD-1", 1, "PRELIMINARY", 20),
		exRecord("GD-1", 2, "GOODS_DECLARATION", 30), exRecord("GD-2", 1, "GOODS_DECLARATION", 40),
	} {
		update(t, s, func(tx store.Tx) error {
			seq, err := tx.AppendExchangeRecord(ctx(t), r)
			seqs = append(seqs, seq)
			return err
		})
	}
	if !slices.Equal(seqs, []int64{1, 2, 3, 4}) {
		t.Fatalf("sequences %v, want 1..4", seqs)
	}
	err := s.Update(ctx(t), func(tx store.Tx) error {
		_, err := tx.AppendExchangeRecord(ctx(t), exRecord("GD-1", 2, "GOODS_DECLARATION", 1))
		return err
	})
	wantErr(t, "AppendExchangeRecord of a taken version", err, store.ErrAlreadyExists)
	view(t, s, func(tx store.Tx) error {
		latest, err := tx.LatestExchangeRecord(ctx(t), "GD-1")
		noErr(t, "LatestExchangeRecord", err)
		if latest.Version != 2 || latest.Seq != 3 || len(latest.Data) != 30 {
			t.Fatalf("latest %+v", latest)
		}
		_, err = tx.LatestExchangeRecord(ctx(t), "nope")
		wantErr(t, "LatestExchangeRecord of a missing id", err, store.ErrNotFound)
		got, err := tx.ListExchangeRecords(ctx(t), store.ExchangeRecordQuery{AfterSeq: 1, Kinds: []string{"GOODS_DECLARATION"}, Limit: 10})
		noErr(t, "ListExchangeRecords", err)
		if len(got) != 2 || got[0].Seq != 3 || got[1].Seq != 4 {
			t.Fatalf("records after 1: %+v", got)
		}
		got, err = tx.ListExchangeRecords(ctx(t), store.ExchangeRecordQuery{Limit: 10, MaxBytes: 25})
		noErr(t, "ListExchangeRecords with a byte budget", err)
		if len(got) != 2 {
			t.Fatalf("byte budget 25: %d records, want 2 (10+20 bytes)", len(got))
		}
		got, err = tx.ListExchangeRecords(ctx(t), store.ExchangeRecordQuery{Limit: 10, RecordID: "GD-1"})
		noErr(t, "ListExchangeRecords of a record", err)
		if len(got) != 2 {
			t.Fatalf("versions of GD-1: %d", len(got))
		}
		return nil
	})

	// Received records: once per peer, record id and version.
	rec := exRecord("GD-9", 1, "GOODS_DECLARATION", 5)
	rec.Seq = 77
	for i, want := range []bool{true, false} {
		var inserted bool
		update(t, s, func(tx store.Tx) error {
			var err error
			inserted, err = tx.PutReceivedExchangeRecord(ctx(t), store.ReceivedExchangeRecord{PeerCode: "10000000", Record: rec, ReceiveTime: ts(1_800_000_500, 0)})
			return err
		})
		if inserted != want {
			t.Fatalf("put %d: inserted %v, want %v", i, inserted, want)
		}
	}
	view(t, s, func(tx store.Tx) error {
		got, err := tx.ListReceivedExchangeRecords(ctx(t), "10000000", "", 0, 10)
		noErr(t, "ListReceivedExchangeRecords", err)
		if len(got) != 1 || got[0].Record.Seq != 77 || got[0].Record.RecordID != "GD-9" || len(got[0].Record.Data) != 5 {
			t.Fatalf("received %+v", got)
		}
		got, err = tx.ListReceivedExchangeRecords(ctx(t), "10000000", "", 77, 10)
		noErr(t, "ListReceivedExchangeRecords after", err)
		if len(got) != 0 {
			t.Fatalf("after 77: %+v", got)
		}
		return nil
	})
}

// runExchangeRecordConcurrency appends records from several writers and
// checks that a reader following the sequence never skips one: the
// sequence is assigned in commit order.
func runExchangeRecordConcurrency(t *testing.T, open opener) {
	s := open(t)
	const writers, each = 4, 10
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				err := s.Update(ctx(t), func(tx store.Tx) error {
					_, err := tx.AppendExchangeRecord(ctx(t), exRecord(fmt.Sprintf("W%d-%d", w, i), 1, "K", 1))
					return err
				})
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	// Follow the sequence while the writers run.
	var cursor int64
	seen := map[int64]bool{}
	deadline := time.Now().Add(20 * time.Second)
	for len(seen) < writers*each && time.Now().Before(deadline) {
		view(t, s, func(tx store.Tx) error {
			got, err := tx.ListExchangeRecords(ctx(t), store.ExchangeRecordQuery{AfterSeq: cursor, Limit: 100})
			noErr(t, "ListExchangeRecords", err)
			for _, r := range got {
				if r.Seq != cursor+1 {
					t.Fatalf("the reader saw seq %d after %d: a record would be skipped", r.Seq, cursor)
				}
				cursor = r.Seq
				seen[r.Seq] = true
			}
			return nil
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if len(seen) != writers*each {
		t.Fatalf("saw %d records, want %d", len(seen), writers*each)
	}
}

func runExchangeSubscriptions(t *testing.T, open opener) {
	s := open(t)
	sub := store.ExchangeSubscription{PeerCode: "10000000", CreateTime: ts(1_800_000_000, 0), UpdateTime: ts(1_800_000_000, 0)}
	update(t, s, func(tx store.Tx) error { return tx.CreateExchangeSubscription(ctx(t), sub) })
	err := s.Update(ctx(t), func(tx store.Tx) error { return tx.CreateExchangeSubscription(ctx(t), sub) })
	wantErr(t, "CreateExchangeSubscription twice", err, store.ErrAlreadyExists)
	sub.Position, sub.RecordsReceived, sub.DuplicatesSkipped, sub.LastReceiveTime, sub.UpdateTime = 42, 40, 2, ts(1_800_000_100, 9), ts(1_800_000_100, 9)
	update(t, s, func(tx store.Tx) error { return tx.UpdateExchangeSubscription(ctx(t), sub) })
	err = s.Update(ctx(t), func(tx store.Tx) error {
		return tx.UpdateExchangeSubscription(ctx(t), store.ExchangeSubscription{PeerCode: "99999999"})
	})
	wantErr(t, "UpdateExchangeSubscription of a missing peer", err, store.ErrNotFound)
	update(t, s, func(tx store.Tx) error {
		return tx.SetExchangePeerPosition(ctx(t), "10000000", 5, ts(1_800_000_200, 0))
	})
	update(t, s, func(tx store.Tx) error {
		return tx.SetExchangePeerPosition(ctx(t), "10000000", 9, ts(1_800_000_300, 0))
	})
	view(t, s, func(tx store.Tx) error {
		got, err := tx.GetExchangeSubscription(ctx(t), "10000000")
		noErr(t, "GetExchangeSubscription", err)
		if got.Position != 42 || got.RecordsReceived != 40 || got.DuplicatesSkipped != 2 {
			t.Fatalf("got %+v", got)
		}
		sameInstant(t, "LastReceiveTime", got.LastReceiveTime, sub.LastReceiveTime)
		list, err := tx.ListExchangeSubscriptions(ctx(t), "", 10)
		noErr(t, "ListExchangeSubscriptions", err)
		if len(list) != 1 {
			t.Fatalf("list %+v", list)
		}
		pos, err := tx.GetExchangePeerPosition(ctx(t), "10000000")
		noErr(t, "GetExchangePeerPosition", err)
		if pos != 9 {
			t.Fatalf("peer position %d, want 9", pos)
		}
		pos, err = tx.GetExchangePeerPosition(ctx(t), "06000000")
		noErr(t, "GetExchangePeerPosition of a new peer", err)
		if pos != 0 {
			t.Fatalf("new peer position %d", pos)
		}
		return nil
	})
}

func runExchangeAgreementsNotices(t *testing.T, open opener) {
	s := open(t)
	a := store.ExchangeAgreement{PeerCode: "10000000", CreateTime: ts(1_800_000_000, 0), UpdateTime: ts(1_800_000_000, 0), Body: []byte("a1")}
	update(t, s, func(tx store.Tx) error { return tx.CreateExchangeAgreement(ctx(t), a) })
	err := s.Update(ctx(t), func(tx store.Tx) error { return tx.CreateExchangeAgreement(ctx(t), a) })
	wantErr(t, "CreateExchangeAgreement twice", err, store.ErrAlreadyExists)
	a.Body = []byte("a2")
	update(t, s, func(tx store.Tx) error { return tx.UpdateExchangeAgreement(ctx(t), a, 1) })
	err = s.Update(ctx(t), func(tx store.Tx) error { return tx.UpdateExchangeAgreement(ctx(t), a, 1) })
	wantErr(t, "UpdateExchangeAgreement at a stale revision", err, store.ErrConflict)
	view(t, s, func(tx store.Tx) error {
		got, err := tx.GetExchangeAgreement(ctx(t), "10000000")
		noErr(t, "GetExchangeAgreement", err)
		if got.Revision != 2 || string(got.Body) != "a2" {
			t.Fatalf("got %+v", got)
		}
		list, err := tx.ListExchangeAgreements(ctx(t), "", 10)
		noErr(t, "ListExchangeAgreements", err)
		if len(list) != 1 {
			t.Fatalf("list %+v", list)
		}
		return nil
	})

	n := store.ExchangeNotice{ID: "n1", Direction: store.ExchangeOutgoing, PeerCode: "10000000", Status: "SENT",
		CreateTime: ts(1_800_000_000, 0), UpdateTime: ts(1_800_000_000, 0), Body: []byte("n")}
	update(t, s, func(tx store.Tx) error { return tx.CreateExchangeNotice(ctx(t), n) })
	n2 := n
	n2.ID, n2.Direction, n2.Status, n2.CreateTime = "n2", store.ExchangeIncoming, "RECEIVED", ts(1_800_000_001, 0)
	update(t, s, func(tx store.Tx) error { return tx.CreateExchangeNotice(ctx(t), n2) })
	err = s.Update(ctx(t), func(tx store.Tx) error { return tx.CreateExchangeNotice(ctx(t), n) })
	wantErr(t, "CreateExchangeNotice twice", err, store.ErrAlreadyExists)
	n.Status = "ACKNOWLEDGED"
	update(t, s, func(tx store.Tx) error { return tx.UpdateExchangeNotice(ctx(t), n, 1) })
	err = s.Update(ctx(t), func(tx store.Tx) error { return tx.UpdateExchangeNotice(ctx(t), n, 1) })
	wantErr(t, "UpdateExchangeNotice at a stale revision", err, store.ErrConflict)
	view(t, s, func(tx store.Tx) error {
		all, err := tx.ListExchangeNotices(ctx(t), store.ExchangeNoticeQuery{Limit: 10})
		noErr(t, "ListExchangeNotices", err)
		if len(all) != 2 || all[0].ID != "n2" || all[1].Status != "ACKNOWLEDGED" {
			t.Fatalf("notices %+v", all)
		}
		in, err := tx.ListExchangeNotices(ctx(t), store.ExchangeNoticeQuery{Direction: store.ExchangeIncoming, Limit: 10})
		noErr(t, "ListExchangeNotices incoming", err)
		if len(in) != 1 || in[0].ID != "n2" {
			t.Fatalf("incoming %+v", in)
		}
		counts, err := tx.ExchangeCounts(ctx(t))
		noErr(t, "ExchangeCounts", err)
		if !slices.Contains(counts, store.ExchangeCount{Key: "notices/INCOMING/RECEIVED", Value: 1}) {
			t.Fatalf("counts %+v", counts)
		}
		return nil
	})
}

func outboxMsg(id, peer string, at int64) store.OutboxMessage {
	return store.OutboxMessage{ID: id, PeerCode: peer, Kind: "notice", Subject: "notices/" + id, Payload: []byte(id),
		NextAttempt: ts(at, 0), CreateTime: ts(at, 0), UpdateTime: ts(at, 0)}
}

func runOutbox(t *testing.T, open opener) {
	s := open(t)
	for i, m := range []store.OutboxMessage{outboxMsg("m1", "RU", 100), outboxMsg("m2", "RU", 100), outboxMsg("m3", "BY", 100)} {
		var seq int64
		update(t, s, func(tx store.Tx) error { var err error; seq, err = tx.EnqueueOutbox(ctx(t), m); return err })
		if seq != int64(i+1) {
			t.Fatalf("seq %d, want %d", seq, i+1)
		}
	}
	err := s.Update(ctx(t), func(tx store.Tx) error { _, err := tx.EnqueueOutbox(ctx(t), outboxMsg("m1", "RU", 1)); return err })
	wantErr(t, "EnqueueOutbox of a taken id", err, store.ErrAlreadyExists)
	heads := func(now int64) []string {
		var out []string
		view(t, s, func(tx store.Tx) error {
			got, err := tx.DueOutbox(ctx(t), ts(now, 0), 10)
			noErr(t, "DueOutbox", err)
			for _, m := range got {
				out = append(out, m.ID)
			}
			return nil
		})
		return out
	}
	if got := heads(99); len(got) != 0 {
		t.Fatalf("due before their time: %v", got)
	}
	if got := heads(100); !slices.Equal(got, []string{"m1", "m3"}) {
		t.Fatalf("heads %v, want the oldest message per peer", got)
	}
	// A claim leases the message; a second claim fails until the lease ends.
	var ok bool
	update(t, s, func(tx store.Tx) error {
		var err error
		ok, err = tx.ClaimOutbox(ctx(t), "m1", ts(100, 0), ts(130, 0))
		return err
	})
	if !ok {
		t.Fatal("first claim refused")
	}
	update(t, s, func(tx store.Tx) error {
		var err error
		ok, err = tx.ClaimOutbox(ctx(t), "m1", ts(110, 0), ts(140, 0))
		return err
	})
	if ok {
		t.Fatal("second claim within the lease accepted")
	}
	if got := heads(110); !slices.Equal(got, []string{"m3"}) {
		t.Fatalf("a leased head blocks its peer's queue: %v", got)
	}
	// A failed attempt: back off; the peer's next message waits behind it.
	m := outboxMsg("m1", "RU", 100)
	m.State, m.Attempts, m.NextAttempt, m.LastError, m.UpdateTime = store.OutboxPending, 1, ts(200, 0), "unavailable", ts(111, 0)
	update(t, s, func(tx store.Tx) error { return tx.UpdateOutbox(ctx(t), m) })
	if got := heads(150); !slices.Equal(got, []string{"m3"}) {
		t.Fatalf("during backoff: %v", got)
	}
	// Given up: the next message of the peer becomes the head.
	m.State, m.Attempts = store.OutboxUndeliverable, 2
	update(t, s, func(tx store.Tx) error { return tx.UpdateOutbox(ctx(t), m) })
	if got := heads(150); !slices.Equal(got, []string{"m2", "m3"}) {
		t.Fatalf("after giving up: %v", got)
	}
	m2 := outboxMsg("m2", "RU", 100)
	m2.State, m2.Attempts, m2.DeliveredTime, m2.UpdateTime = store.OutboxDelivered, 1, ts(151, 5), ts(151, 5)
	update(t, s, func(tx store.Tx) error { return tx.UpdateOutbox(ctx(t), m2) })
	err = s.Update(ctx(t), func(tx store.Tx) error { return tx.UpdateOutbox(ctx(t), outboxMsg("m9", "RU", 1)) })
	wantErr(t, "UpdateOutbox of a missing id", err, store.ErrNotFound)
	view(t, s, func(tx store.Tx) error {
		dead, err := tx.ListOutbox(ctx(t), store.OutboxUndeliverable, 0, 10)
		noErr(t, "ListOutbox", err)
		if len(dead) != 1 || dead[0].ID != "m1" || dead[0].LastError != "unavailable" || dead[0].Attempts != 2 {
			t.Fatalf("undeliverable %+v", dead)
		}
		got, err := tx.GetOutbox(ctx(t), "m2")
		noErr(t, "GetOutbox", err)
		if got.State != store.OutboxDelivered || string(got.Payload) != "m2" {
			t.Fatalf("m2 %+v", got)
		}
		sameInstant(t, "DeliveredTime", got.DeliveredTime, ts(151, 5))
		return nil
	})
}

// runOutboxAtomic checks that a message enqueued in a transaction that
// fails is not kept: the outbox holds exactly the committed changes.
func runOutboxAtomic(t *testing.T, open opener) {
	s := open(t)
	boom := fmt.Errorf("boom")
	err := s.Update(ctx(t), func(tx store.Tx) error {
		if err := tx.CreateExchangeRequest(ctx(t), exReq("r1", 1_800_000_000)); err != nil {
			return err
		}
		if _, err := tx.EnqueueOutbox(ctx(t), outboxMsg("m1", "RU", 100)); err != nil {
			return err
		}
		return boom
	})
	wantErr(t, "failing transaction", err, boom)
	view(t, s, func(tx store.Tx) error {
		_, err := tx.GetOutbox(ctx(t), "m1")
		wantErr(t, "message of a rolled-back change", err, store.ErrNotFound)
		_, err = tx.GetExchangeRequest(ctx(t), "r1")
		wantErr(t, "rolled-back request", err, store.ErrNotFound)
		return nil
	})
}
