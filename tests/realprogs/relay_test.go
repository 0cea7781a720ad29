package realprogs

import (
	"errors"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// relay is a TCP relay between clients and a server that counts the bytes
// that really crossed it. It forwards each half-close, so each side sees the
// other end's close as it would directly, and reads every byte a side sends
// even once the other is gone (a TLS close_notify after the server closed).
type relay struct {
	port    int
	backend string
	// Bytes read from the clients and written to the server, read from
	// the server and written to the clients: what a traced client sent is
	// fromClient, what it received toClient; a traced server received
	// toServer and sent fromServer.
	fromClient, toServer, fromServer, toClient atomic.Int64
	conns                                      atomic.Int64 // connections accepted
	wg                                         sync.WaitGroup
	ln                                         net.Listener

	mu sync.Mutex
	// Per connection to the server, by the relay's local port on it (the
	// peer port the server's accept reports), in the order they were made
	// (the kernel reuses a port once its connection is gone): what the
	// server received and sent on each.
	perConn map[int][]*connBytes
}

type connBytes struct {
	fromClient, toServer, fromServer, toClient atomic.Int64
	// The client reset the connection: it closed it with bytes it had not
	// read (Chromium cancels a duplicate request that way), so toClient
	// is more than it read.
	clientReset atomic.Bool
}

func newRelay(t *testing.T, backend string) *relay {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := &relay{port: ln.Addr().(*net.TCPAddr).Port, backend: backend, ln: ln, perConn: map[int][]*connBytes{}}
	t.Cleanup(func() { ln.Close() })
	go r.serve()
	return r
}

func (r *relay) addr() string { return "127.0.0.1:" + strconv.Itoa(r.port) }

func (r *relay) serve() {
	for {
		c, err := r.ln.Accept()
		if err != nil {
			return
		}
		r.conns.Add(1)
		r.wg.Add(1)
		go r.pipe(c.(*net.TCPConn))
	}
}

func (r *relay) pipe(client *net.TCPConn) {
	defer r.wg.Done()
	defer client.Close()
	s, err := net.Dial("tcp", r.backend)
	if err != nil {
		return
	}
	server := s.(*net.TCPConn)
	defer server.Close()
	c := &connBytes{}
	r.mu.Lock()
	port := server.LocalAddr().(*net.TCPAddr).Port
	r.perConn[port] = append(r.perConn[port], c)
	r.mu.Unlock()
	var both sync.WaitGroup
	both.Add(2)
	go func() {
		defer both.Done()
		if err := copyCounting(server, client, &c.fromClient, &c.toServer); errors.Is(err, syscall.ECONNRESET) {
			c.clientReset.Store(true)
		}
	}()
	go func() { defer both.Done(); copyCounting(client, server, &c.fromServer, &c.toClient) }()
	both.Wait()
	r.fromClient.Add(c.fromClient.Load())
	r.toServer.Add(c.toServer.Load())
	r.fromServer.Add(c.fromServer.Load())
	r.toClient.Add(c.toClient.Load())
}

// connsFrom returns the counts of the server connections whose relay side
// had local port port, oldest first.
func (r *relay) connsFrom(port int) []*connBytes {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.perConn[port]
}

// copyCounting moves src to dst until src ends, counting what was read and
// what dst accepted; once dst refuses, the rest of src is still read (and
// dropped) so the sender's bytes all leave the wire; then dst's write half
// closes. It returns how reading src ended (io.EOF for a clean close).
func copyCounting(dst, src *net.TCPConn, read, written *atomic.Int64) error {
	buf := make([]byte, 64<<10)
	dstOK := true
	for {
		k, err := src.Read(buf)
		read.Add(int64(k))
		if k > 0 && dstOK {
			w, werr := dst.Write(buf[:k])
			written.Add(int64(w))
			dstOK = werr == nil
		}
		if err != nil {
			dst.CloseWrite()
			return err
		}
	}
}

// settle waits until every relayed connection has ended on both sides, so
// the counts are final.
func (r *relay) settle(t *testing.T, timeout time.Duration) {
	t.Helper()
	done := make(chan struct{})
	go func() { r.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(timeout):
		t.Fatalf("relay to %s: connections still open %v after the programs ended", r.backend, timeout)
	}
}
