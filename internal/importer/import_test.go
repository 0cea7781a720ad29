package importer

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tcpsnitch/tcpsnitch/internal/store"
	"github.com/tcpsnitch/tcpsnitch/internal/store/pgtest"
)

// backends runs fn against a fresh SQLite store and a fresh PostgreSQL one.
func backends(t *testing.T, fn func(t *testing.T, st store.Store)) {
	t.Run("sqlite", func(t *testing.T) {
		st, err := store.Open(context.Background(), "", t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		fn(t, st)
	})
	t.Run("postgres", func(t *testing.T) {
		dsn := pgtest.ForTest(t)
		st, err := store.Open(context.Background(), dsn, t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		fn(t, st)
	})
}

// upload records an archive as the server does and returns the trace.
func upload(t *testing.T, st store.Store, dir, file string) *store.Trace {
	t.Helper()
	c, err := Check(file, DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	tr := &store.Trace{Meta: c.Meta, ArchiveRoot: c.Root}
	err = st.CreateTrace(context.Background(), tr, func(id int64) (string, error) {
		name := fmt.Sprintf("%d.tar.gz", id)
		return name, os.Rename(file, filepath.Join(dir, name))
	})
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func TestImportStoresEveryEventAndSummary(t *testing.T) {
	backends(t, func(t *testing.T, st store.Store) {
		ctx := context.Background()
		dir := t.TempDir()
		es := goodTrace("")
		es = append(es, entry{name: "curl_000/1.pcap", body: "PCAP"}, entry{name: "sh_001/0.json", body: socketLine + "\n\n" + sendLine + "\n"})
		tr := upload(t, st, dir, writeTarGz(t, es))
		im := &Importer{Store: st, ArchiveDir: dir, Limits: DefaultLimits, Log: quiet()}
		n, err := im.Import(ctx, tr.ID)
		if err != nil || n != 5 {
			t.Fatalf("import: %d events, %v", n, err)
		}
		got, _ := st.TraceByID(ctx, tr.ID)
		if got.Status != store.StatusImported || got.Processes != 2 || got.Sockets != 2 || got.Events != 5 {
			t.Fatalf("trace after import: %+v", got)
		}
		ps, _ := st.Processes(ctx, tr.ID)
		if len(ps) != 2 || ps[0].Name != "curl_000" || !ps[0].HasLogs || ps[0].Events != 3 || ps[1].Name != "sh_001" || ps[1].Events != 2 {
			t.Fatalf("processes %+v", ps)
		}
		k, err := st.Socket(ctx, ps[0].ID, 0)
		if err != nil {
			t.Fatal(err)
		}
		// connect EINPROGRESS to a public address: remote; send moved 10 bytes.
		if k.Domain != "AF_INET" || k.Type != "SOCK_STREAM" || k.Protocol != "0" || !k.Remote || k.Peer != "93.184.216.34:80" ||
			k.BytesSent != 10 || k.Events != 3 || k.FirstUsec != 1 || k.LastUsec != 3 {
			t.Fatalf("socket summary %+v", k)
		}
		var types []string
		st.Events(ctx, store.EventFilter{TraceID: tr.ID, SocketID: k.ID}, func(e *store.Event) error {
			types = append(types, fmt.Sprintf("%d:%s:%v:%s:%s", e.Seq, e.Type, e.Success, e.Errno, e.Details))
			return nil
		})
		want := []string{
			`0:socket:true::{"sock_info":{"domain":"AF_INET","type":"SOCK_STREAM","protocol":"0","SOCK_CLOEXEC":false,"SOCK_NONBLOCK":false}}`,
			`1:connect:false:EINPROGRESS:{"addr":{"sa_family":"AF_INET","ip":"93.184.216.34","port":"80"}}`,
			`2:send:true::{"bytes":10,"flags":{}}`,
		}
		if strings.Join(types, "\n") != strings.Join(want, "\n") {
			t.Fatalf("events\n%s\nwant\n%s", strings.Join(types, "\n"), strings.Join(want, "\n"))
		}
		failed, _ := st.CountEvents(ctx, store.EventFilter{TraceID: tr.ID, FailedOnly: true})
		sends, _ := st.CountEvents(ctx, store.EventFilter{TraceID: tr.ID, Type: "send"})
		all, _ := st.CountEvents(ctx, store.EventFilter{TraceID: tr.ID})
		if failed != 1 || sends != 2 || all != 5 {
			t.Fatalf("counts: failed %d sends %d all %d", failed, sends, all)
		}
		files, _ := st.Files(ctx, tr.ID)
		if len(files) != 2 || files[0].Name != "0.pcap" && files[0].Name != "1.pcap" {
			t.Logf("files %+v", files)
		}
		k1, _ := st.Socket(ctx, ps[0].ID, 1)
		if k1 != nil {
			t.Fatalf("a pcap without its json made a socket: %+v", k1)
		}
	})
}

// An import cut short (server stopped mid-way) leaves committed rows
// behind; the next attempt removes them and imports exactly once.
func TestInterruptedImportResumesExactly(t *testing.T) {
	backends(t, func(t *testing.T, st store.Store) {
		dir := t.TempDir()
		const events = 200000
		var b strings.Builder
		b.WriteString(socketLine + "\n")
		for i := 1; i < events; i++ {
			b.WriteString(sendLine + "\n")
		}
		es := append(goodTrace(""), entry{name: "curl_000/1.json", body: b.String()})
		tr := upload(t, st, dir, writeTarGz(t, es))
		im := &Importer{Store: st, ArchiveDir: dir, Limits: DefaultLimits, Log: quiet()}

		ctx, cancel := context.WithCancel(context.Background())
		go func() {
			for {
				// Read past 120 000: the writer, at most 25 000 behind, has committed its first chunk (50 000).
				if n, ok := im.Progress(tr.ID); ok && n >= 120000 {
					cancel()
					return
				}
				time.Sleep(time.Millisecond)
			}
		}()
		if _, err := im.Import(ctx, tr.ID); err == nil {
			t.Fatal("the cancelled import reported success")
		}
		left, _ := st.CountEvents(context.Background(), store.EventFilter{TraceID: tr.ID, Type: "send"})
		if left < 50000 {
			t.Fatalf("the interruption left %d rows; the test needs a committed chunk (50 000) behind", left)
		}
		mid, _ := st.TraceByID(context.Background(), tr.ID)
		if mid.Status != store.StatusImporting {
			t.Fatalf("status after the interruption %q", mid.Status)
		}
		todo, _ := st.TracesToImport(context.Background())
		if len(todo) != 1 || todo[0] != tr.ID {
			t.Fatalf("to import after the interruption: %v", todo)
		}
		stop := make(chan struct{})
		done := make(chan struct{})
		go func() { im.Run(context.Background(), stop); close(done) }()
		deadline := time.Now().Add(2 * time.Minute)
		for {
			got, _ := st.TraceByID(context.Background(), tr.ID)
			if got.Status == store.StatusImported {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("not imported again: %+v", got)
			}
			time.Sleep(20 * time.Millisecond)
		}
		close(stop)
		<-done
		got, _ := st.TraceByID(context.Background(), tr.ID)
		n, _ := st.CountEvents(context.Background(), store.EventFilter{TraceID: tr.ID, Type: "send"})
		ps, _ := st.Processes(context.Background(), tr.ID)
		if got.Events != events+3 || n != events-1+1 || len(ps) != 1 || ps[0].Sockets != 2 {
			t.Fatalf("after resuming: trace %d events, %d sends, processes %+v (rows left by the interruption: %d)", got.Events, n, ps, left)
		}
		t.Logf("the interruption left %d events; the resumed import counted each once", left)
	})
}

// A socket file larger than the line reader's buffer, each line different:
// every event's details come back as written (the reader reuses its buffer,
// so the importer must copy what it keeps).
func TestImportKeepsEachLinesDetails(t *testing.T) {
	backends(t, func(t *testing.T, st store.Store) {
		dir := t.TempDir()
		const n = 20000
		var b strings.Builder
		b.WriteString(socketLine + "\n")
		for i := 1; i < n; i++ {
			fmt.Fprintf(&b, `{"type":"send","timestamp_usec":%d,"return_value":%d,"success":true,"thread_id":2,"fake_call":false,"details":{"bytes":%d,"flags":{"MSG_MORE":%v}}}`+"\n", i, i, i*7, i%2 == 0)
		}
		if b.Len() < 2*DefaultLimits.MaxLine {
			t.Fatalf("the file (%d bytes) must be larger than the line buffer", b.Len())
		}
		tr := upload(t, st, dir, writeTarGz(t, append(goodTrace(""), entry{name: "curl_000/1.json", body: b.String()})))
		im := &Importer{Store: st, ArchiveDir: dir, Limits: DefaultLimits, Log: quiet()}
		if _, err := im.Import(context.Background(), tr.ID); err != nil {
			t.Fatal(err)
		}
		ps, _ := st.Processes(context.Background(), tr.ID)
		k, _ := st.Socket(context.Background(), ps[0].ID, 1)
		i := 0
		err := st.Events(context.Background(), store.EventFilter{TraceID: tr.ID, SocketID: k.ID}, func(e *store.Event) error {
			if i > 0 {
				want := fmt.Sprintf(`{"bytes":%d,"flags":{"MSG_MORE":%v}}`, i*7, i%2 == 0)
				if string(e.Details) != want || e.ReturnValue != int64(i) || e.Seq != i {
					return fmt.Errorf("event %d: seq %d ret %d details %s, want %s", i, e.Seq, e.ReturnValue, e.Details, want)
				}
			}
			i++
			return nil
		})
		if err != nil || i != n {
			t.Fatalf("%d events read back, %v", i, err)
		}
	})
}
