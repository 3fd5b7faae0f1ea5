package paging

import (
	"context"

	"github.com/eaeu/customs-exchange/internal/store"
)

// Documents reads one page of documents: q with its cursor taken from
// token (made for the same query string), at most size of them, each
// converted by conv. It returns the page and the next page's token ("" on
// the last page).
func Documents[T any](ctx context.Context, tx store.Tx, q store.DocumentQuery, query, token string, size int,
	conv func(store.Document) (T, error)) ([]T, string, error) {
	after, err := Cursor(token, query)
	if err != nil {
		return nil, "", err
	}
	q.AfterSort, q.Limit = after, size+1
	docs, err := tx.ListDocuments(ctx, q)
	if err != nil {
		return nil, "", err
	}
	docs, next := Page(docs, size, query, func(last store.Document) string { return last.SortKey })
	out := make([]T, 0, len(docs))
	for _, d := range docs {
		v, err := conv(d)
		if err != nil {
			return nil, "", err
		}
		out = append(out, v)
	}
	return out, next, nil
}
