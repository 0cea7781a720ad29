// Command serveimport measures the collection server (issue 16): how fast a
// trace of N events is checked and imported (events per second, SQLite or
// PostgreSQL), and how long the trace's page and a socket page take to
// render once it is imported. bench/serve.sh runs it; `make bench` runs that.
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime/debug"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"

	"github.com/tcpsnitch/tcpsnitch/internal/archive"
	"github.com/tcpsnitch/tcpsnitch/internal/importer"
	"github.com/tcpsnitch/tcpsnitch/internal/server"
	"github.com/tcpsnitch/tcpsnitch/internal/store"
	"github.com/tcpsnitch/tcpsnitch/internal/store/pgtest"
)

var exit int

func main() {
	defer func() { os.Exit(exit) }()
	events := flag.Int("events", 1000000, "events in the generated trace")
	sockets := flag.Int("sockets", 200, "sockets they are spread over")
	db := flag.String("db", "", "postgres:// URL, or \"pg\" to start a throwaway PostgreSQL (default: SQLite in a temporary directory)")
	flag.StringVar(&profile, "cpuprofile", "", "write a CPU profile of the import to `file`")
	flag.StringVar(&pageProfile, "pageprofile", "", "write a CPU profile of the trace page's renders to `file`")
	flag.Parse()
	if *db == "pg" {
		pg, err := pgtest.Start()
		if err != nil {
			fmt.Fprintln(os.Stderr, "serveimport: no PostgreSQL row:", err)
			os.Exit(0)
		}
		defer pg.Stop()
		*db = pg.DSN
	}
	debug.SetGCPercent(400) // as tcpsnitch serve does
	if err := run(*events, *sockets, *db); err != nil {
		fmt.Fprintln(os.Stderr, "serveimport:", err)
		exit = 1
	}
}

var profile, pageProfile string

func run(events, sockets int, db string) error {
	ctx := context.Background()
	tmp, err := os.MkdirTemp("", "serveimport-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	traceDir := filepath.Join(tmp, "trace")
	if err := generate(traceDir, events, sockets); err != nil {
		return err
	}
	arch, err := archive.Create(traceDir, nil)
	if err != nil {
		return err
	}
	st, err := store.Open(ctx, db, tmp)
	if err != nil {
		return err
	}
	defer st.Close()
	dataDir := filepath.Join(tmp, "archives")
	os.MkdirAll(dataDir, 0o700)

	t0 := time.Now()
	checked, err := importer.Check(arch, importer.DefaultLimits)
	if err != nil {
		return err
	}
	checkSecs := time.Since(t0).Seconds()
	tr := &store.Trace{Meta: checked.Meta}
	err = st.CreateTrace(ctx, tr, func(id int64) (string, error) {
		name := fmt.Sprintf("%d.tar.gz", id)
		return name, os.Rename(arch, filepath.Join(dataDir, name))
	})
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	im := &importer.Importer{Store: st, ArchiveDir: dataDir, Limits: importer.DefaultLimits, Log: log}
	if profile != "" {
		if f, err := os.Create(profile); err == nil {
			pprof.StartCPUProfile(f)
		}
	}
	t1, c1 := time.Now(), cpuTime()
	n, err := im.Import(ctx, tr.ID)
	pprof.StopCPUProfile()
	importCPU := (cpuTime() - c1).Seconds()
	if err != nil {
		return err
	}
	importSecs := time.Since(t1).Seconds()
	backend := "sqlite"
	if db != "" {
		backend = "postgresql"
	}
	fmt.Printf("%-10s check  %8d events in %6.2f s: %8.0f events/s\n", backend, checked.Events, checkSecs, float64(checked.Events)/checkSecs)
	target := ""
	if backend == "sqlite" {
		target = " (target >= 200000)"
	}
	fmt.Printf("%-10s import %8d events in %6.2f s: %8.0f events/s%s; %.2f s of CPU: %.0f events per CPU second\n",
		backend, n, importSecs, float64(n)/importSecs, target, importCPU, float64(n)/importCPU)

	srv := &server.Server{Store: st, Importer: im, ArchiveDir: dataDir, Limits: importer.DefaultLimits, Log: log}
	h := srv.Handler()
	for _, page := range []string{"/app_traces/" + tr.Key, "/app_traces/" + tr.Key + "/processes/bench_000/sockets/0"} {
		var times []time.Duration
		if pageProfile != "" && !strings.Contains(page, "sockets") {
			if f, err := os.Create(pageProfile); err == nil {
				pprof.StartCPUProfile(f)
			}
		}
		for i := 0; i < 3; i++ {
			rec := httptest.NewRecorder()
			start := time.Now()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, page, nil))
			times = append(times, time.Since(start))
			if rec.Code != http.StatusOK {
				return fmt.Errorf("%s: status %d", page, rec.Code)
			}
		}
		pprof.StopCPUProfile()
		if strings.Contains(page, "sockets") {
			// The first view builds the trace's report from its archive; later views reuse it.
			fmt.Printf("%-10s socket page of a %d-event trace: first %6.0f ms, then %6.0f ms\n", backend, n,
				times[0].Seconds()*1000, min(times[1], times[2]).Seconds()*1000)
		} else {
			fmt.Printf("%-10s trace page  of a %d-event trace: %6.0f ms (target < 1000 ms)\n", backend, n,
				min(times[0], times[1], times[2]).Seconds()*1000)
		}
	}
	return nil
}

// generate writes a trace directory of a plausible mix of events: each
// socket opens, connects, then alternates sends, receives and tcp_info.
func generate(dir string, events, sockets int) error {
	if err := os.MkdirAll(filepath.Join(dir, "meta"), 0o755); err != nil {
		return err
	}
	for _, m := range store.MetaNames {
		if err := os.WriteFile(filepath.Join(dir, "meta", m), []byte("bench-"+m+"\n"), 0o644); err != nil {
			return err
		}
	}
	proc := filepath.Join(dir, "bench_000")
	os.MkdirAll(proc, 0o755)
	per := events / sockets
	ts := int64(1700000000000000)
	for k := 0; k < sockets; k++ {
		f, err := os.Create(filepath.Join(proc, fmt.Sprintf("%d.json", k)))
		if err != nil {
			return err
		}
		w := bufio.NewWriterSize(f, 1<<16)
		n := per
		if k == sockets-1 {
			n = events - per*(sockets-1)
		}
		for i := 0; i < n; i++ {
			ts += 7
			switch {
			case i == 0:
				fmt.Fprintf(w, `{"type": "socket", "timestamp_usec": %d, "return_value": 3, "success": true, "thread_id": 4242, "fake_call": false, "details": {"sock_info": {"domain": "AF_INET", "type": "SOCK_STREAM", "protocol": "0", "SOCK_CLOEXEC": false, "SOCK_NONBLOCK": false}}}`+"\n", ts)
			case i == 1:
				fmt.Fprintf(w, `{"type": "connect", "timestamp_usec": %d, "return_value": 0, "success": true, "thread_id": 4242, "fake_call": false, "details": {"addr": {"sa_family": "AF_INET", "ip": "10.1.2.3", "port": "443"}}}`+"\n", ts)
			case i%3 == 0:
				fmt.Fprintf(w, `{"type": "send", "timestamp_usec": %d, "return_value": 1448, "success": true, "thread_id": 4242, "fake_call": false, "details": {"bytes": 1448, "flags": {"MSG_CONFIRM": false, "MSG_DONTROUTE": false, "MSG_DONTWAIT": false, "MSG_EOR": false, "MSG_MORE": false, "MSG_NOSIGNAL": true, "MSG_OOB": false}}}`+"\n", ts)
			case i%3 == 1:
				fmt.Fprintf(w, `{"type": "recv", "timestamp_usec": %d, "return_value": 4096, "success": true, "thread_id": 4242, "fake_call": false, "details": {"bytes": 16384, "flags": {"MSG_CMSG_CLOEXEC": false, "MSG_DONTWAIT": false, "MSG_ERRQUEUE": false, "MSG_OOB": false, "MSG_PEEK": false, "MSG_TRUNC": false, "MSG_WAITALL": false}}}`+"\n", ts)
			default:
				fmt.Fprintf(w, `{"type": "tcp_info", "timestamp_usec": %d, "return_value": 0, "success": true, "thread_id": 4242, "fake_call": false, "details": {"state": 1, "ca_state": 0, "retransmits": 0, "rto": 204000, "snd_mss": 1448, "rcv_mss": 536, "unacked": 1, "rtt": %d, "rttvar": 250, "snd_ssthresh": 2147483647, "snd_cwnd": %d, "total_retrans": 0}}`+"\n", ts, 1000+i%500, 10+i%40)
			}
		}
		if err := w.Flush(); err != nil {
			return err
		}
		f.Close()
	}
	return nil
}

// cpuTime is the CPU time this process used (user + system), so that a
// loaded machine's stolen time can be told from the import's own cost.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
