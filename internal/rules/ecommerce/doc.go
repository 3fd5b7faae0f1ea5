// Package ecommerce holds the pure rules of declarations for e-commerce
// goods (EAEU Customs Code ch. 43.1, as amended by the 2023 protocol): who
// may declare, how declarations are numbered, how payments settle the
// obligation, and when an item may be released. No store, no gRPC.
package ecommerce
