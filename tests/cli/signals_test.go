package cli

import (
	"bufio"
	"bytes"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// A signal sent to tcpsnitch reaches the traced program; tcpsnitch then
// finishes the trace and exits with 128+signal.
func TestSignalIsForwardedAndTraceSaved(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			srv := newServer(t, 100)
			dir := t.TempDir()
			cmd := exec.Command(bin, "-n", "-d", dir, tool("client"), srv.port, "hold")
			stdin, _ := cmd.StdinPipe() // kept open: the client waits on it
			defer stdin.Close()
			stderr, _ := cmd.StderrPipe()
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			r := bufio.NewReader(stderr)
			if line, _ := r.ReadString('\n'); line != "ready\n" {
				t.Fatalf("client said %q", line)
			}
			cmd.Process.Signal(sig)
			var rest bytes.Buffer
			rest.ReadFrom(r)
			cmd.Wait()
			if code := cmd.ProcessState.ExitCode(); code != 128+int(sig) {
				t.Fatalf("exit %d, want %d; stderr %q", code, 128+int(sig), rest.String())
			}
			if !strings.Contains(rest.String(), "tcpsnitch: client was stopped by "+unix.SignalName(sig)+".\nTrace saved in "+dir+".") {
				t.Fatalf("no final message: %q", rest.String())
			}
			// The events before the signal are in the trace.
			s := connectedSocket(t, onlyProcess(t, dir, "client"), srv.port)
			if got := strings.Join(s.Types(), " "); !strings.HasPrefix(got, "socket connect send recv") {
				t.Fatalf("events %s", got)
			}
			if files, _ := filepath.Glob(filepath.Join(dir, "meta", "*")); len(files) == 0 {
				t.Fatal("no meta files")
			}
		})
	}
}
