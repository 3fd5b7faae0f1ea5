package sqlstore

import (
	"context"
	"fmt"

	"github.com/eaeu/customs-exchange/internal/store"
)

func (t *tx) GetIdempotency(ctx context.Context, key string) (store.IdempotencyRecord, error) {
	var (
		r       = store.IdempotencyRecord{Key: key}
		created int64
	)
	err := t.queryRow(ctx,
		`SELECT request_hash, response, create_time FROM idempotency WHERE key = ?`, key).
		Scan(&r.RequestHash, &r.Response, &created)
	if err != nil {
		return store.IdempotencyRecord{}, notFound(err, fmt.Sprintf("idempotency key %q", key))
	}
	r.RequestHash = unblob(r.RequestHash)
	r.Response = unblob(r.Response)
	r.CreateTime = fromNanos(created)
	return r, nil
}

func (t *tx) PutIdempotency(ctx context.Context, r store.IdempotencyRecord) error {
	created, err := toNanos(r.CreateTime, "create time")
	if err != nil {
		return err
	}
	return t.insertOrExists(ctx, fmt.Sprintf("idempotency key %q", r.Key),
		`INSERT INTO idempotency (key, request_hash, response, create_time) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`,
		r.Key, blob(r.RequestHash), blob(r.Response), created)
}
