package runner

import (
	"context"
	"errors"
	"io"
	"path/filepath"
	"runtime"

	"golang.org/x/sys/unix"

	"github.com/tcpsnitch/tcpsnitch/internal/meta"
	"github.com/tcpsnitch/tcpsnitch/internal/spool"
)

// TraceOptions is one Linux run as the command line asked for it.
type TraceOptions struct {
	Argv     []string // the command and its arguments, as typed
	ShimPath string   // --shim ("" = the installed shim)
	Shim     ShimOptions
	Dir      string // -d ("" = a new temp dir)
	Force    bool   // --force

	// Meta gathers the facts for meta/ (the caller knows its version).
	Meta func(ctx context.Context, app, path string, bin Binary) meta.Info

	Stdin          io.Reader
	Stdout, Stderr io.Writer
	Closed         [3]bool // standard fds closed for tcpsnitch (cliio.Streams.Closed)
}

// Traced is a finished run.
type Traced struct {
	Dir     string   // the trace directory (absolute)
	Procs   []string // this run's process directories
	Status  int      // the program's exit status (128+N: signal N)
	Outcome Outcome  // what to tell the user (Outcome.Lines)
	// Still is set when the user stopped waiting for the program's
	// descendants: they may still write to the trace.
	Still *StillRunningError
}

// Trace checks everything that can fail on user input, then runs the
// program under the shim while it gathers meta/, waits for the processes
// it left running (say prints the waiting lines; a cancelled ctx stops the
// wait), writes meta/, splits the shim's spools into N.json files and
// reads what the shim reported. An error means nothing ran, or the
// trace directory could not be written.
func Trace(ctx context.Context, o TraceOptions, sig *Signals, say func(string)) (*Traced, error) {
	path, err := Resolve(o.Argv[0])
	if err != nil {
		return nil, err
	}
	libDir, err := LibDir()
	if err != nil {
		return nil, err
	}
	preload, err := Preload(libDir, o.ShimPath)
	if err != nil {
		return nil, err
	}
	bin := Inspect(path)
	if o.ShimPath != "" {
		if err := CheckShim(preload, bin); err != nil {
			return nil, err
		}
	}
	shim := o.Shim
	if shim.VerboseFile != "" {
		if shim.VerboseFile, err = PrepareVerboseFile(shim.VerboseFile); err != nil {
			return nil, err
		}
	}
	app := AppName(o.Argv[0])
	traceDir, err := PrepareTraceDir(o.Dir, app, o.Force)
	if err != nil {
		return nil, err
	}
	runLog, err := NewRunLog(traceDir)
	if err != nil {
		return nil, err
	}
	defer runLog.Remove()

	untraceable := bin.Warning(o.Argv[0])
	if untraceable != "" {
		say("tcpsnitch: warning: " + untraceable + ".")
	}
	before := ProcessDirs(traceDir)
	if _, err := meta.KeepEarlier(traceDir); err != nil {
		return nil, err
	}
	// meta/'s facts (the --version probe, ~1 100 files of /proc/sys/net)
	// cost ~15 ms: gathered while the program runs, written after it,
	// instead of delaying its start.
	gathered := make(chan meta.Info, 1)
	go func() {
		// At the lowest priority, on a thread of its own (ended with the
		// goroutine, the probe's process inherits it): where the program
		// has no CPU to spare (one core, a pinned run) the facts wait
		// for it instead of slowing down what is being traced.
		runtime.LockOSThread()
		unix.Setpriority(unix.PRIO_PROCESS, unix.Gettid(), 19)
		gathered <- o.Meta(ctx, app, path, bin)
	}()

	family := NewFamily()
	defer family.Close()
	exit, err := Run(ctx, Options{
		Path: path, Argv: o.Argv, TraceDir: traceDir, Preload: preload, Shim: shim,
		Stdin: o.Stdin, Stdout: o.Stdout, Stderr: o.Stderr, Closed: o.Closed, RunLog: runLog,
	}, sig)
	if err != nil {
		return nil, err
	}
	t := &Traced{Dir: traceDir, Status: exit.Status}
	errors.As(family.Wait(ctx, say), &t.Still)

	t.Procs = NewProcessDirs(traceDir, before)
	if err := meta.Write(traceDir, <-gathered); err != nil {
		return nil, err
	}
	// The shim spooled each process's events into one file while it ran;
	// the trace format has one N.json per socket. Processes still running
	// keep appending to their spools, so those are left whole (the trace
	// reader reads spools; a later run of tcpsnitch report sees them all).
	if t.Still == nil {
		for _, p := range t.Procs {
			if _, err := spool.Split(filepath.Join(traceDir, p)); err != nil {
				say("tcpsnitch: warning: " + err.Error() + ".")
			}
		}
	}
	if err := meta.WriteProcesses(traceDir, t.Procs); err != nil {
		return nil, err
	}
	t.Outcome = Outcome{
		App: app, Status: exit.Status, Signaled: exit.Signaled, Untraceable: untraceable != "",
		Files: SummarizeDirs(traceDir, t.Procs), Report: runLog.Read(),
	}
	if t.Still != nil {
		t.Outcome.Running = t.Still.Left
	}
	return t, nil
}
