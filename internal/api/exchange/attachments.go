package exchange

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/google/uuid"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	exchangev1 "github.com/eaeu/customs-exchange/gen/eaeu/exchange/v1"
	"github.com/eaeu/customs-exchange/internal/api/middleware"
	"github.com/eaeu/customs-exchange/internal/api/mutation"
	"github.com/eaeu/customs-exchange/internal/caller"
	"github.com/eaeu/customs-exchange/internal/errs"
	"github.com/eaeu/customs-exchange/internal/store"
)

// MaxAttachmentSize bounds one attachment (4 GiB).
const MaxAttachmentSize = 4 << 30

func attachmentID(name string) string {
	_, id, _ := strings.Cut(name, "/attachments/")
	return id
}

func attachmentOf(parent string, a store.ExchangeAttachment) *exchangev1.Attachment {
	return &exchangev1.Attachment{Name: parent + "/attachments/" + a.ID, FileName: a.FileName, MediaType: a.MediaType,
		SizeBytes: a.Size, Sha256: a.SHA256, Available: a.Complete}
}

// uploadNamespace derives upload attachment ids from request ids, so that
// a retried upload finds the attachment of the first try.
var uploadNamespace = uuid.MustParse("7c1d2f4e-43a5-4c1e-9d1f-0a6b8d3e5f21")

// copyChunks receives chunks from recv until io.EOF into w.
func copyChunks(w ContentWriter, recv func() ([]byte, bool, error)) error {
	for {
		data, isChunk, err := recv()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if !isChunk {
			return errs.Field("header", "the header comes first and once")
		}
		if err := w.Write(data); err != nil {
			return err
		}
	}
}

// prepare makes the attachment row ready for a transfer: created, or reset
// when an earlier transfer broke off. It returns the existing row when it
// is already complete.
func (d *Deps) prepareAttachment(ctx context.Context, a store.ExchangeAttachment) (*store.ExchangeAttachment, error) {
	var done *store.ExchangeAttachment
	err := d.Store.Update(ctx, func(tx store.Tx) error {
		cur, err := tx.GetExchangeAttachment(ctx, a.ID)
		switch {
		case errors.Is(err, store.ErrNotFound):
			return tx.CreateExchangeAttachment(ctx, a)
		case err != nil:
			return err
		case cur.RequestID != a.RequestID:
			return errs.AlreadyExists("attachment " + a.ID)
		case cur.Complete:
			done = &cur
			return nil
		}
		return tx.ResetExchangeAttachment(ctx, a.ID)
	})
	return done, err
}

// auditStreamRefusal records a refused streaming call: the guard audits
// only unary refusals of use cases.
func (d *Deps) auditStreamRefusal(ctx context.Context, resource, requestID string, err error) {
	if d.Recorder == nil || err == nil {
		return
	}
	method, _ := grpc.Method(ctx)
	if e, ok := middleware.RefusalEntry(ctx, method, resource, requestID, err); ok {
		d.Recorder.Refused(ctx, e)
	}
}

// UploadAttachment implements the RPC.
func (s *CopyRequests) UploadAttachment(stream grpc.ClientStreamingServer[exchangev1.UploadAttachmentRequest, exchangev1.UploadAttachmentResponse]) error {
	ctx := stream.Context()
	first, err := stream.Recv()
	if err != nil {
		return err
	}
	hdr := first.GetHeader()
	if hdr == nil {
		return errs.Field("header", "the first message must be the header")
	}
	out, err := s.upload(ctx, hdr, func() ([]byte, bool, error) {
		m, err := stream.Recv()
		if err != nil {
			return nil, false, err
		}
		return m.GetChunk(), m.GetHeader() == nil, nil
	})
	if err != nil {
		s.auditStreamRefusal(ctx, hdr.GetParent(), hdr.GetRequestId(), err)
		return err
	}
	return stream.SendAndClose(&exchangev1.UploadAttachmentResponse{Attachment: out})
}

func (s *CopyRequests) upload(ctx context.Context, hdr *exchangev1.AttachmentHeader, recv func() ([]byte, bool, error)) (*exchangev1.Attachment, error) {
	if hdr.GetName() != "" {
		return nil, errs.Field("header.name", "assigned by the node on upload; leave it empty")
	}
	err := s.Store.View(ctx, func(tx store.Tx) error {
		l, err := s.loadRequest(ctx, tx, hdr.GetParent())
		if err != nil {
			return err
		}
		if l.cr.GetDirection() != exchangev1.Direction_DIRECTION_INCOMING {
			return errs.WrongState("%s is a request this node sent; attachments go with answers to incoming requests", hdr.GetParent())
		}
		return wantStatus(l, inProgress, suspended)
	})
	if err != nil {
		return nil, err
	}
	id := uuid.NewString()
	if hdr.GetRequestId() != "" {
		id = uuid.NewSHA1(uploadNamespace, []byte(caller.From(ctx).Subject.URI+"|"+hdr.GetParent()+"|"+hdr.GetRequestId())).String()
	}
	now := s.now()
	row := store.ExchangeAttachment{ID: id, RequestID: requestID(hdr.GetParent()), FileName: hdr.GetFileName(), MediaType: hdr.GetMediaType(),
		CreateTime: now, UpdateTime: now}
	return s.transfer(ctx, hdr, row, recv, false)
}

// transfer writes the content of an attachment and completes it in a
// mutation (audited, applied once per request id).
func (d *Deps) transfer(ctx context.Context, hdr *exchangev1.AttachmentHeader, row store.ExchangeAttachment,
	recv func() ([]byte, bool, error), strict bool) (*exchangev1.Attachment, error) {
	done, err := d.prepareAttachment(ctx, row)
	if err != nil {
		return nil, err
	}
	if done != nil {
		if hdr.GetSha256() != "" && hdr.GetSha256() != done.SHA256 {
			return nil, errs.AlreadyExists("attachment " + row.ID + " with other content")
		}
		return attachmentOf(hdr.GetParent(), *done), nil
	}
	w, err := d.content().NewWriter(ctx, row.ID)
	if err != nil {
		return nil, err
	}
	if err := copyChunks(w, recv); err != nil {
		w.Abort()
		return nil, err
	}
	chunks, size, sum, err := w.Close()
	if err != nil {
		return nil, err
	}
	if (strict || hdr.GetSizeBytes() > 0) && size != hdr.GetSizeBytes() || hdr.GetSha256() != "" && sum != hdr.GetSha256() {
		_ = d.Store.Update(context.WithoutCancel(ctx), func(tx store.Tx) error { return tx.ResetExchangeAttachment(ctx, row.ID) })
		return nil, status.Errorf(codes.DataLoss, "the content arrived as %d bytes with SHA-256 %s, the header says %d bytes, %s; send it again",
			size, sum, hdr.GetSizeBytes(), hdr.GetSha256())
	}
	row.Size, row.SHA256, row.Chunks, row.Complete, row.UpdateTime = size, sum, chunks, true, d.now()
	return mutation.Run(ctx, d.Store, hdr, func() *exchangev1.Attachment { return &exchangev1.Attachment{} },
		func(ctx context.Context, tx store.Tx) (*exchangev1.Attachment, mutation.Result, error) {
			if err := tx.CompleteExchangeAttachment(ctx, row); err != nil {
				return nil, mutation.Result{}, err
			}
			a := attachmentOf(hdr.GetParent(), row)
			return a, mutation.Result{Resource: a.GetName(), Detail: fmt.Sprintf("%d bytes, sha256 %s", size, sum)}, nil
		})
}

// ReceiveAttachment implements the RPC.
func (s *CopyRequests) ReceiveAttachment(stream grpc.ClientStreamingServer[exchangev1.ReceiveAttachmentRequest, exchangev1.ReceiveAttachmentResponse]) error {
	ctx := stream.Context()
	first, err := stream.Recv()
	if err != nil {
		return err
	}
	hdr := first.GetHeader()
	out, err := s.receiveAttachment(ctx, hdr, func() ([]byte, bool, error) {
		m, err := stream.Recv()
		if err != nil {
			return nil, false, err
		}
		return m.GetChunk(), m.GetHeader() == nil, nil
	})
	if err != nil {
		s.auditStreamRefusal(ctx, hdr.GetName(), hdr.GetRequestId(), err)
		return err
	}
	return stream.SendAndClose(&exchangev1.ReceiveAttachmentResponse{Attachment: out})
}

func (s *CopyRequests) receiveAttachment(ctx context.Context, hdr *exchangev1.AttachmentHeader, recv func() ([]byte, bool, error)) (*exchangev1.Attachment, error) {
	switch {
	case hdr == nil:
		return nil, errs.Field("header", "the first message must be the header")
	case !strings.HasPrefix(hdr.GetName(), hdr.GetParent()+"/attachments/"):
		return nil, errs.Field("header.name", "required: an attachment of %s", hdr.GetParent())
	case hdr.GetSha256() == "":
		return nil, errs.Field("header.sha256", "required on delivery")
	case hdr.GetRequestId() == "":
		return nil, errs.Field("header.request_id", "required on delivery: the outbox message id")
	}
	err := s.Store.View(ctx, func(tx store.Tx) error {
		peer, err := s.callerPeer(ctx, tx)
		if err != nil {
			return err
		}
		l, err := s.loadRequest(ctx, tx, hdr.GetParent())
		if err != nil {
			return err
		}
		if l.cr.GetDirection() != exchangev1.Direction_DIRECTION_OUTGOING || l.row.PeerCode != peer.GetCode() {
			return errs.Permission("customs body %s did not receive %s from this node", peer.GetCode(), hdr.GetParent())
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	now := s.now()
	row := store.ExchangeAttachment{ID: attachmentID(hdr.GetName()), RequestID: requestID(hdr.GetParent()), FileName: hdr.GetFileName(),
		MediaType: hdr.GetMediaType(), CreateTime: now, UpdateTime: now}
	return s.transfer(ctx, hdr, row, recv, true)
}

// DownloadAttachment implements the RPC: one chunk read at a time.
func (s *CopyRequests) DownloadAttachment(req *exchangev1.DownloadAttachmentRequest, stream grpc.ServerStreamingServer[exchangev1.DownloadAttachmentResponse]) error {
	ctx := stream.Context()
	parent, _, _ := strings.Cut(req.GetName(), "/attachments/")
	var a store.ExchangeAttachment
	err := s.Store.View(ctx, func(tx store.Tx) error {
		var err error
		if a, err = tx.GetExchangeAttachment(ctx, attachmentID(req.GetName())); err != nil {
			return notFoundAs(err, req.GetName())
		}
		if a.RequestID != requestID(parent) {
			return errs.NotFound(req.GetName())
		}
		if !a.Complete {
			return errs.WrongState("%s has not fully arrived yet", req.GetName())
		}
		return nil
	})
	if err != nil {
		return err
	}
	if err := stream.Send(&exchangev1.DownloadAttachmentResponse{Attachment: attachmentOf(parent, a)}); err != nil {
		return err
	}
	return s.content().Read(ctx, a, func(data []byte) error {
		return stream.Send(&exchangev1.DownloadAttachmentResponse{Chunk: data})
	})
}
