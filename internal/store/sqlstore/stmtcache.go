package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"sync"
)

// maxCachedStatements bounds a pool's statement cache. The queries of this
// package are a fixed set plus a few filter combinations of the list
// queries; anything beyond the bound simply runs unprepared.
const maxCachedStatements = 256

// maxCachedParams: a query with more parameters is taken for one of many
// shapes of a long IN (...) or multi-row VALUES list, and runs unprepared;
// the fixed shapes of multirow.go are cached with getShaped instead.
const maxCachedParams = 32

// stmtCache keeps one prepared statement per query text for a pool, so
// that a query is parsed once per connection instead of on every call.
// It is used on SQLite, where modernc's driver would otherwise parse and
// plan every statement again (a fifth of a filing's CPU time); pgx already
// caches prepared statements per connection.
//
// A statement is prepared on the pool in the background the first time
// its query is seen (the call that saw it runs unprepared): preparing it
// there and then would wait for a connection, and the writer pool has one,
// held by the very transaction asking. Transactions then run the prepared
// statement on their own connection with Tx.StmtContext, which prepares it
// on that connection the first time and reuses it afterwards.
//
// A query whose rows are open must not be run again before they are
// closed, in the same transaction: no code of this package does (list
// queries read all their rows, and ScanAudit calls back between pages).
type stmtCache struct {
	db     *sql.DB
	ctx    context.Context // ends at close: pending prepares give up
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu      sync.Mutex
	closed  bool
	stmts   map[string]*sql.Stmt
	pending map[string]bool // being prepared, or failed to prepare
}

func newStmtCache(db *sql.DB) *stmtCache {
	ctx, cancel := context.WithCancel(context.Background())
	return &stmtCache{db: db, ctx: ctx, cancel: cancel, stmts: map[string]*sql.Stmt{}, pending: map[string]bool{}}
}

// get returns the prepared statement of query, or nil when it is not
// prepared (yet); in that case it starts preparing it.
func (c *stmtCache) get(query string) *sql.Stmt { return c.lookup(query, false) }

// getShaped is get for one of the fixed shapes of a multi-row statement
// (multirow.go): it is cached however many parameters it has.
func (c *stmtCache) getShaped(query string) *sql.Stmt { return c.lookup(query, true) }

func (c *stmtCache) lookup(query string, shaped bool) *sql.Stmt {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if st := c.stmts[query]; st != nil || c.closed {
		return st
	}
	if c.pending[query] || len(c.stmts)+len(c.pending) >= maxCachedStatements ||
		(!shaped && strings.Count(query, "?") > maxCachedParams) {
		return nil
	}
	c.pending[query] = true
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		st, err := c.db.PrepareContext(c.ctx, query)
		c.mu.Lock()
		defer c.mu.Unlock()
		switch {
		case err != nil:
			// Keep it pending: it runs unprepared from now on. A prepare
			// cut short by close needs no retry either.
		case c.closed:
			_ = st.Close()
		default:
			delete(c.pending, query)
			c.stmts[query] = st
		}
	}()
	return nil
}

// close stops pending prepares and closes the statements; call it before
// closing the pool.
func (c *stmtCache) close() error {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	c.closed = true
	c.mu.Unlock()
	c.cancel()
	c.wg.Wait()
	c.mu.Lock()
	defer c.mu.Unlock()
	var errs []error
	for q, st := range c.stmts {
		errs = append(errs, st.Close())
		delete(c.stmts, q)
	}
	return errors.Join(errs...)
}

// statement returns the context to run query with, the query in the
// engine's form, and its prepared statement bound to the transaction (nil
// when it runs unprepared).
func (t *tx) statement(ctx context.Context, query string) (context.Context, string, *sql.Stmt) {
	if t.detached {
		ctx = context.WithoutCancel(ctx)
	}
	q := t.s.q(query)
	st := t.cache.get(q)
	if st == nil {
		return ctx, q, nil
	}
	return ctx, q, t.tx.StmtContext(ctx, st)
}
