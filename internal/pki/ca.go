package pki

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/url"
	"strings"
	"time"
)

// Default validities used by EnsureDevPKI.
const (
	// DevCAValidity is the validity of a development CA (10 years).
	DevCAValidity = 10 * 365 * 24 * time.Hour
	// DevLeafValidity is the validity of a development leaf certificate (1 year).
	DevLeafValidity = 365 * 24 * time.Hour
)

// backdate is how far in the past every certificate's NotBefore lies.
const backdate = time.Hour

// PEM block types.
const (
	pemCertificate  = "CERTIFICATE"
	pemPKCS8Key     = "PRIVATE KEY"
	pemECPrivateKey = "EC PRIVATE KEY"
)

// Pair is a PEM-encoded certificate and its PEM-encoded private key.
type Pair struct {
	CertPEM []byte
	KeyPEM  []byte
}

// TLSCertificate returns the pair as a tls.Certificate (Leaf populated), for
// tls.Config.Certificates.
func (p Pair) TLSCertificate() (tls.Certificate, error) {
	c, err := tls.X509KeyPair(p.CertPEM, p.KeyPEM)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("pki: %w", err)
	}
	if c.Leaf == nil {
		if c.Leaf, err = x509.ParseCertificate(c.Certificate[0]); err != nil {
			return tls.Certificate{}, fmt.Errorf("pki: %w", err)
		}
	}
	return c, nil
}

// Certificate parses and returns the pair's (first) certificate.
func (p Pair) Certificate() (*x509.Certificate, error) {
	return ParseCertificatePEM(p.CertPEM)
}

// CA is a certificate authority: a CA certificate and its private key.
type CA struct {
	cert    *x509.Certificate
	certPEM []byte
	keyPEM  []byte
	signer  crypto.Signer
}

// NewCA creates a self-signed ECDSA P-256 CA certificate with the given
// common name, valid from one hour ago until now+validity. The CA may sign
// leaf certificates only (path length 0).
func NewCA(commonName string, validity time.Duration) (*CA, error) {
	if strings.TrimSpace(commonName) == "" {
		return nil, errors.New("pki: CA common name is empty")
	}
	if validity <= 0 {
		return nil, fmt.Errorf("pki: CA validity %v is not positive", validity)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("pki: generate CA key: %w", err)
	}
	serial, err := randomSerial()
	if err != nil {
		return nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: commonName},
		NotBefore:             now.Add(-backdate),
		NotAfter:              now.Add(validity),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLen:            0,
		MaxPathLenZero:        true,
		SignatureAlgorithm:    x509.ECDSAWithSHA256,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, fmt.Errorf("pki: create CA certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("pki: parse CA certificate: %w", err)
	}
	keyPEM, err := encodeKey(key)
	if err != nil {
		return nil, err
	}
	return &CA{
		cert:    cert,
		certPEM: pem.EncodeToMemory(&pem.Block{Type: pemCertificate, Bytes: der}),
		keyPEM:  keyPEM,
		signer:  key,
	}, nil
}

// LoadCA loads a CA from its PEM certificate (the first CERTIFICATE block) and
// PEM private key (PKCS #8 "PRIVATE KEY" or SEC 1 "EC PRIVATE KEY"). The
// certificate must be a CA certificate allowed to sign certificates and the
// key must match it.
func LoadCA(certPEM, keyPEM []byte) (*CA, error) {
	cert, err := ParseCertificatePEM(certPEM)
	if err != nil {
		return nil, err
	}
	if !cert.BasicConstraintsValid || !cert.IsCA {
		return nil, errors.New("pki: certificate is not a CA certificate")
	}
	if cert.KeyUsage != 0 && cert.KeyUsage&x509.KeyUsageCertSign == 0 {
		return nil, errors.New("pki: CA certificate lacks the certSign key usage")
	}
	signer, err := parseKeyPEM(keyPEM)
	if err != nil {
		return nil, err
	}
	pub, ok := signer.Public().(interface{ Equal(crypto.PublicKey) bool })
	if !ok || !pub.Equal(cert.PublicKey) {
		return nil, errors.New("pki: CA private key does not match the CA certificate")
	}
	return &CA{
		cert:    cert,
		certPEM: pem.EncodeToMemory(&pem.Block{Type: pemCertificate, Bytes: cert.Raw}),
		keyPEM:  append([]byte(nil), keyPEM...),
		signer:  signer,
	}, nil
}

// Cert returns the CA certificate. Callers must not modify it.
func (c *CA) Cert() *x509.Certificate { return c.cert }

// CertPEM returns the PEM-encoded CA certificate.
func (c *CA) CertPEM() []byte { return append([]byte(nil), c.certPEM...) }

// KeyPEM returns the PEM-encoded CA private key.
func (c *CA) KeyPEM() []byte { return append([]byte(nil), c.keyPEM...) }

// Pool returns a new certificate pool holding only this CA.
func (c *CA) Pool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(c.cert)
	return p
}

// LeafRequest describes a leaf certificate for (*CA).Issue.
type LeafRequest struct {
	// CommonName of the subject; may be empty.
	CommonName string
	// Hosts are DNS names or IP addresses (IP literals become IP SANs).
	Hosts []string
	// URIs become URI SANs, in order.
	URIs []string
	// ExtKeyUsage must not be empty.
	ExtKeyUsage []x509.ExtKeyUsage
	// Validity is counted from now; NotAfter is capped at the CA's NotAfter.
	Validity time.Duration
}

// Issue signs a new leaf certificate for a fresh ECDSA P-256 key.
// IssueServer and IssueClient cover the usual cases; Issue exists for
// anything else (tests building unusual certificates, for example).
func (c *CA) Issue(req LeafRequest) (Pair, error) {
	if req.Validity <= 0 {
		return Pair{}, fmt.Errorf("pki: validity %v is not positive", req.Validity)
	}
	if len(req.ExtKeyUsage) == 0 {
		return Pair{}, errors.New("pki: no extended key usage")
	}
	if len(req.Hosts) == 0 && len(req.URIs) == 0 {
		return Pair{}, errors.New("pki: no subject alternative name")
	}
	now := time.Now()
	if !now.Before(c.cert.NotAfter) {
		return Pair{}, fmt.Errorf("pki: CA %q expired at %v", c.cert.Subject.CommonName, c.cert.NotAfter)
	}
	serial, err := randomSerial()
	if err != nil {
		return Pair{}, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: req.CommonName},
		NotBefore:             now.Add(-backdate),
		NotAfter:              now.Add(req.Validity),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           append([]x509.ExtKeyUsage(nil), req.ExtKeyUsage...),
		BasicConstraintsValid: true,
		IsCA:                  false,
	}
	if tmpl.NotAfter.After(c.cert.NotAfter) {
		tmpl.NotAfter = c.cert.NotAfter
	}
	for _, h := range req.Hosts {
		if h == "" || strings.ContainsAny(h, " \t\r\n/") {
			return Pair{}, fmt.Errorf("pki: invalid host %q", h)
		}
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	for _, s := range req.URIs {
		u, err := parseURI(s)
		if err != nil {
			return Pair{}, err
		}
		tmpl.URIs = append(tmpl.URIs, u)
	}
	if _, ok := c.signer.Public().(*ecdsa.PublicKey); ok {
		tmpl.SignatureAlgorithm = x509.ECDSAWithSHA256
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return Pair{}, fmt.Errorf("pki: generate key: %w", err)
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, c.cert, key.Public(), c.signer)
	if err != nil {
		return Pair{}, fmt.Errorf("pki: create certificate: %w", err)
	}
	keyPEM, err := encodeKey(key)
	if err != nil {
		return Pair{}, err
	}
	return Pair{
		CertPEM: pem.EncodeToMemory(&pem.Block{Type: pemCertificate, Bytes: der}),
		KeyPEM:  keyPEM,
	}, nil
}

// IssueServer issues a certificate for a node: ExtKeyUsage ServerAuth and
// ClientAuth (so a node can present it when calling a peer node), DNS and IP
// SANs from hosts, and the URI SAN uri when it is not empty. The common name
// is uri if set, else hosts[0].
func (c *CA) IssueServer(hosts []string, uri string, validity time.Duration) (Pair, error) {
	req := LeafRequest{
		Hosts:       hosts,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		Validity:    validity,
	}
	if uri != "" {
		req.URIs = []string{uri}
		req.CommonName = uri
	} else if len(hosts) > 0 {
		req.CommonName = hosts[0]
	}
	return c.Issue(req)
}

// IssueClient issues a client certificate: ExtKeyUsage ClientAuth, exactly
// one URI SAN (uri, which must not be empty) and common name uri.
func (c *CA) IssueClient(uri string, validity time.Duration) (Pair, error) {
	if uri == "" {
		return Pair{}, errors.New("pki: client certificate needs a URI")
	}
	return c.Issue(LeafRequest{
		CommonName:  uri,
		URIs:        []string{uri},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
		Validity:    validity,
	})
}

// ParseCertificatePEM parses the first CERTIFICATE block of data.
func ParseCertificatePEM(data []byte) (*x509.Certificate, error) {
	for rest := data; ; {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			return nil, errors.New("pki: no CERTIFICATE PEM block")
		}
		if b.Type != pemCertificate {
			continue
		}
		cert, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return nil, fmt.Errorf("pki: parse certificate: %w", err)
		}
		return cert, nil
	}
}

func parseURI(s string) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("pki: invalid URI %q: %w", s, err)
	}
	if u.Scheme == "" || (u.Host == "" && u.Opaque == "") {
		return nil, fmt.Errorf("pki: invalid URI %q: want scheme://host/...", s)
	}
	return u, nil
}

// randomSerial returns a random positive 128-bit serial number.
func randomSerial() (*big.Int, error) {
	limit := new(big.Int).Lsh(big.NewInt(1), 128)
	for {
		n, err := rand.Int(rand.Reader, limit)
		if err != nil {
			return nil, fmt.Errorf("pki: serial number: %w", err)
		}
		if n.Sign() > 0 {
			return n, nil
		}
	}
}

func encodeKey(key crypto.Signer) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("pki: marshal key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: pemPKCS8Key, Bytes: der}), nil
}

func parseKeyPEM(data []byte) (crypto.Signer, error) {
	for rest := data; ; {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			return nil, errors.New("pki: no private key PEM block")
		}
		switch b.Type {
		case pemPKCS8Key:
			k, err := x509.ParsePKCS8PrivateKey(b.Bytes)
			if err != nil {
				return nil, fmt.Errorf("pki: parse private key: %w", err)
			}
			s, ok := k.(crypto.Signer)
			if !ok {
				return nil, fmt.Errorf("pki: unsupported private key type %T", k)
			}
			return s, nil
		case pemECPrivateKey:
			k, err := x509.ParseECPrivateKey(b.Bytes)
			if err != nil {
				return nil, fmt.Errorf("pki: parse private key: %w", err)
			}
			return k, nil
		}
	}
}
