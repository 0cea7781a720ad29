package realprogs

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/tcpsnitch/tcpsnitch/internal/tracefile"
)

// echoServer echoes every connection and counts the bytes it echoed.
type echoServer struct {
	port  int
	bytes atomic.Int64
}

func newEchoServer(t *testing.T) *echoServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	e := &echoServer{port: ln.Addr().(*net.TCPAddr).Port}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				n, _ := io.Copy(c, c)
				e.bytes.Add(n)
			}()
		}
	}()
	return e
}

// socat in fork mode (a child per connection, no exec) relays to an echo
// server: each connection's bytes must be in its own child's trace, on
// the socket the child inherited (forked_socket) and on the one it made
// to the server, and the parent must have accepted each connection.
func TestSocatForkRelay(t *testing.T) {
	need(t, "socat")
	echo := newEchoServer(t)
	dir := t.TempDir()
	port := freePort(t)
	srv := traced(t, dir, nil, "socat", fmt.Sprintf("TCP-LISTEN:%d,bind=127.0.0.1,fork,reuseaddr", port),
		"TCP:127.0.0.1:"+strconv.Itoa(echo.port))

	const conns = 5
	sizes := map[int]int64{} // connection's local port → bytes echoed through it
	for i := 0; i < conns; i++ {
		var c net.Conn
		var err error
		for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
			if c, err = net.Dial("tcp", "127.0.0.1:"+strconv.Itoa(port)); err == nil || time.Now().After(deadline) {
				break
			}
		}
		if err != nil {
			t.Fatalf("socat did not listen on port %d: %v; stderr %q", port, err, tail(srv.err.String()))
		}
		msg := bytes.Repeat([]byte{byte('a' + i)}, 1000*(i+1)+7)
		if _, err := c.Write(msg); err != nil {
			t.Fatal(err)
		}
		c.(*net.TCPConn).CloseWrite()
		got, err := io.ReadAll(c)
		c.Close()
		if err != nil || !bytes.Equal(got, msg) {
			t.Fatalf("connection %d: echoed %d bytes (%v), sent %d", i, len(got), err, len(msg))
		}
		sizes[c.LocalAddr().(*net.TCPAddr).Port] = int64(len(msg))
	}
	// Every child has ended once the echo server counted all the bytes
	// and socat's children closed; then stop the parent.
	var want int64
	for _, n := range sizes {
		want += n
	}
	for deadline := time.Now().Add(10 * time.Second); echo.bytes.Load() != want && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(200 * time.Millisecond)
	syscall.Kill(childOf(t, srv.cmd.Process.Pid), syscall.SIGTERM)
	srv.wait(t, 30*time.Second)
	if srv.code != 143 { // socat exits 128+15 on SIGTERM, as it does untraced
		t.Fatalf("traced socat exited %d after SIGTERM, want 143; stderr %q", srv.code, tail(srv.err.String()))
	}

	tr := openTrace(t, dir)
	ps := tr.ProcessesOf("socat")
	if len(ps) != conns+1 {
		t.Fatalf("%d socat process directories, want the parent and %d children: %s", len(ps), conns, processNames(tr))
	}
	if n := len(accepted(ps[0])); n != conns {
		t.Errorf("the parent's trace accepted %d connections, want %d", n, conns)
	}
	for _, p := range ps[1:] {
		var in, out *tracefile.Socket
		for _, s := range p.Sockets {
			if len(s.Events) > 0 && s.Events[0].Type == "forked_socket" && moved(s, recvTypes) > 0 {
				in = s
			}
		}
		if out = connectedToIn(p, echo.port); in == nil || out == nil {
			t.Errorf("%s: no inherited socket with data or no socket to the echo server; events %v", p.Name, socketTypes(p))
			continue
		}
		n := moved(in, recvTypes)
		if moved(in, sendTypes) != n || moved(out, sendTypes) != n || moved(out, recvTypes) != n {
			t.Errorf("%s: client side read %d wrote %d, server side wrote %d read %d; every one should be the connection's size",
				p.Name, n, moved(in, sendTypes), moved(out, sendTypes), moved(out, recvTypes))
		}
		found := false
		for port, size := range sizes {
			if size == n {
				found = true
				delete(sizes, port)
				break
			}
		}
		if !found {
			t.Errorf("%s relayed %d bytes, which no connection sent", p.Name, n)
		}
	}
}

// childOf returns the one child of process pid (tcpsnitch's: the traced
// program).
func childOf(t *testing.T, pid int) int {
	t.Helper()
	// Any of its threads may have started it (Go).
	tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/children", pid))
	var f []string
	for _, task := range tasks {
		b, _ := os.ReadFile(task)
		f = append(f, strings.Fields(string(b))...)
	}
	if len(f) != 1 {
		t.Fatalf("children of %d: %q, want one", pid, f)
	}
	child, _ := strconv.Atoi(f[0])
	return child
}

// connectedToIn returns p's socket that connected to port, or nil.
func connectedToIn(p *tracefile.Process, port int) *tracefile.Socket {
	for _, s := range p.Sockets {
		for _, ev := range s.OfType("connect") {
			if got, _ := ev.DetailString("addr", "port"); got == strconv.Itoa(port) {
				return s
			}
		}
	}
	return nil
}

func socketTypes(p *tracefile.Process) [][]string {
	var out [][]string
	for _, s := range p.Sockets {
		out = append(out, s.Types())
	}
	return out
}
