package authn

import (
	"crypto/sha256"
	"crypto/x509"
	"fmt"
	"sync"
	"time"
)

// ErrUntrustedCA: the presented chain does not lead to any CA of the bundle.
var ErrUntrustedCA = fmt.Errorf("%w: not issued by a trusted CA", ErrUnverifiedChain)

// verifiedCacheSize bounds the cache of verified chains; when full it is
// emptied (a rare event: one entry per distinct client certificate).
const verifiedCacheSize = 10000

// verifiedCache remembers subjects of chains already verified, so that an
// RPC on an established connection does not redo the signature checks.
// An entry lives until the leaf expires or for at most cacheTTL.
type verifiedCache struct {
	mu sync.Mutex
	m  map[[sha256.Size]byte]cachedSubject
}

type cachedSubject struct {
	s       Subject
	expires time.Time
}

const cacheTTL = 10 * time.Minute

func chainKey(peer []*x509.Certificate) [sha256.Size]byte {
	h := sha256.New()
	for _, c := range peer {
		h.Write(c.Raw)
		h.Write([]byte{0})
	}
	var k [sha256.Size]byte
	h.Sum(k[:0])
	return k
}

// AuthenticatePeer verifies a chain the TLS handshake only requested (the
// server asks for a client certificate without making the handshake fail,
// so that an untrusted one reaches the RPC layer, is refused there with
// UNAUTHENTICATED and is audited). peer[0] is the leaf, the rest are
// intermediates as sent. Successful results are cached per chain.
func (b *TrustBundle) AuthenticatePeer(peer []*x509.Certificate) (Subject, error) {
	if len(peer) == 0 {
		return Subject{}, ErrNoCertificate
	}
	now := time.Now()
	key := chainKey(peer)
	b.cache.mu.Lock()
	if e, ok := b.cache.m[key]; ok && now.Before(e.expires) {
		b.cache.mu.Unlock()
		return e.s, nil
	}
	b.cache.mu.Unlock()

	inter := x509.NewCertPool()
	for _, c := range peer[1:] {
		inter.AddCert(c)
	}
	chains, err := peer[0].Verify(x509.VerifyOptions{
		Roots:         b.pool,
		Intermediates: inter,
		CurrentTime:   now,
		KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	})
	if err != nil {
		return Subject{}, fmt.Errorf("%w (%v)", ErrUntrustedCA, err)
	}
	s, err := b.AuthenticateCert(chains)
	if err != nil {
		return Subject{}, err
	}
	expires := now.Add(cacheTTL)
	for _, c := range peer {
		if c.NotAfter.Before(expires) {
			expires = c.NotAfter
		}
	}
	b.cache.mu.Lock()
	if b.cache.m == nil || len(b.cache.m) >= verifiedCacheSize {
		b.cache.m = make(map[[sha256.Size]byte]cachedSubject)
	}
	b.cache.m[key] = cachedSubject{s: s, expires: expires}
	b.cache.mu.Unlock()
	return s, nil
}
