package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/tcpsnitch/tcpsnitch/internal/cliio"
	"github.com/tcpsnitch/tcpsnitch/internal/runner"
)

// UsageError is bad command-line input: nothing was started.
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }

func usageErrorf(format string, a ...any) error {
	return &UsageError{Msg: fmt.Sprintf(format, a...)}
}

// ProgramExit carries the traced program's exit status (its code, or
// 128+signal) so that tcpsnitch exits with it. It has been reported already.
type ProgramExit struct{ Code int }

func (e *ProgramExit) Error() string { return fmt.Sprintf("program exited with status %d", e.Code) }

// InterruptedError: Ctrl-C or SIGTERM stopped a wait of tcpsnitch (an
// upload, a -p prompt, the wait for the program's descendants). The trace
// stays on disk.
type InterruptedError struct {
	What     string // "upload", "waiting for 2 processes: …"
	TraceDir string
}

func (e *InterruptedError) Error() string {
	return fmt.Sprintf("%s interrupted (the trace is kept in %s)", e.What, e.TraceDir)
}

// Exit codes of tcpsnitch's own failures.
const (
	exitFailure       = 1   // anything else (upload failed, I/O error, …)
	exitUsage         = 2   // bad flags or arguments
	exitNotExecutable = 126 // as the shell
	exitNotFound      = 127 // as the shell
	exitInterrupted   = 130 // Ctrl-C outside of the traced program
)

// exitCode is the one place where errors become exit codes and messages:
// one line on stderr, prefixed with "tcpsnitch: ".
func exitCode(err error, s *cliio.Streams) int {
	if err == nil {
		return 0
	}
	var pe *ProgramExit
	if errors.As(err, &pe) {
		return pe.Code
	}
	fmt.Fprintf(s.ErrOut, "tcpsnitch: %v\n", err)
	var ue *UsageError
	var ie *InterruptedError
	var nf *runner.NotFoundError
	var ne *runner.NotExecutableError
	switch {
	case errors.As(err, &ue):
		return exitUsage
	case errors.As(err, &ie):
		return exitInterrupted
	case errors.As(err, &nf):
		return exitNotFound
	case errors.As(err, &ne):
		return exitNotExecutable
	case errors.Is(err, context.Canceled):
		return exitInterrupted
	}
	return exitFailure
}
