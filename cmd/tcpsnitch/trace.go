package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/tcpsnitch/tcpsnitch/internal/meta"
	"github.com/tcpsnitch/tcpsnitch/internal/report"
	"github.com/tcpsnitch/tcpsnitch/internal/runner"
	"github.com/tcpsnitch/tcpsnitch/internal/upload"
)

// runTrace traces a Linux program (runner.Trace), says what happened and
// uploads this run's part of the trace.
func runTrace(ctx context.Context, opts *RootOptions) error {
	s := opts.Streams
	say := func(line string) { fmt.Fprintln(s.ErrOut, line) }
	t, err := runner.Trace(ctx, runner.TraceOptions{
		Argv: opts.Args, ShimPath: opts.ShimPath, Shim: opts.Shim, Dir: opts.Dir, Force: opts.Force,
		Meta: func(ctx context.Context, app, path string, bin runner.Binary) meta.Info {
			return traceMeta(ctx, opts, app, path, bin)
		},
		Stdin: s.In, Stdout: s.Out, Stderr: s.ErrOut, Closed: s.Closed,
	}, opts.Signals, say)
	if err != nil {
		return err
	}
	for _, line := range t.Outcome.Lines() {
		say(line)
	}
	reportSaved(s.ErrOut, t.Dir, t.Procs, t.Outcome.Files)

	if t.Still != nil {
		// Never upload while a traced process may still write.
		return &InterruptedError{What: "waiting for " + runner.DescribeProcs(t.Still.Left), TraceDir: t.Dir}
	}
	uploadErr := uploadTrace(ctx, opts, t.Dir, t.Procs, t.Outcome.Files)
	var ie *InterruptedError
	switch {
	case errors.As(uploadErr, &ie):
		return uploadErr
	case t.Status != 0:
		if uploadErr != nil {
			fmt.Fprintf(s.ErrOut, "tcpsnitch: %v\n", uploadErr)
		}
		return &ProgramExit{Code: t.Status}
	}
	return uploadErr
}

// reportSaved prints where the trace is; procs are this run's process
// directories. Lines about the trace that belong right after this one go
// here.
func reportSaved(w io.Writer, traceDir string, procs []string, files runner.Summary) {
	fmt.Fprintf(w, "Trace saved in %s.\n", traceDir)
	known := report.Totals{Processes: files.Processes, Sockets: files.Sockets, Events: files.Recorded}
	if line := report.RunLine(traceDir, procs, known); line != "" {
		fmt.Fprintln(w, line)
	}
}

// uploadTrace uploads this run's meta and process directories, unless -n
// or there is nothing to upload.
func uploadTrace(ctx context.Context, opts *RootOptions, traceDir string, procs []string, sum runner.Summary) error {
	if opts.NoUpload {
		return nil
	}
	if sum.Empty() {
		fmt.Fprintln(opts.Streams.ErrOut, "Trace not uploaded: it holds no socket.")
		return nil
	}
	err := upload.Run(ctx, upload.Options{
		TraceDir: traceDir, Server: opts.Server, Prompt: opts.Prompt, Timeout: opts.UploadTimeout,
		Members: append([]string{"meta"}, procs...),
	}, opts.Streams)
	if ctx.Err() != nil {
		return &InterruptedError{What: "upload", TraceDir: traceDir}
	}
	if err != nil {
		return fmt.Errorf("%w (the trace is kept in %s)", err, traceDir)
	}
	return nil
}

// traceMeta gathers meta/ facts. app_version comes from the guarded
// `<cmd> --version` probe (see runner.AppVersion).
func traceMeta(ctx context.Context, opts *RootOptions, app, path string, bin runner.Binary) meta.Info {
	info := meta.Info{
		App:        app,
		Cmd:        strings.Join(opts.Args, " "),
		Version:    versionString(),
		GitHash:    gitHashString(),
		AppVersion: runner.AppVersion(ctx, path, bin),
		OptB:       strconv.Itoa(opts.Shim.TCPInfoBytes),
		OptF:       strconv.Itoa(opts.Shim.FileLogLevel),
		OptU:       strconv.Itoa(opts.Shim.TCPInfoUsec),
	}
	meta.Host(&info)
	return info
}
