package pki

import (
	"crypto/x509"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Client roles of the development PKI; keys of DevPKI.Clients.
const (
	// RoleCustoms is the customs body of the node's own member state.
	RoleCustoms = "customs"
	// RolePeer is the customs body of another member state.
	RolePeer = "peer"
	// RoleCommission is the Eurasian Economic Commission.
	RoleCommission = "commission"
	// RoleOperator is an e-commerce operator of the node's member state.
	RoleOperator = "operator"
	// RoleIndividual is an individual of the node's member state.
	RoleIndividual = "individual"
)

// Roles returns the client roles EnsureDevPKI creates, in file order.
func Roles() []string {
	return []string{RoleCustoms, RolePeer, RoleCommission, RoleOperator, RoleIndividual}
}

// File names inside a development PKI directory.
const (
	CAFileName        = "ca.pem"
	CAKeyFileName     = "ca-key.pem"
	ServerCertName    = "server.pem"
	ServerKeyFileName = "server-key.pem"
)

// devServerHosts are the SANs of the development server certificate.
var devServerHosts = []string{"localhost", "127.0.0.1", "::1"}

// devCustomsCodes are plausible 8-digit customs body codes used as the ID of
// the development customs certificates.
var devCustomsCodes = map[string]string{
	"AM": "00000000",
	"BY": "06000000",
	"KG": "41700000",
	"KZ": "55000000",
	"RU": "10000000",
}

// DevCustomsCode returns the development customs body code of a member state
// (AM, BY, KG, KZ or RU).
func DevCustomsCode(memberState string) (string, bool) {
	c, ok := devCustomsCodes[memberState]
	return c, ok
}

// DevURIs returns the URI SANs EnsureDevPKI uses for memberState: the server
// (node) URI and the URI of every client role.
func DevURIs(memberState string) (server string, clients map[string]string, err error) {
	code, ok := devCustomsCodes[memberState]
	if !ok {
		return "", nil, fmt.Errorf("pki: unknown member state %q (want AM, BY, KG, KZ or RU)", memberState)
	}
	peerState := "KZ"
	if memberState == "KZ" {
		peerState = "RU"
	}
	base := "spiffe://eaeu/" + memberState + "/"
	return base + "node/dev", map[string]string{
		RoleCustoms:    base + "customs/" + code,
		RolePeer:       "spiffe://eaeu/" + peerState + "/customs/" + devCustomsCodes[peerState],
		RoleCommission: "spiffe://eaeu/EEC/commission/eec-dev",
		RoleOperator:   base + "operator/" + memberState + "-OP-0001",
		RoleIndividual: base + "individual/dev-individual",
	}, nil
}

// ClientFiles locates one client certificate of a development PKI.
type ClientFiles struct {
	// Cert and Key are file paths.
	Cert string
	Key  string
	// URI is the URI SAN of the certificate found in Cert.
	URI string
}

// DevPKI describes a development PKI directory (see EnsureDevPKI).
type DevPKI struct {
	Dir         string
	MemberState string

	CAFile    string
	CAKeyFile string

	ServerCert string
	ServerKey  string
	// ServerURI is the URI SAN of the certificate found in ServerCert.
	ServerURI string

	// Clients is keyed by role: RoleCustoms, RolePeer, RoleCommission,
	// RoleOperator and RoleIndividual.
	Clients map[string]ClientFiles

	// Created lists the paths of the files written by this call, in write
	// order; empty when everything already existed.
	Created []string
	// Regenerated reports that ca.pem was absent while other files of the
	// set existed: a new CA was created and every file of the set was
	// rewritten (the earlier ones are in Created too).
	Regenerated bool
	// Warnings are non-fatal findings about reused files (a certificate not
	// signed by the current CA, expired, or with an unexpected URI).
	Warnings []string
}

// LoadPair reads a certificate and key file pair.
func LoadPair(certFile, keyFile string) (Pair, error) {
	c, err := os.ReadFile(certFile)
	if err != nil {
		return Pair{}, fmt.Errorf("pki: %w", err)
	}
	k, err := os.ReadFile(keyFile)
	if err != nil {
		return Pair{}, fmt.Errorf("pki: %w", err)
	}
	return Pair{CertPEM: c, KeyPEM: k}, nil
}

// ClientPair reads the certificate pair of a client role.
func (d *DevPKI) ClientPair(role string) (Pair, error) {
	f, ok := d.Clients[role]
	if !ok {
		return Pair{}, fmt.Errorf("pki: unknown role %q", role)
	}
	return LoadPair(f.Cert, f.Key)
}

// ServerPair reads the server certificate pair.
func (d *DevPKI) ServerPair() (Pair, error) { return LoadPair(d.ServerCert, d.ServerKey) }

// CA loads the development CA (certificate and key).
func (d *DevPKI) CA() (*CA, error) {
	p, err := LoadPair(d.CAFile, d.CAKeyFile)
	if err != nil {
		return nil, err
	}
	return LoadCA(p.CertPEM, p.KeyPEM)
}

// leafSpec is one certificate/key file pair to ensure.
type leafSpec struct {
	role     string // "" for the server
	certName string
	keyName  string
	uri      string
}

// EnsureDevPKI makes dir a development PKI for a node of memberState (AM,
// BY, KG, KZ or RU; case-insensitive). It is idempotent: it creates dir
// (mode 0700) if needed and writes only the files that are absent:
//
//	ca.pem, ca-key.pem                 development CA (10 years)
//	server.pem, server-key.pem         node: localhost, 127.0.0.1, ::1 and
//	                                   spiffe://eaeu/{state}/node/dev (1 year)
//	customs.pem, customs-key.pem       spiffe://eaeu/{state}/customs/{code}
//	peer.pem, peer-key.pem             customs body of another member state
//	                                   (RU for a KZ node, KZ otherwise)
//	commission.pem, commission-key.pem spiffe://eaeu/EEC/commission/eec-dev
//	operator.pem, operator-key.pem     spiffe://eaeu/{state}/operator/{state}-OP-0001
//	individual.pem, individual-key.pem spiffe://eaeu/{state}/individual/dev-individual
//
// Existing files are reused and never overwritten, with one exception: when
// ca.pem is absent but other files of the set exist, a new CA is created and
// every file of the set is rewritten; DevPKI.Regenerated reports it. A
// certificate present without its key (or the reverse) is an error, as is a
// missing certificate when ca-key.pem is absent. Keys are written with mode
// 0600, certificates with 0644.
//
// All certificates, including peer and commission, are signed by the one
// development CA: a node trusting it only for its own member state will
// refuse the peer and commission certificates; trust it for any state
// ("*") in development.
func EnsureDevPKI(dir string, memberState string) (*DevPKI, error) {
	if dir == "" {
		return nil, errors.New("pki: empty directory")
	}
	state := strings.ToUpper(strings.TrimSpace(memberState))
	serverURI, clientURIs, err := DevURIs(state)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("pki: %w", err)
	}

	specs := []leafSpec{{certName: ServerCertName, keyName: ServerKeyFileName, uri: serverURI}}
	for _, r := range Roles() {
		specs = append(specs, leafSpec{role: r, certName: r + ".pem", keyName: r + "-key.pem", uri: clientURIs[r]})
	}
	names := []string{CAFileName, CAKeyFileName}
	for _, s := range specs {
		names = append(names, s.certName, s.keyName)
	}
	exists := make(map[string]bool, len(names))
	for _, n := range names {
		ok, err := fileExists(filepath.Join(dir, n))
		if err != nil {
			return nil, err
		}
		exists[n] = ok
	}

	d := &DevPKI{
		Dir:         dir,
		MemberState: state,
		CAFile:      filepath.Join(dir, CAFileName),
		CAKeyFile:   filepath.Join(dir, CAKeyFileName),
		ServerCert:  filepath.Join(dir, ServerCertName),
		ServerKey:   filepath.Join(dir, ServerKeyFileName),
		Clients:     make(map[string]ClientFiles, len(specs)-1),
	}
	write := func(name string, data []byte, perm fs.FileMode) error {
		p := filepath.Join(dir, name)
		if err := writeFile(p, data, perm, d.Regenerated); err != nil {
			return err
		}
		d.Created = append(d.Created, p)
		return nil
	}

	var ca *CA // loaded lazily when a certificate must be issued
	var caCert []byte
	if !exists[CAFileName] {
		d.Regenerated = slices.ContainsFunc(names, func(n string) bool { return exists[n] })
		if d.Regenerated {
			d.Warnings = append(d.Warnings, "ca.pem was absent: created a new CA and rewrote every certificate and key in "+dir)
			clear(exists)
		}
		if ca, err = NewCA("EAEU customs-exchange development CA ("+state+")", DevCAValidity); err != nil {
			return nil, err
		}
		// The key first: if we stop in between, ca.pem is still absent
		// and the next call starts over.
		if err := write(CAKeyFileName, ca.KeyPEM(), 0o600); err != nil {
			return nil, err
		}
		if err := write(CAFileName, ca.CertPEM(), 0o644); err != nil {
			return nil, err
		}
		caCert = ca.CertPEM()
	} else if caCert, err = os.ReadFile(d.CAFile); err != nil {
		return nil, fmt.Errorf("pki: %w", err)
	}
	caX509, err := ParseCertificatePEM(caCert)
	if err != nil {
		return nil, fmt.Errorf("pki: %s: %w", d.CAFile, err)
	}

	for _, s := range specs {
		certPath, keyPath := filepath.Join(dir, s.certName), filepath.Join(dir, s.keyName)
		var certPEM []byte
		switch {
		case exists[s.certName] && exists[s.keyName]:
			if certPEM, err = os.ReadFile(certPath); err != nil {
				return nil, fmt.Errorf("pki: %w", err)
			}
		case exists[s.certName] || exists[s.keyName]:
			present, absent := certPath, keyPath
			if exists[s.keyName] {
				present, absent = keyPath, certPath
			}
			return nil, fmt.Errorf("pki: %s exists but %s does not; remove %s to have both created", present, absent, present)
		default:
			if ca == nil {
				if !exists[CAKeyFileName] {
					return nil, fmt.Errorf("pki: cannot create %s: %s is absent", certPath, d.CAKeyFile)
				}
				keyPEM, err := os.ReadFile(d.CAKeyFile)
				if err != nil {
					return nil, fmt.Errorf("pki: %w", err)
				}
				if ca, err = LoadCA(caCert, keyPEM); err != nil {
					return nil, fmt.Errorf("pki: %s: %w", dir, err)
				}
			}
			var p Pair
			if s.role == "" {
				p, err = ca.IssueServer(devServerHosts, s.uri, DevLeafValidity)
			} else {
				p, err = ca.IssueClient(s.uri, DevLeafValidity)
			}
			if err != nil {
				return nil, err
			}
			// The key first, as for the CA: a lone key is reported
			// rather than silently paired with a new certificate.
			if err := write(s.keyName, p.KeyPEM, 0o600); err != nil {
				return nil, err
			}
			if err := write(s.certName, p.CertPEM, 0o644); err != nil {
				return nil, err
			}
			certPEM = p.CertPEM
		}
		uri, warn, err := inspectLeaf(certPath, certPEM, caX509, s.uri)
		if err != nil {
			return nil, err
		}
		d.Warnings = append(d.Warnings, warn...)
		if s.role == "" {
			d.ServerURI = uri
		} else {
			d.Clients[s.role] = ClientFiles{Cert: certPath, Key: keyPath, URI: uri}
		}
	}
	return d, nil
}

// inspectLeaf returns the URI SAN of a certificate file and warnings when it
// is not what EnsureDevPKI would create (it only reports: reused files are
// the user's to manage).
func inspectLeaf(path string, certPEM []byte, ca *x509.Certificate, wantURI string) (string, []string, error) {
	cert, err := ParseCertificatePEM(certPEM)
	if err != nil {
		return "", nil, fmt.Errorf("pki: %s: %w", path, err)
	}
	var warn []string
	uri := ""
	switch len(cert.URIs) {
	case 0:
		warn = append(warn, fmt.Sprintf("%s has no URI SAN (expected %s)", path, wantURI))
	case 1:
		uri = cert.URIs[0].String()
		if uri != wantURI {
			warn = append(warn, fmt.Sprintf("%s has URI %s, expected %s (created for another member state?)", path, uri, wantURI))
		}
	default:
		uri = cert.URIs[0].String()
		warn = append(warn, fmt.Sprintf("%s has %d URI SANs, expected only %s", path, len(cert.URIs), wantURI))
	}
	if err := cert.CheckSignatureFrom(ca); err != nil {
		warn = append(warn, fmt.Sprintf("%s is not signed by the CA in ca.pem (delete it to have it reissued): %v", path, err))
	}
	if now := time.Now(); now.After(cert.NotAfter) {
		warn = append(warn, fmt.Sprintf("%s expired on %s (delete it and its key to have it reissued)", path, cert.NotAfter.Format(time.DateOnly)))
	}
	return uri, warn, nil
}

func fileExists(p string) (bool, error) {
	_, err := os.Stat(p)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, fs.ErrNotExist):
		return false, nil
	default:
		return false, fmt.Errorf("pki: %w", err)
	}
}

// writeFile writes data to path with perm. Without overwrite the file must
// not exist (O_EXCL), so a file that appeared meanwhile is never clobbered.
func writeFile(path string, data []byte, perm fs.FileMode, overwrite bool) (err error) {
	flag := os.O_WRONLY | os.O_CREATE | os.O_EXCL
	if overwrite {
		flag = os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	}
	f, err := os.OpenFile(path, flag, perm)
	if err != nil {
		return fmt.Errorf("pki: %w", err)
	}
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("pki: %w", cerr)
		}
		if err != nil && !overwrite {
			_ = os.Remove(path)
		}
	}()
	if overwrite {
		if err := f.Chmod(perm); err != nil {
			return fmt.Errorf("pki: %w", err)
		}
	}
	if _, err := f.Write(data); err != nil {
		return fmt.Errorf("pki: %w", err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("pki: %w", err)
	}
	return nil
}
