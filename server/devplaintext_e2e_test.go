package main

import (
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/eaeu/customs-exchange/client"
	authv1 "github.com/eaeu/customs-exchange/gen/eaeu/auth/v1"
)

// A node started with --insecure-plaintext takes the caller's identity
// from the header the SDK's WithDevPlaintext sends, on unary and on
// streaming calls alike; without it the caller is public.
func TestDevPlaintextIdentityOnEveryCall(t *testing.T) {
	n := startNode(t, t.TempDir(), "", "--insecure-plaintext")
	dial := func(subject string) *client.Client {
		c, err := client.Dial(n.grpc, client.WithDevPlaintext(subject))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = c.Close() })
		return c
	}
	op, public := dial("spiffe://eaeu/KZ/operator/KZ-OP-0001"), dial("")

	who, err := op.Identity.GetCallerIdentity(ctxT(t), &authv1.GetCallerIdentityRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if who.GetIdentity().GetRole() != authv1.Role_ROLE_OPERATOR {
		t.Fatalf("unary call: caller is %v, want the operator", who.GetIdentity().GetRole())
	}

	// A client stream: the operator gets past the guard (and finds no
	// such operator on the register); the public caller does not.
	_, err = upload(t, op, "operators/KZ-EO-0000077", bulkEvents("plain", 1), 1)
	wantCode(t, err, codes.NotFound, "REASON_NOT_FOUND")
	_, err = upload(t, public, "operators/KZ-EO-0000077", bulkEvents("plain", 1), 1)
	if c := status.Code(err); c != codes.Unauthenticated && c != codes.PermissionDenied {
		t.Fatalf("public stream: %v, want it refused", err)
	}
}
