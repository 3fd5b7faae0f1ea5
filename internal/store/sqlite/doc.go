// Package sqlite is the SQLite engine of the store: the pure-Go
// modernc.org/sqlite driver (no cgo), its connection settings and its
// migrations. The SQL itself lives in package sqlstore.
//
// The database runs in WAL mode with synchronous=FULL, so a committed
// transaction survives a power loss. Writes go through a pool of exactly
// one connection whose transactions begin IMMEDIATE, which serializes
// writers inside the process without SQLITE_BUSY; reads use a separate
// pool of query-only connections that WAL lets run beside the writer.
package sqlite
