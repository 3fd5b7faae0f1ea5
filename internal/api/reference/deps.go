package reference

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/eaeu/customs-exchange/internal/errs"
	"github.com/eaeu/customs-exchange/internal/store"
)

// Deps is what the reference handlers need.
type Deps struct {
	Store store.Store
	// NodeState is the member state this node serves (e.g. KZ).
	NodeState string
	// NationalCurrency is the node state's currency (e.g. KZT).
	NationalCurrency string
	// Now is the clock (tests may fix it).
	Now func() time.Time
}

func (d Deps) now() time.Time {
	if d.Now != nil {
		return d.Now().UTC()
	}
	return time.Now().UTC()
}

// Document kinds of this package.
const (
	kindCustomsBody  = "customs_body"
	kindCalendar     = "calendar"
	kindDutySchedule = "duty_schedule"
)

var jsonOut = protojson.MarshalOptions{UseProtoNames: true}

func encode(m proto.Message) ([]byte, error) { return jsonOut.Marshal(m) }

func decode(d store.Document, m proto.Message) error {
	if err := protojson.Unmarshal(d.Body, m); err != nil {
		return fmt.Errorf("decode %s %s: %w", d.Kind, d.Name, err)
	}
	return nil
}

func etagOf(rev int64) string { return strconv.FormatInt(rev, 10) }

// getDoc reads a document or returns NOT_FOUND naming it.
func getDoc(ctx context.Context, tx store.Tx, kind, name string) (store.Document, error) {
	d, err := tx.GetDocument(ctx, kind, name)
	if errors.Is(err, store.ErrNotFound) {
		return d, errs.NotFound(name)
	}
	return d, err
}
