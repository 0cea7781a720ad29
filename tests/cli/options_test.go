package cli

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tcpsnitch/tcpsnitch/internal/tracefile"
)

// traceClient traces the C client against srv with flags; returns the run
// and the socket that talked to srv.
func traceClient(t *testing.T, srv *server, flags ...string) (result, string) {
	t.Helper()
	dir := t.TempDir()
	r := tcpsnitch(t, "", append(append([]string{"-n", "-d", dir}, flags...), tool("client"), srv.port)...)
	if r.code != 0 {
		t.Fatalf("%v: exit %d stderr %q", flags, r.code, r.errOut)
	}
	return r, dir
}

func TestCaptureWritesPcap(t *testing.T) {
	srv := newServer(t, 3000)
	_, dir := traceClient(t, srv, "-c")
	s := connectedSocket(t, onlyProcess(t, dir, "client"), srv.port)
	if s.PcapPath == "" {
		t.Fatalf("-c: no %d.pcap next to %s", s.Index, s.Path)
	}
	b, _ := os.ReadFile(s.PcapPath)
	// pcap magic, either byte order, micro- or nanosecond variant.
	if len(b) < 24 || !(string(b[:4]) == "\xd4\xc3\xb2\xa1" || string(b[:4]) == "\xa1\xb2\xc3\xd4" ||
		string(b[:4]) == "\x4d\x3c\xb2\xa1" || string(b[:4]) == "\xa1\xb2\x3c\x4d") {
		t.Fatalf("%s is not a pcap file (%d bytes)", s.PcapPath, len(b))
	}
	_, dir = traceClient(t, srv)
	if s := connectedSocket(t, onlyProcess(t, dir, "client"), srv.port); s.PcapPath != "" {
		t.Fatal("pcap written without -c")
	}
}

func tcpInfoCount(t *testing.T, srv *server, flags ...string) int {
	_, dir := traceClient(t, srv, flags...)
	return len(connectedSocket(t, onlyProcess(t, dir, "client"), srv.port).OfType("tcp_info"))
}

func TestTCPInfoBytes(t *testing.T) {
	srv := newServer(t, 50000)
	if n := tcpInfoCount(t, srv); n != 0 {
		t.Fatalf("%d tcp_info events without -b/-u", n)
	}
	if n := tcpInfoCount(t, srv, "-b", "1000"); n == 0 {
		t.Fatal("-b 1000 on a 50 kB exchange: no tcp_info event")
	}
}

func TestTCPInfoUsec(t *testing.T) {
	srv := newServer(t, 50000)
	if n := tcpInfoCount(t, srv, "-u", "1"); n == 0 {
		t.Fatal("-u 1: no tcp_info event")
	}
}

func TestVerbosePrintsStraceLikeLines(t *testing.T) {
	srv := newServer(t, 100)
	r, _ := traceClient(t, srv, "-v")
	re := regexp.MustCompile(`(?m)^\[pid \d+\] connect\(\d+, 127\.0\.0\.1:` + srv.port + `\) = 0\b`)
	if !re.MatchString(r.errOut) {
		t.Fatalf("-v: no strace-like connect line in stderr:\n%s", r.errOut)
	}
	if r, _ := traceClient(t, srv); strings.Contains(r.errOut, "connect(") {
		t.Fatalf("event lines without -v:\n%s", r.errOut)
	}
}

func logsLines(t *testing.T, dir string) int {
	b, _ := os.ReadFile(filepath.Join(onlyProcess(t, dir, "client").Dir, "logs.txt"))
	return len(strings.Split(strings.TrimSpace(string(b)), "\n"))
}

func TestFileLogLevel(t *testing.T) {
	srv := newServer(t, 100)
	_, quiet := traceClient(t, srv, "-f", "1")
	_, chatty := traceClient(t, srv, "-f", "5")
	if q, c := logsLines(t, quiet), logsLines(t, chatty); c <= q {
		t.Fatalf("logs.txt has %d lines with -f 5 and %d with -f 1", c, q)
	}
}

func TestStderrLogLevel(t *testing.T) {
	srv := newServer(t, 100)
	quiet, _ := traceClient(t, srv, "-l", "0")
	chatty, _ := traceClient(t, srv, "-l", "5")
	// With -l 0 the only stderr lines are tcpsnitch's own final messages.
	if lines := strings.Split(strings.TrimSpace(quiet.errOut), "\n"); len(lines) != 2 || !strings.HasPrefix(lines[0], "Trace saved in ") ||
		!strings.Contains(lines[1], "tcpsnitch report ") {
		t.Fatalf("-l 0: shim lines on stderr:\n%s", quiet.errOut)
	}
	if strings.Count(chatty.errOut, "\n") < 2 {
		t.Fatalf("-l 5: no shim line on stderr:\n%s", chatty.errOut)
	}
}

// -t: events reach the trace while the program still runs. The client
// holds its socket open until its stdin closes; the file must show the
// connect before that.
func TestWritePeriodFlushesWhileRunning(t *testing.T) {
	srv := newServer(t, 100)
	dir := t.TempDir()
	cmd := exec.Command(bin, "-n", "-d", dir, "-t", "20", tool("client"), srv.port, "hold")
	stdin, _ := cmd.StdinPipe()
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	defer stdin.Close()
	if line, _ := bufio.NewReader(stderr).ReadString('\n'); line != "ready\n" {
		t.Fatalf("client said %q", line)
	}
	go bufio.NewReader(stderr).WriteTo(devNull{})
	deadline := time.Now().Add(20 * time.Second) // a bound, not a measurement
	for {
		// While the program runs its events are in the process spool
		// (events.spool), which the trace reader reads like N.json.
		files, _ := filepath.Glob(filepath.Join(dir, "client_*", "*"))
		if tr, err := tracefile.Open(dir); err == nil {
			for _, p := range tr.Processes {
				for _, s := range p.Sockets {
					if len(s.OfType("connect")) > 0 {
						return
					}
				}
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("with -t 20 the connect event was not written while the program ran (files %v)", files)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

type devNull struct{}

func (devNull) Write(p []byte) (int, error) { return len(p), nil }
