// Package authn turns a verified mutual-TLS client certificate into the
// caller's identity.
//
// Identities are URI SANs of the form
//
//	spiffe://eaeu/{STATE}/{kind}/{id}
//
// where STATE is a member state of the Eurasian Economic Union (AM, BY, KZ,
// KG, RU) or EEC for the Eurasian Economic Commission, kind is one of
// customs, commission, operator, individual or node, and id matches
// ^[A-Za-z0-9._-]{1,64}$ (except "." and ".."). Kind commission goes with
// STATE EEC and only with it. ParseSubject is strict: the URI must be in
// exactly this canonical form.
//
// Trust is bound to member states: a TrustBundle maps each CA certificate to
// the states whose subjects it may vouch for ("*" for any, in development).
// TLS verifies the chain against (*TrustBundle).Pool(); Authenticate then
// checks that the CA the chain ends at is trusted for the subject's state,
// so the Russian CA cannot issue a certificate that claims to be Kazakh
// customs. Node certificates (kind node) identify servers and are refused as
// callers.
//
// Typical use:
//
//	var trust authn.TrustFlags
//	flag.Var(&trust, "trust", "STATES=ca.pem (repeatable), e.g. KZ=kz-ca.pem, RU,BY=ca.pem, *=dev-ca.pem")
//	...
//	bundle, err := authn.NewTrustBundle(trust)
//	tlsConfig := &tls.Config{ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: bundle.Pool(), ...}
//	...
//	subject, err := bundle.Authenticate(conn.ConnectionState())     // gRPC: from credentials.TLSInfo.State
//	subject, err := bundle.AuthenticateCert(r.TLS.VerifiedChains)   // HTTPS
package authn
