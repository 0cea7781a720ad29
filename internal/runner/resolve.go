package runner

import (
	"errors"
	"fmt"
	"io/fs"
	"os/exec"
)

// NotFoundError: the command to trace does not exist (exit code 127, as in
// the shell).
type NotFoundError struct{ Name string }

func (e *NotFoundError) Error() string { return fmt.Sprintf("command not found: %s", e.Name) }

// NotExecutableError: the command exists but cannot be executed (126).
type NotExecutableError struct {
	Name string
	Err  error
}

func (e *NotExecutableError) Error() string {
	return fmt.Sprintf("cannot execute %s: %v", e.Name, e.Err)
}

// Resolve finds the program as the shell would ($PATH unless the name has a
// slash) and returns its path.
func Resolve(name string) (string, error) {
	path, err := exec.LookPath(name)
	if err == nil {
		return path, nil
	}
	if errors.Is(err, exec.ErrNotFound) || errors.Is(err, fs.ErrNotExist) {
		return "", &NotFoundError{Name: name}
	}
	var ee *exec.Error
	if errors.As(err, &ee) {
		err = ee.Err
	}
	if errors.Is(err, fs.ErrPermission) {
		err = errors.New("permission denied")
	}
	return "", &NotExecutableError{Name: name, Err: unwrapPath(err)}
}
