package imapsource

import (
	"bytes"
	"fmt"
	"io"
	"maps"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	gomessage "github.com/emersion/go-message"
	_ "github.com/emersion/go-message/charset" // decode every charset x/text knows, as the gateway does
	"github.com/emersion/go-message/mail"

	"github.com/helpdesk-gw/helpdesk/model"
	"github.com/helpdesk-gw/helpdesk/store"
	"github.com/helpdesk-gw/helpdesk/store/storetest"
)

// BenchmarkIngestFromDovecot compares, in one run, the gateway's rate (IMAP
// into PostgreSQL through the pipeline, group commit) with the raw rate of
// fetching and parsing the same messages with go-imap and go-message alone
// (no store), cold (the first fetch after delivery) and warm (the second).
// Two sub-benchmarks:
//   - small: 330-byte plain-text messages, each a new ticket;
//   - mix: the realistic helpdesk mix of newHelpdeskMix (new tickets,
//     replies threaded as comments, multipart/alternative bodies of a few
//     KB, some attachments).
//
// Set HELPDESK_BENCH_MESSAGES (default 10000) and HELPDESK_BENCH_MARK
// (move, seen or delete; default move, as serve); run with
//
//	go test -run '^$' -bench IngestFromDovecot -benchtime 1x ./ingest/imapsource/
func BenchmarkIngestFromDovecot(b *testing.B) {
	n := benchMessageCount()
	d := startDovecot(b)
	b.Run("small", func(b *testing.B) {
		msgs := make([][]byte, n)
		for i := range msgs {
			msgs[i] = benchMail(i)
		}
		benchIngest(b, d, "small", msgs, n, map[model.Outcome]int{model.OutcomeCreated: n})
	})
	b.Run("mix", func(b *testing.B) {
		mix := newHelpdeskMix(n, 1)
		b.Log(mix.summary())
		benchIngest(b, d, "mix", mix.Raw, mix.Parts, mix.expected())
	})
}

// benchIngest measures msgs b.N times, each time in a new Dovecot user:
// the raw rate cold and warm, then the gateway's, whose outcomes must be
// exactly want. parts is the number of leaf MIME parts in msgs.
func benchIngest(b *testing.B, d *dovecot, name string, msgs [][]byte, parts int, want map[model.Outcome]int) {
	n := len(msgs)
	for i := 0; i < b.N; i++ {
		user := fmt.Sprintf("%s%d", name, i)
		d.seed(b, user, msgs)
		rawCPU := readCPU(b)
		cold := rawRate(b, d.addr, user, n, parts)
		rawUsed := readCPU(b).since(rawCPU)
		b.Logf("CPU while the raw fetch ran cold, per message: all processes %v: this process %v, PostgreSQL %v, Dovecot %v; idle %v",
			rawUsed.all()/time.Duration(n), rawUsed.self/time.Duration(n), rawUsed.postgres/time.Duration(n), rawUsed.dovecot/time.Duration(n), rawUsed.idle/time.Duration(n))
		warm := rawRate(b, d.addr, user, n, parts)
		url := storetest.PostgresURL(b)
		st := storetest.OpenURL(b, url, store.Options{})
		vol := readPGVolume(b, url)
		mc := openClient(b, d.addr, user)
		m := mailboxAt(d.addr, user)
		m.Name = user                             // batch and batch bytes: serve's defaults
		m.Mark = os.Getenv("HELPDESK_BENCH_MARK") // "": MarkMove, serve's default
		prof := startGatewayProfile(b, name)
		cpu := readCPU(b)
		start := time.Now()
		passed := make(chan struct{}, 1)
		stop := runPoller(b, Options{Mailbox: m, Ingester: newPipeline(b, st), Store: st, Logger: discard(),
			Passed: func() {
				select {
				case passed <- struct{}{}:
				default:
				}
			}})
		waitMarked(b, passed, mc, m.Mark)
		elapsed := time.Since(start)
		gw := float64(n) / elapsed.Seconds()
		used := readCPU(b).since(cpu)
		prof()
		stop()
		if got := outcomes(b, st); !maps.Equal(got, want) {
			b.Fatalf("outcomes %v, want %v", got, want)
		}
		readPGVolume(b, url).report(b, vol, n)
		tableWrites(b, url, n)
		b.ReportMetric(gw, "gateway_msgs/s")
		b.ReportMetric(cold, "raw_cold_msgs/s")
		b.ReportMetric(warm, "raw_warm_msgs/s")
		b.Logf("%d messages: gateway %.0f/s; raw fetch+parse %.0f/s cold, %.0f/s warm; gateway/warm %.3f, gateway/cold %.3f",
			n, gw, cold, warm, gw/warm, gw/cold)
		b.Logf("CPU while the gateway ran, per message: all processes %v: this process %v, PostgreSQL %v, Dovecot %v; the rest of the machine %v, idle %v",
			used.all()/time.Duration(n), used.self/time.Duration(n), used.postgres/time.Duration(n), used.dovecot/time.Duration(n),
			(used.others-used.family)/time.Duration(n), used.idle/time.Duration(n))
		ratio := float64(used.all()) / float64(rawUsed.all())
		b.ReportMetric(ratio, "cpu_gateway/raw")
		b.Logf("CPU per message, all processes: gateway %v / raw fetch+parse cold %v = %.2f",
			used.all()/time.Duration(n), rawUsed.all()/time.Duration(n), ratio)
	}
}

// benchMessageCount is the number of messages a Dovecot benchmark
// ingests: HELPDESK_BENCH_MESSAGES, 10,000 by default.
func benchMessageCount() int {
	if v, err := strconv.Atoi(os.Getenv("HELPDESK_BENCH_MESSAGES")); err == nil && v > 0 {
		return v
	}
	return 10000
}

// rawRate fetches every message of INBOX with go-imap and parses each
// whole with go-message (parseWhole); the messages must hold parts leaf
// parts in all.
func rawRate(b *testing.B, addr, user string, n, parts int) float64 {
	mc := openClient(b, addr, user)
	if _, err := mc.c.Select("INBOX", nil).Wait(); err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	var set imap.SeqSet
	set.AddRange(1, 0)
	cmd := mc.c.Fetch(set, &imap.FetchOptions{UID: true, BodySection: []*imap.FetchItemBodySection{{Peek: true}}})
	var p wholeParser
	count := 0
	for msg := cmd.Next(); msg != nil; msg = cmd.Next() {
		buf, err := msg.Collect()
		if err != nil {
			b.Fatal(err)
		}
		if err := p.parse(buf.BodySection[0].Bytes); err != nil {
			b.Fatalf("message %d: %v", count+1, err)
		}
		count++
	}
	if err := cmd.Close(); err != nil {
		b.Fatal(err)
	}
	elapsed := time.Since(start)
	if count != n || p.parts != parts {
		b.Fatalf("fetched %d of %d messages, parsed %d of %d parts", count, n, p.parts, parts)
	}
	mc.c.Unselect().Wait()
	return float64(n) / elapsed.Seconds()
}

// wholeParser parses messages as a reader of the whole message would with
// go-message: the header fields (addresses, subject, date, Message-IDs),
// then every part, nested multiparts included, reading each leaf part's
// body decoded (transfer encoding and charset).
type wholeParser struct {
	body  bytes.Buffer // a leaf's decoded body, reused
	parts int          // leaf parts read
	bytes int64        // decoded bytes read
}

func (p *wholeParser) parse(raw []byte) error {
	e, err := gomessage.Read(bytes.NewReader(raw))
	if err != nil {
		return err
	}
	h := mail.Header{Header: e.Header}
	if _, err := h.Subject(); err != nil {
		return fmt.Errorf("subject: %w", err)
	}
	for _, k := range []string{"From", "To", "Cc"} {
		if _, err := h.AddressList(k); err != nil {
			return fmt.Errorf("%s: %w", k, err)
		}
	}
	if _, err := h.MessageID(); err != nil {
		return fmt.Errorf("message-id: %w", err)
	}
	for _, k := range []string{"In-Reply-To", "References"} {
		if _, err := h.MsgIDList(k); err != nil {
			return fmt.Errorf("%s: %w", k, err)
		}
	}
	if _, err := h.Date(); err != nil {
		return fmt.Errorf("date: %w", err)
	}
	return p.walk(e)
}

// walk reads e: each part of a multipart, else its decoded body.
func (p *wholeParser) walk(e *gomessage.Entity) error {
	if mr := e.MultipartReader(); mr != nil {
		for {
			part, err := mr.NextPart()
			if err == io.EOF {
				return nil
			} else if err != nil {
				return err
			}
			if err := p.walk(part); err != nil {
				return err
			}
		}
	}
	if _, _, err := e.Header.ContentType(); err != nil {
		return fmt.Errorf("content-type: %w", err)
	}
	if disp, params, err := e.Header.ContentDisposition(); err == nil && disp == "attachment" && params["filename"] == "" {
		return fmt.Errorf("attachment without a file name")
	}
	p.body.Reset()
	n, err := p.body.ReadFrom(e.Body)
	if err != nil {
		return err
	}
	p.parts++
	p.bytes += n
	return nil
}

// benchMail is a small plain-text message: a new ticket from customer i.
func benchMail(i int) []byte {
	return []byte(fmt.Sprintf("From: Customer %d <c%d@customer%d.example>\nTo: support@help.example\n"+
		"Subject: Order %d does not arrive\nDate: Mon, 23 Nov 2026 10:00:00 +0000\nMessage-ID: <%d.bench@example.com>\n"+
		"MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\nHello,\n\nmy order %d has not arrived yet. "+
		"Could you tell me where it is?\n\nThanks,\nCustomer %d\n", i, i, i%50, i, i, i, i))
}

// waitMarked returns when INBOX holds no message left to mark, checked
// after each of the poller's passes (passed): not by polling the folder,
// whose every STATUS makes Dovecot read the folder's state again, and so
// added about 90 µs of Dovecot's CPU to each message of a 10,000-message run.
func waitMarked(b *testing.B, passed <-chan struct{}, mc *mailClient, mark string) {
	b.Helper()
	timeout := time.After(30 * time.Minute)
	for {
		select {
		case <-passed:
		case <-timeout:
			b.Fatalf("INBOX not marked within 30 minutes: %d messages left", unmarked(mc, mark))
		}
		if unmarked(mc, mark) == 0 {
			return
		}
	}
}

// unmarked counts the messages of INBOX not yet marked processed as mark
// says: all of them (move, delete), or those not \Seen.
func unmarked(mc *mailClient, mark string) int {
	if mark != MarkSeen {
		return mc.count("INBOX")
	}
	st, err := mc.c.Status("INBOX", &imap.StatusOptions{NumUnseen: true}).Wait()
	if err != nil || st.NumUnseen == nil {
		return -1
	}
	return int(*st.NumUnseen)
}
