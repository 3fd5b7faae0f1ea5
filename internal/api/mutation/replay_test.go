package mutation

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	ecommercev1 "github.com/eaeu/customs-exchange/gen/eaeu/ecommerce/v1"
	"github.com/eaeu/customs-exchange/internal/store"
	"github.com/eaeu/customs-exchange/internal/store/storetest"
)

// A retry is answered with the stored response whether it was stored
// packed (this release, for a large response) or unpacked (earlier
// releases, and small responses).
func TestReplayStoredResponses(t *testing.T) {
	for engine, open := range storetest.Engines() {
		t.Run(engine, func(t *testing.T) {
			st := open(t)
			ctx := context.Background()
			large := &ecommercev1.FileDeclarationResponse{Declaration: &ecommercev1.Declaration{
				Name: "declarations/large", WithdrawalReason: strings.Repeat("EAEU Customs Code art. 309.8(2); ", 40)}}
			small := &ecommercev1.FileDeclarationResponse{Declaration: &ecommercev1.Declaration{Name: "declarations/small"}}
			run := func(requestID string, want *ecommercev1.FileDeclarationResponse) (*ecommercev1.FileDeclarationResponse, int) {
				calls := 0
				req := &ecommercev1.FileDeclarationRequest{RequestId: requestID}
				got, err := Run(ctx, st, req, func() *ecommercev1.FileDeclarationResponse { return &ecommercev1.FileDeclarationResponse{} },
					func(context.Context, store.Tx) (*ecommercev1.FileDeclarationResponse, Result, error) {
						calls++
						return want, Result{Resource: want.GetDeclaration().GetName()}, nil
					})
				if err != nil {
					t.Fatal(err)
				}
				return got, calls
			}
			stored := func(requestID string) []byte {
				k, err := newCall(ctx, &ecommercev1.FileDeclarationRequest{RequestId: requestID})
				if err != nil {
					t.Fatal(err)
				}
				var r store.IdempotencyRecord
				if err := st.View(ctx, func(tx store.Tx) (err error) { r, err = tx.GetIdempotency(ctx, k.key); return err }); err != nil {
					t.Fatal(err)
				}
				return r.Response
			}

			for _, c := range []struct {
				id     string
				resp   *ecommercev1.FileDeclarationResponse
				packed bool
			}{{"req-large", large, true}, {"req-small", small, false}} {
				run(c.id, c.resp)
				plain, _ := deterministic.Marshal(c.resp)
				if raw := stored(c.id); (len(raw) < len(plain)) != c.packed {
					t.Errorf("%s: stored %d bytes for a %d-byte response; packed want %v", c.id, len(raw), len(plain), c.packed)
				}
				got, calls := run(c.id, &ecommercev1.FileDeclarationResponse{})
				if calls != 0 || !proto.Equal(got, c.resp) {
					t.Errorf("%s: retry ran the mutation %d times and answered %v", c.id, calls, got)
				}
			}

			// A response stored unpacked by an earlier release.
			k, err := newCall(ctx, &ecommercev1.FileDeclarationRequest{RequestId: "req-earlier"})
			if err != nil {
				t.Fatal(err)
			}
			plain, _ := deterministic.Marshal(large)
			if err := st.Update(ctx, func(tx store.Tx) error {
				return tx.PutIdempotency(ctx, store.IdempotencyRecord{Key: k.key, RequestHash: k.sum[:], Response: plain, CreateTime: testTime})
			}); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(stored("req-earlier"), plain) {
				t.Fatal("the earlier release's row was not stored as given")
			}
			got, calls := run("req-earlier", &ecommercev1.FileDeclarationResponse{})
			if calls != 0 || !proto.Equal(got, large) {
				t.Errorf("earlier release's response: retry ran the mutation %d times and answered %v", calls, got)
			}
		})
	}
}
