package paging

import (
	"strconv"
	"strings"
	"time"

	"github.com/eaeu/customs-exchange/internal/errs"
)

// Listings ordered by a time and then an id, newest first, page on the
// last row's (time, id): the cursor is "UnixNano/id".

// TimeToken is the page token that goes on after the row at (t, id).
func TimeToken(query string, t time.Time, id string) string { return Token(query, timeCursor(t, id)) }

func timeCursor(t time.Time, id string) string { return strconv.FormatInt(t.UnixNano(), 10) + "/" + id }

// TimeCursor decodes a token made by TimeToken for the same query; ok is
// false for "" (the first page).
func TimeCursor(token, query string) (t time.Time, id string, ok bool, err error) {
	cur, err := Cursor(token, query)
	if err != nil || cur == "" {
		return time.Time{}, "", false, err
	}
	ns, id, found := strings.Cut(cur, "/")
	n, perr := strconv.ParseInt(ns, 10, 64)
	if !found || perr != nil || id == "" {
		return time.Time{}, "", false, errs.Field("page_token", "not a page token of this list")
	}
	return time.Unix(0, n).UTC(), id, true, nil
}

// TimePage trims rows, read with a limit of size+1, to one page of size,
// and returns the token of the next page: "" when rows held no more than
// size, so that there is none. key gives a row's (time, id).
func TimePage[T any](rows []T, size int, query string, key func(T) (time.Time, string)) ([]T, string) {
	return Page(rows, size, query, func(last T) string {
		t, id := key(last)
		return timeCursor(t, id)
	})
}
