package adbtest

import (
	"errors"
	"io"
	"sync"
)

var errStreamClosed = errors.New("adbtest: stream closed")

// stream is one open service. Reads return what the host wrote (each WRTE is
// acknowledged with OKAY once consumed, so the host has at most one in
// flight); Write sends WRTEs of at most maxdata bytes, each waiting for the
// host's OKAY before the next.
type stream struct {
	c                 *conn
	localID, remoteID uint32

	mu      sync.Mutex
	cond    *sync.Cond
	inbox   [][]byte
	pending []byte
	closed  bool // by the host, the device or the transport

	ack  chan struct{}
	done chan struct{}
	once sync.Once
}

func newStream(c *conn, local, remote uint32) *stream {
	s := &stream{c: c, localID: local, remoteID: remote, ack: make(chan struct{}, 1), done: make(chan struct{})}
	s.cond = sync.NewCond(&s.mu)
	return s
}

func (s *stream) push(data []byte) {
	s.mu.Lock()
	s.inbox = append(s.inbox, data)
	s.mu.Unlock()
	s.cond.Broadcast()
}

func (s *stream) acked() {
	select {
	case s.ack <- struct{}{}:
	default:
	}
}

func (s *stream) Read(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for len(s.pending) == 0 {
		if len(s.inbox) > 0 {
			s.pending = s.inbox[0]
			s.inbox = s.inbox[1:]
			s.c.send(message{cmd: aOKAY, arg0: s.localID, arg1: s.remoteID})
			continue
		}
		if s.closed {
			return 0, io.EOF
		}
		s.cond.Wait()
	}
	n := copy(p, s.pending)
	s.pending = s.pending[n:]
	return n, nil
}

func (s *stream) Write(p []byte) (int, error) {
	written := 0
	for len(p) > 0 {
		n := min(len(p), int(s.c.maxData))
		if s.isClosed() {
			return written, errStreamClosed
		}
		if err := s.c.send(message{cmd: aWRTE, arg0: s.localID, arg1: s.remoteID, data: p[:n]}); err != nil {
			return written, err
		}
		select {
		case <-s.ack:
		case <-s.done:
			return written, errStreamClosed
		}
		written += n
		p = p[n:]
	}
	return written, nil
}

func (s *stream) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

// Done is closed when the stream ends, from either side.
func (s *stream) Done() <-chan struct{} { return s.done }

func (s *stream) markClosed() bool {
	first := false
	s.once.Do(func() {
		first = true
		s.mu.Lock()
		s.closed = true
		s.mu.Unlock()
		s.cond.Broadcast()
		close(s.done)
	})
	return first
}

func (s *stream) hostClosed() { s.markClosed() }

// Close ends the stream from the device side with CLSE(local, remote).
func (s *stream) Close() error {
	if s.markClosed() {
		s.c.mu.Lock()
		if s.c.streams != nil {
			delete(s.c.streams, s.localID)
		}
		s.c.mu.Unlock()
		return s.c.send(message{cmd: aCLSE, arg0: s.localID, arg1: s.remoteID})
	}
	return nil
}
