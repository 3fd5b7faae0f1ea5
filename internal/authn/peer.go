package authn

import (
	"crypto/x509"
	"fmt"
	"time"
)

// ErrUntrustedCA: the presented chain does not lead to any CA of the bundle.
var ErrUntrustedCA = fmt.Errorf("%w: not issued by a trusted CA", ErrUnverifiedChain)

// AuthenticatePeer verifies a chain the TLS handshake only requested (the
// server asks for a client certificate without making the handshake fail,
// so that an untrusted one reaches the RPC layer, is refused there with
// UNAUTHENTICATED and is audited). peer[0] is the leaf, the rest are
// intermediates as sent.
func (b *TrustBundle) AuthenticatePeer(peer []*x509.Certificate) (Subject, error) {
	if len(peer) == 0 {
		return Subject{}, ErrNoCertificate
	}
	inter := x509.NewCertPool()
	for _, c := range peer[1:] {
		inter.AddCert(c)
	}
	chains, err := peer[0].Verify(x509.VerifyOptions{
		Roots:         b.pool,
		Intermediates: inter,
		CurrentTime:   time.Now(),
		KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	})
	if err != nil {
		return Subject{}, fmt.Errorf("%w (%v)", ErrUntrustedCA, err)
	}
	return b.AuthenticateCert(chains)
}
