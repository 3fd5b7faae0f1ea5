package storetest

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/eaeu/customs-exchange/internal/store"
	"github.com/eaeu/customs-exchange/internal/store/postgres"
	"github.com/eaeu/customs-exchange/internal/store/sqlite"
)

// Engines opens a fresh store of each engine, for the tests of code above
// the store that must hold on both: SQLite always; PostgreSQL in a schema
// of its own when EAEU_TEST_POSTGRES_DSN is set, skipped (and said so)
// otherwise. Each store is closed when its test ends.
func Engines() map[string]func(t *testing.T) store.Store {
	return map[string]func(t *testing.T) store.Store{
		"sqlite": func(t *testing.T) store.Store {
			s, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "store.db"))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = s.Close() })
			return s
		},
		"postgres": func(t *testing.T) store.Store {
			return postgres.OpenTestSchema(t, os.Getenv(postgres.TestDSNEnv))
		},
	}
}
