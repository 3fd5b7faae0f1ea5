package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/eaeu/customs-exchange/internal/store"
)

// maxGroup bounds how many Update calls share one database transaction,
// and maxGroupDelay how long a call that is done may wait for others to
// join before its transaction is committed.
const (
	maxGroup      = 64
	maxGroupDelay = 10 * time.Millisecond
)

// groupCommit runs concurrent Update calls of a single-writer engine
// (SQLite) in one database transaction and commits them with one fsync
// (group commit). With synchronous=FULL the commit, its WAL writes and its
// fsync are most of the time the writer connection is held; callers
// queued behind a commit now share the next one instead of paying one
// each.
//
// The callers still run one at a time, each in its own goroutine (so that
// its panics and contexts stay its own), in arrival order, each inside a
// SAVEPOINT of the shared transaction:
//   - fn returns nil: the savepoint is released, and the caller waits for
//     the commit of the whole group; it returns nil only once that commit
//     (and its fsync) succeeded, and the commit's error otherwise;
//   - fn returns an error, its context ends while fn runs, or fn panics:
//     the savepoint is rolled back, so nothing of that call remains. A
//     failed call also waits for the group's commit before answering,
//     since its error may rest on what an earlier call of the group wrote.
//
// The calls of one group are thus serialized exactly as separate
// transactions would be, and commit or fail together. The one who ends a
// call with nobody queued behind it commits; otherwise it hands the
// connection to the next caller, which joins the open transaction, unless
// the group is full (maxGroup) or its first call has waited maxGroupDelay.
// A call may thus wait, besides its own commit, for the work of the calls
// that joined after it: at most one call's beyond maxGroupDelay.
//
// A call's statements do not see its context's cancellation: on SQLite an
// interrupted write rolls back the whole transaction, which now holds the
// other calls' work too. The context is checked when the call starts and
// after fn returns instead.
type groupCommit struct {
	s     *Store
	delay time.Duration // maxGroupDelay; tests lengthen it

	mu      sync.Mutex
	busy    bool            // a caller holds the turn on the connection
	waiters []chan struct{} // callers waiting for the turn, oldest first
	cur     *batch          // the open transaction; only with busy

	// What the writer did, for WriterStats.
	calls, commits          atomic.Int64
	runningNs, committingNs atomic.Int64
}

// WriterStats is what the single writer of an embedded store has done
// since the store opened: its busy time per call, (Running+Committing)/
// Calls, bounds the store's write rate, whatever else a call costs.
type WriterStats struct {
	Calls      int64         // Update calls run, each in its savepoint
	Commits    int64         // shared transactions committed
	Running    time.Duration // running the calls, their statements included
	Committing time.Duration // committing: WAL writes, fsync, checkpoints
}

// WriterStats reports what the single writer did; ok is false for an
// engine without one (PostgreSQL).
func (s *Store) WriterStats() (stats WriterStats, ok bool) {
	g := s.group
	if g == nil {
		return WriterStats{}, false
	}
	return WriterStats{Calls: g.calls.Load(), Commits: g.commits.Load(),
		Running: time.Duration(g.runningNs.Load()), Committing: time.Duration(g.committingNs.Load())}, true
}

// batch is one shared transaction. Only the turn holder touches tx,
// members and broken.
type batch struct {
	conn    *sql.Conn
	tx      *sql.Tx
	members int       // calls whose outcome depends on the commit
	first   time.Time // when the first of them was done
	broken  error     // the savepoint machinery failed: the batch cannot commit
	done    chan struct{}
	err     error // the commit's result, set before done closes
}

func newGroupCommit(s *Store) *groupCommit { return &groupCommit{s: s, delay: maxGroupDelay} }

// update is one attempt of Store.Update.
func (g *groupCommit) update(ctx context.Context, fn func(store.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	if err := g.acquire(ctx); err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	b, err := g.open(ctx)
	if err != nil {
		g.finish()
		return fmt.Errorf("store: begin: %w", err)
	}
	err = g.timedMember(ctx, b, fn)
	g.finish()
	<-b.done
	if b.err != nil {
		return b.err
	}
	return err
}

// timedMember is member, counted in the writer's stats (a call that
// panics too).
func (g *groupCommit) timedMember(ctx context.Context, b *batch, fn func(store.Tx) error) error {
	start := time.Now()
	defer func() {
		g.runningNs.Add(int64(time.Since(start)))
		g.calls.Add(1)
	}()
	return g.member(ctx, b, fn)
}

// member runs fn in a savepoint of b. When fn panics the savepoint is
// rolled back and the turn passed on before the panic goes on.
func (g *groupCommit) member(ctx context.Context, b *batch, fn func(store.Tx) error) (err error) {
	t := &tx{s: g.s, tx: b.tx, cache: g.s.writeStmts, detached: true}
	if _, err := t.exec(ctx, "SAVEPOINT sqlstore_member"); err != nil {
		b.broken = fmt.Errorf("store: savepoint: %w", err)
		return b.broken
	}
	finished := false
	defer func() {
		if !finished {
			g.rollbackMember(t, b)
			g.finish()
		}
	}()
	err = fn(t)
	finished = true
	if err == nil && ctx.Err() != nil {
		err = fmt.Errorf("store: commit: %w", ctx.Err())
	}
	if b.members++; b.members == 1 {
		b.first = time.Now()
	}
	if err != nil {
		g.rollbackMember(t, b)
		return err
	}
	if _, rerr := t.exec(ctx, "RELEASE sqlstore_member"); rerr != nil {
		b.broken = fmt.Errorf("store: release savepoint: %w", rerr)
		return b.broken
	}
	return nil
}

// rollbackMember undoes what the current call wrote. When SQLite already
// rolled back the whole transaction (an I/O error, a full disk), the
// savepoint is gone and the batch cannot commit.
func (g *groupCommit) rollbackMember(t *tx, b *batch) {
	ctx := context.Background()
	if _, err := t.exec(ctx, "ROLLBACK TO sqlstore_member"); err != nil {
		b.broken = fmt.Errorf("store: rollback to savepoint: %w", err)
		return
	}
	if _, err := t.exec(ctx, "RELEASE sqlstore_member"); err != nil {
		b.broken = fmt.Errorf("store: release savepoint: %w", err)
	}
}

// acquire waits for the turn on the connection.
func (g *groupCommit) acquire(ctx context.Context) error {
	g.mu.Lock()
	if !g.busy {
		g.busy = true
		g.mu.Unlock()
		return nil
	}
	ch := make(chan struct{})
	g.waiters = append(g.waiters, ch)
	g.mu.Unlock()
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		g.mu.Lock()
		if i := slices.Index(g.waiters, ch); i >= 0 {
			g.waiters = slices.Delete(g.waiters, i, i+1)
			g.mu.Unlock()
			return ctx.Err()
		}
		g.mu.Unlock()
		// The turn was handed over meanwhile: pass it on.
		<-ch
		g.finish()
		return ctx.Err()
	}
}

// open returns the open transaction, beginning one if there is none. The
// caller holds the turn.
func (g *groupCommit) open(ctx context.Context) (*batch, error) {
	g.mu.Lock()
	b := g.cur
	g.mu.Unlock()
	if b != nil {
		return b, nil
	}
	// Not bound to ctx: database/sql would roll the transaction back when
	// this one caller's context ends.
	bg := context.WithoutCancel(ctx)
	conn, err := g.s.write.Conn(bg)
	if err != nil {
		return nil, err
	}
	// Savepoints copy the pages they change to a statement journal, a
	// temporary file by default: keep it in memory. Only temporary data
	// is concerned; the WAL and its fsync are untouched.
	if _, err := conn.ExecContext(bg, "PRAGMA temp_store = MEMORY"); err != nil {
		_ = conn.Close()
		return nil, err
	}
	t, err := conn.BeginTx(bg, g.s.d.UpdateTxOptions)
	if err != nil {
		_ = conn.Close()
		return nil, err
	}
	b = &batch{conn: conn, tx: t, done: make(chan struct{})}
	g.mu.Lock()
	g.cur = b
	g.mu.Unlock()
	return b, nil
}

// finish ends the holder's turn: it hands the connection to the next
// caller, who joins the open transaction, or, with nobody waiting (or a
// full or broken batch), commits the transaction first.
func (g *groupCommit) finish() {
	g.mu.Lock()
	b := g.cur
	if b != nil && b.broken == nil && len(g.waiters) > 0 && b.members < maxGroup && time.Since(b.first) < g.delay {
		g.handOverLocked()
		g.mu.Unlock()
		return
	}
	g.cur = nil
	g.mu.Unlock()
	if b != nil {
		if b.broken != nil {
			_ = b.tx.Rollback()
			b.err = b.broken
		} else {
			start := time.Now()
			err := b.tx.Commit()
			g.committingNs.Add(int64(time.Since(start)))
			if err != nil {
				b.err = fmt.Errorf("store: commit: %w", err)
			} else {
				g.commits.Add(1)
			}
		}
		_ = b.conn.Close()
		close(b.done)
	}
	g.mu.Lock()
	g.handOverLocked()
	g.mu.Unlock()
}

// handOverLocked gives the turn to the oldest waiter, or frees it.
func (g *groupCommit) handOverLocked() {
	if len(g.waiters) == 0 {
		g.busy = false
		return
	}
	ch := g.waiters[0]
	g.waiters = g.waiters[1:]
	close(ch)
}
