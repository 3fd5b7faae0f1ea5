package pki

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestReloaderServesRenewedCertificate: a certificate renewed on disk is
// served without a restart; a half-written one is not taken.
func TestReloaderServesRenewedCertificate(t *testing.T) {
	ca, err := NewCA("test CA", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "server.pem"), filepath.Join(dir, "server-key.pem")
	write := func(p Pair, at time.Time) {
		t.Helper()
		for f, b := range map[string][]byte{certFile: p.CertPEM, keyFile: p.KeyPEM} {
			if err := os.WriteFile(f, b, 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Chtimes(f, at, at); err != nil {
				t.Fatal(err)
			}
		}
	}
	issue := func() Pair {
		t.Helper()
		p, err := ca.IssueServer([]string{"localhost"}, "spiffe://eaeu/KZ/node/kz", time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	serial := func(r *Reloader) string {
		c := r.Current()
		if c.Leaf == nil {
			t.Fatal("no parsed leaf")
		}
		return c.Leaf.SerialNumber.String()
	}
	first, second := issue(), issue()
	t0 := time.Now().Add(-time.Hour)
	write(first, t0)
	var reported []error
	r, err := NewReloader(certFile, keyFile, func(err error) { reported = append(reported, err) })
	if err != nil {
		t.Fatal(err)
	}
	r.every = 0
	firstSerial := serial(r)

	// Renewed: served from the next look on.
	write(second, t0.Add(time.Minute))
	renewed := serial(r)
	if renewed == firstSerial {
		t.Fatal("the renewed certificate is not served")
	}

	// Half written (a certificate with no key to match): the renewed one
	// stays, and the failure is reported.
	if err := os.WriteFile(certFile, first.CertPEM[:len(first.CertPEM)/2], 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(certFile, t0.Add(2*time.Minute), t0.Add(2*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if got := serial(r); got != renewed || len(reported) == 0 {
		t.Fatalf("after a broken write: serving %s (want %s), %d errors reported", got, renewed, len(reported))
	}
	// Written whole again: taken.
	write(first, t0.Add(3*time.Minute))
	if got := serial(r); got != firstSerial {
		t.Fatalf("after the files were fixed: serving %s, want %s", got, firstSerial)
	}
}
