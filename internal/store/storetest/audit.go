package storetest

import (
	"bytes"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/eaeu/customs-exchange/internal/store"
)

// auditBase is the time of the first test record; record i is i seconds
// and i*7919 nanoseconds later.
var auditBase = time.Date(2024, 3, 5, 7, 8, 9, 123_456_789, time.FixedZone("MSK", 3*3600))

// chainRecord builds record seq following prev, with a hash over its
// fields, as the service would.
func chainRecord(seq int64, prev []byte, actor, method, resource, outcome string) store.AuditRecord {
	r := store.AuditRecord{
		Sequence:         seq,
		Time:             auditBase.Add(time.Duration(seq)*time.Second + time.Duration(seq*7919)),
		ActorSubject:     actor,
		ActorRole:        "officer",
		ActorMemberState: "RU",
		Method:           method,
		Resource:         resource,
		RequestID:        "req-" + strconv.FormatInt(seq, 10),
		Outcome:          outcome,
		StatusCode:       "OK",
		Detail:           "detail " + strconv.FormatInt(seq, 10),
		PrevHash:         prev,
	}
	h := sha256.Sum256(fmt.Appendf(nil, "%x|%d|%d|%s|%s|%s|%s", prev, seq, r.Time.UnixNano(), actor, method, resource, outcome))
	r.Hash = h[:]
	return r
}

// appendAudit appends one record after the head in tx and returns it.
func appendAudit(tx store.Tx, t *testing.T, actor, method, resource, outcome string) (store.AuditRecord, error) {
	seq, prev, err := tx.AuditHead(ctx(t))
	if err != nil {
		return store.AuditRecord{}, err
	}
	r := chainRecord(seq+1, prev, actor, method, resource, outcome)
	return r, tx.InsertAudit(ctx(t), r)
}

func sameAudit(t *testing.T, got, want store.AuditRecord) {
	t.Helper()
	text := func(r store.AuditRecord) [10]string {
		return [10]string{strconv.FormatInt(r.Sequence, 10), r.ActorSubject, r.ActorRole, r.ActorMemberState,
			r.Method, r.Resource, r.RequestID, r.Outcome, r.StatusCode, r.Detail}
	}
	if text(got) != text(want) || !bytes.Equal(got.PrevHash, want.PrevHash) || !bytes.Equal(got.Hash, want.Hash) {
		t.Fatalf("audit record = %+v\nwant %+v", got, want)
	}
	sameInstant(t, fmt.Sprintf("record %d time", want.Sequence), got.Time, want.Time)
	if got.Time.UnixNano() != want.Time.UnixNano() {
		t.Fatalf("record %d time %d ns, want %d", want.Sequence, got.Time.UnixNano(), want.Time.UnixNano())
	}
}

func sequences(rs []store.AuditRecord) []int64 {
	out := make([]int64, len(rs))
	for i, r := range rs {
		out[i] = r.Sequence
	}
	return out
}

func seqRange(from, to int64) []int64 {
	var out []int64
	for i := from; i <= to; i++ {
		out = append(out, i)
	}
	return out
}

// fill appends n records in one transaction; the actor, method, resource
// and outcome of record i come from the given cycles.
func fill(t *testing.T, s store.Store, n int, actors, methods, resources, outcomes []string) []store.AuditRecord {
	t.Helper()
	var out []store.AuditRecord
	update(t, s, func(tx store.Tx) error {
		out = out[:0]
		for i := range n {
			r, err := appendAudit(tx, t, actors[i%len(actors)], methods[i%len(methods)],
				resources[i%len(resources)], outcomes[i%len(outcomes)])
			if err != nil {
				return err
			}
			out = append(out, r)
		}
		return nil
	})
	return out
}

func listAudit(t *testing.T, s store.Store, f store.AuditFilter) []store.AuditRecord {
	t.Helper()
	var out []store.AuditRecord
	view(t, s, func(tx store.Tx) error {
		var err error
		out, err = tx.ListAudit(ctx(t), f)
		return err
	})
	return out
}

func runAudit(t *testing.T, open opener) {
	t.Run("HeadEmpty", func(t *testing.T) {
		s := open(t)
		for _, run := range []func(func(store.Tx) error) error{
			func(fn func(store.Tx) error) error { return s.View(ctx(t), fn) },
			func(fn func(store.Tx) error) error { return s.Update(ctx(t), fn) },
		} {
			noErr(t, "transaction", run(func(tx store.Tx) error {
				seq, hash, err := tx.AuditHead(ctx(t))
				noErr(t, "AuditHead", err)
				if seq != 0 || len(hash) != 0 {
					t.Fatalf("empty chain head = %d %x, want 0 and no hash", seq, hash)
				}
				page, err := tx.ListAudit(ctx(t), store.AuditFilter{Limit: 10})
				noErr(t, "ListAudit", err)
				if len(page) != 0 {
					t.Fatalf("empty chain lists %d records", len(page))
				}
				return nil
			}))
		}
	})

	t.Run("InsertSequence", func(t *testing.T) {
		s := open(t)
		var want []store.AuditRecord
		// One record per transaction, then several in one.
		for range 3 {
			want = append(want, fill(t, s, 1, []string{"alice"}, []string{"/m/Create"}, []string{"r/1"}, []string{"OK"})...)
		}
		want = append(want, fill(t, s, 4, []string{"bob"}, []string{"/m/Update"}, []string{"r/2"}, []string{"DENIED"})...)
		view(t, s, func(tx store.Tx) error {
			seq, hash, err := tx.AuditHead(ctx(t))
			noErr(t, "AuditHead", err)
			last := want[len(want)-1]
			if seq != 7 || !bytes.Equal(hash, last.Hash) {
				t.Fatalf("head = %d %x, want 7 %x", seq, hash, last.Hash)
			}
			return nil
		})
		got := listAudit(t, s, store.AuditFilter{Limit: 100})
		if !slices.Equal(sequences(got), seqRange(1, 7)) {
			t.Fatalf("sequences %v", sequences(got))
		}
		for i := range got {
			sameAudit(t, got[i], want[i])
			if i > 0 && !bytes.Equal(got[i].PrevHash, got[i-1].Hash) {
				t.Fatalf("record %d does not link to %d", got[i].Sequence, got[i-1].Sequence)
			}
		}
		if len(got[0].PrevHash) != 0 {
			t.Fatalf("first record's PrevHash %x, want empty", got[0].PrevHash)
		}
	})

	t.Run("WrongSequenceRefused", func(t *testing.T) {
		s := open(t)
		for _, seq := range []int64{0, 2, 5} {
			err := s.Update(ctx(t), func(tx store.Tx) error {
				return tx.InsertAudit(ctx(t), chainRecord(seq, nil, "a", "m", "r", "OK"))
			})
			if err == nil {
				t.Fatalf("InsertAudit(%d) on an empty chain succeeded", seq)
			}
		}
		recs := fill(t, s, 2, []string{"a"}, []string{"m"}, []string{"r"}, []string{"OK"})
		for _, seq := range []int64{1, 2, 4} {
			err := s.Update(ctx(t), func(tx store.Tx) error {
				return tx.InsertAudit(ctx(t), chainRecord(seq, recs[1].Hash, "a", "m", "r", "OK"))
			})
			if err == nil {
				t.Fatalf("InsertAudit(%d) after head 2 succeeded", seq)
			}
		}
		view(t, s, func(tx store.Tx) error {
			seq, hash, err := tx.AuditHead(ctx(t))
			noErr(t, "AuditHead", err)
			if seq != 2 || !bytes.Equal(hash, recs[1].Hash) {
				t.Fatalf("head moved to %d %x", seq, hash)
			}
			return nil
		})
		got := listAudit(t, s, store.AuditFilter{Limit: 100})
		if !slices.Equal(sequences(got), []int64{1, 2}) {
			t.Fatalf("sequences %v", sequences(got))
		}
		for i := range got {
			sameAudit(t, got[i], recs[i])
		}
	})

	t.Run("ListFilters", func(t *testing.T) {
		s := open(t)
		recs := fill(t, s, 12,
			[]string{"alice", "bob", "carol"},
			[]string{"/m/Create", "/m/Update"},
			[]string{"r/1", "r/2", "r/3", "r/4"},
			[]string{"OK", "OK", "DENIED", "FAILED", "OK"})
		match := func(f store.AuditFilter) []int64 {
			var out []int64
			for _, r := range recs {
				switch {
				case r.Sequence <= f.AfterSequence,
					f.ActorSubject != "" && r.ActorSubject != f.ActorSubject,
					f.Method != "" && r.Method != f.Method,
					f.Resource != "" && r.Resource != f.Resource,
					f.Outcome != "" && r.Outcome != f.Outcome,
					!f.Start.IsZero() && r.Time.Before(f.Start),
					!f.End.IsZero() && !r.Time.Before(f.End):
					continue
				}
				out = append(out, r.Sequence)
			}
			return out
		}
		filters := []store.AuditFilter{
			{},
			{ActorSubject: "alice"},
			{ActorSubject: "nobody"},
			{Method: "/m/Update"},
			{Resource: "r/3"},
			{Outcome: "DENIED"},
			{Outcome: "OK"},
			{AfterSequence: 5},
			{AfterSequence: 12},
			{Start: recs[3].Time},                    // inclusive start
			{End: recs[3].Time},                      // exclusive end
			{Start: recs[3].Time, End: recs[9].Time}, // [4, 9]
			{Start: recs[3].Time.Add(1), End: recs[9].Time.Add(1)},                                                 // one nanosecond matters
			{Start: time.Date(1000, 1, 1, 0, 0, 0, 0, time.UTC), End: time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)}, // far bounds
			{Start: time.Date(9000, 1, 1, 0, 0, 0, 0, time.UTC)},
			{ActorSubject: "bob", Method: "/m/Update", Outcome: "OK"},
			{ActorSubject: "alice", Resource: "r/1", AfterSequence: 1},
			{Method: "/m/Create", Start: recs[2].Time, End: recs[10].Time, Outcome: "OK"},
		}
		for i, f := range filters {
			want := match(f)
			for _, limit := range []int{1, 2, 5, 100} {
				f := f
				f.Limit = limit
				var got []int64
				for range 100 {
					page := listAudit(t, s, f)
					if len(page) > limit {
						t.Fatalf("filter %d: %d records, limit %d", i, len(page), limit)
					}
					for _, r := range page {
						sameAudit(t, r, recs[r.Sequence-1])
					}
					got = append(got, sequences(page)...)
					if len(page) < limit {
						break
					}
					f.AfterSequence = page[len(page)-1].Sequence
				}
				if !slices.Equal(got, want) {
					t.Fatalf("filter %d %+v limit %d: %v, want %v", i, filters[i], limit, got, want)
				}
			}
		}
	})

	t.Run("ScanFromMiddle", func(t *testing.T) {
		s := open(t)
		const n = 1100 // more than one page of a keyset scan
		recs := fill(t, s, n, []string{"a", "b"}, []string{"m"}, []string{"r"}, []string{"OK"})
		for _, from := range []int64{-5, 0, 1, 37, 999, 1000, 1001, n, n + 1} {
			var got []int64
			view(t, s, func(tx store.Tx) error {
				return tx.ScanAudit(ctx(t), from, func(r store.AuditRecord) error {
					if r.Sequence == from || r.Sequence == n/2 || r.Sequence == n {
						sameAudit(t, r, recs[r.Sequence-1])
					}
					got = append(got, r.Sequence)
					return nil
				})
			})
			if want := seqRange(max(from, 1), n); !slices.Equal(got, want) {
				t.Fatalf("scan from %d: %d records (%v...), want %d", from, len(got), got[:min(len(got), 5)], len(want))
			}
		}
		// fn's error stops the scan and is returned as is.
		stop := errors.New("stop here")
		var calls int
		err := s.View(ctx(t), func(tx store.Tx) error {
			return tx.ScanAudit(ctx(t), 10, func(r store.AuditRecord) error {
				calls++
				if r.Sequence == 1005 {
					return stop
				}
				return nil
			})
		})
		if !errors.Is(err, stop) || calls != 996 {
			t.Fatalf("ScanAudit stopped with %v after %d calls, want %v after 996", err, calls, stop)
		}
		// fn may use the transaction while the scan goes on.
		update(t, s, func(tx store.Tx) error {
			var seen int
			err := tx.ScanAudit(ctx(t), n-2, func(r store.AuditRecord) error {
				seen++
				_, _, err := tx.AuditHead(ctx(t))
				return err
			})
			if seen != 3 {
				t.Fatalf("scan with queries inside saw %d records", seen)
			}
			return err
		})
	})

	t.Run("TimeRoundTrip", func(t *testing.T) {
		s := open(t)
		times := []time.Time{
			time.Date(2024, 3, 5, 7, 8, 9, 123_456_789, time.FixedZone("MSK", 3*3600)),
			time.Date(2024, 3, 5, 7, 8, 9, 1, time.UTC),
			time.Date(2024, 3, 5, 7, 8, 9, 999_999_999, time.FixedZone("X", -7*3600-30*60)),
			time.Unix(0, 0),
			time.Unix(-1, 5), // before 1970
			time.Date(2262, 1, 1, 0, 0, 0, 0, time.UTC),
		}
		update(t, s, func(tx store.Tx) error {
			for i, tm := range times {
				r := chainRecord(int64(i+1), nil, "a", "m", "r", "OK")
				r.Time = tm
				if err := tx.InsertAudit(ctx(t), r); err != nil {
					return err
				}
			}
			return nil
		})
		got := listAudit(t, s, store.AuditFilter{Limit: 100})
		if len(got) != len(times) {
			t.Fatalf("%d records, want %d", len(got), len(times))
		}
		for i, r := range got {
			if r.Time.UnixNano() != times[i].UnixNano() || !r.Time.Equal(times[i]) || r.Time.Location() != time.UTC {
				t.Fatalf("record %d time %s, want %s in UTC", r.Sequence, r.Time.Format(time.RFC3339Nano), times[i].UTC().Format(time.RFC3339Nano))
			}
		}
	})

	t.Run("DirectTampering", func(t *testing.T) {
		// Stores that expose their pool let tests change rows behind the
		// store's back, as a verifier's tests need to.
		s := open(t)
		dbs, ok := s.(interface{ DB() *sql.DB })
		if !ok {
			t.Skip("store does not expose DB()")
		}
		fill(t, s, 3, []string{"a"}, []string{"m"}, []string{"r"}, []string{"OK"})
		if _, err := dbs.DB().ExecContext(ctx(t), `UPDATE audit_records SET detail = 'tampered' WHERE sequence = 2`); err != nil {
			t.Fatalf("tamper: %v", err)
		}
		got := listAudit(t, s, store.AuditFilter{AfterSequence: 1, Limit: 1})
		if len(got) != 1 || got[0].Detail != "tampered" {
			t.Fatalf("tampered record reads %+v", got)
		}
	})
}
