package shim_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// stdioServer serves one stdiosock client: it reads its line, replies
// "ok <bytes>\n" and a 5 001-byte body, then reads until the client's EOF.
// It sends back the bytes it read and wrote.
func stdioServer(t *testing.T) (port string, done <-chan [2]int64) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	ch := make(chan [2]int64, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			ch <- [2]int64{-1, -1}
			return
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(20 * time.Second))
		br := bufio.NewReader(c)
		line, _ := br.ReadString('\n')
		reply := fmt.Sprintf("ok %d\n", len(line)) + strings.Repeat("b", 5000) + "\n"
		w, _ := io.WriteString(c, reply)
		rest, _ := io.Copy(io.Discard, br)
		ch <- [2]int64{int64(len(line)) + rest, int64(w)}
	}()
	return strconv.Itoa(ln.Addr().(*net.TCPAddr).Port), ch
}

var straceSocketRe = regexp.MustCompile(`^(?:\d+ +)?socket\(.* = (\d+)$`)
var straceCallRe = regexp.MustCompile(`^(?:\d+ +)?(read|write|close)\((\d+)[,)].* = (-?\d+)`)

// straceCalls runs prog untraced under strace and returns its read, write
// and close calls on fd, as "write 8192" (the call and its return value).
func straceCalls(t *testing.T, prog string, fd int64, args ...string) []string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "strace.txt")
	cmd := exec.Command("strace", append([]string{"-f", "-qq", "-e", "trace=socket,read,write,close", "-e", "signal=none", "-o", out, prog}, args...)...)
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("strace %s: %v\n%s", filepath.Base(prog), err, msg)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var calls []string
	born := false // the number's earlier files (the loader's) are not the socket
	for _, l := range strings.Split(string(b), "\n") {
		if m := straceSocketRe.FindStringSubmatch(l); m != nil && m[1] == strconv.FormatInt(fd, 10) {
			born = true
		}
		if m := straceCallRe.FindStringSubmatch(l); born && m != nil && m[2] == strconv.FormatInt(fd, 10) {
			calls = append(calls, m[1]+" "+m[3])
		}
	}
	return calls
}

// A program that reads and writes its socket through a stdio stream
// (fdopen; busybox wget, old C clients) had none of those bytes in its
// trace: libc's stream calls its internal read and write, which no hook
// sees. The stream of a traced socket now reads and writes through the
// hooks. The trace holds exactly the bytes the server received and sent,
// including what exit flushed (mode "exit") or fclose did ("fclose"), and
// its writes are the calls the same program makes untraced, as strace
// sees them (the same buffer size chunks them the same way).
func TestStdioStreamOnSocket(t *testing.T) {
	prog := build(t, "stdiosock")
	for _, mode := range []string{"exit", "fclose"} {
		t.Run(mode, func(t *testing.T) {
			port, done := stdioServer(t)
			r := run(t, prog, nil, port, mode)
			srv := <-done
			if r.fact(t, "fileno_same") != 1 {
				t.Errorf("fileno of the stream is not the socket's fd")
			}
			if r.fact(t, "reply") != srv[1] {
				t.Fatalf("the program read %d bytes through stdio, the server sent %d", r.fact(t, "reply"), srv[1])
			}
			p := r.proc(t)
			s := sock(t, p, 0)
			var wrote, read int64
			var calls []string
			for _, ev := range s.Events {
				switch ev.Type {
				case "write", "read", "close":
					calls = append(calls, fmt.Sprintf("%s %d", ev.Type, ev.ReturnValue))
					if ev.Type == "write" && ev.Success {
						wrote += ev.ReturnValue
					} else if ev.Type == "read" && ev.Success {
						read += ev.ReturnValue
					}
				}
			}
			if wrote != srv[0] || read != srv[1] {
				t.Errorf("the trace's writes move %d bytes and its reads %d; the server received %d and sent %d (events %v)",
					wrote, read, srv[0], srv[1], s.Types())
			}
			if strings.Contains(p.Logs, "stdio stream") {
				t.Errorf("the shim still warns that the stream is not traced:\n%s", p.Logs)
			}
			if tgt.runner != nil {
				return // strace of qemu would see qemu's calls
			}
			// The same program untraced, under strace, against a new server.
			port2, done2 := stdioServer(t)
			truth := straceCalls(t, prog, r.fact(t, "sock"), port2, mode)
			<-done2
			if got := writesAndCloses(calls); got != writesAndCloses(truth) {
				t.Errorf("writes and closes on the socket: traced %s, untraced (strace) %s", got, writesAndCloses(truth))
			}
		})
	}
}

// writesAndCloses keeps the writes and closes of a call list (reads depend
// on how the server's bytes arrive).
func writesAndCloses(calls []string) string {
	var out []string
	for _, c := range calls {
		if !strings.HasPrefix(c, "read") {
			out = append(out, c)
		}
	}
	return strings.Join(out, ", ")
}
