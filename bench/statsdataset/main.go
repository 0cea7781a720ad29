// Command statsdataset times the dataset statistics (issue 17's target: a
// dataset page over 100 traces / 5 million events in under 2 s). It reads
// one real trace with stats.ReadTrace (what the server does at import),
// stores its aggregate as JSON N times under different apps and OSes (what
// the server keeps), then times what a page request does: decode the N
// aggregates, combine them for a filter, list the statistics, write JSON.
//
//	go run ./bench/statsdataset TRACE [N]
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	"github.com/tcpsnitch/tcpsnitch/internal/stats"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: statsdataset TRACE [N]  (a trace directory or archive; N traces, default 100)")
		os.Exit(2)
	}
	n := 100
	if len(os.Args) > 2 {
		v, err := strconv.Atoi(os.Args[2])
		if err != nil || v < 1 {
			fmt.Fprintln(os.Stderr, "statsdataset: N must be a whole number ≥ 1")
			os.Exit(2)
		}
		n = v
	}
	start := time.Now()
	acc, _, err := stats.ReadTrace(os.Args[1], stats.TraceInfo{}, false)
	if err != nil {
		fmt.Fprintln(os.Stderr, "statsdataset:", err)
		os.Exit(1)
	}
	read := time.Since(start)
	tr := acc.Trace()
	events := tr.Total().Events
	stored := make([][]byte, n)
	for i := range stored {
		tr.Info.App = fmt.Sprintf("app%03d", i)
		tr.Info.OS = []string{"Linux", "android"}[i%2]
		stored[i], _ = json.Marshal(tr)
	}
	fmt.Printf("\nstatistics of one trace: %d events read in %.2f s (%.0f events/s); aggregate %d kB\n",
		events, read.Seconds(), float64(events)/read.Seconds(), len(stored[0])/1024)
	fail := false
	for _, f := range []stats.Filter{{}, {OS: "Linux", Proto: "tcp"}, {Remote: "yes"}} {
		best := time.Duration(1 << 62)
		for range 3 {
			t0 := time.Now()
			traces := make([]*stats.Trace, n)
			for i, b := range stored {
				traces[i] = &stats.Trace{}
				if err := json.Unmarshal(b, traces[i]); err != nil {
					panic(err)
				}
			}
			res := stats.Compute(stats.Combine(traces, nil, f), stats.ScopeDataset)
			stats.WriteJSON(io.Discard, []stats.Result{{Scope: stats.ScopeDataset, Stats: res}})
			best = min(best, time.Since(t0))
		}
		verdict := "ok"
		if best > 2*time.Second {
			verdict, fail = "MISS", true
		}
		fmt.Printf("dataset of %d traces (%d events), filter %+v: %.3f s (target < 2 s) %s\n",
			n, int64(n)*events, f, best.Seconds(), verdict)
	}
	if fail {
		fmt.Println("statsdataset: a target was missed (MISS above)")
	}
}
