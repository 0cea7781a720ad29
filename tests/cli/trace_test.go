package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// checkExchange asserts the event story of one HTTP exchange on a socket:
// socket, connect, then sends and receives whose byte counts add up to
// what the server really moved, then close.
func checkExchange(t *testing.T, dir, app string, srv *server) {
	t.Helper()
	p := onlyProcess(t, dir, app)
	s := connectedSocket(t, p, srv.port)
	types := s.Types()
	if types[0] != "socket" || types[len(types)-1] != "close" {
		t.Fatalf("socket %d events %v: want socket first and close last", s.Index, types)
	}
	firstIO := len(types)
	for i, typ := range types {
		if (sendTypes[typ] || recvTypes[typ]) && i < firstIO {
			firstIO = i
		}
	}
	connectAt := strings.Index(strings.Join(types, " "), "connect")
	if connectAt < 0 || connectAt > len(strings.Join(types[:firstIO], " ")) {
		t.Fatalf("events %v: connect must come before any send/recv", types)
	}
	if got, want := moved(s, sendTypes), srv.read.Load(); got != want {
		t.Errorf("sent %d bytes by the trace, the server received %d (events %v)", got, want, types)
	}
	if got, want := moved(s, recvTypes), srv.written.Load(); got != want {
		t.Errorf("received %d bytes by the trace, the server sent %d (events %v)", got, want, types)
	}
}

func TestCurlAgainstLocalServer(t *testing.T) {
	srv := newServer(t, 100000)
	dir := filepath.Join(t.TempDir(), "trace") // created by tcpsnitch: its parent exists
	r := tcpsnitch(t, "", "-n", "-d", dir, "curl", "-s", srv.URL+"/")
	if r.code != 0 || r.out != srv.body {
		t.Fatalf("exit %d, stdout %d bytes (want the %d-byte body); stderr %q", r.code, len(r.out), len(srv.body), r.errOut)
	}
	if !strings.Contains(r.errOut, "Trace saved in "+dir+".\n") || !strings.HasSuffix(r.errOut, "tcpsnitch report "+dir+"\n") {
		t.Fatalf("stderr %q", r.errOut)
	}
	checkExchange(t, dir, "curl", srv)
	app, _ := os.ReadFile(filepath.Join(dir, "meta", "app"))
	version, _ := os.ReadFile(filepath.Join(dir, "meta", "app_version"))
	if string(app) != "curl\n" || !strings.HasPrefix(string(version), "curl ") {
		t.Fatalf("meta app %q app_version %q", app, version)
	}
}

func TestCClientAgainstLocalServer(t *testing.T) {
	srv := newServer(t, 5000)
	dir := t.TempDir()
	r := tcpsnitch(t, "", "-n", "-d", dir, tool("client"), srv.port)
	if r.code != 0 || !strings.HasSuffix(r.out, srv.body) {
		t.Fatalf("exit %d stderr %q", r.code, r.errOut)
	}
	checkExchange(t, dir, "client", srv)
	s := connectedSocket(t, onlyProcess(t, dir, "client"), srv.port)
	if got := strings.Join(s.Types(), " "); !strings.HasPrefix(got, "socket connect send recv") {
		t.Fatalf("events %s", got)
	}
}

func TestFileOnlyProgramLeavesNoSocketTrace(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(t.TempDir(), "out.txt")
	r := tcpsnitch(t, "", "-n", "-d", dir, tool("fileonly"), file)
	if r.code != 0 || r.out != "wrote "+file+"\n" {
		t.Fatalf("exit %d out %q err %q", r.code, r.out, r.errOut)
	}
	jsons, _ := filepath.Glob(filepath.Join(dir, "*", "*.json"))
	if len(jsons) != 0 {
		t.Fatalf("socket files for a program without sockets: %v", jsons)
	}
	if !strings.Contains(r.errOut, "the trace is empty: fileonly used no internet socket") {
		t.Fatalf("empty trace not reported: %q", r.errOut)
	}
}

// The traced program's exit code and stdout are what they are untraced.
func TestExitCodeAndStdoutUnchanged(t *testing.T) {
	srv := newServer(t, 10)
	for _, args := range [][]string{
		{"curl", "-s", "-f", srv.URL + "/"},
		{"curl", "-s", "-f", "http://127.0.0.1:1/"}, // refused: exit 7
		{"sh", "-c", "echo out; exit 9"},
	} {
		plain := exec.Command(args[0], args[1:]...)
		want, _ := plain.Output()
		r := tcpsnitch(t, "", append([]string{"-n", "-d", t.TempDir()}, args...)...)
		if r.code != plain.ProcessState.ExitCode() || r.out != string(want) {
			t.Errorf("%v: traced exit %d out %q, untraced exit %d out %q", args, r.code, r.out, plain.ProcessState.ExitCode(), want)
		}
	}
}

func TestDefaultTraceDirAndVersion(t *testing.T) {
	r := tcpsnitch(t, "", "-n", "sh", "-c", "true")
	line := r.errOut[strings.LastIndex(r.errOut, "Trace saved in "):]
	line, _, _ = strings.Cut(line, "\n") // the run's summary line follows
	dir := strings.TrimSuffix(strings.TrimPrefix(line, "Trace saved in "), ".")
	if r.code != 0 || !strings.HasPrefix(filepath.Base(dir), "tcpsnitch-sh-") || filepath.Dir(dir) != os.Getenv("TMPDIR") {
		t.Fatalf("exit %d, trace dir %q", r.code, dir)
	}
	v, _ := os.ReadFile(filepath.Join(dir, "meta", "version"))
	if string(v) != testVersion+"\n" {
		t.Fatalf("meta/version %q", v)
	}
	r = tcpsnitch(t, "", "--version")
	if r.out != "tcpsnitch version "+testVersion+" (git e2e)\n" {
		t.Fatalf("--version: %q", r.out)
	}
}
