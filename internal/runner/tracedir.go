package runner

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"
)

// TraceDir returns the absolute trace directory, ready for the shim to
// write into. With dir == "" it creates a new directory
// tcpsnitch-<app>-<random> under the temp dir ($TMPDIR, else /tmp). Given a
// dir, it accepts an existing writable directory, creates a missing one
// whose parent exists, and refuses anything else (a file, a missing parent,
// no write permission) before anything runs.
func TraceDir(dir, app string) (string, error) {
	if dir == "" {
		created, err := os.MkdirTemp("", "tcpsnitch-"+safeName(app)+"-")
		if err != nil {
			return "", fmt.Errorf("cannot create a trace directory in %s: %w", os.TempDir(), err)
		}
		return created, nil
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	st, err := os.Stat(abs)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		parent := filepath.Dir(abs)
		if pst, perr := os.Stat(parent); perr != nil || !pst.IsDir() {
			return "", fmt.Errorf("trace directory %s: parent directory %s does not exist", dir, parent)
		}
		if err := os.Mkdir(abs, 0o755); err != nil {
			return "", fmt.Errorf("trace directory %s cannot be created: %v", dir, unwrapPath(err))
		}
		return abs, nil
	case err != nil:
		return "", fmt.Errorf("trace directory %s: %v", dir, unwrapPath(err))
	case !st.IsDir():
		return "", fmt.Errorf("trace directory %s is not a directory", dir)
	}
	if unix.Access(abs, unix.W_OK|unix.X_OK) != nil {
		return "", fmt.Errorf("trace directory %s is not writable", dir)
	}
	return abs, nil
}

// safeName keeps a program name usable inside a file name.
func safeName(s string) string {
	s = strings.Map(func(r rune) rune {
		if r == '/' || r == 0 || r == '*' {
			return '_'
		}
		return r
	}, s)
	if s == "" {
		return "trace"
	}
	return s
}

// unwrapPath drops the path from *fs.PathError, which the message already names.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
