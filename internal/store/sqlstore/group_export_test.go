package sqlstore

import (
	"context"
	"time"

	"github.com/eaeu/customs-exchange/internal/store"
)

// GroupWaiting is how many Update calls wait for the writer's turn.
func GroupWaiting(s *Store) int {
	s.group.mu.Lock()
	defer s.group.mu.Unlock()
	return len(s.group.waiters)
}

// ExecRaw runs a statement on the transaction behind t, bypassing the
// store (to break it on purpose).
func ExecRaw(t store.Tx, query string) error {
	_, err := t.(*tx).tx.ExecContext(context.Background(), query)
	return err
}

// SetGroupDelay sets how long a done call may wait for others to join.
func SetGroupDelay(s *Store, d time.Duration) { s.group.delay = d }
