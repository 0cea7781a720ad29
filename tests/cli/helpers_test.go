package cli

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/tcpsnitch/tcpsnitch/internal/tracefile"
)

type result struct {
	code        int
	out, errOut string
}

// tcpsnitch runs the built binary with args and stdin.
func tcpsnitch(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	if _, ok := err.(*exec.ExitError); err != nil && !ok {
		t.Fatal(err)
	}
	return result{cmd.ProcessState.ExitCode(), out.String(), errOut.String()}
}

// server is a local HTTP server that counts the bytes it really moved.
type server struct {
	*httptest.Server
	port          string
	body          string
	read, written atomic.Int64
}

type countingConn struct {
	net.Conn
	s *server
}

func (c countingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.s.read.Add(int64(n))
	return n, err
}

func (c countingConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	c.s.written.Add(int64(n))
	return n, err
}

type countingListener struct {
	net.Listener
	s *server
}

func (l countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return countingConn{c, l.s}, nil
}

// newServer serves size bytes on every path.
func newServer(t *testing.T, size int) *server {
	s := &server{body: strings.Repeat("tcpsnitch test body\n", size/20+1)[:size]}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Connection", "close")
		io.WriteString(w, s.body)
	}))
	srv.Listener = countingListener{srv.Listener, s}
	srv.Start()
	t.Cleanup(srv.Close)
	s.Server = srv
	_, s.port, _ = net.SplitHostPort(srv.Listener.Addr().String())
	return s
}

// onlyProcess opens the trace and returns the single process dir of app.
func onlyProcess(t *testing.T, dir, app string) *tracefile.Process {
	t.Helper()
	tr, err := tracefile.Open(dir)
	if err != nil {
		t.Fatalf("reading the trace: %v", err)
	}
	ps := tr.ProcessesOf(app)
	if len(ps) != 1 {
		var names []string
		for _, p := range tr.Processes {
			names = append(names, p.Name)
		}
		t.Fatalf("want one %s_NNN process dir, trace has %v", app, names)
	}
	return ps[0]
}

// connectedSocket returns the socket that connected to port.
func connectedSocket(t *testing.T, p *tracefile.Process, port string) *tracefile.Socket {
	t.Helper()
	for _, s := range p.Sockets {
		for _, ev := range s.OfType("connect") {
			if got, _ := ev.DetailString("addr", "port"); got == port {
				return s
			}
		}
	}
	var desc []string
	for _, s := range p.Sockets {
		desc = append(desc, fmt.Sprint(s.Index, s.Types()))
	}
	t.Fatalf("no socket connected to port %s; sockets: %v", port, desc)
	return nil
}

var (
	sendTypes = map[string]bool{"send": true, "sendto": true, "sendmsg": true, "write": true, "writev": true}
	recvTypes = map[string]bool{"recv": true, "recvfrom": true, "recvmsg": true, "read": true, "readv": true}
)

// moved sums the return values of successful calls of the given types.
func moved(s *tracefile.Socket, types map[string]bool) int64 {
	var n int64
	for _, ev := range s.Events {
		if types[ev.Type] && ev.Success {
			n += ev.ReturnValue
		}
	}
	return n
}

func tool(name string) string { return filepath.Join(tools, name) }
