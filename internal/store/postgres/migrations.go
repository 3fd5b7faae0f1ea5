package postgres

import "embed"

// migrations holds the numbered goose migrations of the PostgreSQL schema.
//
//go:embed migrations/*.sql
var migrations embed.FS
