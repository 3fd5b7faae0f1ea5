// Package middleware holds the server's interceptors, in the order the
// server chains them (internal/app): recovery, request id, logging,
// metrics, authentication, authorisation, validation, refusal audit. Each
// refusal (authentication, authorisation, validation, and a use-case
// refusal of a mutating call) is written to the audit trail.
package middleware
