package runner

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestForeignAndCheckIsTrace(t *testing.T) {
	dir := t.TempDir()
	if f := Foreign(dir); len(f) != 0 {
		t.Fatalf("empty dir: %v", f)
	}
	for _, d := range []string{"meta", "meta.1", "curl_000", "python3_012"} {
		os.MkdirAll(filepath.Join(dir, d), 0o755)
	}
	os.WriteFile(filepath.Join(dir, "meta", "app"), nil, 0o644)
	os.WriteFile(filepath.Join(dir, "meta", "processes"), nil, 0o644)
	os.WriteFile(filepath.Join(dir, "archive.tar.gz"), nil, 0o644)
	os.WriteFile(filepath.Join(dir, ".tcpsnitch-run-1.log"), nil, 0o644)
	if f := Foreign(dir); len(f) != 0 || CheckIsTrace(dir, false) != nil {
		t.Fatalf("a trace: %v", f)
	}
	os.WriteFile(filepath.Join(dir, "notes.txt"), nil, 0o644)
	os.WriteFile(filepath.Join(dir, "meta", "mine"), nil, 0o644)
	os.Mkdir(filepath.Join(dir, "src"), 0o755)
	if f := Foreign(dir); !reflect.DeepEqual(f, []string{"meta/mine", "notes.txt", "src"}) {
		t.Fatalf("foreign %v", f)
	}
	err := CheckIsTrace(dir, false)
	if err == nil || !strings.Contains(err.Error(), "(it holds meta/mine, notes.txt, src)") || !strings.Contains(err.Error(), "--force") {
		t.Fatalf("err %v", err)
	}
	if CheckIsTrace(dir, true) != nil {
		t.Fatal("--force refused")
	}
}

func TestPrepareTraceDirCreatesNothingOnError(t *testing.T) {
	base := t.TempDir()
	long := filepath.Join(base, strings.Repeat("x", 255), strings.Repeat("y", 255))
	if _, err := PrepareTraceDir(long, "app", false); err == nil || !strings.Contains(err.Error(), "the shim holds at most 511") {
		t.Fatalf("err %v", err)
	}
	if _, err := os.Stat(filepath.Dir(long)); err == nil {
		t.Fatal("created")
	}
}

func TestNewProcessDirs(t *testing.T) {
	dir := t.TempDir()
	os.Mkdir(filepath.Join(dir, "curl_000"), 0o755)
	before := ProcessDirs(dir)
	os.Mkdir(filepath.Join(dir, "curl_001"), 0o755)
	os.Mkdir(filepath.Join(dir, "sh_000"), 0o755)
	os.Mkdir(filepath.Join(dir, "meta"), 0o755)
	if got := NewProcessDirs(dir, before); !reflect.DeepEqual(got, []string{"curl_001", "sh_000"}) {
		t.Fatalf("got %v", got)
	}
}

func TestOutcomeLines(t *testing.T) {
	reported := RunReport{Reported: 1}
	cases := []struct {
		o    Outcome
		want []string
	}{
		{Outcome{App: "a", Report: reported}, []string{"tcpsnitch: the trace is empty: a used no internet socket."}},
		{Outcome{App: "a"}, []string{"tcpsnitch: nothing was traced: the shim never reported from a (it was not loaded, or could not write; a program that switches to another user cannot write to the trace)."}},
		{Outcome{App: "a", Report: RunReport{Reported: 1, Sockets: 2}}, []string{"tcpsnitch: the shim saw 2 internet sockets but could not write them to the trace (see the shim errors above)."}},
		{Outcome{App: "a", Status: 139, Signaled: true, Report: reported}, []string{"tcpsnitch: a died of SIGSEGV (segmentation fault).", "tcpsnitch: no internet socket was recorded before that."}},
		{Outcome{App: "a", Status: 130, Signaled: true, Files: Summary{Sockets: 1}}, []string{"tcpsnitch: a was stopped by SIGINT."}},
		{Outcome{App: "a", Untraceable: true}, nil},
		{Outcome{App: "a", Files: Summary{Sockets: 1, Recorded: 7, Dropped: 3}, Report: reported},
			[]string{"tcpsnitch: warning: 3 of 10 events were dropped (the shim ran out of memory); the trace is incomplete."}},
		{Outcome{App: "sh", Report: RunReport{Reported: 1, Unreported: []int{5}}}, []string{
			"tcpsnitch: warning: pid 5 ran a program the shim never reported from, so it was not traced (a static or set-user-ID program, a shim file its user cannot read, or a process killed before it could report).",
			"tcpsnitch: the trace holds no socket, but whether the untraced program used one is unknown."}},
		{Outcome{App: "sh", Report: RunReport{Reported: 1, Unreported: []int{5}}, Running: []Proc{{5, "sleep"}}},
			[]string{"tcpsnitch: no internet socket was recorded so far (1 process: sleep (pid 5) still running)."}},
	}
	for _, c := range cases {
		if got := c.o.Lines(); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%+v:\n got %q\nwant %q", c.o, got, c.want)
		}
	}
}
