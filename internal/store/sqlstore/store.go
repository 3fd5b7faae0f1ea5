package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/eaeu/customs-exchange/internal/store"
)

// MaxAttempts bounds how many times Update runs fn when the transaction
// hits a transient conflict.
const MaxAttempts = 8

// Store implements store.Store over database/sql.
type Store struct {
	d       Dialect
	write   *sql.DB
	read    *sql.DB
	queries sync.Map // '?' query -> rebound query

	// Prepared statements of each pool (SQLite only, see stmtCache).
	writeStmts, readStmts *stmtCache
	// Concurrent Update calls share transactions (SQLite only, see
	// groupCommit).
	group *groupCommit

	closeOnce sync.Once
	closeErr  error
}

var _ store.Store = (*Store)(nil)

// New returns a Store that runs Update on write and View on read. read
// may be nil or the same pool as write (PostgreSQL); SQLite passes a
// single-connection writer pool and a separate reader pool. The Store
// owns the pools: Close closes them.
func New(d Dialect, write, read *sql.DB) (*Store, error) {
	if write == nil {
		return nil, errors.New("sqlstore: nil write pool")
	}
	if d.Name == "" || d.IsUniqueViolation == nil || d.IsTransient == nil {
		return nil, errors.New("sqlstore: incomplete dialect")
	}
	if read == nil {
		read = write
	}
	s := &Store{d: d, write: write, read: read}
	if d.Name == "sqlite" {
		s.group = newGroupCommit(s)
		s.writeStmts = newStmtCache(write)
		if read != write {
			s.readStmts = newStmtCache(read)
		} else {
			s.readStmts = s.writeStmts
		}
	}
	return s, nil
}

// DB returns the write pool, for tests that inspect or tamper with rows
// directly and for maintenance. On SQLite it has a single connection: do
// not use it from inside an Update, which holds that connection.
func (s *Store) DB() *sql.DB { return s.write }

// Dialect returns the engine description the Store was built with.
func (s *Store) Dialect() Dialect { return s.d }

// Backend names the engine.
func (s *Store) Backend() string { return s.d.Name }

// Ping reports whether both pools answer.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.write.PingContext(ctx); err != nil {
		return fmt.Errorf("store: ping %s: %w", s.d.Name, err)
	}
	if s.read != s.write {
		if err := s.read.PingContext(ctx); err != nil {
			return fmt.Errorf("store: ping %s reader: %w", s.d.Name, err)
		}
	}
	return nil
}

// Close closes the pools. Calling it again returns the first result.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		var errs []error
		errs = append(errs, s.writeStmts.close())
		if s.readStmts != s.writeStmts {
			errs = append(errs, s.readStmts.close())
		}
		if s.read != s.write {
			errs = append(errs, s.read.Close())
		}
		errs = append(errs, s.write.Close())
		s.closeErr = errors.Join(errs...)
	})
	return s.closeErr
}

// Update runs fn in a read-write transaction, running it again (a bounded
// number of times, with a short randomized backoff) when the transaction
// fails with a transient conflict.
func (s *Store) Update(ctx context.Context, fn func(store.Tx) error) error {
	var err error
	for attempt := 1; ; attempt++ {
		if s.group != nil {
			err = s.group.update(ctx, fn)
		} else {
			err = s.run(ctx, s.write, s.d.UpdateTxOptions, false, fn)
		}
		if err == nil || attempt >= MaxAttempts || !s.d.IsTransient(err) || ctx.Err() != nil {
			return err
		}
		if werr := sleep(ctx, backoff(attempt)); werr != nil {
			return fmt.Errorf("store: giving up after %d attempts: %w", attempt, err)
		}
	}
}

// View runs fn in a read-only transaction.
func (s *Store) View(ctx context.Context, fn func(store.Tx) error) error {
	return s.run(ctx, s.read, s.d.ViewTxOptions, true, fn)
}

func (s *Store) run(ctx context.Context, db *sql.DB, opts *sql.TxOptions, readOnly bool, fn func(store.Tx) error) (err error) {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	sqlTx, err := db.BeginTx(ctx, opts)
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	done := false
	defer func() {
		if !done {
			// fn panicked: release the connection (on SQLite the only
			// writer) before the panic goes on.
			_ = sqlTx.Rollback()
		}
	}()
	cache := s.writeStmts
	if db != s.write {
		cache = s.readStmts
	}
	if err := fn(&tx{s: s, tx: sqlTx, readOnly: readOnly, cache: cache}); err != nil {
		done = true
		_ = sqlTx.Rollback()
		return err
	}
	done = true
	if err := sqlTx.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	return nil
}

// backoff is 2ms, 4ms, 8ms, ... capped at 100ms, with up to 50% jitter so
// that retried writers do not collide again in step.
func backoff(attempt int) time.Duration {
	d := 2 * time.Millisecond << (attempt - 1)
	if d > 100*time.Millisecond {
		d = 100 * time.Millisecond
	}
	return d/2 + rand.N(d/2+1)
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// q returns query rewritten for the dialect, caching the result.
func (s *Store) q(query string) string {
	if s.d.Rebind == nil {
		return query
	}
	if v, ok := s.queries.Load(query); ok {
		return v.(string)
	}
	r := s.d.Rebind(query)
	s.queries.Store(query, r)
	return r
}
