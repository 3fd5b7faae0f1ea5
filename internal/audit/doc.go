// Package audit keeps the tamper-evident audit trail: every state change
// and every refused call appends a record holding the SHA-256 of the
// record before it, so editing or deleting any stored record breaks the
// chain at that point, which Verify finds. The accounting events of a
// bulk upload's transaction are audited by one record that also holds the
// SHA-256 of their stored rows (covered.go), so editing or deleting one of
// them breaks the chain at that record too.
package audit
