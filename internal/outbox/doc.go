// Package outbox connects this node to its peers, the nodes of the other
// member states' customs bodies.
//
// Dispatcher delivers the durable outbox: messages written by the
// exchange handlers in the transaction of the change they report. Messages
// to one peer go out one at a time, in order; a failed attempt is retried
// with exponential backoff, and after MaxAttempts (or a refusal that a
// retry cannot change) the message is marked undeliverable, where
// DeliveryService shows it. All state is in the store, so deliveries
// resume after a restart; each message carries its id as the request_id of
// the peer's RPC, so the peer applies it exactly once however often it
// arrives. A lease keeps two instances on one database from sending the
// same message at once.
//
// Puller keeps this node's subscriptions: it pulls each peer's records
// from the cursor stored with the records already received, stores every
// page together with the new cursor, and reconnects with backoff.
//
// Peers dials peer nodes at the endpoint the customs-body directory gives,
// presenting this node's certificate.
package outbox
