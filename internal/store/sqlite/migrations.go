package sqlite

import "embed"

// migrations holds the numbered goose migrations of the SQLite schema.
//
//go:embed migrations/*.sql
var migrations embed.FS

// MigrationCount is how many migrations the embedded chain holds.
func MigrationCount() int {
	files, _ := migrations.ReadDir("migrations")
	return len(files)
}
