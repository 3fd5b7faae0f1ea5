// Package warehouse holds the pure rules of the customs warehouse for
// e-commerce goods for sale to individuals (EAEU Customs Code art. 309.6,
// as amended by the 2023 protocol): the declaration deadline after a
// purchase or a refusal of release, the day the obligation to pay becomes
// due in each of the three cases of art. 309.6(17), and which events a
// purchased item may go through in which state. No store, no gRPC.
package warehouse
