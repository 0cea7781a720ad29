package upload

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/tcpsnitch/tcpsnitch/internal/cliio"
)

// Connectivities are the values the server accepts for app_trace[connectivity].
var Connectivities = []string{"wifi", "ethernet", "lte"}

// ask reads the workload description and the connectivity from s.In, asking
// again on an invalid connectivity (as the original's `select` did). A
// cancelled ctx (Ctrl-C, SIGTERM) ends it at once with ctx's error, even
// while a read is blocked.
func ask(ctx context.Context, o *Options, s *cliio.Streams) error {
	in := newLineReader(ctx, s.In)
	if o.Workload == "" {
		fmt.Fprint(s.ErrOut, "Workload description (e.g. 'Opened app & navigated to google.com'): ")
		line, err := in.ReadString('\n')
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err != nil && line == "" {
			return errors.New("no workload description given (stdin closed)")
		}
		o.Workload = strings.TrimSpace(line)
	}
	for o.Connectivity == "" {
		fmt.Fprintf(s.ErrOut, "Connectivity (%s): ", strings.Join(Connectivities, ", "))
		line, err := in.ReadString('\n')
		if ctx.Err() != nil {
			return ctx.Err()
		}
		answer := strings.ToLower(strings.TrimSpace(line))
		for _, c := range Connectivities {
			if answer == c {
				o.Connectivity = c
			}
		}
		if o.Connectivity != "" {
			break
		}
		if err != nil {
			return errors.New("no connectivity given (stdin closed)")
		}
		fmt.Fprintf(s.ErrOut, "Invalid connectivity %q.\n", answer)
	}
	return nil
}

// lineReader reads lines in a goroutine so that a cancelled context ends a
// wait that a blocked read(2) would not (the goroutine is left behind,
// blocked, and dies with the process).
type lineReader struct {
	ctx   context.Context
	lines chan lineOrErr
	in    *bufio.Reader
	busy  bool
}

type lineOrErr struct {
	line string
	err  error
}

func newLineReader(ctx context.Context, r io.Reader) *lineReader {
	return &lineReader{ctx: ctx, lines: make(chan lineOrErr, 1), in: bufio.NewReader(r)}
}

func (l *lineReader) ReadString(delim byte) (string, error) {
	if !l.busy {
		l.busy = true
		go func() {
			line, err := l.in.ReadString(delim)
			l.lines <- lineOrErr{line, err}
		}()
	}
	select {
	case <-l.ctx.Done():
		return "", l.ctx.Err()
	case r := <-l.lines:
		l.busy = false
		return r.line, r.err
	}
}
