package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"net/url"
	"sync"
	"time"
)

// The writer never checkpoints (wal_autocheckpoint is 0 on its
// connection): left to SQLite, the commit that crosses 1000 WAL pages
// copies them into the database file and syncs it before it returns, a
// stall of tens of milliseconds for the requests of that commit and of
// every one queued behind it. A goroutine with a connection of its own
// does it instead, PASSIVE (it never blocks the writer or the readers),
// every checkpointInterval; when the WAL still grows past
// checkpointTruncatePages (readers kept old frames in use), it truncates
// it, which waits for the writer briefly.
const (
	checkpointInterval      = 250 * time.Millisecond
	checkpointTruncatePages = 64 << 10 // 256 MiB of 4 KiB pages
)

// checkpointer runs the checkpoints of one database file.
type checkpointer struct {
	db     *sql.DB
	stop   chan struct{}
	done   sync.WaitGroup
	closed sync.Once
}

func startCheckpointer(path string) (*checkpointer, error) {
	db, err := sql.Open("sqlite", dsn(path, url.Values{
		"_pragma": {fmt.Sprintf("busy_timeout(%d)", busyTimeoutMillis)},
	}))
	if err != nil {
		return nil, fmt.Errorf("sqlite: open checkpointer: %w", err)
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	c := &checkpointer{db: db, stop: make(chan struct{})}
	c.done.Add(1)
	go c.run()
	return c, nil
}

func (c *checkpointer) run() {
	defer c.done.Done()
	t := time.NewTicker(checkpointInterval)
	defer t.Stop()
	for {
		select {
		case <-c.stop:
			return
		case <-t.C:
			if err := c.checkpoint(context.Background()); err != nil {
				slog.Warn("sqlite checkpoint", "err", err)
			}
		}
	}
}

// checkpoint copies what it can of the WAL into the database file.
func (c *checkpointer) checkpoint(ctx context.Context) error {
	var busy, log, done int64
	if err := c.db.QueryRowContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &log, &done); err != nil {
		return err
	}
	if log < checkpointTruncatePages {
		return nil
	}
	return c.db.QueryRowContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)").Scan(&busy, &log, &done)
}

// close stops the goroutine and checkpoints what is left.
func (c *checkpointer) close() error {
	var err error
	c.closed.Do(func() {
		close(c.stop)
		c.done.Wait()
		err = c.checkpoint(context.Background())
		if cerr := c.db.Close(); err == nil {
			err = cerr
		}
	})
	return err
}
