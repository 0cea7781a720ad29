package adb

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
)

// Sheller runs one command line in the device's shell.
type Sheller interface {
	ShellLine(cmdline string) (Result, error)
}

// Result is what a shell command printed (stdout and stderr merged, as the
// legacy shell service gives them) and its exit status.
type Result struct {
	Output string
	Status int
}

// ExitError is a command that ran but exited with a non-zero status.
type ExitError struct {
	Cmdline string
	Result
}

func (e *ExitError) Error() string {
	out := strings.TrimSpace(e.Output)
	if out == "" {
		return fmt.Sprintf("`%s` exited with status %d", e.Cmdline, e.Status)
	}
	return fmt.Sprintf("`%s` failed (status %d): %s", e.Cmdline, e.Status, lastLine(out))
}

// Shell runs argv (each argument quoted) and returns output and status.
func Shell(sh Sheller, argv ...string) (Result, error) {
	return sh.ShellLine(Join(argv...))
}

// Run runs argv and returns its output; a non-zero status is an *ExitError.
func Run(sh Sheller, argv ...string) (string, error) {
	return RunLine(sh, Join(argv...))
}

// RunLine runs a command line that the caller built (and quoted) itself;
// a non-zero status is an *ExitError.
func RunLine(sh Sheller, cmdline string) (string, error) {
	r, err := sh.ShellLine(cmdline)
	if err != nil {
		return "", err
	}
	if r.Status != 0 {
		return r.Output, &ExitError{Cmdline: cmdline, Result: r}
	}
	return r.Output, nil
}

// The legacy shell service carries no exit status, so the command line is
// followed by an echo of a random marker and $?; the last marker in the
// output splits the command's own output from its status.

func newMarker() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return "__tcpsnitch_rc_" + hex.EncodeToString(b[:]) + "="
}

// withStatus wraps cmdline so its exit status is printed after a marker.
// The subshell keeps an `exit`, a trailing `&&`/`||` chain or a redirection
// inside; the newline ends a trailing comment.
func withStatus(cmdline, marker string) string {
	return "( " + cmdline + "\n); echo \"" + marker + "$?\""
}

// parseStatus splits raw shell output into the command's output and status.
func parseStatus(raw, marker string) (Result, error) {
	// Devices before Android 7 run the legacy shell in a pty: CRLF endings.
	raw = strings.ReplaceAll(raw, "\r\n", "\n")
	i := strings.LastIndex(raw, marker)
	if i < 0 {
		return Result{}, fmt.Errorf("shell: no exit status in the device's answer (connection lost?): %q", lastLine(raw))
	}
	code, err := strconv.Atoi(strings.TrimSpace(raw[i+len(marker):]))
	if err != nil {
		return Result{}, fmt.Errorf("shell: unreadable exit status %q", raw[i+len(marker):])
	}
	return Result{Output: raw[:i], Status: code}, nil
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}
