package exchange

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"regexp"

	"github.com/eaeu/customs-exchange/internal/errs"
	"github.com/eaeu/customs-exchange/internal/store"
)

// Content keeps the content of attachments, streaming: it is written and
// read a chunk at a time, never held whole.
type Content interface {
	// NewWriter starts writing the content of attachment id, discarding
	// what an earlier, unfinished transfer left.
	NewWriter(ctx context.Context, id string) (ContentWriter, error)
	// Read calls fn with the content of a complete attachment, in order,
	// in chunks of at most 1 MiB; fn must not keep the slice.
	Read(ctx context.Context, a store.ExchangeAttachment, fn func([]byte) error) error
}

// ContentWriter takes the bytes of one attachment.
type ContentWriter interface {
	// Write takes the next bytes; the writer may keep p.
	Write(p []byte) error
	// Close makes the content durable and returns its chunk count, size
	// and lower-case hex SHA-256.
	Close() (chunks int, size int64, sum string, err error)
	// Abort gives up; the content stays incomplete.
	Abort()
}

func (d *Deps) content() Content { return d.Content }

// --- in the store, in chunks (any engine; several instances share it) ---

// pipelineDepth is how many chunks may wait to be written while the next
// ones are received: memory stays within (depth+2) chunks.
const pipelineDepth = 4

// chunksPerTx is how many waiting chunks one transaction writes at most:
// fewer commits for the same bytes.
const chunksPerTx = 4

type storeContent struct {
	st   store.Store
	size int
}

// NewStoreContent keeps content as chunks of chunkSize bytes in the store's
// exchange_attachment_chunks table.
func NewStoreContent(st store.Store, chunkSize int) Content {
	return &storeContent{st: st, size: chunkSize}
}

// chunkWriter stores a stream of bytes as fixed-size chunks, written by a
// goroutine (a few chunks per transaction) while the next bytes arrive; it
// hashes and counts what it is given.
type chunkWriter struct {
	size  int
	buf   []byte
	idx   int
	total int64
	sum   hash.Hash
	ch    chan []byte
	done  chan error
}

func (c *storeContent) NewWriter(ctx context.Context, id string) (ContentWriter, error) {
	if err := c.st.Update(ctx, func(tx store.Tx) error { return tx.ResetExchangeAttachment(ctx, id) }); err != nil {
		return nil, err
	}
	w := &chunkWriter{size: c.size, sum: sha256.New(), ch: make(chan []byte, pipelineDepth), done: make(chan error, 1)}
	go func() {
		var err error
		idx := 0
		batch := make([][]byte, 0, chunksPerTx)
		for data := range w.ch {
			// Take whatever else is already waiting, up to chunksPerTx.
			batch = append(batch[:0], data)
		more:
			for len(batch) < chunksPerTx {
				select {
				case next, ok := <-w.ch:
					if !ok {
						break more
					}
					batch = append(batch, next)
				default:
					break more
				}
			}
			if err == nil {
				first := idx
				err = c.st.Update(ctx, func(tx store.Tx) error {
					for i, b := range batch {
						if err := tx.PutExchangeAttachmentChunk(ctx, id, first+i, b); err != nil {
							return err
						}
					}
					return nil
				})
			}
			idx += len(batch)
			clear(batch)
		}
		w.done <- err
	}()
	return w, nil
}

func (w *chunkWriter) Write(p []byte) error {
	w.sum.Write(p)
	w.total += int64(len(p))
	if w.total > MaxAttachmentSize {
		return errs.Field("chunk", "an attachment holds at most %d bytes", int64(MaxAttachmentSize))
	}
	if len(w.buf) == 0 && len(p) == w.size {
		// A whole chunk as received: stored as it is, not copied.
		w.buf = p
		return w.ship()
	}
	for len(p) > 0 {
		if w.buf == nil {
			w.buf = make([]byte, 0, w.size)
		}
		n := min(len(p), w.size-len(w.buf))
		w.buf = append(w.buf, p[:n]...)
		p = p[n:]
		if len(w.buf) == w.size {
			if err := w.ship(); err != nil {
				return err
			}
		}
	}
	return nil
}

func (w *chunkWriter) ship() error {
	select {
	case err := <-w.done:
		// The writer stopped early: report its error.
		w.done <- err
		if err == nil {
			err = errors.New("chunk writer stopped")
		}
		return err
	case w.ch <- w.buf:
	}
	w.buf = nil
	w.idx++
	return nil
}

func (w *chunkWriter) Close() (chunks int, size int64, sum string, err error) {
	if len(w.buf) > 0 {
		err = w.ship()
	}
	close(w.ch)
	if werr := <-w.done; err == nil {
		err = werr
	}
	return w.idx, w.total, hex.EncodeToString(w.sum.Sum(nil)), err
}

func (w *chunkWriter) Abort() {
	close(w.ch)
	<-w.done
}

// Read reads the next chunk while fn handles the current one; at most two
// chunks are held at a time.
func (c *storeContent) Read(ctx context.Context, a store.ExchangeAttachment, fn func([]byte) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type result struct {
		data []byte
		err  error
	}
	next := make(chan result, 1)
	go func() {
		defer close(next)
		for i := range a.Chunks {
			var data []byte
			err := c.st.View(ctx, func(tx store.Tx) error {
				var err error
				data, err = tx.GetExchangeAttachmentChunk(ctx, a.ID, i)
				return err
			})
			select {
			case next <- result{data, err}:
			case <-ctx.Done():
				return
			}
			if err != nil {
				return
			}
		}
	}()
	n := 0
	for r := range next {
		if r.err != nil {
			return r.err
		}
		if err := fn(r.data); err != nil {
			return err
		}
		n++
	}
	if n != a.Chunks {
		return ctx.Err()
	}
	return nil
}

// --- in files under the data directory (one instance: SQLite) ---------------

type fileContent struct {
	dir  string
	size int
}

// NewFileContent keeps content as one file per attachment in dir, written
// to a temporary file, synced and renamed when complete. Only one instance
// may use dir: with several instances on one PostgreSQL database use
// NewStoreContent.
func NewFileContent(dir string, chunkSize int) (Content, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("attachments directory: %w", err)
	}
	return &fileContent{dir: dir, size: chunkSize}, nil
}

var contentID = regexp.MustCompile(`^[0-9a-f-]{36}$`)

func (c *fileContent) path(id string) (string, error) {
	if !contentID.MatchString(id) {
		return "", fmt.Errorf("attachment id %q is not a UUID", id)
	}
	return filepath.Join(c.dir, id), nil
}

type fileWriter struct {
	f           *os.File
	tmp, final  string
	dir         string
	size, total int64
	chunk       int
	sum         hash.Hash
}

func (c *fileContent) NewWriter(_ context.Context, id string) (ContentWriter, error) {
	final, err := c.path(id)
	if err != nil {
		return nil, err
	}
	tmp := final + ".part"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, err
	}
	return &fileWriter{f: f, tmp: tmp, final: final, dir: c.dir, chunk: c.size, sum: sha256.New()}, nil
}

func (w *fileWriter) Write(p []byte) error {
	w.total += int64(len(p))
	if w.total > MaxAttachmentSize {
		return errs.Field("chunk", "an attachment holds at most %d bytes", int64(MaxAttachmentSize))
	}
	w.sum.Write(p)
	_, err := w.f.Write(p)
	return err
}

func (w *fileWriter) Close() (chunks int, size int64, sum string, err error) {
	if err = w.f.Sync(); err == nil {
		err = w.f.Close()
	} else {
		_ = w.f.Close()
	}
	if err == nil {
		err = os.Rename(w.tmp, w.final)
	}
	if err == nil {
		if d, derr := os.Open(w.dir); derr == nil {
			err = d.Sync()
			_ = d.Close()
		}
	}
	chunks = int((w.total + int64(w.chunk) - 1) / int64(w.chunk))
	return chunks, w.total, hex.EncodeToString(w.sum.Sum(nil)), err
}

func (w *fileWriter) Abort() {
	_ = w.f.Close()
	_ = os.Remove(w.tmp)
}

func (c *fileContent) Read(ctx context.Context, a store.ExchangeAttachment, fn func([]byte) error) error {
	p, err := c.path(a.ID)
	if err != nil {
		return err
	}
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	defer f.Close()
	buf := make([]byte, c.size)
	var n int64
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		k, err := io.ReadFull(f, buf)
		if k > 0 {
			n += int64(k)
			if ferr := fn(buf[:k]); ferr != nil {
				return ferr
			}
		}
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			break
		}
		if err != nil {
			return err
		}
	}
	if n != a.Size {
		return fmt.Errorf("attachment %s: %d bytes on disk, %d recorded", a.ID, n, a.Size)
	}
	return nil
}
