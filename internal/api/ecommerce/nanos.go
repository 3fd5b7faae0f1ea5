package ecommerce

import (
	"strconv"
	"time"
)

func formatNanos(t time.Time) string { return strconv.FormatInt(t.UnixNano(), 10) }

func parseNanos(s string) (time.Time, error) {
	n, err := strconv.ParseInt(s, 10, 64)
	return time.Unix(0, n).UTC(), err
}
