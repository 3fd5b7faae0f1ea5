package authn

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
)

// Sentinel errors. Errors returned by this package wrap one of them.
var (
	// ErrNoCertificate: the peer presented no certificate.
	ErrNoCertificate = errors.New("authn: no client certificate")
	// ErrUnverifiedChain: the peer presented a certificate but TLS did not
	// verify it (tls.Config.ClientAuth must be RequireAndVerifyClientCert
	// or VerifyClientCertIfGiven, with ClientCAs from TrustBundle.Pool).
	ErrUnverifiedChain = errors.New("authn: client certificate chain not verified")
	// ErrInvalidSubject: a subject URI is malformed, or the certificate
	// does not carry exactly one URI SAN.
	ErrInvalidSubject = errors.New("authn: invalid subject")
	// ErrUntrustedState: no verified chain ends at a CA of the bundle that
	// is trusted for the subject's member state.
	ErrUntrustedState = errors.New("authn: CA not trusted for the subject's state")
	// ErrNotAClient: the subject is a node (server) identity, not a caller.
	ErrNotAClient = errors.New("authn: node identity is not a client")
)

// AnyState in TrustEntry.States trusts a CA for every state (development).
const AnyState = "*"

// TrustEntry trusts CA certificates for a set of states.
type TrustEntry struct {
	// States are AM, BY, KZ, KG, RU, EEC, or the single entry "*" for any.
	States []string
	// CACerts are CA certificates (the roots, or intermediates, at which
	// verified chains end).
	CACerts []*x509.Certificate
}

// TrustBundle is a set of CA certificates, each trusted for some states.
// It is safe for concurrent use.
type TrustBundle struct {
	pool    *x509.CertPool
	anchors []anchor
	cache   verifiedCache
}

type anchor struct {
	cert   *x509.Certificate
	any    bool
	states map[string]bool
}

func (a *anchor) trusts(state string) bool { return a.any || a.states[state] }

// NewTrustBundle builds a bundle. A CA listed in several entries is trusted
// for the union of their states. Every certificate must be a CA certificate.
func NewTrustBundle(entries []TrustEntry) (*TrustBundle, error) {
	if len(entries) == 0 {
		return nil, errors.New("authn: empty trust bundle")
	}
	b := &TrustBundle{pool: x509.NewCertPool()}
	for i, e := range entries {
		states, err := normalizeStates(e.States)
		if err != nil {
			return nil, fmt.Errorf("authn: trust entry %d: %w", i, err)
		}
		if len(e.CACerts) == 0 {
			return nil, fmt.Errorf("authn: trust entry %d (%s): no CA certificate", i, strings.Join(states, ","))
		}
		for _, c := range e.CACerts {
			if c == nil {
				return nil, fmt.Errorf("authn: trust entry %d: nil certificate", i)
			}
			if !c.BasicConstraintsValid || !c.IsCA {
				return nil, fmt.Errorf("authn: trust entry %d: %q is not a CA certificate", i, c.Subject.String())
			}
			a := b.lookup(c)
			if a == nil {
				b.anchors = append(b.anchors, anchor{cert: c, states: map[string]bool{}})
				a = &b.anchors[len(b.anchors)-1]
				b.pool.AddCert(c)
			}
			for _, s := range states {
				if s == AnyState {
					a.any = true
				} else {
					a.states[s] = true
				}
			}
		}
	}
	return b, nil
}

// lookup returns the anchor of a certificate (same DER), or nil.
func (b *TrustBundle) lookup(c *x509.Certificate) *anchor {
	for i := range b.anchors {
		if bytes.Equal(b.anchors[i].cert.Raw, c.Raw) {
			return &b.anchors[i]
		}
	}
	return nil
}

// normalizeStates validates states and returns them upper-cased,
// de-duplicated and in their original order.
func normalizeStates(in []string) ([]string, error) {
	if len(in) == 0 {
		return nil, errors.New("no state")
	}
	var out []string
	for _, s := range in {
		s = strings.ToUpper(strings.TrimSpace(s))
		switch {
		case s == "":
			return nil, errors.New("empty state")
		case s != AnyState && !IsState(s):
			return nil, fmt.Errorf("unknown state %q (want AM, BY, KZ, KG, RU, EEC or *)", s)
		}
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	if slices.Contains(out, AnyState) && len(out) > 1 {
		return nil, fmt.Errorf("%q must stand alone, got %s", AnyState, strings.Join(out, ","))
	}
	return out, nil
}

// Pool returns a new pool holding every CA of the bundle, for
// tls.Config.ClientCAs (and RootCAs when calling peer nodes).
func (b *TrustBundle) Pool() *x509.CertPool { return b.pool.Clone() }

// States returns the states cert is trusted for (["*"] for any), or nil
// when cert is not a CA of the bundle.
func (b *TrustBundle) States(cert *x509.Certificate) []string {
	a := b.lookup(cert)
	if a == nil {
		return nil
	}
	if a.any {
		return []string{AnyState}
	}
	var out []string
	for _, s := range []string{"AM", "BY", "KZ", "KG", "RU", StateEEC} {
		if a.states[s] {
			out = append(out, s)
		}
	}
	return out
}

// Authenticate returns the caller of a TLS connection whose client
// certificate crypto/tls has verified against b.Pool() (for gRPC, the State
// of credentials.TLSInfo). See AuthenticateCert for the checks.
func (b *TrustBundle) Authenticate(cs tls.ConnectionState) (Subject, error) {
	if len(cs.PeerCertificates) == 0 {
		return Subject{}, ErrNoCertificate
	}
	if len(cs.VerifiedChains) == 0 {
		return Subject{}, ErrUnverifiedChain
	}
	return b.AuthenticateCert(cs.VerifiedChains)
}

// AuthenticateCert returns the caller identified by verified certificate
// chains (tls.ConnectionState.VerifiedChains, e.g. r.TLS.VerifiedChains of
// an HTTPS request); it does not verify signatures itself. The leaf must
// carry exactly one URI SAN, a valid subject (else ErrInvalidSubject); at
// least one chain must end at a CA of the bundle trusted for the subject's
// state (else ErrUntrustedState); and the subject must not be a node (else
// ErrNotAClient). No chains at all is ErrNoCertificate.
func (b *TrustBundle) AuthenticateCert(chains [][]*x509.Certificate) (Subject, error) {
	if b == nil {
		return Subject{}, errors.New("authn: nil trust bundle")
	}
	var leaf *x509.Certificate
	for _, ch := range chains {
		if len(ch) == 0 || ch[0] == nil {
			continue
		}
		if leaf == nil {
			leaf = ch[0]
		} else if !bytes.Equal(leaf.Raw, ch[0].Raw) {
			return Subject{}, fmt.Errorf("%w: verified chains have different leaves", ErrUnverifiedChain)
		}
	}
	if leaf == nil {
		return Subject{}, ErrNoCertificate
	}
	if n := len(leaf.URIs); n != 1 {
		return Subject{}, fmt.Errorf("%w: certificate %q has %d URI SANs, want exactly 1", ErrInvalidSubject, leaf.Subject.String(), n)
	}
	sub, err := ParseSubject(leaf.URIs[0].String())
	if err != nil {
		return Subject{}, err
	}
	trusted, known := false, false
	for _, ch := range chains {
		if len(ch) == 0 || ch[len(ch)-1] == nil {
			continue
		}
		if a := b.lookup(ch[len(ch)-1]); a != nil {
			known = true
			if a.trusts(sub.MemberState) {
				trusted = true
				break
			}
		}
	}
	switch {
	case !known:
		return Subject{}, fmt.Errorf("%w: %s: certificate chain does not end at a CA of the trust bundle", ErrUntrustedState, sub.URI)
	case !trusted:
		return Subject{}, fmt.Errorf("%w: %s: issuing CA is not trusted for %s", ErrUntrustedState, sub.URI, sub.MemberState)
	case sub.Kind == KindNode:
		return Subject{}, fmt.Errorf("%w: %s", ErrNotAClient, sub.URI)
	}
	return sub, nil
}

// ParseTrustFlag parses a trust flag value STATES=FILE, where STATES is a
// comma-separated list of AM, BY, KZ, KG, RU, EEC, or "*" alone for any
// state, and FILE a PEM file of one or more CA certificates (other PEM block
// types, such as private keys, are refused). Examples: KZ=kz-ca.pem,
// RU,BY=ca.pem, *=dev-ca.pem.
func ParseTrustFlag(s string) (TrustEntry, error) {
	statesPart, path, ok := strings.Cut(s, "=")
	if !ok {
		return TrustEntry{}, fmt.Errorf("authn: trust %q: want STATES=FILE", s)
	}
	path = strings.TrimSpace(path)
	if path == "" {
		return TrustEntry{}, fmt.Errorf("authn: trust %q: empty file name", s)
	}
	states, err := normalizeStates(strings.Split(statesPart, ","))
	if err != nil {
		return TrustEntry{}, fmt.Errorf("authn: trust %q: %w", s, err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return TrustEntry{}, fmt.Errorf("authn: trust %q: %w", s, err)
	}
	certs, err := parseCertsPEM(data)
	if err != nil {
		return TrustEntry{}, fmt.Errorf("authn: trust %q: %s: %w", s, path, err)
	}
	for _, c := range certs {
		if !c.BasicConstraintsValid || !c.IsCA {
			return TrustEntry{}, fmt.Errorf("authn: trust %q: %s: %q is not a CA certificate", s, path, c.Subject.String())
		}
	}
	return TrustEntry{States: states, CACerts: certs}, nil
}

func parseCertsPEM(data []byte) ([]*x509.Certificate, error) {
	var certs []*x509.Certificate
	for rest := data; ; {
		var blk *pem.Block
		blk, rest = pem.Decode(rest)
		if blk == nil {
			break
		}
		if blk.Type != "CERTIFICATE" {
			return nil, fmt.Errorf("unexpected PEM block %q (want only CERTIFICATE)", blk.Type)
		}
		c, err := x509.ParseCertificate(blk.Bytes)
		if err != nil {
			return nil, err
		}
		certs = append(certs, c)
	}
	if len(certs) == 0 {
		return nil, errors.New("no PEM CERTIFICATE block")
	}
	return certs, nil
}

// TrustFlags collects repeated trust flags; it implements flag.Value, and
// its elements can be passed to NewTrustBundle.
type TrustFlags []TrustEntry

// String implements flag.Value.
func (f *TrustFlags) String() string {
	if f == nil {
		return ""
	}
	var parts []string
	for _, e := range *f {
		parts = append(parts, fmt.Sprintf("%s=(%d CA)", strings.Join(e.States, ","), len(e.CACerts)))
	}
	return strings.Join(parts, " ")
}

// Set implements flag.Value: it parses one STATES=FILE value.
func (f *TrustFlags) Set(s string) error {
	e, err := ParseTrustFlag(s)
	if err != nil {
		return err
	}
	*f = append(*f, e)
	return nil
}
