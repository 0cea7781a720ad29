package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/tcpsnitch/tcpsnitch/internal/meta"
	"github.com/tcpsnitch/tcpsnitch/internal/report"
	"github.com/tcpsnitch/tcpsnitch/internal/runner"
	"github.com/tcpsnitch/tcpsnitch/internal/upload"
)

// runTrace traces a Linux program: check everything, write meta/, run the
// program under the shim, report, upload. Every check that can fail on
// user input happens before the program starts.
func runTrace(ctx context.Context, opts *RootOptions) error {
	s := opts.Streams
	argv := opts.Args
	path, err := runner.Resolve(argv[0])
	if err != nil {
		return err
	}
	libDir, err := runner.LibDir()
	if err != nil {
		return err
	}
	preload, err := runner.Preload(libDir, opts.ShimPath)
	if err != nil {
		return err
	}
	app := runner.AppName(argv[0])
	traceDir, err := runner.TraceDir(opts.Dir, app)
	if err != nil {
		return err
	}

	bin := runner.Inspect(path)
	untraceable := bin.Warning(argv[0])
	if untraceable != "" {
		fmt.Fprintf(s.ErrOut, "tcpsnitch: warning: %s.\n", untraceable)
	}
	if err := meta.Write(traceDir, traceMeta(ctx, opts, app, path, bin)); err != nil {
		return err
	}

	status, err := runner.Run(ctx, runner.Options{
		Path: path, Argv: argv, TraceDir: traceDir, Preload: preload, Shim: opts.Shim,
		Stdin: s.In, Stdout: s.Out, Stderr: s.ErrOut,
	}, opts.Signals)
	if err != nil {
		return err
	}

	sum := runner.Summarize(traceDir)
	if sum.Dropped > 0 {
		fmt.Fprintf(s.ErrOut, "tcpsnitch: warning: %d of %d events were dropped (the shim ran out of memory); the trace is incomplete.\n",
			sum.Dropped, sum.Recorded+sum.Dropped)
	}
	if sum.Empty() && untraceable == "" {
		fmt.Fprintf(s.ErrOut, "tcpsnitch: the trace is empty: %s used no internet socket.\n", app)
	}
	fmt.Fprintf(s.ErrOut, "Trace saved in %s.\n", traceDir)
	if line := report.RunLine(traceDir, report.Totals{Processes: sum.Processes, Sockets: sum.Sockets, Events: sum.Recorded}); line != "" {
		fmt.Fprintln(s.ErrOut, line)
	}

	uploadErr := uploadTrace(ctx, opts, traceDir, sum)
	switch {
	case status != 0:
		if uploadErr != nil {
			fmt.Fprintf(s.ErrOut, "tcpsnitch: %v\n", uploadErr)
		}
		return &ProgramExit{Code: status}
	case uploadErr != nil:
		return uploadErr
	}
	return nil
}

// uploadTrace uploads unless -n, or unless there is nothing to upload.
func uploadTrace(ctx context.Context, opts *RootOptions, traceDir string, sum runner.Summary) error {
	if opts.NoUpload {
		return nil
	}
	if sum.Empty() {
		fmt.Fprintln(opts.Streams.ErrOut, "Trace not uploaded: it is empty.")
		return nil
	}
	err := upload.Run(ctx, upload.Options{
		TraceDir: traceDir, Server: opts.Server, Prompt: opts.Prompt, Timeout: opts.UploadTimeout,
	}, opts.Streams)
	if errors.Is(err, context.Canceled) {
		return err
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
