package runner

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func runSh(t *testing.T, script string, stdout io.Writer, sig *Signals) int {
	t.Helper()
	sh, _ := Resolve("sh")
	status, err := Run(context.Background(), Options{
		Path: sh, Argv: []string{"sh", "-c", script}, TraceDir: t.TempDir(), Preload: emptyShim(t),
		Shim:  ShimOptions{TCPInfoBytes: 4096, TCPInfoUsec: 10, Capture: true, FileLogLevel: 5, StderrLogLevel: 0, WritePeriodMs: 50, Verbose: true},
		Stdin: strings.NewReader("input\n"), Stdout: stdout, Stderr: io.Discard,
	}, sig)
	if err != nil {
		t.Fatal(err)
	}
	return status.Status
}

// An exit code of 128+N is not a death by signal N: only the wait status
// tells them apart, and the run's outcome line must not mistake one for the
// other.
func TestRunTellsExitCodeFromSignal(t *testing.T) {
	sh, _ := Resolve("sh")
	for _, c := range []struct {
		script string
		want   Exit
	}{
		{"exit 143", Exit{Status: 143}},
		{"kill -TERM $$", Exit{Status: 143, Signaled: true}},
	} {
		got, err := Run(context.Background(), Options{Path: sh, Argv: []string{"sh", "-c", c.script}, TraceDir: t.TempDir(), Preload: emptyShim(t)}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got != c.want {
			t.Errorf("%q: got %+v, want %+v", c.script, got, c.want)
		}
	}
}

func TestRunPassesEnvironmentAndStreams(t *testing.T) {
	t.Setenv("LD_PRELOAD", "")
	t.Setenv("TCPSNITCH_OPT_B", "999") // stale inherited value must not win
	var out bytes.Buffer
	status := runSh(t, `read line; echo "$line"; echo "B=$TCPSNITCH_OPT_B U=$TCPSNITCH_OPT_U C=$TCPSNITCH_OPT_C F=$TCPSNITCH_OPT_F L=$TCPSNITCH_OPT_L T=$TCPSNITCH_OPT_T V=$TCPSNITCH_OPT_V"; echo "P=$LD_PRELOAD"; echo "D=$TCPSNITCH_OPT_D"`, &out, nil)
	lines := strings.Split(out.String(), "\n")
	if status != 0 || lines[0] != "input" || lines[1] != "B=4096 U=10 C=1 F=5 L=0 T=50 V=1" {
		t.Fatalf("status %d, output:\n%s", status, out.String())
	}
	if !strings.HasPrefix(lines[2], "P=/") || !strings.HasSuffix(lines[2], "libtcpsnitch.so") || !strings.HasPrefix(lines[3], "D=/") {
		t.Fatalf("preload/dir: %q %q", lines[2], lines[3])
	}
}

func TestRunKeepsUserPreload(t *testing.T) {
	other := emptyShim(t)
	t.Setenv("LD_PRELOAD", other)
	var out bytes.Buffer
	runSh(t, `echo "$LD_PRELOAD"`, &out, nil)
	if got := strings.TrimSpace(out.String()); !strings.HasSuffix(got, ":"+other) || strings.Count(got, ":") != 1 {
		t.Fatalf("LD_PRELOAD %q does not keep the user's %s after ours", got, other)
	}
}

func TestRunExitStatus(t *testing.T) {
	for script, want := range map[string]int{"exit 0": 0, "exit 7": 7, "kill -TERM $$": 128 + 15, "kill -KILL $$": 128 + 9} {
		if got := runSh(t, script, io.Discard, nil); got != want {
			t.Errorf("%q: status %d, want %d", script, got, want)
		}
	}
}

// Signals sent to tcpsnitch while the program runs reach the program, and
// tcpsnitch itself survives them.
func TestRunForwardsSignals(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP} {
		t.Run(sig.String(), func(t *testing.T) {
			if signal.Ignored(sig) {
				// Started in the background by a shell without job control:
				// the program inherits the ignored disposition, as it should.
				t.Skipf("%v is ignored in this test process", sig)
			}
			ctx, s := WatchSignals(context.Background())
			defer s.Stop()
			r, w, _ := os.Pipe()
			done := make(chan int)
			go func() {
				done <- runSh(t, "echo ready; exec sleep 30", w, s)
				w.Close()
			}()
			line, _ := bufio.NewReader(r).ReadString('\n')
			if line != "ready\n" {
				t.Fatalf("child said %q", line)
			}
			syscall.Kill(os.Getpid(), sig)
			if got := <-done; got != 128+int(sig) {
				t.Fatalf("status %d, want %d", got, 128+int(sig))
			}
			if ctx.Err() != nil {
				t.Fatal("a forwarded signal also cancelled tcpsnitch's context")
			}
		})
	}
}

func TestSignalWithoutProgramCancels(t *testing.T) {
	ctx, s := WatchSignals(context.Background())
	defer s.Stop()
	syscall.Kill(os.Getpid(), syscall.SIGTERM)
	<-ctx.Done()
	sh, _ := Resolve("sh")
	if _, err := Run(ctx, Options{Path: sh, Argv: []string{"sh"}}, s); err == nil {
		t.Fatal("Run started a program after cancellation")
	}
}

func TestSummarize(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"curl_000/0.json", "curl_000/1.json", "curl_000/1.pcap", "sh_001/logs.txt", "meta/app", "curl_000/logs.txt"} {
		os.MkdirAll(filepath.Join(dir, filepath.Dir(f)), 0o755)
		os.WriteFile(filepath.Join(dir, f), nil, 0o644)
	}
	os.WriteFile(filepath.Join(dir, "curl_000", "logs.txt"), []byte("x\ntcpsnitch: 12 events recorded, 3 dropped\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "sh_001", "logs.txt"), []byte("tcpsnitch: 2 events recorded, 0 dropped, 1 sockets\ntcpsnitch: 5 events recorded, 0 dropped, 4 sockets\n"), 0o644)
	// curl_000 has no socket count: its files are counted. sh_001 wrote
	// two lines (cumulative counters): the last one holds.
	s := Summarize(dir)
	if s != (Summary{Processes: 2, Sockets: 6, Recorded: 17, Dropped: 3}) || s.Empty() {
		t.Fatalf("summary %+v", s)
	}
	if !Summarize(t.TempDir()).Empty() {
		t.Fatal("empty dir not empty")
	}
}
