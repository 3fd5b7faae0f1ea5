package storetest

import (
	"bytes"
	"crypto/sha256"
	"testing"

	"github.com/eaeu/customs-exchange/internal/store"
)

func runIdempotency(t *testing.T, open opener) {
	t.Run("GetNotFound", func(t *testing.T) {
		s := open(t)
		view(t, s, func(tx store.Tx) error {
			_, err := tx.GetIdempotency(ctx(t), "alice|/svc/Create|req-1")
			wantErr(t, "GetIdempotency of a new key", err, store.ErrNotFound)
			return nil
		})
	})

	t.Run("PutGet", func(t *testing.T) {
		s := open(t)
		h := sha256.Sum256([]byte("request"))
		r := store.IdempotencyRecord{
			Key:         "alice|/svc/Create|req-1",
			RequestHash: h[:],
			Response:    []byte{0x0a, 0x00, 0xff, 0x10},
			CreateTime:  ts(1_700_000_200, 7),
		}
		update(t, s, func(tx store.Tx) error { return tx.PutIdempotency(ctx(t), r) })
		view(t, s, func(tx store.Tx) error {
			got, err := tx.GetIdempotency(ctx(t), r.Key)
			noErr(t, "GetIdempotency", err)
			if got.Key != r.Key || !bytes.Equal(got.RequestHash, r.RequestHash) || !bytes.Equal(got.Response, r.Response) {
				t.Fatalf("record = %+v, want %+v", got, r)
			}
			sameInstant(t, "CreateTime", got.CreateTime, r.CreateTime)
			_, err = tx.GetIdempotency(ctx(t), "alice|/svc/Create|req-2")
			wantErr(t, "GetIdempotency of another key", err, store.ErrNotFound)
			return nil
		})
	})

	t.Run("PutAlreadyExists", func(t *testing.T) {
		s := open(t)
		r := store.IdempotencyRecord{Key: "k", RequestHash: []byte("h1"), Response: []byte("first"), CreateTime: ts(10, 0)}
		update(t, s, func(tx store.Tx) error { return tx.PutIdempotency(ctx(t), r) })
		dup := r
		dup.RequestHash, dup.Response = []byte("h2"), []byte("second")
		err := s.Update(ctx(t), func(tx store.Tx) error { return tx.PutIdempotency(ctx(t), dup) })
		wantErr(t, "PutIdempotency of a taken key", err, store.ErrAlreadyExists)
		view(t, s, func(tx store.Tx) error {
			got, err := tx.GetIdempotency(ctx(t), "k")
			noErr(t, "GetIdempotency", err)
			if string(got.Response) != "first" || string(got.RequestHash) != "h1" {
				t.Fatalf("the duplicate overwrote the record: %+v", got)
			}
			return nil
		})
	})
}
