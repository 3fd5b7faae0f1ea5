package main

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"

	"github.com/eaeu/customs-exchange/client"
	auditv1 "github.com/eaeu/customs-exchange/gen/eaeu/audit/v1"
	exchangev1 "github.com/eaeu/customs-exchange/gen/eaeu/exchange/v1"
	referencev1 "github.com/eaeu/customs-exchange/gen/eaeu/reference/v1"
	exchangeapi "github.com/eaeu/customs-exchange/internal/api/exchange"
	"github.com/eaeu/customs-exchange/internal/rules/dates"
	rules "github.com/eaeu/customs-exchange/internal/rules/exchange"
)

const (
	kzCode = "55000000"
	ruCode = "10000000"
)

// twoNodes is a KZ node and an RU node, separate processes, each with its
// own CA, each trusting the other's CA for the other's state only.
type twoNodes struct {
	kzPKI, ruPKI, eecPKI *statePKI
	kz, ru               *exNode
	// kzCustoms and ruCustoms are each state's officials at their own node.
	kzCustoms, ruCustoms *client.Client
}

func startTwoNodes(t *testing.T, b backend) *twoNodes {
	t.Helper()
	dir := t.TempDir()
	w := &twoNodes{
		kzPKI:  newStatePKI(t, filepath.Join(dir, "kz-pki"), "KZ", kzCode),
		ruPKI:  newStatePKI(t, filepath.Join(dir, "ru-pki"), "RU", ruCode),
		eecPKI: newStatePKI(t, filepath.Join(dir, "eec-pki"), "EEC", "00000000"),
	}
	kzAddr, ruAddr := freeAddr(t), freeAddr(t)
	trust := []*statePKI{w.kzPKI, w.ruPKI, w.eecPKI}
	w.kz = startExchangeNode(t, w.kzPKI, filepath.Join(dir, "kz"), b.dsn(t), kzAddr, trust)
	w.ru = startExchangeNode(t, w.ruPKI, filepath.Join(dir, "ru"), b.dsn(t), ruAddr, trust)
	w.kzCustoms, w.ruCustoms = w.kz.dial(t, w.kzPKI.official), w.ru.dial(t, w.ruPKI.official)
	ctx := ctxT(t)
	for _, c := range []*client.Client{w.kzCustoms, w.ruCustoms} {
		for _, body := range []*referencev1.CustomsBody{
			{Code: kzCode, MemberState: "KZ", DisplayName: "State Revenue Committee of Kazakhstan", Endpoint: kzAddr, DesignatedForRequests: true},
			{Code: ruCode, MemberState: "RU", DisplayName: "Central Excise Customs of Russia", Endpoint: ruAddr, DesignatedForRequests: true},
		} {
			if _, err := c.CustomsBodies.CreateCustomsBody(ctx, &referencev1.CreateCustomsBodyRequest{CustomsBody: body}); err != nil {
				t.Fatal(err)
			}
		}
	}
	return w
}

func TestExchangeBetweenTwoNodes(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			w := startTwoNodes(t, b)
			t.Run("RequestLifecycle", func(t *testing.T) { testRequestLifecycle(t, w) })
			t.Run("Notices", func(t *testing.T) { testNotices(t, w) })
			t.Run("Refusals", func(t *testing.T) { testExchangeRefusals(t, w) })
			t.Run("IncompleteRequestRefused", func(t *testing.T) { testIncompleteRequest(t, w) })
			t.Run("RenewedSigningCertificate", func(t *testing.T) { testRenewedSigningCertificate(t, w) })
			t.Run("RegularExchangeSurvivesRestarts", func(t *testing.T) { testRegularExchange(t, w) })
		})
	}
}

func completeDocument() *exchangev1.RequestDocument {
	return &exchangev1.RequestDocument{
		RequestedBody:     &exchangev1.CustomsBodyRef{Code: ruCode},
		LegalBasis:        exchangev1.LegalBasis_LEGAL_BASIS_EAEU_CUSTOMS_CODE_ARTICLE_371,
		Circumstances:     "The value declared on import into Kazakhstan differs from the value in the Russian export declaration.",
		ProvisionsChecked: []string{"EAEU Customs Code art. 38-40 (customs value)"},
		Ground:            exchangev1.RequestGround_REQUEST_GROUND_DISCREPANCIES,
		RequestedItems: []*exchangev1.RequestedItem{
			{Kind: exchangev1.RequestedItemKind_REQUESTED_ITEM_KIND_DOCUMENT_COPY, Description: "Export declaration 10000000/010126/0000001 with the invoice"},
			{Kind: exchangev1.RequestedItemKind_REQUESTED_ITEM_KIND_INFORMATION, Description: "The exporter's contract price"},
		},
		Signer: &exchangev1.Signer{FullName: "A. Head", Position: "Chairman", Capacity: exchangev1.SignerCapacity_SIGNER_CAPACITY_HEAD},
	}
}

// waitRequest polls a node until its copy of a request satisfies cond.
func waitRequest(t *testing.T, c *client.Client, name, what string, cond func(*exchangev1.CopyRequest) bool) *exchangev1.CopyRequest {
	t.Helper()
	var got *exchangev1.CopyRequest
	eventually(t, 30*time.Second, what, func() (bool, string) {
		r, err := c.Exchange.CopyRequests.GetCopyRequest(ctxT(t), &exchangev1.GetCopyRequestRequest{Name: name})
		if err != nil {
			return false, err.Error()
		}
		got = r.GetCopyRequest()
		return cond(got), fmt.Sprint(got.GetProcessing())
	})
	return got
}

func testRequestLifecycle(t *testing.T, w *twoNodes) {
	ctx := ctxFor(t, 2*time.Minute)
	kz, ru := w.kzCustoms.Exchange.CopyRequests, w.ruCustoms.Exchange.CopyRequests

	// KZ officials draft, the node signs and sends.
	sent, err := kz.SendCopyRequest(ctx, &exchangev1.SendCopyRequestRequest{Document: completeDocument()})
	if err != nil {
		t.Fatal(err)
	}
	cr := sent.GetCopyRequest()
	name := cr.GetName()
	if cr.GetProcessing().GetStatus() != exchangev1.CopyRequestStatus_COPY_REQUEST_STATUS_SENT || cr.GetDocument().GetSignature() == nil ||
		cr.GetDocument().GetRequestingBody().GetCode() != kzCode || cr.GetDocument().GetOutgoingNumber() == "" {
		t.Fatalf("sent: %v", cr)
	}

	// RU registers it; the registration reaches KZ: one month, clamped.
	today := dates.Local(time.Now(), "RU")
	deadline := dates.Format(rules.InitialDeadline(today))
	got := waitRequest(t, w.kzCustoms, name, "registration delivered to KZ", func(c *exchangev1.CopyRequest) bool {
		return c.GetProcessing().GetStatus() == exchangev1.CopyRequestStatus_COPY_REQUEST_STATUS_IN_PROGRESS
	})
	if got.GetProcessing().GetDeadline() != deadline || got.GetProcessing().GetRegistrationNumber() == "" || got.GetOverdue() {
		t.Fatalf("registration at KZ: %v", got.GetProcessing())
	}
	in, err := ru.GetCopyRequest(ctx, &exchangev1.GetCopyRequestRequest{Name: name})
	if err != nil {
		t.Fatal(err)
	}
	if in.GetCopyRequest().GetDirection() != exchangev1.Direction_DIRECTION_INCOMING || !proto.Equal(in.GetCopyRequest().GetDocument(), cr.GetDocument()) {
		t.Fatalf("RU holds another document: %v", in.GetCopyRequest().GetDocument())
	}

	// RU asks for additional information: the deadline is suspended with
	// the days left; KZ sees it.
	asked, err := ru.AskAdditionalInformation(ctx, &exchangev1.AskAdditionalInformationRequest{Name: name, Text: "Send the import contract."})
	if err != nil {
		t.Fatal(err)
	}
	p := asked.GetCopyRequest().GetProcessing()
	if p.GetStatus() != exchangev1.CopyRequestStatus_COPY_REQUEST_STATUS_SUSPENDED || p.GetDeadline() != "" ||
		int(p.GetDaysLeft()) != rules.DaysBetween(today, rules.InitialDeadline(today)) ||
		p.GetNoAnswerRefusalFrom() != dates.Format(rules.NoAnswerRefusalFrom(today)) {
		t.Fatalf("suspended: %v", p)
	}
	// Ground (2) is not due before two months.
	_, err = ru.RefuseCopyRequest(ctx, &exchangev1.RefuseCopyRequestRequest{Name: name, Ground: exchangev1.RefusalGround_REFUSAL_GROUND_NO_ADDITIONAL_INFORMATION, Reasons: []string{"no answer"}})
	wantCode(t, err, codes.FailedPrecondition, "REASON_WRONG_STATE")
	waitRequest(t, w.kzCustoms, name, "suspension delivered to KZ", func(c *exchangev1.CopyRequest) bool {
		return c.GetProcessing().GetStatus() == exchangev1.CopyRequestStatus_COPY_REQUEST_STATUS_SUSPENDED &&
			c.GetProcessing().GetInformationAsked() == "Send the import contract."
	})

	// KZ answers; when the answer arrives RU resumes with the days left.
	if _, err := kz.AnswerAdditionalInformation(ctx, &exchangev1.AnswerAdditionalInformationRequest{Name: name, Text: "Contract No 7 of 2026-01-10 attached to our letter."}); err != nil {
		t.Fatal(err)
	}
	resumed := waitRequest(t, w.ruCustoms, name, "answer resumes the deadline at RU", func(c *exchangev1.CopyRequest) bool {
		return c.GetProcessing().GetStatus() == exchangev1.CopyRequestStatus_COPY_REQUEST_STATUS_IN_PROGRESS
	})
	wantDeadline := dates.Format(dates.Local(time.Now(), "RU").AddDate(0, 0, int(p.GetDaysLeft())))
	if resumed.GetProcessing().GetDeadline() != wantDeadline {
		t.Fatalf("resumed deadline %s, want %s", resumed.GetProcessing().GetDeadline(), wantDeadline)
	}

	// The extension is for copies from other state bodies: none asked yet.
	_, err = ru.ExtendCopyRequest(ctx, &exchangev1.ExtendCopyRequestRequest{Name: name, Reasons: "waiting for the tax authority"})
	wantCode(t, err, codes.FailedPrecondition, "REASON_WRONG_STATE")
	if _, err := ru.RecordStateBodyRequest(ctx, &exchangev1.RecordStateBodyRequestRequest{Name: name,
		StateBodyRequest: &exchangev1.StateBodyRequest{StateBody: "Federal Tax Service", Subject: "the exporter's VAT return", Reference: "FTS-1"}}); err != nil {
		t.Fatal(err)
	}
	ext, err := ru.ExtendCopyRequest(ctx, &exchangev1.ExtendCopyRequestRequest{Name: name, Reasons: "The Federal Tax Service holds the VAT return."})
	if err != nil {
		t.Fatal(err)
	}
	resumedDL, _ := dates.Parse(wantDeadline)
	if ext.GetCopyRequest().GetProcessing().GetDeadline() != dates.Format(dates.AddMonthsClamped(resumedDL, 1)) || !ext.GetCopyRequest().GetProcessing().GetExtended() {
		t.Fatalf("extended: %v", ext.GetCopyRequest().GetProcessing())
	}
	_, err = ru.ExtendCopyRequest(ctx, &exchangev1.ExtendCopyRequestRequest{Name: name, Reasons: "again"})
	if st := wantCode(t, err, codes.FailedPrecondition, "REASON_WRONG_STATE"); !strings.Contains(st.Message(), "already extended") {
		t.Fatalf("second extension: %v", st.Message())
	}

	// RU uploads a multi-megabyte attachment in chunks and answers.
	content := make([]byte, 5<<20+12345)
	_, _ = rand.Read(content)
	sum := sha256.Sum256(content)
	att := uploadAttachment(t, w.ruCustoms, name, "export-declaration.pdf", content, 256<<10)
	if att.GetSizeBytes() != int64(len(content)) || att.GetSha256() != hex.EncodeToString(sum[:]) {
		t.Fatalf("uploaded: %v", att)
	}
	if _, err := ru.FulfilCopyRequest(ctx, &exchangev1.FulfilCopyRequestRequest{Name: name, Attachments: []string{att.GetName()},
		Note: "The export declaration is attached; the contract price was 12 000 EUR."}); err != nil {
		t.Fatal(err)
	}
	done := waitRequest(t, w.kzCustoms, name, "fulfilment with the attachment at KZ", func(c *exchangev1.CopyRequest) bool {
		as := c.GetProcessing().GetAttachments()
		return c.GetProcessing().GetStatus() == exchangev1.CopyRequestStatus_COPY_REQUEST_STATUS_FULFILLED && len(as) == 1 && as[0].GetAvailable()
	})
	if got := downloadAttachment(t, w.kzCustoms, done.GetProcessing().GetAttachments()[0].GetName()); !bytes.Equal(got, content) {
		t.Fatal("the attachment arrived different")
	}
	var kinds []string
	for _, e := range done.GetEvents() {
		kinds = append(kinds, strings.TrimPrefix(e.GetKind().String(), "COPY_REQUEST_EVENT_KIND_"))
	}
	want := []string{"SENT", "REGISTERED", "INFORMATION_ASKED", "INFORMATION_ANSWERED", "RESUMED", "STATE_BODY_REQUESTED", "EXTENDED", "FULFILLED"}
	if !slices.Equal(kinds, want) {
		t.Fatalf("events at KZ %v, want %v", kinds, want)
	}
	// The same request over the HTTP/JSON gateway.
	status, js := getJSON(t, w.kz.httpsClient(t, w.kzPKI.official), "GET", "https://"+w.kz.http+"/v1/"+name, "")
	if status != 200 || js["copyRequest"].(map[string]any)["processing"].(map[string]any)["status"] != "COPY_REQUEST_STATUS_FULFILLED" {
		t.Fatalf("gateway: %d %v", status, js)
	}
	// Neither side lists it as overdue.
	for _, c := range []*client.Client{w.kzCustoms, w.ruCustoms} {
		l, err := c.Exchange.CopyRequests.ListCopyRequests(ctx, &exchangev1.ListCopyRequestsRequest{OverdueOnly: true})
		if err != nil || len(l.GetCopyRequests()) != 0 {
			t.Fatalf("overdue: %v %v", l, err)
		}
	}
}

func uploadAttachment(t *testing.T, c *client.Client, parent, file string, content []byte, chunk int) *exchangev1.Attachment {
	t.Helper()
	stream, err := c.Exchange.CopyRequests.UploadAttachment(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	hdr := &exchangev1.AttachmentHeader{RequestId: "upload-" + hex.EncodeToString(content[:8]), Parent: parent, FileName: file, MediaType: "application/pdf"}
	if err := stream.Send(&exchangev1.UploadAttachmentRequest{Part: &exchangev1.UploadAttachmentRequest_Header{Header: hdr}}); err != nil {
		t.Fatal(err)
	}
	for off := 0; off < len(content); off += chunk {
		end := min(off+chunk, len(content))
		if err := stream.Send(&exchangev1.UploadAttachmentRequest{Part: &exchangev1.UploadAttachmentRequest_Chunk{Chunk: content[off:end]}}); err != nil {
			t.Fatal(err)
		}
	}
	resp, err := stream.CloseAndRecv()
	if err != nil {
		t.Fatal(err)
	}
	return resp.GetAttachment()
}

func downloadAttachment(t *testing.T, c *client.Client, name string) []byte {
	t.Helper()
	stream, err := c.Exchange.CopyRequests.DownloadAttachment(ctxT(t), &exchangev1.DownloadAttachmentRequest{Name: name})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	for {
		m, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return buf.Bytes()
		}
		if err != nil {
			t.Fatal(err)
		}
		buf.Write(m.GetChunk())
	}
}

func testNotices(t *testing.T, w *twoNodes) {
	ctx := ctxT(t)
	_, err := w.kzCustoms.Exchange.Notices.SendNotice(ctx, &exchangev1.SendNoticeRequest{Notice: &exchangev1.Notice{
		Recipient: &exchangev1.CustomsBodyRef{Code: ruCode}, Kind: exchangev1.NoticeKind_NOTICE_KIND_OWN_INITIATIVE,
		Reason: exchangev1.NoticeReason_NOTICE_REASON_AEO_CERTIFICATE_SUSPENSION_GROUNDS, Subject: "x", Content: "y"}})
	wantCode(t, err, codes.InvalidArgument, "REASON_INVALID_FIELD")
	sent, err := w.kzCustoms.Exchange.Notices.SendNotice(ctx, &exchangev1.SendNoticeRequest{Notice: &exchangev1.Notice{
		Recipient: &exchangev1.CustomsBodyRef{Code: ruCode}, Kind: exchangev1.NoticeKind_NOTICE_KIND_MANDATORY,
		Reason:  exchangev1.NoticeReason_NOTICE_REASON_AEO_CERTIFICATE_SUSPENSION_GROUNDS,
		Subject: "Grounds to suspend AEO certificate RU/AEO/0042", Content: "The operator's security expired on 2026-10-31."}})
	if err != nil {
		t.Fatal(err)
	}
	name := sent.GetNotice().GetName()
	eventually(t, 30*time.Second, "notice at RU", func() (bool, string) {
		_, err := w.ruCustoms.Exchange.Notices.GetNotice(ctx, &exchangev1.GetNoticeRequest{Name: name})
		return err == nil, fmt.Sprint(err)
	})
	if _, err := w.ruCustoms.Exchange.Notices.AcknowledgeNotice(ctx, &exchangev1.AcknowledgeNoticeRequest{Name: name, Note: "Received; checking."}); err != nil {
		t.Fatal(err)
	}
	eventually(t, 30*time.Second, "acknowledgement at KZ", func() (bool, string) {
		n, err := w.kzCustoms.Exchange.Notices.GetNotice(ctx, &exchangev1.GetNoticeRequest{Name: name})
		return err == nil && n.GetNotice().GetStatus() == exchangev1.NoticeStatus_NOTICE_STATUS_ACKNOWLEDGED, fmt.Sprint(n, err)
	})
}

// auditCount counts a node's audit records of a method and outcome.
func auditCount(t *testing.T, c *client.Client, method string, outcome auditv1.Outcome) int {
	t.Helper()
	r, err := c.Audit.ListAuditRecords(ctxT(t), &auditv1.ListAuditRecordsRequest{Method: method, Outcome: outcome, PageSize: 1000})
	if err != nil {
		t.Fatal(err)
	}
	return len(r.GetAuditRecords())
}

const (
	receiveMethod = "/eaeu.exchange.v1.CopyRequestService/ReceiveCopyRequest"
	sendMethod    = "/eaeu.exchange.v1.CopyRequestService/SendCopyRequest"
	pullMethodE2E = "/eaeu.exchange.v1.RegularExchangeService/PullRecords"
)

// signedAsRU is a request document as the RU node would deliver it.
func signedAsRU(t *testing.T, w *twoNodes, edit func(*exchangev1.RequestDocument)) *exchangev1.RequestDocument {
	doc := completeDocument()
	doc.Id = newUUID()
	doc.OutgoingNumber, doc.Date = "RU-2026-77", dates.Format(time.Now())
	doc.RequestingBody = &exchangev1.CustomsBodyRef{Code: ruCode, MemberState: "RU", DisplayName: "Central Excise Customs of Russia"}
	doc.RequestedBody = &exchangev1.CustomsBodyRef{Code: kzCode, MemberState: "KZ", DisplayName: "State Revenue Committee of Kazakhstan"}
	if edit != nil {
		edit(doc)
	}
	key, cert := w.ruPKI.nodeSigner()
	if err := exchangeapi.Sign(doc, key, cert); err != nil {
		t.Fatal(err)
	}
	return doc
}

func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6], b[8] = b[6]&0x0f|0x40, b[8]&0x3f|0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

func testExchangeRefusals(t *testing.T, w *twoNodes) {
	ctx := ctxT(t)
	// The RU node itself, calling KZ as the RU node does.
	asRU := w.kz.dial(t, clientFiles{w.ruPKI.nodeCert, w.ruPKI.nodeKey})

	// Wrong role: RU's customs may not draft KZ's outgoing requests, and
	// KZ's own officials may not pose as a peer delivering one.
	before := auditCount(t, w.kzCustoms, sendMethod, auditv1.Outcome_OUTCOME_PERMISSION_DENIED)
	_, err := asRU.Exchange.CopyRequests.SendCopyRequest(ctx, &exchangev1.SendCopyRequestRequest{Document: completeDocument()})
	wantCode(t, err, codes.PermissionDenied, "REASON_PERMISSION_DENIED")
	if auditCount(t, w.kzCustoms, sendMethod, auditv1.Outcome_OUTCOME_PERMISSION_DENIED) != before+1 {
		t.Fatal("wrong role not audited")
	}
	before = auditCount(t, w.kzCustoms, receiveMethod, auditv1.Outcome_OUTCOME_PERMISSION_DENIED)
	_, err = w.kzCustoms.Exchange.CopyRequests.ReceiveCopyRequest(ctx, &exchangev1.ReceiveCopyRequestRequest{Document: signedAsRU(t, w, nil)})
	wantCode(t, err, codes.PermissionDenied, "REASON_PERMISSION_DENIED")

	// Unknown peer: a customs body of RU, certified by the RU CA, that is
	// not in KZ's directory.
	unknown := w.kz.dial(t, w.ruPKI.issue("unknown", customsURI("RU", "10999999")))
	_, err = unknown.Exchange.CopyRequests.ReceiveCopyRequest(ctx, &exchangev1.ReceiveCopyRequestRequest{Document: signedAsRU(t, w, nil)})
	if st := wantCode(t, err, codes.PermissionDenied, "REASON_PERMISSION_DENIED"); !strings.Contains(st.Message(), "unknown peer") {
		t.Fatalf("unknown peer: %v", st.Message())
	}
	pullBefore := auditCount(t, w.kzCustoms, pullMethodE2E, auditv1.Outcome_OUTCOME_PERMISSION_DENIED)
	stream, err := unknown.Exchange.RegularExchange.PullRecords(ctx, &exchangev1.PullRecordsRequest{})
	if err == nil {
		_, err = stream.Recv()
	}
	wantCode(t, err, codes.PermissionDenied, "REASON_PERMISSION_DENIED")
	if auditCount(t, w.kzCustoms, pullMethodE2E, auditv1.Outcome_OUTCOME_PERMISSION_DENIED) != pullBefore+1 {
		t.Fatal("pull by an unknown peer not audited")
	}
	// A certificate of a CA KZ does not trust for RU (here: KZ's own CA).
	impostor := w.kz.dial(t, w.kzPKI.issue("impostor", customsURI("RU", ruCode)))
	_, err = impostor.Exchange.CopyRequests.ReceiveCopyRequest(ctx, &exchangev1.ReceiveCopyRequestRequest{Document: signedAsRU(t, w, nil)})
	wantCode(t, err, codes.Unauthenticated, "REASON_UNAUTHENTICATED")

	// Forged signature: content changed after signing; and a document
	// signed by a key the RU CA never certified.
	forged := signedAsRU(t, w, nil)
	forged.Circumstances += " (changed after signing)"
	_, err = asRU.Exchange.CopyRequests.ReceiveCopyRequest(ctx, &exchangev1.ReceiveCopyRequestRequest{Document: forged})
	if st := wantCode(t, err, codes.PermissionDenied, "REASON_PERMISSION_DENIED"); !strings.Contains(st.Message(), "signature") {
		t.Fatalf("forged: %v", st.Message())
	}
	rogue := newStatePKI(t, filepath.Join(t.TempDir(), "rogue"), "RU", ruCode)
	other := completeDocument()
	other.Id = newUUID()
	other.RequestingBody = &exchangev1.CustomsBodyRef{Code: ruCode, MemberState: "RU", DisplayName: "x"}
	other.RequestedBody = &exchangev1.CustomsBodyRef{Code: kzCode, MemberState: "KZ", DisplayName: "y"}
	key, cert := rogue.nodeSigner()
	if err := exchangeapi.Sign(other, key, cert); err != nil {
		t.Fatal(err)
	}
	_, err = asRU.Exchange.CopyRequests.ReceiveCopyRequest(ctx, &exchangev1.ReceiveCopyRequestRequest{Document: other})
	wantCode(t, err, codes.PermissionDenied, "REASON_PERMISSION_DENIED")
	// Every refusal of a delivery is in KZ's audit trail: wrong role,
	// unknown peer, two forged signatures.
	if got := auditCount(t, w.kzCustoms, receiveMethod, auditv1.Outcome_OUTCOME_PERMISSION_DENIED); got != before+4 {
		t.Fatalf("audited refusals of ReceiveCopyRequest: %d, want %d", got, before+4)
	}
	// None of them was registered.
	l, err := w.kzCustoms.Exchange.CopyRequests.ListCopyRequests(ctx, &exchangev1.ListCopyRequestsRequest{Direction: exchangev1.Direction_DIRECTION_INCOMING})
	if err != nil || len(l.GetCopyRequests()) != 0 {
		t.Fatalf("incoming at KZ: %v %v", l, err)
	}

	// The Commission sees the figures, not the requests.
	eec := w.kz.dial(t, w.eecPKI.issue("commission", "spiffe://eaeu/EEC/commission/eec"))
	stats, err := eec.Exchange.Delivery.GetExchangeStatistics(ctx, &exchangev1.GetExchangeStatisticsRequest{})
	if err != nil || len(stats.GetCounts()) == 0 {
		t.Fatalf("statistics for the Commission: %v %v", stats, err)
	}
	_, err = eec.Exchange.CopyRequests.ListCopyRequests(ctx, &exchangev1.ListCopyRequestsRequest{})
	wantCode(t, err, codes.PermissionDenied, "REASON_PERMISSION_DENIED")
}

// testIncompleteRequest: an incomplete request is registered, refused on
// ground (1), and the reasons are sent back. The test delivers as the RU
// node, which does not know the request, so KZ's messages about it end up
// undeliverable, visible to KZ's officials.
func testIncompleteRequest(t *testing.T, w *twoNodes) {
	ctx := ctxT(t)
	asRU := w.kz.dial(t, clientFiles{w.ruPKI.nodeCert, w.ruPKI.nodeKey})
	doc := signedAsRU(t, w, func(d *exchangev1.RequestDocument) {
		d.Circumstances, d.Ground = "", exchangev1.RequestGround_REQUEST_GROUND_UNSPECIFIED
	})
	req := &exchangev1.ReceiveCopyRequestRequest{RequestId: newUUID(), Document: doc}
	resp, err := asRU.Exchange.CopyRequests.ReceiveCopyRequest(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.GetStatus() != exchangev1.CopyRequestStatus_COPY_REQUEST_STATUS_REFUSED || resp.GetRegistrationNumber() == "" {
		t.Fatalf("incomplete: %v", resp)
	}
	// The same delivery again is applied once.
	again, err := asRU.Exchange.CopyRequests.ReceiveCopyRequest(ctx, req)
	if err != nil || !proto.Equal(again, resp) {
		t.Fatalf("redelivery: %v %v", again, err)
	}
	got, err := w.kzCustoms.Exchange.CopyRequests.GetCopyRequest(ctx, &exchangev1.GetCopyRequestRequest{Name: resp.GetName()})
	if err != nil {
		t.Fatal(err)
	}
	p := got.GetCopyRequest().GetProcessing()
	if p.GetRefusalGround() != exchangev1.RefusalGround_REFUSAL_GROUND_INCOMPLETE || len(p.GetRefusalReasons()) != 2 ||
		!strings.HasPrefix(p.GetRefusalReasons()[0], "circumstances: art. 371(4)(3)") {
		t.Fatalf("refusal: %v", p)
	}
	// The registration and the refusal were queued for RU, which refuses
	// them (it never sent the request): undeliverable, listed for KZ.
	eventually(t, 30*time.Second, "undeliverable messages listed", func() (bool, string) {
		l, err := w.kzCustoms.Exchange.Delivery.ListOutboxMessages(ctx, &exchangev1.ListOutboxMessagesRequest{})
		if err != nil {
			return false, err.Error()
		}
		n := 0
		for _, m := range l.GetOutboxMessages() {
			if m.GetSubject() == resp.GetName() && strings.Contains(m.GetLastError(), "NotFound") {
				n++
			}
		}
		return n == 2, fmt.Sprint(l)
	})
}

// testRegularExchange: RU publishes records with amendments; KZ
// subscribes and stores them; KZ is killed in the middle of the stream and
// restarted, then RU is killed and restarted; at the end KZ holds every
// record version once.
func testRegularExchange(t *testing.T, w *twoNodes) {
	ctx := ctxFor(t, 5*time.Minute)
	if _, err := w.ruCustoms.Exchange.RegularExchange.CreateAgreement(ctx, &exchangev1.CreateAgreementRequest{Agreement: &exchangev1.Agreement{
		PeerCode: kzCode, RecordKinds: []exchangev1.RecordKind{exchangev1.RecordKind_RECORD_KIND_GOODS_DECLARATION, exchangev1.RecordKind_RECORD_KIND_ECOMMERCE_DECLARATION},
		Schedule:  &exchangev1.Schedule{Description: "continuously", TechnicalConditions: "TC-2026-1"},
		Officials: []*referencev1.ExchangeOfficial{{PeerMemberState: "KZ", Duty: referencev1.ExchangeDuty_EXCHANGE_DUTY_SENDING, FullName: "I. Ivanov"}},
	}}); err != nil {
		t.Fatal(err)
	}
	total := 0
	publish := func(prefix string, n int) {
		for off := 0; off < n; off += 1000 {
			var recs []*exchangev1.ExchangeRecord
			for i := off; i < min(off+1000, n); i++ {
				kind := exchangev1.RecordKind_RECORD_KIND_GOODS_DECLARATION
				if i%5 == 0 {
					kind = exchangev1.RecordKind_RECORD_KIND_ECOMMERCE_DECLARATION
				}
				recs = append(recs, &exchangev1.ExchangeRecord{RecordId: fmt.Sprintf("%s-%06d", prefix, i), Kind: kind,
					ContentType: "application/json", Data: []byte(fmt.Sprintf(`{"declaration":"%s-%06d","value":"%d.00","padding":"%s"}`, prefix, i, i, strings.Repeat("x", 200)))})
			}
			if _, err := w.ruCustoms.Exchange.RegularExchange.PublishRecords(ctx, &exchangev1.PublishRecordsRequest{Records: recs}); err != nil {
				t.Fatal(err)
			}
		}
		total += n
	}
	// A kind outside the agreement is never sent.
	if _, err := w.ruCustoms.Exchange.RegularExchange.PublishRecords(ctx, &exchangev1.PublishRecordsRequest{Records: []*exchangev1.ExchangeRecord{{
		RecordId: "PCD-1", Kind: exchangev1.RecordKind_RECORD_KIND_PRELIMINARY_CLASSIFICATION_DECISION, ContentType: "application/json", Data: []byte("{}")}}}); err != nil {
		t.Fatal(err)
	}
	publish("A", 500)
	for i := range 3 {
		if _, err := w.ruCustoms.Exchange.RegularExchange.AmendRecord(ctx, &exchangev1.AmendRecordRequest{RecordId: fmt.Sprintf("A-%06d", i),
			Data: []byte(`{"amended":true}`), AmendmentReason: "value corrected after control"}); err != nil {
			t.Fatal(err)
		}
		total++
	}
	if _, err := w.kzCustoms.Exchange.RegularExchange.CreateSubscription(ctx, &exchangev1.CreateSubscriptionRequest{Subscription: &exchangev1.Subscription{PeerCode: ruCode}}); err != nil {
		t.Fatal(err)
	}
	sub := func() *exchangev1.Subscription {
		s, err := w.kzCustoms.Exchange.RegularExchange.GetSubscription(ctxT(t), &exchangev1.GetSubscriptionRequest{Name: "subscriptions/" + ruCode})
		if err != nil {
			return nil
		}
		return s.GetSubscription()
	}
	waitAll := func(what string) {
		eventually(t, 2*time.Minute, what, func() (bool, string) {
			s := sub()
			return s != nil && s.GetRecordsReceived() == int64(total), fmt.Sprint(s)
		})
	}
	waitAll("first records at KZ")

	// A large batch published while KZ is down; KZ is killed while it is
	// pulling it.
	if err := w.kz.stop(); err != nil {
		t.Fatal(err)
	}
	publish("B", 20000)
	w.kz.restart(t)
	w.kzCustoms = w.kz.dial(t, w.kzPKI.official)
	before := int64(total - 20000)
	eventually(t, time.Minute, "KZ in the middle of the stream", func() (bool, string) {
		s := sub()
		return s != nil && s.GetRecordsReceived() > before, fmt.Sprint(s)
	})
	w.kz.kill(t)
	w.kz.restart(t)
	w.kzCustoms = w.kz.dial(t, w.kzPKI.official)
	s := sub()
	t.Logf("KZ killed with %d of %d records stored; resumed from position %d", s.GetRecordsReceived(), total, s.GetPosition())
	waitAll("records after KZ restarted")

	// RU is killed while KZ follows it, restarted, publishes more.
	w.ru.kill(t)
	w.ru.restart(t)
	w.ruCustoms = w.ru.dial(t, w.ruPKI.official)
	publish("C", 700)
	waitAll("records after RU restarted")

	// Every version once: as many distinct (record id, version) as
	// published, no kind outside the agreement.
	seen := map[string]bool{}
	token := ""
	for {
		l, err := w.kzCustoms.Exchange.RegularExchange.ListReceivedRecords(ctx, &exchangev1.ListReceivedRecordsRequest{Parent: "subscriptions/" + ruCode, PageSize: 1000, PageToken: token})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range l.GetRecords() {
			k := fmt.Sprintf("%s@%d", r.GetRecord().GetRecordId(), r.GetRecord().GetVersion())
			if seen[k] {
				t.Fatalf("%s stored twice", k)
			}
			seen[k] = true
			if r.GetRecord().GetKind() == exchangev1.RecordKind_RECORD_KIND_PRELIMINARY_CLASSIFICATION_DECISION {
				t.Fatal("a kind outside the agreement was sent")
			}
		}
		if token = l.GetNextPageToken(); token == "" {
			break
		}
	}
	if len(seen) != total || !seen["A-000002@2"] || !seen["C-000699@1"] {
		t.Fatalf("KZ holds %d record versions, want %d", len(seen), total)
	}
	s = sub()
	t.Logf("KZ stored %d record versions once each; %d redelivered and skipped", s.GetRecordsReceived(), s.GetDuplicatesSkipped())
	// RU knows where KZ stands.
	ag, err := w.ruCustoms.Exchange.RegularExchange.GetAgreement(ctx, &exchangev1.GetAgreementRequest{Name: "exchangeAgreements/" + kzCode})
	if err != nil || ag.GetAgreement().GetPeerPosition() == 0 {
		t.Fatalf("agreement at RU: %v %v", ag, err)
	}
}

// testRenewedSigningCertificate renews the KZ node's certificate on disk
// while it runs: the next request it sends is signed with the renewed
// certificate, and RU accepts it.
func testRenewedSigningCertificate(t *testing.T, w *twoNodes) {
	ctx := ctxFor(t, time.Minute)
	kz, ruCustoms := w.kzCustoms.Exchange.CopyRequests, w.ruCustoms
	signedWith := func() []byte {
		sent, err := kz.SendCopyRequest(ctx, &exchangev1.SendCopyRequestRequest{Document: completeDocument()})
		if err != nil {
			t.Fatal(err)
		}
		return sent.GetCopyRequest().GetDocument().GetSignature().GetCertificate()
	}
	before, err := w.kzPKI.node.TLSCertificate()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(signedWith(), before.Leaf.Raw) {
		t.Fatal("the request is not signed with the node's certificate")
	}
	renewed, err := w.kzPKI.ca.IssueServer([]string{"127.0.0.1", "localhost"}, customsURI("KZ", kzCode), 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, w.kzPKI.nodeKey, renewed.KeyPEM)
	writeFile(t, w.kzPKI.nodeCert, renewed.CertPEM)
	want, err := renewed.TLSCertificate()
	if err != nil {
		t.Fatal(err)
	}
	var name string
	eventually(t, 10*time.Second, "a request signed with the renewed certificate", func() (bool, string) {
		sent, err := kz.SendCopyRequest(ctx, &exchangev1.SendCopyRequestRequest{Document: completeDocument()})
		if err != nil {
			t.Fatal(err)
		}
		name = sent.GetCopyRequest().GetName()
		return bytes.Equal(sent.GetCopyRequest().GetDocument().GetSignature().GetCertificate(), want.Leaf.Raw), "still the old certificate"
	})
	waitRequest(t, ruCustoms, name, "the renewed signature accepted by RU", func(c *exchangev1.CopyRequest) bool {
		return c.GetDirection() == exchangev1.Direction_DIRECTION_INCOMING
	})
}
