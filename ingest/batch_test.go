package ingest_test

import (
	"context"
	"errors"
	"testing"

	"github.com/helpdesk-gw/helpdesk/ingest"
	"github.com/helpdesk-gw/helpdesk/model"
	"github.com/helpdesk-gw/helpdesk/store"
	"github.com/helpdesk-gw/helpdesk/store/storetest"
)

func TestIngestBatchCommitsMessagesWithCheckpoint(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b store.Backend) {
		w := newWorld(t, b)
		first := mail{From: "Ann <ann@acme.com>", Subject: "Printer broken", ID: "b1@acme.com"}.raw()
		reply := mail{From: "Ann <ann@acme.com>", Subject: "Re: Printer broken", ID: "b2@acme.com", InReplyTo: "b1@acme.com"}.raw()
		ins := []ingest.Input{{Raw: first, Mailbox: "imap"}, {Raw: reply, Mailbox: "imap"}, {Raw: first, Mailbox: "imap"}}
		setCP := func(ctx context.Context, tx *store.Tx) error {
			return tx.SetCheckpoint(ctx, store.MailboxCheckpoint{Mailbox: "imap", UIDValidity: 7, LastUID: 3})
		}
		res, err := w.p.IngestBatch(w.ctx, ins, setCP)
		if err != nil {
			t.Fatal(err)
		}
		w.expect(res[0], model.OutcomeCreated)
		w.expect(res[1], model.OutcomeCommented)
		w.expect(res[2], model.OutcomeDuplicate)
		if res[2].OriginalOutcome != model.OutcomeCreated || res[1].TicketID != res[0].TicketID {
			t.Errorf("results %+v", res)
		}
		cp, err := w.st.Checkpoint(w.ctx, "imap")
		if err != nil || cp.LastUID != 3 || cp.UIDValidity != 7 {
			t.Fatalf("checkpoint %+v %v", cp, err)
		}
		// the caller's function fails: nothing of the batch is recorded
		lost := func(context.Context, *store.Tx) error { return store.ErrLeaseLost }
		third := mail{From: "Bob <bob@acme.com>", Subject: "Other", ID: "b3@acme.com"}.raw()
		if _, err := w.p.IngestBatch(w.ctx, []ingest.Input{{Raw: third}}, lost); !errors.Is(err, store.ErrLeaseLost) {
			t.Fatalf("error %v, want ErrLeaseLost", err)
		}
		if n := len(w.tickets()); n != 1 {
			t.Fatalf("%d tickets after a failed batch, want 1", n)
		}
	})
}

func TestHeaderOnlyInputIsTooLarge(t *testing.T) {
	w := newWorld(t, store.SQLite)
	raw := mail{From: "Ann <ann@acme.com>", Subject: "Huge", ID: "big@acme.com"}.raw()
	head := raw[:len(raw)-len("Hello, something is broken.\r\n")]
	res, err := w.p.Ingest(w.ctx, ingest.Input{Raw: head, Size: 60 << 20, MaxBytes: 25 << 20, Mailbox: "imap"})
	if err != nil {
		t.Fatal(err)
	}
	w.expect(res, model.OutcomeFailed)
	kept, err := w.st.RawByID(w.ctx, res.RawID)
	if err != nil {
		t.Fatal(err)
	}
	if kept.Size != 60<<20 || kept.MessageID != "big@acme.com" || kept.Subject != "Huge" || string(kept.Raw) != string(head) {
		t.Errorf("kept %+v (reason %q)", kept, res.Reason)
	}
}
