package cliio

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

func TestTestStreamsAreNotTerminals(t *testing.T) {
	s, _, out, _ := Test()
	if s.IsStdinTTY() || s.IsStdoutTTY() || s.IsStderrTTY() {
		t.Fatal("test streams claim to be a terminal")
	}
	s.SetStderrTTY(true)
	if !s.IsStderrTTY() || s.IsStdoutTTY() {
		t.Fatal("SetStderrTTY did not set exactly stderr")
	}
	s.Out.Write([]byte("x"))
	if out.String() != "x" {
		t.Fatalf("Out does not write to the returned buffer: %q", out.String())
	}
}

// A child process whose stdout is a pipe must not see a terminal on stdout.
func TestSystemDetectsPipes(t *testing.T) {
	if os.Getenv("CLIIO_CHILD") == "1" {
		s := System()
		os.Stdout.WriteString(map[bool]string{true: "tty", false: "notty"}[s.IsStdoutTTY()])
		os.Exit(0)
	}
	cmd := exec.Command(os.Args[0], "-test.run=TestSystemDetectsPipes")
	cmd.Env = append(os.Environ(), "CLIIO_CHILD=1")
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(out), "notty") {
		t.Fatalf("stdout pipe reported as %q", out)
	}
}
