package runner

import (
	"context"
	"os"
	"os/signal"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"
)

// Signals routes the signals tcpsnitch receives. While a traced program
// runs they go to it (and tcpsnitch keeps running to finish the trace);
// otherwise SIGINT, SIGTERM, SIGHUP and SIGQUIT cancel the context, so
// work such as an upload stops.
type Signals struct {
	mu     sync.Mutex
	child  *os.Process
	cancel context.CancelFunc
	ch     chan os.Signal
	tty    *os.File // controlling terminal, to spot Ctrl-C sent to our group
	done   chan struct{}
}

var forwarded = []os.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT,
	syscall.SIGUSR1, syscall.SIGUSR2}

// WatchSignals starts routing. Call Stop when done.
func WatchSignals(parent context.Context) (context.Context, *Signals) {
	ctx, cancel := context.WithCancel(parent)
	s := &Signals{cancel: cancel, ch: make(chan os.Signal, 8), done: make(chan struct{})}
	if tty, err := os.Open("/dev/tty"); err == nil {
		s.tty = tty
	}
	signal.Notify(s.ch, forwarded...)
	go s.loop()
	return ctx, s
}

// Stop restores the default signal handling.
func (s *Signals) Stop() {
	signal.Stop(s.ch)
	close(s.done)
	if s.tty != nil {
		s.tty.Close()
	}
	s.cancel()
}

func (s *Signals) loop() {
	for {
		select {
		case <-s.done:
			return
		case sig := <-s.ch:
			s.route(sig.(syscall.Signal))
		}
	}
}

func (s *Signals) route(sig syscall.Signal) {
	s.mu.Lock()
	child := s.child
	s.mu.Unlock()
	if child == nil {
		if sig != syscall.SIGUSR1 && sig != syscall.SIGUSR2 {
			s.cancel()
		}
		return
	}
	// The terminal sends Ctrl-C (SIGINT) and Ctrl-\ (SIGQUIT) to the whole
	// foreground process group, which includes the child: sending it again
	// would deliver it twice.
	if (sig == syscall.SIGINT || sig == syscall.SIGQUIT) && s.foregroundOnTerminal() {
		return
	}
	child.Signal(sig)
}

// foregroundOnTerminal reports whether our process group (the child's too)
// is the terminal's foreground group.
func (s *Signals) foregroundOnTerminal() bool {
	if s.tty == nil {
		return false
	}
	pgrp, err := unix.IoctlGetInt(int(s.tty.Fd()), unix.TIOCGPGRP)
	return err == nil && pgrp == unix.Getpgrp()
}

// startChild runs start with routing held, so a signal that arrives while
// the program is being started waits and is forwarded to it, instead of
// being taken for a cancel. Signals go to the child until release is called.
func (s *Signals) startChild(start func() (*os.Process, error)) (release func(), err error) {
	if s == nil {
		_, err := start()
		return func() {}, err
	}
	s.mu.Lock()
	p, err := start()
	if err == nil {
		s.child = p
	}
	s.mu.Unlock()
	if err != nil {
		return nil, err
	}
	return func() {
		s.mu.Lock()
		s.child = nil
		s.mu.Unlock()
	}, nil
}
