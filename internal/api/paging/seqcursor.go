package paging

import (
	"strconv"

	"github.com/eaeu/customs-exchange/internal/errs"
)

// Listings ordered by a sequence number page on the last row's number.

// SeqCursor decodes a token made by SeqPage for the same query: the
// sequence number to go on after, 0 for "" (the first page).
func SeqCursor(token, query string) (int64, error) {
	cur, err := Cursor(token, query)
	if err != nil || cur == "" {
		return 0, err
	}
	after, err := strconv.ParseInt(cur, 10, 64)
	if err != nil {
		return 0, errs.Field("page_token", "not a page token of this list")
	}
	return after, nil
}

// SeqPage is Page for rows whose cursor is a sequence number (seq).
func SeqPage[T any](rows []T, size int, query string, seq func(T) int64) ([]T, string) {
	return Page(rows, size, query, func(last T) string { return strconv.FormatInt(seq(last), 10) })
}
