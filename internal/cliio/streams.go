// Package cliio holds the I/O streams the CLI talks through, so tests can
// replace them with buffers and pretend (or not) to be a terminal.
package cliio

import (
	"bytes"
	"io"
	"os"

	"golang.org/x/term"
)

// Streams are the standard streams of the tcpsnitch process. The traced
// program inherits them untouched: when In/Out/ErrOut are *os.File, os/exec
// hands the file descriptors themselves to the child.
type Streams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer

	// Closed marks the standard fds (0 stdin, 1 stdout, 2 stderr) that
	// were closed when tcpsnitch started, so that the traced program gets
	// them closed too. Only System sets it.
	Closed [3]bool

	stdinTTY  bool
	stdoutTTY bool
	stderrTTY bool
}

// System returns the process's real stdin, stdout and stderr.
func System() *Streams {
	closed, _ := closedAtStart()
	return &Streams{
		Closed:    closed,
		In:        os.Stdin,
		Out:       os.Stdout,
		ErrOut:    os.Stderr,
		stdinTTY:  isTerminal(os.Stdin),
		stdoutTTY: isTerminal(os.Stdout),
		stderrTTY: isTerminal(os.Stderr),
	}
}

// Test returns streams backed by buffers; none of them is a terminal until
// a Set*TTY call says otherwise.
func Test() (s *Streams, in, out, errOut *bytes.Buffer) {
	in, out, errOut = &bytes.Buffer{}, &bytes.Buffer{}, &bytes.Buffer{}
	return &Streams{In: in, Out: out, ErrOut: errOut}, in, out, errOut
}

func (s *Streams) IsStdinTTY() bool  { return s.stdinTTY }
func (s *Streams) IsStdoutTTY() bool { return s.stdoutTTY }
func (s *Streams) IsStderrTTY() bool { return s.stderrTTY }

func (s *Streams) SetStdinTTY(v bool)  { s.stdinTTY = v }
func (s *Streams) SetStdoutTTY(v bool) { s.stdoutTTY = v }
func (s *Streams) SetStderrTTY(v bool) { s.stderrTTY = v }

func isTerminal(f *os.File) bool { return term.IsTerminal(int(f.Fd())) }
