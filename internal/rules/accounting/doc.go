// Package accounting holds the pure rules of an e-commerce operator's
// separate accounts of goods (EAEU Customs Code art. 429.5, 309.3, 309.6):
// the state machine an item follows over its events, the deadlines of a
// return by the buyer (3 and 5 working days, capped by the declaration
// deadline), the discrepancies customs looks at, and the report's
// aggregation of events into the three accounts. No store, no gRPC.
package accounting
