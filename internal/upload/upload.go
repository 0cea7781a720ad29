// Package upload sends a trace to a collection server the way the original
// tcpsnitch did: archive.tar.gz as a multipart POST to <server>/app_traces.
package upload

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/tcpsnitch/tcpsnitch/internal/archive"
	"github.com/tcpsnitch/tcpsnitch/internal/cliio"
	"github.com/tcpsnitch/tcpsnitch/internal/config"
)

// Options says what to upload and where.
type Options struct {
	TraceDir, Server string
	NoUpload, Prompt bool
	Timeout          time.Duration // per attempt; 0 means DefaultTimeout

	// Workload and Connectivity are sent as app_trace[workload] and
	// app_trace[connectivity]. With Prompt, empty ones are asked for.
	Workload, Connectivity string
}

// DefaultTimeout bounds one upload attempt.
const DefaultTimeout = 2 * time.Minute

// Error is an upload that was attempted and failed. The trace stays on disk.
type Error struct {
	Server string
	Err    error
}

func (e *Error) Error() string {
	return fmt.Sprintf("upload to %s failed: %v", e.Server, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// Run archives the trace, asks for the workload and connectivity (-p),
// uploads with one retry and prints the URL the server answers with. With
// NoUpload it does nothing; with no server configured it says so and how to
// configure one, and returns nil: a missing server never fails a run.
func Run(ctx context.Context, o Options, s *cliio.Streams) error {
	if o.NoUpload {
		return nil
	}
	if o.Server == "" {
		fmt.Fprintf(s.ErrOut, "Trace not uploaded: no server configured (use --server <url>, "+
			"TCPSNITCH_SERVER, or \"server: <url>\" in %s; -n skips upload silently).\n", config.Path())
		return nil
	}
	if !strings.HasPrefix(o.Server, "http://") && !strings.HasPrefix(o.Server, "https://") {
		return &Error{Server: o.Server, Err: errors.New("the server must be an http:// or https:// URL")}
	}
	path, err := archive.Create(o.TraceDir)
	if err != nil {
		return err
	}
	if o.Prompt {
		if err := ask(&o, s); err != nil {
			return &Error{Server: o.Server, Err: err}
		}
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	url, err := post(ctx, o, path, s)
	if err != nil {
		return &Error{Server: o.Server, Err: err}
	}
	fmt.Fprintf(s.ErrOut, "Trace uploaded: %s\n", url)
	return nil
}
