// Package audit keeps the tamper-evident audit trail: every state change
// and every refused call appends a record holding the SHA-256 of the
// record before it, so editing or deleting any stored record breaks the
// chain at that point, which Verify finds.
package audit
