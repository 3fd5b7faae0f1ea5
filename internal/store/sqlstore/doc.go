// Package sqlstore is the one SQL implementation of store.Store, shared by
// the SQLite and PostgreSQL engines.
//
// The engines (packages sqlite and postgres) open the connections, apply
// their migrations and describe their differences in a Dialect: how
// placeholders are written, whether the audit chain head is locked with
// SELECT ... FOR UPDATE, and how driver errors are classified (unique
// violation, transient conflict). Every query here is written once with
// '?' placeholders and portable SQL.
//
// Storage conventions, identical in both engines:
//   - times are BIGINT Unix nanoseconds (UTC), so they round-trip exactly;
//   - effective dates are 'YYYY-MM-DD' (TEXT on SQLite, DATE on PostgreSQL);
//   - exchange rates are decimal text written with apd's plain notation and
//     read back with CAST(rate AS TEXT), so "512.3700" stays 512.3700;
//   - blobs are BLOB / BYTEA.
package sqlstore
