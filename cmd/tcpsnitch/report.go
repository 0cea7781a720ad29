package main

import (
	"bufio"
	"fmt"
	"os"
	"strconv"

	"github.com/spf13/cobra"
	"github.com/tcpsnitch/tcpsnitch/internal/cliio"
	"github.com/tcpsnitch/tcpsnitch/internal/report"
	"github.com/tcpsnitch/tcpsnitch/internal/report/page"
	"github.com/tcpsnitch/tcpsnitch/internal/report/perfetto"
	"github.com/tcpsnitch/tcpsnitch/internal/stats"
	"golang.org/x/term"
)

// ReportOptions are the flags of `tcpsnitch report`.
type ReportOptions struct {
	Streams  *cliio.Streams
	Path     string
	JSON     bool
	HTML     string
	Perfetto string
	Sort     string
	Process  string
	Socket   int
	Stats    bool
	CSV      bool
}

const reportLong = `Summarise a trace: one block per process, one row per socket (protocol,
addresses, bytes sent and received, calls by function, failed calls, time to
connect and to the first byte, tcp_info and what the pcap saw), then totals.

The trace is a directory written by tcpsnitch (or the original tcpsnitch
0.1), its archive.tar.gz, or a .zip of it. Damaged files are reported on
stderr with their line, and the rest is still summarised.`

const reportExample = `  tcpsnitch report /tmp/curl-trace
  tcpsnitch report --sort bytes --process curl_000 archive.tar.gz
  tcpsnitch report --json trace/ | jq '.totals'
  tcpsnitch report --html report.html --perfetto trace.json trace/
  tcpsnitch report --stats --csv trace/ > stats.csv`

func newReportCmd(streams *cliio.Streams) *cobra.Command {
	opts := &ReportOptions{Streams: streams}
	cmd := &cobra.Command{
		Use:     "report [flags] <trace dir | archive.tar.gz | archive.zip>",
		Short:   "Summarise a trace in the terminal, as JSON, as a page or for Perfetto",
		Long:    reportLong,
		Example: reportExample,
		Args: func(c *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageErrorf("report takes one trace (directory, .tar.gz or .zip), got %d arguments (see tcpsnitch report --help)", len(args))
			}
			return nil
		},
		RunE: func(c *cobra.Command, args []string) error {
			opts.Path = args[0]
			return runReport(opts)
		},
	}
	fs := cmd.Flags()
	fs.BoolVar(&opts.JSON, "json", false, "print the summary as JSON (schema: docs/report.md) instead of a table")
	fs.StringVar(&opts.HTML, "html", "", "also write a self-contained page to `file`")
	fs.StringVar(&opts.Perfetto, "perfetto", "", "also write the calls as Trace Event Format JSON to `file` (ui.perfetto.dev, chrome://tracing)")
	fs.StringVar(&opts.Sort, "sort", "time", "order sockets by `key`: time, bytes, duration, calls or errors")
	fs.StringVar(&opts.Process, "process", "", "only this process (`name` like curl_000, app name, or pid)")
	fs.IntVar(&opts.Socket, "socket", -1, "only the socket with this `index` (N of N.json)")
	fs.BoolVar(&opts.Stats, "stats", false, "print the socket-API statistics (docs/stats.md) of the trace and its processes (with --process/--socket: of those, with their sockets) instead of the summary")
	fs.BoolVar(&opts.CSV, "csv", false, "with --stats: print the statistics as CSV")
	return cmd
}

func runReport(opts *ReportOptions) error {
	s := opts.Streams
	if err := report.Sort(&report.Report{}, opts.Sort); err != nil {
		return usageErrorf("--sort: %v", err)
	}
	if opts.CSV && !opts.Stats {
		return usageErrorf("--csv only applies to --stats (try tcpsnitch report --stats --csv)")
	}
	bo := report.DefaultOptions()
	if opts.HTML != "" {
		bo = report.PageOptions()
	}
	var pw *perfetto.Collector
	if opts.Perfetto != "" {
		pw = perfetto.NewCollector()
		bo.Sink = pw
	}
	var acc *stats.Accumulator
	if opts.Stats {
		acc = stats.NewAccumulator(stats.TraceInfo{})
		acc.KeepSockets = opts.Process != "" || opts.Socket >= 0
		bo.Sink = statsSink{acc: acc, next: bo.Sink}
	}
	r, err := report.Build(opts.Path, bo)
	if err != nil {
		return err
	}
	printProblems(s, r)
	if err := report.Select(r, opts.Process, opts.Socket); err != nil {
		return usageErrorf("%v", err)
	}
	_ = report.Sort(r, opts.Sort)

	if opts.Stats {
		res := statsResults(acc, r, opts)
		switch {
		case opts.CSV:
			err = stats.WriteCSV(s.Out, res)
		case opts.JSON:
			err = stats.WriteJSON(s.Out, res)
		default:
			err = stats.WriteText(s.Out, res)
		}
		if err != nil {
			return err
		}
	} else if opts.JSON {
		if err := report.WriteJSON(s.Out, r); err != nil {
			return err
		}
	} else if opts.HTML == "" && opts.Perfetto == "" {
		to := report.TextOptions{Width: termWidth(s), Color: s.IsStdoutTTY() && os.Getenv("NO_COLOR") == ""}
		if err := report.WriteText(s.Out, r, to); err != nil {
			return err
		}
	}
	if opts.HTML != "" {
		if err := writeFile(opts.HTML, func(w *bufio.Writer) error { return page.Render(w, r) }); err != nil {
			return err
		}
		fmt.Fprintf(s.ErrOut, "Page written to %s.\n", opts.HTML)
	}
	if opts.Perfetto != "" {
		if err := writeFile(opts.Perfetto, func(w *bufio.Writer) error { return pw.Write(w, r) }); err != nil {
			return err
		}
		fmt.Fprintf(s.ErrOut, "Perfetto trace written to %s (open it in ui.perfetto.dev or chrome://tracing).\n", opts.Perfetto)
	}
	return nil
}

// printProblems lists a damaged trace's problems on stderr, at most 20.
func printProblems(s *cliio.Streams, r *report.Report) {
	const most = 20
	for i, p := range r.Problems {
		if i == most {
			fmt.Fprintf(s.ErrOut, "tcpsnitch: warning: and %d more damaged spots (all in --json's problems)\n", len(r.Problems)-most)
			break
		}
		where := p.File
		if p.Line > 0 {
			where += ":" + strconv.Itoa(p.Line)
		}
		fmt.Fprintf(s.ErrOut, "tcpsnitch: warning: %s: %s\n", where, p.Msg)
	}
}

func writeFile(path string, fill func(*bufio.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	err = fill(w)
	if err == nil {
		err = w.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

// termWidth: the terminal's width, else $COLUMNS, else 100.
func termWidth(s *cliio.Streams) int {
	if f, ok := s.Out.(*os.File); ok && s.IsStdoutTTY() {
		if w, _, err := term.GetSize(int(f.Fd())); err == nil && w > 0 {
			return w
		}
	}
	if c, err := strconv.Atoi(os.Getenv("COLUMNS")); err == nil && c > 0 {
		return c
	}
	return 100
}
