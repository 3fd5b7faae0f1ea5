// Package pki is the development public-key infrastructure of the exchange
// node: a self-contained ECDSA P-256 certificate authority that issues server
// and client certificates carrying SPIFFE-style URI SANs
// (spiffe://eaeu/{STATE}/{kind}/{id}), and EnsureDevPKI, which lays out a
// ready-to-use set of files (CA, node server certificate and one client
// certificate per caller role) in a directory, creating only what is absent.
//
// It is meant for development, tests and demonstrations. Production
// deployments use certificates issued by each member state's own PKI and
// only need the CA certificates (see package authn for how trust is bound to
// member states).
//
// All keys are ECDSA P-256, signatures ECDSA with SHA-256, serial numbers are
// random 128-bit positive integers and every certificate's NotBefore is one
// hour in the past to tolerate clock skew. Private keys are written as
// unencrypted PKCS #8 PEM ("PRIVATE KEY") with mode 0600.
//
// The package uses only the standard library and does not depend on package
// authn, so authn's tests can use it to build real certificate chains.
package pki
