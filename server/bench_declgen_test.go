package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	ecommercev1 "github.com/eaeu/customs-exchange/gen/eaeu/ecommerce/v1"
	"github.com/eaeu/customs-exchange/internal/packed"
	"github.com/eaeu/customs-exchange/internal/pki"
	"github.com/eaeu/customs-exchange/internal/rules/dates"
	rules "github.com/eaeu/customs-exchange/internal/rules/ecommerce"
	"github.com/eaeu/customs-exchange/internal/store"
	"github.com/eaeu/customs-exchange/internal/store/sqlite"
)

// declTemplate is a registered declaration as the node stores it: its row,
// and its body decoded, whose fields that differ from one declaration to
// the next are set for each generated row, so that a million realistic
// rows can be produced without running the filing path a million times.
type declTemplate struct {
	row store.Declaration
	d   *ecommercev1.Declaration
}

// declarationTemplate files operatorDeclaration on a scratch node that
// registers at filing, and takes the row the node stored: its body is the
// protojson of a registered declaration with 3 items, its duty with every
// step and its obligation.
func declarationTemplate(b *testing.B) *declTemplate {
	b.Helper()
	n := startDeclNode(b, b.TempDir(), true)
	defer n.stop()
	seedDeclarationBench(b, n)
	resp, err := dialAs(b, n.dev, n.addr, pki.RoleOperator).Declarations.FileDeclaration(context.Background(),
		&ecommercev1.FileDeclarationRequest{RequestId: "bench-template", Declaration: operatorDeclaration()})
	if err != nil {
		b.Fatal(err)
	}
	d := resp.GetDeclaration()
	var row store.Declaration
	if err := n.app.Store().View(context.Background(), func(tx store.Tx) error {
		row, err = tx.GetDeclarationByNumber(context.Background(), d.GetNumber())
		return err
	}); err != nil {
		b.Fatal(err)
	}
	t := &declTemplate{row: row, d: &ecommercev1.Declaration{}}
	if err := unpackDeclaration(row.Body, t.d); err != nil {
		b.Fatalf("template: the stored body is not a packed binary declaration: %v", err)
	}
	return t
}

// unpackDeclaration reads a stored declaration body.
func unpackDeclaration(body []byte, d *ecommercev1.Declaration) error {
	raw, err := packed.Unpack(body)
	if err != nil {
		return err
	}
	return proto.Unmarshal(raw, d)
}

// declGen numbers the generated declarations: declaration i is the
// (i mod perDay + 1)-th registered by customs post 55201000 on day
// i / perDay after genBase, so numbers are unique and never collide with
// the node's own numbering today.
type declGen struct {
	rows int
}

const genPerDay = 10_000

var genBase = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

func (g *declGen) day(i int) time.Time { return genBase.AddDate(0, 0, i/genPerDay) }

func (g *declGen) number(i int) string {
	return rules.Number("55201000", g.day(i), int64(i%genPerDay+1))
}

// benchRecipientKey is the key internal/api/ecommerce stores for a
// recipient id (recipientKey there).
func benchRecipientKey(id string) string {
	sum := sha256.Sum256([]byte("eaeu-recipient/v1/" + strings.ToUpper(strings.TrimSpace(id))))
	return hex.EncodeToString(sum[:])
}

// bodyOut encodes bodies as the node does (which then packs them).
var bodyOut = proto.MarshalOptions{Deterministic: true}

// row builds declaration i from the template into buf (reused).
func (g *declGen) row(t *declTemplate, i int, buf []byte) (store.Declaration, []byte) {
	day := g.day(i)
	serial := i%genPerDay + 1
	filed := day.Add(7*time.Hour + time.Duration(serial)*3*time.Second + time.Duration(i%1000)*time.Microsecond)
	updated := filed.Add(250 * time.Microsecond)
	id := uuid.NewString()
	number := g.number(i)
	operator := fmt.Sprintf("KZ-EO-%07d", i%20+1)
	recipient := fmt.Sprintf("9%011d", i%200_000)
	regDate := dates.Format(day)
	d := t.d
	d.Name, d.Number, d.RegistrationDate = "declarations/"+id, number, regDate
	d.FilingTime, d.UpdateTime = timestamppb.New(filed), timestamppb.New(updated)
	d.Declarant.OperatorRegisterNumber = operator
	d.Recipient.IndividualNumber = recipient
	buf, err := bodyOut.MarshalAppend(buf[:0], d)
	if err != nil {
		panic(err)
	}
	return store.Declaration{
		ID: id, Number: number, Status: t.row.Status, CustomsBody: t.row.CustomsBody, Operator: operator,
		RecipientKey: benchRecipientKey(recipient), FilingDate: regDate, RegistrationDate: regDate,
		FilingTime: filed, UpdateTime: updated, Revision: 1, Body: buf,
	}, buf
}

// genBatch is how many declarations go into one transaction.
const genBatch = 20_000

// loadDeclarations creates the node's database in dataDir (the file the
// node opens there) and stores rows registered declarations in it through
// the store, in batched transactions, before the node starts.
func loadDeclarations(b *testing.B, dataDir string, t *declTemplate, rows int) *declGen {
	b.Helper()
	ctx := context.Background()
	start := time.Now()
	path := filepath.Join(dataDir, "exchange.db")
	st, err := sqlite.Open(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	// For the loader's connection only (the writer pool holds one; the node
	// opens the file afresh, with synchronous=FULL): a larger page cache
	// for the indexes that grow in random order (id, recipient), and no
	// fsync, since a benchmark fixture need not survive a crash.
	for _, p := range []string{"PRAGMA cache_size = -262144", "PRAGMA synchronous = OFF"} {
		if _, err := st.DB().ExecContext(ctx, p); err != nil {
			b.Fatal(err)
		}
	}
	g := &declGen{rows: rows}

	// Build the rows on one core while SQLite writes them on the other.
	type batch struct {
		from int
		rows []store.Declaration
	}
	batches := make(chan batch, 2)
	go func() {
		defer close(batches)
		var buf []byte
		for from := 0; from < rows; from += genBatch {
			n := min(genBatch, rows-from)
			bt := batch{from: from, rows: make([]store.Declaration, n)}
			for k := range n {
				var r store.Declaration
				r, buf = g.row(t, from+k, buf)
				r.Body = bytes.Clone(packed.Pack(r.Body))
				bt.rows[k] = r
			}
			batches <- bt
		}
	}()
	var bodyBytes int64
	for bt := range batches {
		if err := st.Update(ctx, func(tx store.Tx) error {
			for _, r := range bt.rows {
				if err := tx.CreateDeclaration(ctx, r); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			for range batches {
			}
			b.Fatalf("loading declarations %d..: %v", bt.from, err)
		}
		for _, r := range bt.rows {
			bodyBytes += int64(len(r.Body))
		}
	}
	if _, err := st.DB().ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		b.Fatal(err)
	}
	// The first stored body must read back as the declaration it claims.
	var first store.Declaration
	if err := st.View(ctx, func(tx store.Tx) error {
		first, err = tx.GetDeclarationByNumber(ctx, g.number(0))
		return err
	}); err != nil {
		b.Fatal(err)
	}
	d := &ecommercev1.Declaration{}
	if err := unpackDeclaration(first.Body, d); err != nil || d.GetNumber() != g.number(0) || d.GetName() != "declarations/"+first.ID {
		b.Fatalf("generated body does not decode to its row: %v %s %s", err, d.GetNumber(), d.GetName())
	}
	fi, _ := os.Stat(path)
	b.Logf("stored %d declarations (body %d bytes each on average) in %v: %s is %.0f MB",
		rows, bodyBytes/int64(rows), time.Since(start).Round(time.Second), filepath.Base(path), float64(fi.Size())/1e6)
	return g
}
