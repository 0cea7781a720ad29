package cli

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Like strace -f, tcpsnitch waits for what the program left running: a
// client started in the background after a delay is in the trace and in
// the upload, which happens only once it is done.
func TestWaitsForBackgroundProcesses(t *testing.T) {
	srv := newServer(t, 100)
	col := newCollector(t, false)
	dir := t.TempDir()
	r := tcpsnitch(t, "", "-d", dir, "--server", col.URL, "sh", "-c",
		"(sleep 1; exec "+tool("client")+" "+srv.port+") & echo started")
	if r.code != 0 || srv.read.Load() == 0 {
		t.Fatalf("exit %d, server read %d bytes; stderr %q", r.code, srv.read.Load(), r.errOut)
	}
	wait := regexp.MustCompile(`tcpsnitch: waiting for \d+ process(es)?: .*sh \(pid \d+\).* started by the program and still running \(Ctrl-C stops waiting and keeps the trace\)\n`)
	if !wait.MatchString(r.errOut) || strings.Index(r.errOut, "waiting for") > strings.Index(r.errOut, "Trace saved") {
		t.Fatalf("no waiting message before Trace saved:\n%s", r.errOut)
	}
	checkExchange(t, dir, "client", srv)
	ups := col.got()
	if len(ups) != 1 || ups[0].members["./client_000/0.json"] == "" {
		t.Fatalf("uploads %d; want one holding client_000/0.json", len(ups))
	}
}

// Ctrl-C while waiting stops the wait, keeps the trace, uploads nothing
// and exits 130.
func TestInterruptWhileWaitingKeepsTheTrace(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			col := newCollector(t, false)
			dir := t.TempDir()
			cmd := exec.Command(bin, "-d", dir, "--server", col.URL, "sh", "-c", "sleep 60 & echo started")
			// A pipe of our own: the background sleep keeps its write end
			// open after tcpsnitch exits.
			r, w, _ := os.Pipe()
			defer r.Close()
			cmd.Stderr = w
			err := cmd.Start()
			w.Close()
			if err != nil {
				t.Fatal(err)
			}
			in := bufio.NewReader(r)
			line, _ := in.ReadString('\n')
			// The name is sh until the forked shell has exec'd sleep.
			m := regexp.MustCompile(`waiting for 1 process: \S+ \(pid (\d+)\)`).FindStringSubmatch(line)
			if m == nil {
				cmd.Process.Kill()
				t.Fatalf("first line %q", line)
			}
			pid, _ := strconv.Atoi(m[1])
			// Signal once the forked shell is sleep, so the name is known.
			for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
				if b, _ := os.ReadFile("/proc/" + m[1] + "/comm"); string(b) == "sleep\n" {
					break
				}
			}
			cmd.Process.Signal(sig)
			cmd.Wait()
			alive := syscall.Kill(pid, 0) == nil
			syscall.Kill(pid, syscall.SIGKILL) // closes the pipe
			var rest strings.Builder
			in.WriteTo(&rest)
			want := "Trace saved in " + dir + ".\ntcpsnitch: waiting for 1 process: sleep (pid " + m[1] + ") interrupted (the trace is kept in " + dir + ")\n"
			if code := cmd.ProcessState.ExitCode(); code != 130 || !strings.HasSuffix(rest.String(), want) {
				t.Fatalf("exit %d, stderr after the first line:\n%s\nwant it to end with:\n%s", code, rest.String(), want)
			}
			if !alive {
				t.Fatal("the background process was killed: tcpsnitch only stops waiting")
			}
			if !strings.Contains(rest.String(), "tcpsnitch: no internet socket was recorded so far (1 process: sleep (pid "+m[1]+") still running).\n") {
				t.Fatalf("stderr:\n%s", rest.String())
			}
			if n := len(col.got()); n != 0 {
				t.Fatalf("%d uploads while a traced process still runs", n)
			}
			if _, err := filepath.Glob(filepath.Join(dir, "meta", "app")); err != nil {
				t.Fatal(err)
			}
		})
	}
}
