// Package accounting holds the handlers of eaeu.operators.v1.AccountingService:
// an e-commerce operator's separate accounts of goods and its reports
// (EAEU Customs Code art. 429.5, 309.3, 309.6). The state machine, the
// deadlines, the discrepancy checks and the report's aggregation are pure
// rules in internal/rules/accounting; this package reads and writes the
// store and speaks gRPC.
//
// Every event is applied by one engine (apply.go), for one event in a
// unary call (inside mutation.Run) or for a batch of an upload stream
// (many events, each with its own effect, in one store transaction with
// one audit record that vouches for the rows of the events applied,
// batchaudit.go): a refused event writes nothing and does not stop the
// others. An event's idempotency is its event id: a resent event with the
// same content is a duplicate, with other content a refusal.
package accounting
