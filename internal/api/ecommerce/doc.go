// Package ecommerce holds the handlers of eaeu.ecommerce.v1: declarations
// for e-commerce goods. The legal rules are in internal/rules/ecommerce and
// internal/rules/duty; this package validates, loads, stores and maps.
package ecommerce
