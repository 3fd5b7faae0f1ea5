package exchange

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"

	"google.golang.org/protobuf/proto"

	exchangev1 "github.com/eaeu/customs-exchange/gen/eaeu/exchange/v1"
	"github.com/eaeu/customs-exchange/internal/authn"
)

// Signature algorithms (exchangev1.Signature.algorithm).
const (
	algECDSA   = "ECDSA-SHA256"
	algRSA     = "RSA-PKCS1v15-SHA256"
	algEd25519 = "Ed25519"
)

// ErrBadSignature: the signature does not hold.
var ErrBadSignature = errors.New("signature does not verify")

// CanonicalBytes are the bytes a request is signed over: its deterministic
// protobuf encoding with the signature cleared.
func CanonicalBytes(doc *exchangev1.RequestDocument) ([]byte, error) {
	c := proto.Clone(doc).(*exchangev1.RequestDocument)
	c.Signature = nil
	return deterministic.Marshal(c)
}

// Sign signs doc with key, certified by cert, and sets doc.Signature.
func Sign(doc *exchangev1.RequestDocument, key crypto.Signer, cert *x509.Certificate) error {
	if key == nil || cert == nil {
		return errors.New("exchange: this node has no signing key")
	}
	msg, err := CanonicalBytes(doc)
	if err != nil {
		return err
	}
	sig := &exchangev1.Signature{Certificate: cert.Raw}
	switch key.Public().(type) {
	case *ecdsa.PublicKey:
		sum := sha256.Sum256(msg)
		sig.Algorithm = algECDSA
		sig.Value, err = key.Sign(rand.Reader, sum[:], crypto.SHA256)
	case *rsa.PublicKey:
		sum := sha256.Sum256(msg)
		sig.Algorithm = algRSA
		sig.Value, err = key.Sign(rand.Reader, sum[:], crypto.SHA256)
	case ed25519.PublicKey:
		sig.Algorithm = algEd25519
		sig.Value, err = key.Sign(rand.Reader, msg, crypto.Hash(0))
	default:
		return fmt.Errorf("exchange: unsupported signing key %T", key.Public())
	}
	if err != nil {
		return fmt.Errorf("exchange: sign: %w", err)
	}
	doc.Signature = sig
	return nil
}

// signCurrent signs doc with the pair current returns now, so that a
// renewed signing certificate signs from the next request on.
func signCurrent(doc *exchangev1.RequestDocument, current func() *tls.Certificate) error {
	if current == nil {
		return errors.New("exchange: this node has no signing key")
	}
	pair := current()
	if pair == nil || len(pair.Certificate) == 0 {
		return errors.New("exchange: this node has no signing key")
	}
	key, ok := pair.PrivateKey.(crypto.Signer)
	if !ok {
		return fmt.Errorf("exchange: signing key %T cannot sign", pair.PrivateKey)
	}
	leaf := pair.Leaf
	if leaf == nil {
		var err error
		if leaf, err = x509.ParseCertificate(pair.Certificate[0]); err != nil {
			return fmt.Errorf("exchange: signing certificate: %w", err)
		}
	}
	return Sign(doc, key, leaf)
}

// Verify checks doc's signature: the signing certificate must chain to a
// CA of bundle trusted for its subject's member state, name exactly the
// subject want (the delivering node's customs body), and its key must
// verify the signature over the canonical bytes.
func Verify(doc *exchangev1.RequestDocument, bundle *authn.TrustBundle, want authn.Subject) error {
	sig := doc.GetSignature()
	if sig == nil || len(sig.GetValue()) == 0 || len(sig.GetCertificate()) == 0 {
		return fmt.Errorf("%w: the request carries no signature", ErrBadSignature)
	}
	cert, err := x509.ParseCertificate(sig.GetCertificate())
	if err != nil {
		return fmt.Errorf("%w: the signing certificate does not parse", ErrBadSignature)
	}
	if bundle == nil {
		return fmt.Errorf("%w: no trust bundle", ErrBadSignature)
	}
	sub, err := bundle.AuthenticatePeer([]*x509.Certificate{cert})
	if err != nil {
		return fmt.Errorf("%w: the signing certificate is not trusted: %v", ErrBadSignature, err)
	}
	if sub.URI != want.URI {
		return fmt.Errorf("%w: the signing certificate names %s, the request comes from %s", ErrBadSignature, sub.URI, want.URI)
	}
	msg, err := CanonicalBytes(doc)
	if err != nil {
		return err
	}
	var alg x509.SignatureAlgorithm
	switch sig.GetAlgorithm() {
	case algECDSA:
		alg = x509.ECDSAWithSHA256
	case algRSA:
		alg = x509.SHA256WithRSA
	case algEd25519:
		alg = x509.PureEd25519
	default:
		return fmt.Errorf("%w: unknown algorithm %q", ErrBadSignature, sig.GetAlgorithm())
	}
	if err := cert.CheckSignature(alg, msg, sig.GetValue()); err != nil {
		return fmt.Errorf("%w: %v", ErrBadSignature, err)
	}
	return nil
}

// sameCert reports whether two DER certificates are the same.
func sameCert(a, b []byte) bool { return bytes.Equal(a, b) }
