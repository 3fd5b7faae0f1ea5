// Package paging encodes page tokens and bounds page sizes (AIP-158).
package paging

import (
	"encoding/base64"
	"strings"

	"github.com/eaeu/customs-exchange/internal/errs"
)

// Size bounds a requested page size: 0 means def, anything above max is max.
func Size(requested int32, def, max int) int {
	switch {
	case requested <= 0:
		return def
	case int(requested) > max:
		return max
	}
	return int(requested)
}

// Token encodes a cursor together with the query it belongs to, so that a
// token is refused with another query.
func Token(query, cursor string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(query + "\x00" + cursor))
}

// Cursor decodes a page token made by Token for the same query; "" is the
// start.
func Cursor(token, query string) (string, error) {
	if token == "" {
		return "", nil
	}
	b, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return "", errs.Field("page_token", "not a page token of this list")
	}
	q, c, ok := strings.Cut(string(b), "\x00")
	if !ok || q != query {
		return "", errs.Field("page_token", "the page token belongs to another query")
	}
	return c, nil
}

// Page trims rows, read with a limit of size+1, to one page of size, and
// returns the token of the next page, which goes on after the page's last
// row (cursor gives that row's cursor): "" when rows held no more than
// size, so that there is none.
func Page[T any](rows []T, size int, query string, cursor func(last T) string) ([]T, string) {
	if len(rows) <= size {
		return rows, ""
	}
	rows = rows[:size]
	return rows, Token(query, cursor(rows[size-1]))
}
