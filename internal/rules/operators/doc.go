// Package operators holds the pure rules of the register of e-commerce
// operators (EAEU Customs Code ch. 60.1): the conditions for inclusion
// (art. 429.2), the obligations after exclusion (art. 429.5) and the
// deadline of a notice of change. No store, no gRPC.
package operators
