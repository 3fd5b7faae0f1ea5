package exchange

import (
	"context"
	"crypto"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"google.golang.org/protobuf/encoding/protojson"

	authv1 "github.com/eaeu/customs-exchange/gen/eaeu/auth/v1"
	exchangev1 "github.com/eaeu/customs-exchange/gen/eaeu/exchange/v1"
	referencev1 "github.com/eaeu/customs-exchange/gen/eaeu/reference/v1"
	"github.com/eaeu/customs-exchange/internal/authn"
	"github.com/eaeu/customs-exchange/internal/caller"
	"github.com/eaeu/customs-exchange/internal/errs"
	"github.com/eaeu/customs-exchange/internal/pki"
	"github.com/eaeu/customs-exchange/internal/store"
	"github.com/eaeu/customs-exchange/internal/store/sqlite"
)

// world is a KZ node's exchange handlers over a SQLite store, with a clock
// the test moves, and the RU node's key to deliver as it would.
type world struct {
	t       *testing.T
	st      store.Store
	svc     *Services
	clock   time.Time
	ruKey   crypto.Signer
	ruCert  *x509.Certificate
	peer    context.Context // the RU node calling
	customs context.Context // KZ's officials calling
}

func newWorld(t *testing.T) *world {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "x.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	ca := func(state, code string) (*pki.CA, *tls.Certificate) {
		c, err := pki.NewCA(state, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		p, err := c.IssueServer([]string{"127.0.0.1"}, "spiffe://eaeu/"+state+"/customs/"+code, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		tc, err := p.TLSCertificate()
		if err != nil {
			t.Fatal(err)
		}
		return c, &tc
	}
	kzCA, kzPair := ca("KZ", "55000000")
	ruCA, ruPair := ca("RU", "10000000")
	ruKey, ruCert := ruPair.PrivateKey.(crypto.Signer), ruPair.Leaf
	bundle, err := authn.NewTrustBundle([]authn.TrustEntry{{States: []string{"KZ"}, CACerts: []*x509.Certificate{kzCA.Cert()}},
		{States: []string{"RU"}, CACerts: []*x509.Certificate{ruCA.Cert()}}})
	if err != nil {
		t.Fatal(err)
	}
	w := &world{t: t, st: st, ruKey: ruKey, ruCert: ruCert}
	w.svc = New(&Deps{Store: st, NodeState: "KZ", CustomsCode: "55000000", Bundle: bundle, Signing: func() *tls.Certificate { return kzPair },
		Now: func() time.Time { return w.clock }})
	ru, _ := authn.ParseSubject("spiffe://eaeu/RU/customs/10000000")
	kz, _ := authn.ParseSubject("spiffe://eaeu/KZ/customs/55000000")
	w.peer = caller.With(context.Background(), caller.Caller{Subject: ru, Role: authv1.Role_ROLE_PEER_CUSTOMS})
	w.customs = caller.With(context.Background(), caller.Caller{Subject: kz, Role: authv1.Role_ROLE_CUSTOMS})
	w.body(&referencev1.CustomsBody{Code: "55000000", MemberState: "KZ", DisplayName: "KZ customs", DesignatedForRequests: true})
	w.body(&referencev1.CustomsBody{Code: "10000000", MemberState: "RU", DisplayName: "RU customs", Endpoint: "127.0.0.1:1", DesignatedForRequests: true})
	return w
}

// body puts (or replaces) a directory entry.
func (w *world) body(b *referencev1.CustomsBody) {
	data, _ := protojson.Marshal(b)
	now := time.Now()
	err := w.st.Update(context.Background(), func(tx store.Tx) error {
		d, err := tx.GetDocument(context.Background(), kindCustomsBody, customsBodyPrefix+b.GetCode())
		if errors.Is(err, store.ErrNotFound) {
			return tx.CreateDocument(context.Background(), store.Document{Kind: kindCustomsBody, Name: customsBodyPrefix + b.GetCode(),
				Scope: b.GetMemberState(), SortKey: b.GetCode(), Body: data, CreateTime: now, UpdateTime: now})
		}
		d.Body = data
		return tx.UpdateDocument(context.Background(), d, d.Revision)
	})
	if err != nil {
		w.t.Fatal(err)
	}
}

// at sets the clock to noon in Kazakhstan (UTC+5) of a date.
func (w *world) at(date string) {
	d, err := time.Parse(time.DateOnly, date)
	if err != nil {
		w.t.Fatal(err)
	}
	w.clock = d.Add(7 * time.Hour)
}

var nextID = 0

func (w *world) deliver(edit func(*exchangev1.RequestDocument)) *exchangev1.ReceiveCopyRequestResponse {
	w.t.Helper()
	nextID++
	doc := &exchangev1.RequestDocument{
		Id: "00000000-0000-4000-8000-" + string(rune('0'+nextID/10)) + string(rune('0'+nextID%10)) + "0000000000", OutgoingNumber: "RU-1", Date: "2026-01-30",
		RequestingBody: &exchangev1.CustomsBodyRef{Code: "10000000", MemberState: "RU", DisplayName: "RU customs"},
		RequestedBody:  &exchangev1.CustomsBodyRef{Code: "55000000", MemberState: "KZ", DisplayName: "KZ customs"},
		LegalBasis:     exchangev1.LegalBasis_LEGAL_BASIS_EAEU_CUSTOMS_CODE_ARTICLE_371,
		Circumstances:  "value mismatch", ProvisionsChecked: []string{"art. 38"}, Ground: exchangev1.RequestGround_REQUEST_GROUND_POSSIBLE_BREACH,
		RequestedItems: []*exchangev1.RequestedItem{{Kind: exchangev1.RequestedItemKind_REQUESTED_ITEM_KIND_INFORMATION, Description: "the price"}},
		Signer:         &exchangev1.Signer{FullName: "B. Deputy", Position: "Deputy head", Capacity: exchangev1.SignerCapacity_SIGNER_CAPACITY_AUTHORISED_DEPUTY},
	}
	if edit != nil {
		edit(doc)
	}
	if err := Sign(doc, w.ruKey, w.ruCert); err != nil {
		w.t.Fatal(err)
	}
	resp, err := w.svc.CopyRequests.ReceiveCopyRequest(w.peer, &exchangev1.ReceiveCopyRequestRequest{Document: doc})
	if err != nil {
		w.t.Fatal(err)
	}
	return resp
}

func (w *world) get(name string) *exchangev1.CopyRequest {
	w.t.Helper()
	r, err := w.svc.CopyRequests.GetCopyRequest(w.customs, &exchangev1.GetCopyRequestRequest{Name: name})
	if err != nil {
		w.t.Fatal(err)
	}
	return r.GetCopyRequest()
}

func (w *world) list(req *exchangev1.ListCopyRequestsRequest) []string {
	w.t.Helper()
	r, err := w.svc.CopyRequests.ListCopyRequests(w.customs, req)
	if err != nil {
		w.t.Fatal(err)
	}
	var out []string
	for _, c := range r.GetCopyRequests() {
		out = append(out, c.GetName())
	}
	return out
}

func wantKind(t *testing.T, err error, kind errs.Kind) {
	t.Helper()
	e, ok := errs.As(err)
	if !ok || e.Kind != kind {
		t.Fatalf("error %v, want kind %d", err, kind)
	}
}

func TestDeadlineMonthEndAndOverdueOnBothSides(t *testing.T) {
	w := newWorld(t)
	w.at("2026-01-31")
	r := w.deliver(nil)
	got := w.get(r.GetName())
	if p := got.GetProcessing(); p.GetRegistrationDate() != "2026-01-31" || p.GetDeadline() != "2026-02-28" {
		t.Fatalf("art. 371(6) month end: %v", p)
	}
	w.at("2026-02-28")
	if w.get(r.GetName()).GetOverdue() || len(w.list(&exchangev1.ListCopyRequestsRequest{OverdueOnly: true})) != 0 {
		t.Fatal("overdue on the deadline day")
	}
	w.at("2026-03-01")
	if !w.get(r.GetName()).GetOverdue() {
		t.Fatal("not overdue the day after the deadline")
	}
	if got := w.list(&exchangev1.ListCopyRequestsRequest{OverdueOnly: true}); len(got) != 1 || got[0] != r.GetName() {
		t.Fatalf("overdue list %v", got)
	}
	// A lapsed deadline can be neither suspended nor extended.
	_, err := w.svc.CopyRequests.AskAdditionalInformation(w.customs, &exchangev1.AskAdditionalInformationRequest{Name: r.GetName(), Text: "more"})
	wantKind(t, err, errs.KindWrongState)

	// The requester's side: KZ's own request, registered by RU with a
	// deadline that then passes, is overdue at KZ too.
	w.at("2026-01-31")
	sent, err := w.svc.CopyRequests.SendCopyRequest(w.customs, &exchangev1.SendCopyRequestRequest{Document: &exchangev1.RequestDocument{
		RequestedBody: &exchangev1.CustomsBodyRef{Code: "10000000"}, LegalBasis: exchangev1.LegalBasis_LEGAL_BASIS_EAEU_CUSTOMS_CODE_ARTICLE_371,
		Circumstances: "c", ProvisionsChecked: []string{"p"}, Ground: exchangev1.RequestGround_REQUEST_GROUND_AEO_APPLICANT_CHECK,
		RequestedItems: []*exchangev1.RequestedItem{{Kind: exchangev1.RequestedItemKind_REQUESTED_ITEM_KIND_DOCUMENT_COPY, Description: "d"}},
		Signer:         &exchangev1.Signer{FullName: "A. Acting", Position: "Acting chairman", Capacity: exchangev1.SignerCapacity_SIGNER_CAPACITY_ACTING},
	}})
	if err != nil {
		t.Fatal(err)
	}
	name := sent.GetCopyRequest().GetName()
	_, err = w.svc.CopyRequests.ReceiveCopyRequestEvent(w.peer, &exchangev1.ReceiveCopyRequestEventRequest{Name: name, Event: &exchangev1.CopyRequestEvent{
		Id: "11111111-1111-4111-8111-111111111111", Kind: exchangev1.CopyRequestEventKind_COPY_REQUEST_EVENT_KIND_REGISTERED,
		Processing: &exchangev1.Processing{Status: exchangev1.CopyRequestStatus_COPY_REQUEST_STATUS_IN_PROGRESS, Version: 1, Deadline: "2026-02-28"}}})
	if err != nil {
		t.Fatal(err)
	}
	w.at("2026-03-01")
	out := w.list(&exchangev1.ListCopyRequestsRequest{OverdueOnly: true, Direction: exchangev1.Direction_DIRECTION_OUTGOING})
	if len(out) != 1 || out[0] != name || !w.get(name).GetOverdue() {
		t.Fatalf("overdue at the requester: %v", out)
	}
	// An older state delivered late does not win.
	_, err = w.svc.CopyRequests.ReceiveCopyRequestEvent(w.peer, &exchangev1.ReceiveCopyRequestEventRequest{Name: name, Event: &exchangev1.CopyRequestEvent{
		Id: "22222222-2222-4222-8222-222222222222", Kind: exchangev1.CopyRequestEventKind_COPY_REQUEST_EVENT_KIND_REGISTERED,
		Processing: &exchangev1.Processing{Status: exchangev1.CopyRequestStatus_COPY_REQUEST_STATUS_REFUSED, Version: 1}}})
	if err != nil || w.get(name).GetProcessing().GetStatus() != exchangev1.CopyRequestStatus_COPY_REQUEST_STATUS_IN_PROGRESS {
		t.Fatalf("older state applied: %v", err)
	}
}

func TestSuspensionAndTwoMonthLimit(t *testing.T) {
	w := newWorld(t)
	w.at("2026-03-10")
	r := w.deliver(nil)
	w.at("2026-03-20")
	asked, err := w.svc.CopyRequests.AskAdditionalInformation(w.customs, &exchangev1.AskAdditionalInformationRequest{Name: r.GetName(), Text: "the contract"})
	if err != nil {
		t.Fatal(err)
	}
	if p := asked.GetCopyRequest().GetProcessing(); p.GetDaysLeft() != 21 || p.GetNoAnswerRefusalFrom() != "2026-05-21" || p.GetDeadline() != "" {
		t.Fatalf("art. 371(9) suspension: %v", p)
	}
	// Suspended requests are never overdue; the extension waits.
	w.at("2026-04-30")
	if w.get(r.GetName()).GetOverdue() {
		t.Fatal("a suspended request is overdue")
	}
	_, err = w.svc.CopyRequests.ExtendCopyRequest(w.customs, &exchangev1.ExtendCopyRequestRequest{Name: r.GetName(), Reasons: "x"})
	wantKind(t, err, errs.KindWrongState)
	// art. 371(10)(2): the last day of the two months is still in time.
	w.at("2026-05-20")
	_, err = w.svc.CopyRequests.RefuseCopyRequest(w.customs, &exchangev1.RefuseCopyRequestRequest{Name: r.GetName(),
		Ground: exchangev1.RefusalGround_REFUSAL_GROUND_NO_ADDITIONAL_INFORMATION, Reasons: []string{"no answer"}})
	wantKind(t, err, errs.KindWrongState)
	if len(w.list(&exchangev1.ListCopyRequestsRequest{NoAnswerRefusalDueOnly: true})) != 0 || w.get(r.GetName()).GetNoAnswerRefusalDue() {
		t.Fatal("refusal due a day early")
	}
	w.at("2026-05-21")
	if got := w.list(&exchangev1.ListCopyRequestsRequest{NoAnswerRefusalDueOnly: true}); len(got) != 1 || !w.get(r.GetName()).GetNoAnswerRefusalDue() {
		t.Fatalf("the service flags the refusal as due: %v", got)
	}
	ref, err := w.svc.CopyRequests.RefuseCopyRequest(w.customs, &exchangev1.RefuseCopyRequestRequest{Name: r.GetName(),
		Ground: exchangev1.RefusalGround_REFUSAL_GROUND_NO_ADDITIONAL_INFORMATION, Reasons: []string{"the contract did not arrive within two months"}})
	if err != nil || ref.GetCopyRequest().GetProcessing().GetStatus() != exchangev1.CopyRequestStatus_COPY_REQUEST_STATUS_REFUSED {
		t.Fatalf("refusal: %v %v", ref, err)
	}

	// Another request: the answer arrives in time and the deadline resumes
	// with the 21 days left from the day it arrives.
	w.at("2026-03-10")
	r2 := w.deliver(nil)
	w.at("2026-03-20")
	if _, err := w.svc.CopyRequests.AskAdditionalInformation(w.customs, &exchangev1.AskAdditionalInformationRequest{Name: r2.GetName(), Text: "more"}); err != nil {
		t.Fatal(err)
	}
	w.at("2026-04-02")
	_, err = w.svc.CopyRequests.ReceiveCopyRequestEvent(w.peer, &exchangev1.ReceiveCopyRequestEventRequest{Name: r2.GetName(), Event: &exchangev1.CopyRequestEvent{
		Id: "33333333-3333-4333-8333-333333333333", Kind: exchangev1.CopyRequestEventKind_COPY_REQUEST_EVENT_KIND_INFORMATION_ANSWERED, Text: "here"}})
	if err != nil {
		t.Fatal(err)
	}
	if p := w.get(r2.GetName()).GetProcessing(); p.GetStatus() != exchangev1.CopyRequestStatus_COPY_REQUEST_STATUS_IN_PROGRESS || p.GetDeadline() != "2026-04-23" {
		t.Fatalf("art. 371(9) resumption: %v", p)
	}
	// The resumption is queued for the requester, after the ask.
	var kinds []string
	_ = w.st.View(context.Background(), func(tx store.Tx) error {
		ms, err := tx.ListOutbox(context.Background(), store.OutboxPending, 0, 100)
		for _, m := range ms {
			if m.Subject == r2.GetName() {
				kinds = append(kinds, m.Kind)
			}
		}
		return err
	})
	if len(kinds) != 3 { // registered, asked, resumed
		t.Fatalf("messages to the requester: %v", kinds)
	}
}

func TestOnlyDesignatedBodies(t *testing.T) {
	w := newWorld(t)
	w.at("2026-03-10")
	w.body(&referencev1.CustomsBody{Code: "10000000", MemberState: "RU", DisplayName: "RU customs", Endpoint: "127.0.0.1:1"})
	_, err := w.svc.CopyRequests.ReceiveCopyRequest(w.peer, &exchangev1.ReceiveCopyRequestRequest{Document: &exchangev1.RequestDocument{Id: "44444444-4444-4444-8444-444444444444",
		RequestingBody: &exchangev1.CustomsBodyRef{Code: "10000000"}, RequestedBody: &exchangev1.CustomsBodyRef{Code: "55000000"}}})
	wantKind(t, err, errs.KindPermission)
	_, err = w.svc.CopyRequests.SendCopyRequest(w.customs, &exchangev1.SendCopyRequestRequest{Document: &exchangev1.RequestDocument{RequestedBody: &exchangev1.CustomsBodyRef{Code: "10000000"}}})
	wantKind(t, err, errs.KindInvalid)
	w.body(&referencev1.CustomsBody{Code: "55000000", MemberState: "KZ", DisplayName: "KZ customs"})
	_, err = w.svc.CopyRequests.SendCopyRequest(w.customs, &exchangev1.SendCopyRequestRequest{Document: &exchangev1.RequestDocument{RequestedBody: &exchangev1.CustomsBodyRef{Code: "10000000"}}})
	wantKind(t, err, errs.KindPermission)
}
