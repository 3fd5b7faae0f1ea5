package exchange

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"path/filepath"
	"testing"
	"time"

	"github.com/eaeu/customs-exchange/internal/store"
	"github.com/eaeu/customs-exchange/internal/store/sqlite"
)

// TestContentStores writes content in uneven pieces through both stores
// and reads it back in chunks of at most the chunk size.
func TestContentStores(t *testing.T) {
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	files, err := NewFileContent(filepath.Join(t.TempDir(), "attachments"), 1000)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	now := time.Now()
	if err := st.Update(ctx, func(tx store.Tx) error {
		return tx.CreateExchangeRequest(ctx, store.ExchangeRequest{ID: "r", Direction: store.ExchangeIncoming, CreateTime: now, UpdateTime: now})
	}); err != nil {
		t.Fatal(err)
	}
	data := make([]byte, 4321)
	for i := range data {
		data[i] = byte(i * 7)
	}
	sum := sha256.Sum256(data)
	for name, c := range map[string]Content{"store": NewStoreContent(st, 1000), "files": files} {
		t.Run(name, func(t *testing.T) {
			id := "0f0f0f0f-0000-4000-8000-00000000000" + string(name[0]-'a'+'0')
			if err := st.Update(ctx, func(tx store.Tx) error {
				return tx.CreateExchangeAttachment(ctx, store.ExchangeAttachment{ID: id, RequestID: "r", CreateTime: now, UpdateTime: now})
			}); err != nil {
				t.Fatal(err)
			}
			// A first transfer breaks off; the second starts over.
			w, err := c.NewWriter(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			_ = w.Write(bytes.Repeat([]byte("x"), 1500))
			w.Abort()
			if w, err = c.NewWriter(ctx, id); err != nil {
				t.Fatal(err)
			}
			for off := 0; off < len(data); off += 333 {
				if err := w.Write(append([]byte(nil), data[off:min(off+333, len(data))]...)); err != nil {
					t.Fatal(err)
				}
			}
			chunks, size, got, err := w.Close()
			if err != nil || chunks != 5 || size != int64(len(data)) || got != hex.EncodeToString(sum[:]) {
				t.Fatalf("close: %d chunks, %d bytes, %s, %v", chunks, size, got, err)
			}
			a := store.ExchangeAttachment{ID: id, RequestID: "r", Size: size, SHA256: got, Chunks: chunks, Complete: true, UpdateTime: now}
			if err := st.Update(ctx, func(tx store.Tx) error { return tx.CompleteExchangeAttachment(ctx, a) }); err != nil {
				t.Fatal(err)
			}
			var back bytes.Buffer
			if err := c.Read(ctx, a, func(p []byte) error {
				if len(p) > 1000 {
					t.Fatalf("a chunk of %d bytes", len(p))
				}
				back.Write(p)
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(back.Bytes(), data) {
				t.Fatal("content differs")
			}
		})
	}
	if _, err := files.NewWriter(ctx, "../escape"); err == nil {
		t.Fatal("a path outside the directory was accepted")
	}
}
