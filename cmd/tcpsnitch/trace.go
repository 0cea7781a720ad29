package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/tcpsnitch/tcpsnitch/internal/meta"
	"github.com/tcpsnitch/tcpsnitch/internal/runner"
	"github.com/tcpsnitch/tcpsnitch/internal/upload"
)

// runTrace traces a Linux program: check everything, write meta/, run the
// program under the shim, wait for what it left running, say what
// happened, upload. Every check that can fail on user input happens
// before the program starts.
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
	bin := runner.Inspect(path)
	if opts.ShimPath != "" {
		if err := runner.CheckShim(preload, bin); err != nil {
			return err
		}
	}
	shim := opts.Shim
	if shim.VerboseFile != "" {
		if shim.VerboseFile, err = runner.PrepareVerboseFile(shim.VerboseFile); err != nil {
			return err
		}
	}
	app := runner.AppName(argv[0])
	traceDir, err := runner.PrepareTraceDir(opts.Dir, app, opts.Force)
	if err != nil {
		return err
	}
	runLog, err := runner.NewRunLog(traceDir)
	if err != nil {
		return err
	}
	defer runLog.Remove()

	untraceable := bin.Warning(argv[0])
	if untraceable != "" {
		fmt.Fprintf(s.ErrOut, "tcpsnitch: warning: %s.\n", untraceable)
	}
	before := runner.ProcessDirs(traceDir)
	if _, err := meta.KeepEarlier(traceDir); err != nil {
		return err
	}
	if err := meta.Write(traceDir, traceMeta(ctx, opts, app, path, bin)); err != nil {
		return err
	}

	family := runner.NewFamily()
	defer family.Close()
	status, err := runner.Run(ctx, runner.Options{
		Path: path, Argv: argv, TraceDir: traceDir, Preload: preload, Shim: shim,
		Stdin: s.In, Stdout: s.Out, Stderr: s.ErrOut, Closed: s.Closed, RunLog: runLog,
	}, opts.Signals)
	if err != nil {
		return err
	}
	waitErr := family.Wait(ctx, func(line string) { fmt.Fprintln(s.ErrOut, line) })
	var still *runner.StillRunningError
	errors.As(waitErr, &still)

	procs := runner.NewProcessDirs(traceDir, before)
	if err := meta.WriteProcesses(traceDir, procs); err != nil {
		return err
	}
	out := runner.Outcome{
		App: app, Status: status, Signaled: signaled(status), Untraceable: untraceable != "",
		Files: runner.SummarizeDirs(traceDir, procs), Report: runLog.Read(),
	}
	runLog.Remove() // before the upload: not part of the trace
	if still != nil {
		out.Running = still.Left
	}
	for _, line := range out.Lines() {
		fmt.Fprintln(s.ErrOut, line)
	}
	reportSaved(s.ErrOut, traceDir, procs)

	if still != nil {
		// Never upload while a traced process may still write.
		return &InterruptedError{What: "waiting for " + runner.DescribeProcs(still.Left), TraceDir: traceDir}
	}
	uploadErr := uploadTrace(ctx, opts, traceDir, procs, out.Files)
	var ie *InterruptedError
	switch {
	case errors.As(uploadErr, &ie):
		return uploadErr
	case status != 0:
		if uploadErr != nil {
			fmt.Fprintf(s.ErrOut, "tcpsnitch: %v\n", uploadErr)
		}
		return &ProgramExit{Code: status}
	}
	return uploadErr
}

// reportSaved prints where the trace is; procs are this run's process
// directories. Lines about the trace that belong right after this one go
// here.
func reportSaved(w io.Writer, traceDir string, procs []string) {
	fmt.Fprintf(w, "Trace saved in %s.\n", traceDir)
}

// signaled: runner.Run reports death by signal N as 128+N; exit codes
// above 128 from exit() are rare but possible, and read the same.
func signaled(status int) bool { return status > 128 && status < 128+65 }

// uploadTrace uploads this run's meta and process directories, unless -n
// or there is nothing to upload.
func uploadTrace(ctx context.Context, opts *RootOptions, traceDir string, procs []string, sum runner.Summary) error {
	if opts.NoUpload {
		return nil
	}
	if sum.Empty() {
		fmt.Fprintln(opts.Streams.ErrOut, "Trace not uploaded: it is empty.")
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
