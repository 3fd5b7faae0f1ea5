package sqlite

import "embed"

// migrations holds the numbered goose migrations of the SQLite schema.
//
//go:embed migrations/*.sql
var migrations embed.FS
