// Package exchange holds the handlers of eaeu.exchange.v1: the
// customs-to-customs exchange between the nodes of the member states.
//
//   - CopyRequestService: requests for copies of documents and information
//     (EAEU Customs Code art. 371), outgoing and incoming, signed by the
//     sending node and verified against its certificate, with the whole
//     lifecycle at the requested side delivered to the requester;
//   - RegularExchangeService: records with amendments as versions, per-peer
//     agreements, the pull stream from a durable cursor and subscriptions;
//   - NoticeService: mandatory and own-initiative notices, acknowledged;
//   - DeliveryService: the undeliverable outbox messages and the figures.
//
// Every change that a peer must learn of is written to the outbox in the
// transaction of the change; package outbox delivers it. Deliveries from
// peers carry the sending outbox message id as request_id, so that
// mutation.Run applies each exactly once. The deadline and completeness
// rules are in internal/rules/exchange.
package exchange
