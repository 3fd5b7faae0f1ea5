package pki

import (
	"crypto/tls"
	"fmt"
	"os"
	"sync"
	"time"
)

// reloadCheckInterval is how often, at most, the files are looked at.
const reloadCheckInterval = time.Second

// Reloader serves a certificate and key read from files, and reads them
// again when either file changes (its modification time or size), so that
// a renewed certificate is served to new connections without a restart.
// A pair that fails to load (a file half written, a key that does not
// match) is not taken: the previous one is served and onError is told, and
// the files are tried again at the next check.
type Reloader struct {
	certFile, keyFile string
	onError           func(error)
	every             time.Duration // reloadCheckInterval; tests shorten it

	mu      sync.Mutex
	cur     *tls.Certificate
	stamp   [2]fileStamp // of the files cur was read from
	checked time.Time
}

type fileStamp struct {
	mod  time.Time
	size int64
}

// NewReloader reads the pair once; it fails when that first read does.
// onError may be nil.
func NewReloader(certFile, keyFile string, onError func(error)) (*Reloader, error) {
	r := &Reloader{certFile: certFile, keyFile: keyFile, onError: onError, every: reloadCheckInterval}
	stamp, err := r.stamps()
	if err != nil {
		return nil, err
	}
	c, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("pki: %w", err)
	}
	r.cur, r.stamp, r.checked = &c, stamp, time.Now()
	return r, nil
}

func (r *Reloader) stamps() ([2]fileStamp, error) {
	var out [2]fileStamp
	for i, f := range []string{r.certFile, r.keyFile} {
		fi, err := os.Stat(f)
		if err != nil {
			return out, fmt.Errorf("pki: %w", err)
		}
		out[i] = fileStamp{mod: fi.ModTime(), size: fi.Size()}
	}
	return out, nil
}

// Current returns the pair served now, reading the files again first
// when they changed and the last look is older than a second.
func (r *Reloader) Current() *tls.Certificate {
	r.mu.Lock()
	defer r.mu.Unlock()
	if time.Since(r.checked) < r.every {
		return r.cur
	}
	r.checked = time.Now()
	stamp, err := r.stamps()
	if err != nil {
		r.report(err)
		return r.cur
	}
	if stamp == r.stamp {
		return r.cur
	}
	c, err := tls.LoadX509KeyPair(r.certFile, r.keyFile)
	if err != nil {
		r.report(fmt.Errorf("pki: %s changed but does not load, still serving the previous certificate: %w", r.certFile, err))
		return r.cur
	}
	r.cur, r.stamp = &c, stamp
	return r.cur
}

// GetCertificate is Current for tls.Config.GetCertificate.
func (r *Reloader) GetCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	return r.Current(), nil
}

func (r *Reloader) report(err error) {
	if r.onError != nil {
		r.onError(err)
	}
}
