package app

import (
	"context"
	"strings"

	"github.com/eaeu/customs-exchange/internal/store"
	"github.com/eaeu/customs-exchange/internal/store/postgres"
	"github.com/eaeu/customs-exchange/internal/store/sqlite"
)

// OpenStore opens PostgreSQL for a postgres:// or postgresql:// DSN and
// the embedded SQLite store for anything else (a file path). Migrations
// are applied on open.
func OpenStore(ctx context.Context, dsn string) (store.Store, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		return postgres.Open(ctx, dsn)
	}
	return sqlite.Open(ctx, dsn)
}
