// Package storetest is the conformance suite of store.Store: every engine
// runs the same sub-tests against a real database through Run. It has no
// mocks; each sub-test opens its own store.
package storetest
